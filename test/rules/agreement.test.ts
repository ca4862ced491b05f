import { describe, expect, it } from 'vitest';
import { defaultAgreementInput, loadDefaultAgreement, DEFAULT_LINE_ID } from '../../src/agreement/default-agreement';
import { ILLUSTRATIVE_LINE_COORDS } from '../../src/demo/contact-line';
import { readFileSync } from 'node:fs';
import { DEFAULT_AGREEMENT_PATH } from '../../src/agreement/default-agreement';
import { AgreementValidationError, amendAgreement, parseAgreement, versionInForce, type AgreementInput } from '../../src/domain/agreement';

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

/** Parses and returns the problems (expects a rejection). */
function problems(input: unknown): { field: string; feature: string; message: string }[] {
  try {
    parseAgreement(input);
  } catch (e) {
    expect(e).toBeInstanceOf(AgreementValidationError);
    return (e as AgreementValidationError).problems;
  }
  throw new Error('expected the agreement to be rejected');
}

const base = (): AgreementInput => defaultAgreementInput();
const v1 = (a: AgreementInput) => a.versions[0]!.provisions;

describe('agreement file: the shipped default', () => {
  it('loads and validates; the Minsk pattern distances per class', () => {
    const parsed = loadDefaultAgreement();
    const v = parsed.versions[0]!;
    const byClass = Object.fromEntries(v.provisions.withdrawal.map((w) => [w.weaponClass, w.distanceM]));
    expect(byClass).toEqual({
      artillery_ge_100mm: 25_000,
      mlrs: 35_000,
      heavy_mlrs_tactical_missiles: 70_000,
      tanks: 15_000,
      artillery_lt_100mm: 15_000,
      mortars: 15_000,
    });
    expect(v.provisions.contactLine).toBe(DEFAULT_LINE_ID);
  });

  it('carries the demo line, and the JSON file holds the same coordinates (importable on its own)', () => {
    const parsed = loadDefaultAgreement();
    const line = parsed.versions[0]!.provisions.lines[0]!;
    expect(line.geometry.coordinates).toEqual(ILLUSTRATIVE_LINE_COORDS);
    const fileOnly = parseAgreement(JSON.parse(readFileSync(DEFAULT_AGREEMENT_PATH, 'utf8')));
    expect(fileOnly.versions[0]!.provisions.lines[0]!.geometry.coordinates).toEqual(ILLUSTRATIVE_LINE_COORDS);
  });
});

describe('agreement file: versions in force', () => {
  it('judges by the version in force at the instant; none before inForceFrom, after endedAt, or for drafts', () => {
    const parsed = amendAgreement(loadDefaultAgreement(), {
      effectiveFrom: '2026-09-01T00:00:00Z',
      note: 'tanks 20 km',
      provisions: { withdrawal: [{ id: 'Add-2015-tanks', weaponClass: 'tanks', distanceM: 20_000 }] },
    });
    expect(parsed.versions).toHaveLength(2);
    expect(versionInForce(parsed, '2026-01-05T23:59:59Z')).toBeNull();
    expect(versionInForce(parsed, '2026-08-31T23:59:59Z')!.version).toBe(1);
    expect(versionInForce(parsed, '2026-09-01T00:00:00Z')!.version).toBe(2);
    // an amendment replaces only the keys it sets
    const v2 = parsed.versions[1]!;
    expect(v2.provisions.withdrawal).toHaveLength(1);
    expect(v2.provisions.lines).toEqual(parsed.versions[0]!.provisions.lines);
    expect(parsed.versions[0]!.effectiveUntil).toBe('2026-09-01T00:00:00.000Z');

    const draft = clone(base());
    draft.status = 'draft';
    draft.inForceFrom = null;
    expect(versionInForce(parseAgreement(draft), '2026-06-01T00:00:00Z')).toBeNull();

    const ended = clone(base());
    ended.status = 'terminated';
    ended.endedAt = '2026-07-01T00:00:00Z';
    const p = parseAgreement(ended);
    expect(versionInForce(p, '2026-06-30T00:00:00Z')).not.toBeNull();
    expect(versionInForce(p, '2026-07-01T00:00:00Z')).toBeNull();
  });
});

