import geographiclib from 'geographiclib-geodesic';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { amendWithDerivedLine } from '../../src/agreement/agreement-file';
import { loadDefaultAgreement } from '../../src/agreement/default-agreement';
import { lineFromAreaFile } from '../../src/agreement/line-from-area';
import { demoWeek } from '../../src/demo/demo-week';
import { parseAgreement, type AgreementInput } from '../../src/domain/agreement';
import { AgreementJudge, buildGeoIndex, evaluate, type ObservationLike } from '../../src/domain/rules';
import { DEEPSTATE_20260822, HAVE_SHARED, SHARED_NOTE } from '../geo/shared-data';

const G = geographiclib.Geodesic.WGS84;

/** A meridian line at 36°E from 47°N to 49°N, heading north: party A on the left (west), B on the right (east). */
const input: AgreementInput = {
  id: 'test-agreement',
  name: 'Test agreement',
  parties: [
    { id: 'A', name: 'Party A' },
    { id: 'B', name: 'Party B' },
  ],
  status: 'in_force',
  inForceFrom: '2026-01-01T00:00:00Z',
  versions: [
    {
      version: 1,
      effectiveFrom: '2026-01-01T00:00:00Z',
      provisions: {
        lines: [{ id: 'L', geometry: { type: 'LineString', coordinates: [[36, 47], [36, 48], [36, 49]] }, leftParty: 'A', rightParty: 'B' }],
        withdrawal: [
          { id: 'W-tanks', weaponClass: 'tanks', distanceM: 15_000 },
          { id: 'W-arty', weaponClass: 'artillery_ge_100mm', distanceM: { A: 25_000, B: 30_000 } },
          { id: 'W-mlrs', weaponClass: 'mlrs', distanceM: 35_000, storageRequired: false },
        ],
        securityZone: { id: 'SZ', halfWidthM: 10_000 },
        protectedSites: [{ id: 'PS', name: 'Pumping station', point: [36.05, 48.5], radiusM: 2_000 }],
        noFlyAreas: [{ id: 'NF', name: 'No-fly box', geometry: { type: 'Polygon', coordinates: [[[36.2, 47.2], [36.4, 47.2], [36.4, 47.4], [36.2, 47.4], [36.2, 47.2]]] } }],
        storageSites: [
          { id: 'ST-B', name: 'Storage B', party: 'B', geometry: { type: 'Polygon', coordinates: [[[36.1, 48.0], [36.2, 48.0], [36.2, 48.1], [36.1, 48.0]]] } },
          { id: 'ST-A', name: 'Storage A', party: 'A', point: [35.5, 48.5], radiusM: 1_000, weaponClasses: ['tanks'] },
        ],
      },
    },
  ],
};
const parsed = parseAgreement(input);
const version = parsed.versions[0]!;
const geo = buildGeoIndex(version);

/** A point at `metres` east (positive) or west (negative) of the line at latitude `lat`. */
function at(metres: number, lat = 48.5): { lon: number; lat: number } {
  const r = G.Direct(lat, 36, metres >= 0 ? 90 : 270, Math.abs(metres));
  return { lon: r.lon2!, lat: r.lat2! };
}
const obs = (o: Partial<ObservationLike> & { location: { lon: number; lat: number } }): ObservationLike => ({
  kind: 'weapon_sighting',
  observedAt: '2026-05-01T12:00:00Z',
  ...o,
});
const judge = (o: ObservationLike) => evaluate(o, version, geo);

