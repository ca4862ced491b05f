import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { canonicalContent, EXPLOSION_SUBKINDS, ObservationInput } from '../../src/domain/observation';
import { canonicalReleasability, RELEASABILITY_PATTERN } from '../../src/domain/releasability';
import { SectorIndex } from '../../src/domain/sector';
import { fieldErrors } from '../../src/domain/errors';
import { observationInput } from '../support/factories';

describe('ObservationInput', () => {
  it('applies the defaults a monitor expects', () => {
    const o = ObservationInput.parse({ id: 'a', kind: 'burst', observedAt: '2026-11-20T01:00:00+02:00', location: { lat: 48, lon: 37 } });
    expect(o).toMatchObject({ count: 1, releasability: 'MECHANISM', source: { kind: 'monitor' } });
  });

  it.each([
    [{ id: 'x'.repeat(129) }, 'id'],
    [{ id: 'has space' }, 'id'],
    [{ kind: 'rumour' }, 'kind'],
    [{ observedAt: '2026-11-20 12:00' }, 'observedAt'],
    [{ observedAt: '2026-11-20T12:00:00' }, 'observedAt'],
    [{ location: { lat: 48, lon: 181 } }, 'location.lon'],
    [{ location: { lat: 48, lon: 37, accuracyM: -1 } }, 'location.accuracyM'],
    [{ count: 0 }, 'count'],
    [{ observer: { lat: 48, lon: 37, bearingDeg: 360 } }, 'observer.bearingDeg'],
    [{ source: { kind: 'monitor', nation: 'fr' } }, 'source.nation'],
    [{ releasability: 'SECRET' }, 'releasability'],
    [{ kind: 'burst', subkind: 'impact' }, 'subkind'],
    [{ observedUntil: '2026-11-20T11:00:00Z' }, 'observedUntil'],
  ])('rejects %j naming %s', (over, field) => {
    const r = ObservationInput.safeParse({ ...observationInput({ observedAt: '2026-11-20T12:00:00Z' }), ...over });
    expect(r.success).toBe(false);
    expect(fieldErrors(r.error!.issues)[0]!.field).toBe(field);
  });

  it('accepts every explosion subkind', () => {
    for (const subkind of EXPLOSION_SUBKINDS) expect(ObservationInput.safeParse(observationInput({ kind: 'explosion', subkind })).success).toBe(true);
  });
});

describe('canonicalContent', () => {
  it('is the same for one instant written in different offsets, and for reordered keys', () => {
    const a = ObservationInput.parse(observationInput({ observedAt: '2026-11-20T14:00:00+02:00' }));
    const b = ObservationInput.parse({ ...Object.fromEntries(Object.entries(a).reverse()), observedAt: '2026-11-20T12:00:00Z' });
    expect(canonicalContent(b)).toBe(canonicalContent(a));
  });

  it('keeps the exact output (and sha256) stored content hashes were computed from', () => {
    // Stored rows carry this hash: a change here would make re-posts of old records conflict.
    const o = ObservationInput.parse({
      id: '019a0000-0000-7000-8000-000000000001',
      kind: 'explosion',
      subkind: 'impact',
      observedAt: '2026-11-20T14:05:00+02:00',
      observedUntil: '2026-11-20T14:06:30.5+02:00',
      location: { lon: 37.1, lat: 48.25, accuracyM: 250 },
      observer: { lat: 48.2, lon: 37, bearingDeg: 45 },
      count: 3,
      source: { kind: 'monitor', nation: 'FRA', reporter: 'Team "D-2" é' },
      notes: 'Heard\nand seen',
      releasability: 'REL TO USA,FRA',
    });
    const c = canonicalContent(o);
    expect(c).toBe(
      '{"count":3,"id":"019a0000-0000-7000-8000-000000000001","kind":"explosion","location":{"accuracyM":250,"lat":48.25,"lon":37.1},"notes":"Heard\\nand seen","observedAt":"2026-11-20T12:05:00.000Z","observedUntil":"2026-11-20T12:06:30.500Z","observer":{"bearingDeg":45,"lat":48.2,"lon":37},"releasability":"REL TO FRA, USA","source":{"kind":"monitor","nation":"FRA","reporter":"Team \\"D-2\\" é"},"subkind":"impact"}',
    );
    expect(createHash('sha256').update(c).digest('base64url')).toBe('pHfGT-RBrlfY-WbarOr1Ow4ZvE8mN4f4XdDCpy16Y6s');
  });

  it('differs whenever a field differs', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 1000 }), (c1, c2) => {
        const base = ObservationInput.parse(observationInput());
        const x = canonicalContent({ ...base, count: c1 });
        const y = canonicalContent({ ...base, count: c2 });
        return (x === y) === (c1 === c2);
      }),
    );
  });
});

describe('releasability', () => {
  it('canonicalises REL TO lists so equal labels compare equal', () => {
    expect(canonicalReleasability('REL TO UKR,USA, FRA')).toBe('REL TO FRA, UKR, USA');
    expect(canonicalReleasability('PUBLIC')).toBe('PUBLIC');
    expect(RELEASABILITY_PATTERN.test('REL TO USA, UKR')).toBe(true);
    expect(RELEASABILITY_PATTERN.test('REL TO usa')).toBe(false);
  });
});

describe('SectorIndex', () => {
  const square = (x: number, y: number) => ({ type: 'Polygon' as const, coordinates: [[[x, y], [x + 1, y], [x + 1, y + 1], [x, y + 1], [x, y]]] });
  const index = new SectorIndex([
    { id: 'a', name: 'A', geometry: square(30, 48) },
    { id: 'b', name: 'B', geometry: { type: 'MultiPolygon', coordinates: [square(32, 48).coordinates, square(34, 48).coordinates] } },
  ]);

  it('assigns a point inside a sector to it, and none outside every sector', () => {
    expect(index.sectorOf(30.5, 48.5)).toBe('a');
    expect(index.sectorOf(34.5, 48.5)).toBe('b');
    expect(index.sectorOf(33.5, 48.5)).toBeNull();
    expect(index.sectorOf(-70, 40)).toBeNull();
  });
});