describe('agreement file: rejected as a whole, naming the feature and the problem', () => {
  it('self-intersecting polygon', () => {
    const a = clone(base());
    v1(a).noFlyAreas![0]!.geometry = { type: 'Polygon', coordinates: [[[34, 47], [35, 48], [35, 47], [34, 48], [34, 47]]] };
    const p = problems(a);
    expect(p).toHaveLength(1);
    expect(p[0]!.feature).toBe('no-fly area "no-fly-znpp"');
    expect(p[0]!.field).toBe('versions.0.provisions.noFlyAreas.0.geometry');
    expect(p[0]!.message).toMatch(/self intersection/);
  });

  it('unclosed ring', () => {
    const a = clone(base());
    v1(a).storageSites![0]!.geometry = { type: 'Polygon', coordinates: [[[35, 48.4], [35.1, 48.4], [35.1, 48.45], [35, 48.45]]] };
    const p = problems(a);
    expect(p[0]!.feature).toBe('storage site "storage-ukr-1"');
    expect(p[0]!.message).toMatch(/unclosed ring.*not closed/);
  });

  it('coordinates out of range (line, site, polygon)', () => {
    const a = clone(base());
    (v1(a).lines![0]!.geometry.coordinates as number[][])[3] = [37.5, 95];
    v1(a).protectedSites![0]!.point = [200, 47];
    const p = problems(a);
    expect(p.map((x) => x.feature)).toEqual(['line "illustrative-contact-line"', 'protected site "site-znpp"']);
    expect(p.every((x) => /coordinates out of range/.test(x.message))).toBe(true);
  });

  it('wrong nesting: a hole outside its shell, a polygon inside another', () => {
    const a = clone(base());
    v1(a).noFlyAreas![0]!.geometry = {
      type: 'Polygon',
      coordinates: [
        [[34, 47], [35, 47], [35, 48], [34, 48], [34, 47]],
        [[36, 47], [36.5, 47], [36.5, 47.5], [36, 47]],
      ],
    };
    let p = problems(a);
    expect(p[0]!.feature).toBe('no-fly area "no-fly-znpp"');
    expect(p[0]!.message).toMatch(/wrong nesting: hole 1 lies outside the outer ring/);
    const b = clone(base());
    v1(b).noFlyAreas![0]!.geometry = {
      type: 'MultiPolygon',
      coordinates: [[[[34, 47], [35, 47], [35, 48], [34, 48], [34, 47]]], [[[34.2, 47.2], [34.5, 47.2], [34.5, 47.5], [34.2, 47.2]]]],
    };
    p = problems(b);
    expect(p[0]!.message).toMatch(/wrong nesting: polygon 1 lies inside polygon 0/);
  });

  it('unknown weapon class', () => {
    const a = clone(base());
    v1(a).withdrawal![1]!.weaponClass = 'rocket_artillery';
    const p = problems(a);
    expect(p).toEqual([
      {
        field: 'versions.0.provisions.withdrawal.1.weaponClass',
        feature: 'withdrawal "PoM-2-mlrs"',
        message: expect.stringMatching(/unknown weapon class "rocket_artillery"/),
      },
    ]);
  });

  it('schema errors name the feature too; unknown parties and lines; status without dates', () => {
    const a = clone(base()) as unknown as Record<string, unknown> & AgreementInput;
    (v1(a).protectedSites![1] as unknown as Record<string, unknown>).radiusM = -5;
    let p = problems(a);
    expect(p[0]!.feature).toBe('protected site "site-dfs"');
    expect(p[0]!.field).toBe('versions.0.provisions.protectedSites.1.radiusM');

    const b = clone(base());
    v1(b).withdrawal![0]!.distanceM = { UKR: 25_000, XXX: 25_000 };
    v1(b).withdrawal![0]!.measuredFrom = 'nope';
    b.status = 'suspended';
    p = problems(b);
    const msgs = p.map((x) => `${x.feature}: ${x.message}`);
    expect(msgs).toEqual(
      expect.arrayContaining([
        'agreement "minsk-pattern-default": status suspended needs endedAt',
        'withdrawal "PoM-2-artillery-100mm": unknown party "XXX"',
        'withdrawal "PoM-2-artillery-100mm": unknown line "nope"',
      ]),
    );
  });

  it('the error is a problem+json-ready TrucelineError listing every problem', () => {
    const a = clone(base());
    v1(a).withdrawal![0]!.weaponClass = 'x';
    v1(a).withdrawal![1]!.weaponClass = 'y';
    try {
      parseAgreement(a);
      throw new Error('not rejected');
    } catch (e) {
      const err = e as AgreementValidationError;
      expect(err.status).toBe(400);
      expect(err.type).toBe('invalid-agreement');
      expect(err.message).toMatch(/withdrawal "PoM-2-artillery-100mm": unknown weapon class "x".*withdrawal "PoM-2-mlrs"/);
      expect((err.extra as { problems: unknown[] }).problems).toHaveLength(2);
    }
  });
});