describe('rules engine on hand-made cases', () => {
  it('a tank inside its withdrawal distance breaches it, with the numbers', () => {
    const j = judge(obs({ location: at(14_999), weapon: { model: 'T-72', count: 3 } }));
    expect(j.side).toBe('B');
    expect(j.distanceToLineM).toBeCloseTo(14_999, 3);
    expect(j.breaches).toEqual([
      { provision: 'W-tanks', kind: 'withdrawal', distanceM: expect.closeTo(14_999, 3), requiredM: 15_000, weaponClass: 'tanks', side: 'B', line: 'L', count: 3 },
    ]);
    expect(j.zones).toEqual(['W-tanks', 'W-arty', 'W-mlrs']);
  });

  it('beyond the line but outside storage is its own finding; inside a storage site complies', () => {
    const beyond = judge(obs({ location: at(15_001), weapon: { model: 'T-72' } }));
    expect(beyond.breaches.map((b) => [b.provision, b.kind])).toEqual([['W-tanks', 'weapon_outside_storage']]);
    const stored = judge(obs({ location: { lon: 36.18, lat: 48.03 }, weapon: { model: 'T-72' } }));
    expect(stored.zones).toContain('ST-B');
    expect(stored.breaches).toEqual([]);
    // the point-and-radius site holds tanks only: artillery there is still outside storage
    const tankAtA = judge(obs({ location: { lon: 35.5, lat: 48.503 }, weapon: { model: 'T-64' } }));
    expect(tankAtA.side).toBe('A');
    expect(tankAtA.breaches).toEqual([]);
    const artyAtA = judge(obs({ location: { lon: 35.5, lat: 48.503 }, weapon: { model: 'D-30' } }));
    expect(artyAtA.breaches.map((b) => b.kind)).toEqual(['weapon_outside_storage']);
  });

  it('withdrawal distances per side: 27 km is compliant for A (25 km) and a breach for B (30 km)', () => {
    const west = judge(obs({ location: at(-27_000), weapon: { model: '2S19' } }));
    expect(west.side).toBe('A');
    expect(west.breaches.map((b) => [b.kind, b.requiredM])).toEqual([['weapon_outside_storage', 25_000]]);
    const east = judge(obs({ location: at(27_000), weapon: { model: '2S19' } }));
    expect(east.side).toBe('B');
    expect(east.breaches.map((b) => [b.kind, b.requiredM])).toEqual([['withdrawal', 30_000]]);
  });

  it('storage not required: an MLRS beyond its line is no finding', () => {
    expect(judge(obs({ location: at(40_000), weapon: { model: 'BM-21' } })).breaches).toEqual([]);
    expect(judge(obs({ location: at(34_000), weapon: { model: 'BM-21' } })).breaches.map((b) => b.kind)).toEqual(['withdrawal']);
  });

  it('fire inside the security zone, of every fire kind; not damage, not outside', () => {
    for (const kind of ['explosion', 'burst', 'shot', 'muzzle_flash', 'projectile_in_flight']) {
      const j = judge(obs({ kind, subkind: kind === 'explosion' ? 'outgoing' : undefined, location: at(-5_000) }));
      expect(j.breaches).toEqual([{ provision: 'SZ', kind: 'fire_in_security_zone', distanceM: expect.closeTo(5_000, 3), halfWidthM: 10_000, side: 'A', line: 'L' }]);
    }
    expect(judge(obs({ kind: 'damage', location: at(-5_000) })).breaches).toEqual([]);
    expect(judge(obs({ kind: 'explosion', subkind: 'impact', location: at(-10_001) })).breaches).toEqual([]);
    expect(judge(obs({ kind: 'explosion', subkind: 'impact', location: at(-9_999) })).breaches).toHaveLength(1);
  });

  it('an impact within a protected site radius (not outgoing fire from it)', () => {
    const site = { lon: 36.05, lat: 48.5 + 1_500 / 111_200 };
    const j = judge(obs({ kind: 'explosion', subkind: 'impact', location: site }));
    expect(j.breaches.map((b) => b.kind)).toEqual(['fire_in_security_zone', 'impact_at_protected_site']);
    const b = j.breaches[1]!;
    expect(b.provision).toBe('PS');
    expect(b.radiusM).toBe(2_000);
    expect(b.distanceM).toBeCloseTo(G.Inverse(48.5, 36.05, site.lat, site.lon).s12!, 3);
    const out = judge(obs({ kind: 'explosion', subkind: 'outgoing', location: site }));
    expect(out.breaches.map((x) => x.kind)).toEqual(['fire_in_security_zone']);
    expect(out.zones).toContain('PS');
  });

  it('a flight in a no-fly area', () => {
    const j = judge(obs({ kind: 'flight', location: { lon: 36.3, lat: 47.3 } }));
    expect(j.breaches).toEqual([{ provision: 'NF', kind: 'flight_in_no_fly_area' }]);
    expect(judge(obs({ kind: 'explosion', location: { lon: 36.3, lat: 47.3 } })).breaches.map((b) => b.kind)).toEqual([]);
  });

  it('unclassified weapons are recorded, never a breach; unknown models fall back by calibre', () => {
    const u = judge(obs({ location: at(1_000), weapon: { model: 'mystery launcher' } }));
    expect(u.weapon).toEqual({ weaponClass: null, basis: 'unclassified' });
    expect(u.breaches).toEqual([]);
    const c = judge(obs({ location: at(1_000), weapon: { model: 'new howitzer', caliberMm: 155 } }));
    expect(c.weapon).toMatchObject({ weaponClass: 'artillery_ge_100mm', basis: 'caliber' });
    expect(c.breaches.map((b) => b.provision)).toEqual(['W-arty']);
  });

  it('decides exactly at the threshold (millimetres either side)', () => {
    for (const d of [14_999.995, 15_000.005]) {
      const j = judge(obs({ location: at(d, 47.7), weapon: { model: 'T-80' } }));
      expect(j.breaches[0]!.kind).toBe(d < 15_000 ? 'withdrawal' : 'weapon_outside_storage');
    }
  });

  it('is deterministic and consistent with the distance (property-based)', () => {
    fc.assert(
      fc.property(fc.double({ min: -80_000, max: 80_000, noNaN: true }), fc.double({ min: 47.1, max: 48.9, noNaN: true }), (m, lat) => {
        const o = obs({ location: at(m, lat), weapon: { model: 'D-30' } });
        const j1 = judge(o);
        expect(judge(o)).toEqual(j1);
        const required = j1.side === 'A' ? 25_000 : 30_000;
        if (Math.abs(m) > 0.01) expect(j1.side).toBe(m < 0 ? 'A' : 'B'); // on the line itself: left by convention
        expect(j1.breaches[0]!.kind).toBe(j1.distanceToLineM < required ? 'withdrawal' : 'weapon_outside_storage');
        expect(j1.zones.includes('SZ')).toBe(j1.distanceToLineM <= 10_000);
      }),
      { numRuns: 300, seed: 5 },
    );
  });

  it('AgreementJudge picks the version in force at observedAt, and nothing before', () => {
    const judgeAll = new AgreementJudge(parsed);
    expect(judgeAll.evaluate(obs({ observedAt: '2025-12-31T23:59:59Z', location: at(1_000), weapon: { model: 'T-72' } }))).toBeNull();
    expect(judgeAll.evaluate(obs({ location: at(1_000), weapon: { model: 'T-72' } }))!.version).toBe(1);
  });
});

describe(`the default agreement on the demo week, then the 2026-08-22 line as an amendment${SHARED_NOTE}`, () => {
  it('judges the demo week with visible breaches', () => {
    const judge = new AgreementJudge(loadDefaultAgreement());
    const week = demoWeek({ end: new Date('2026-11-20T00:00:00Z') });
    const kinds = new Map<string, number>();
    for (const o of week) for (const b of judge.evaluate(o)!.breaches) kinds.set(b.kind, (kinds.get(b.kind) ?? 0) + 1);
    expect(kinds.get('fire_in_security_zone')).toBeGreaterThan(100);
    expect(kinds.get('withdrawal')).toBeGreaterThan(5);
    expect(kinds.get('weapon_outside_storage')).toBeGreaterThan(5);
  });

  it.skipIf(!HAVE_SHARED)('re-judging after the derived-line amendment changes judgements', () => {
    const derived = lineFromAreaFile(DEEPSTATE_20260822);
    const amended = amendWithDerivedLine(loadDefaultAgreement(), derived, { effectiveFrom: '2026-08-22T00:00:00Z', insideParty: 'RUS', outsideParty: 'UKR' });
    const before = new AgreementJudge(loadDefaultAgreement());
    const after = new AgreementJudge(amended);
    const week = demoWeek({ end: new Date('2026-11-20T00:00:00Z') });
    let changed = 0;
    for (const o of week) {
      const a = before.evaluate(o)!;
      const b = after.evaluate(o)!;
      expect(b.version).toBe(2);
      if (JSON.stringify(a.breaches) !== JSON.stringify(b.breaches) || a.side !== b.side) changed++;
    }
    expect(changed).toBeGreaterThan(week.length / 10);
    // Donetsk city is on the occupied side of the real line, Kramatorsk on the government side
    expect(after.evaluate({ kind: 'shot', observedAt: '2026-09-01T00:00:00Z', location: { lon: 37.8, lat: 48.0 } })!.side).toBe('RUS');
    expect(after.evaluate({ kind: 'shot', observedAt: '2026-09-01T00:00:00Z', location: { lon: 37.58, lat: 48.72 } })!.side).toBe('UKR');
  });
});
