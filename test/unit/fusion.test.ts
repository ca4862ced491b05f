import { describe, expect, it } from 'vitest';
import { GEOD } from '../../src/geo/ellipsoid';
import {
  DEFAULT_FUSION_PARAMS,
  FusionIndex,
  FusionParams,
  checkMerge,
  checkSplit,
  fuseSequence,
  linkScore,
  pairwiseScores,
  pointOf,
  type FusionPoint,
} from '../../src/domain/fusion';
import { addToSummary, claimSummary, meetReleasability, summaryOf } from '../../src/domain/incident';
import type { Observation, ObservationKind } from '../../src/domain/observation';
import { COALITION_PRESET } from '../../src/domain/coalition';

/**
 * Fusion on generated bursts of reports with known ground truth: events happen at known places
 * and times; each is reported by one to six posts with their own position error and clock; the
 * reports arrive in the order they were made, as on ingest. Pairwise precision and recall of the
 * grouping are printed for each scenario.
 */

function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const gauss = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  return { next, gauss, pick };
}

const T0 = Date.UTC(2026, 10, 24, 18);
const FIRE: ObservationKind[] = ['explosion', 'explosion', 'explosion', 'burst', 'shot', 'muzzle_flash', 'damage'];

interface Scenario {
  name: string;
  events: number;
  hours: number;
  /** Side of the square area, km. */
  areaKm: number;
  seed: number;
}

/** Reports of a scenario's events, in the order they were made, with the true event of each. */
function burst(s: Scenario): { points: FusionPoint[]; truth: Map<string, string> } {
  const { next, gauss, pick } = prng(s.seed);
  const points: FusionPoint[] = [];
  const truth = new Map<string, string>();
  for (let e = 0; e < s.events; e++) {
    const origin = GEOD.Direct(48.0, 37.5, next() * 360, Math.sqrt(next()) * (s.areaKm / 2) * 1000);
    const t = T0 + next() * s.hours * 3_600_000;
    const weapons = next() < 0.15;
    const reports = 1 + Math.floor(next() * 6);
    for (let r = 0; r < reports; r++) {
      // A post's idea of where it landed: crater analysis (100 m), a sound bearing and distance (500 m) or a guess (1.5 km).
      const accuracyM = pick([100, 500, 1500]);
      const off = GEOD.Direct(origin.lat2!, origin.lon2!, next() * 360, Math.abs(gauss()) * (accuracyM / 2));
      const kind: ObservationKind = weapons ? 'weapon_sighting' : pick(FIRE);
      const id = `e${e}-r${r}`;
      // Clocks and reaction: about a minute either way, up to a few minutes late.
      const at = t + gauss() * 60_000 + next() * 3 * 60_000 * (kind === 'damage' ? 3 : 1);
      points.push(pointOf({ id, kind, location: { lat: off.lat2!, lon: off.lon2!, accuracyM }, observedAt: new Date(at).toISOString(), observedUntil: undefined }));
      truth.set(id, `e${e}`);
    }
  }
  points.sort((a, b) => a.t0 - b.t0);
  return { points, truth };
}

const SCENARIOS: Scenario[] = [
  { name: 'evening shelling along a sector (300 events, 6 h, 60 km)', events: 300, hours: 6, areaKm: 60, seed: 1 },
  { name: 'quiet night (80 events, 8 h, 60 km)', events: 80, hours: 8, areaKm: 60, seed: 2 },
  { name: 'intense barrage (200 events, 2 h, 20 km)', events: 200, hours: 2, areaKm: 20, seed: 3 },
];

describe('fusion on generated bursts with ground truth', () => {
  for (const s of SCENARIOS) {
    it(`groups ${s.name}`, () => {
      const { points, truth } = burst(s);
      const started = performance.now();
      const grouped = fuseSequence(points);
      const ms = performance.now() - started;
      const score = pairwiseScores(grouped, truth);
      const incidents = new Set(grouped.values()).size;
      console.log(
        `fusion: ${s.name}: ${points.length} reports -> ${incidents} incidents (truth ${s.events}); ` +
          `precision ${score.precision.toFixed(3)}, recall ${score.recall.toFixed(3)}, F1 ${score.f1.toFixed(3)}; ${((ms * 1000) / points.length).toFixed(1)} µs per report`,
      );
      if (s.name.startsWith('intense')) {
        // Events closer together than the windows cannot all be told apart: recall stays, precision pays.
        expect(score.recall).toBeGreaterThan(0.9);
        expect(score.precision).toBeGreaterThan(0.35);
      } else {
        expect(score.precision).toBeGreaterThan(0.9);
        expect(score.recall).toBeGreaterThan(0.9);
      }
    });
  }

  it('is cheap per report at scale: 20,000 reports over a day', () => {
    const { points } = burst({ name: 'scale', events: 6000, hours: 24, areaKm: 400, seed: 9 });
    const started = performance.now();
    fuseSequence(points);
    const perReportUs = ((performance.now() - started) * 1000) / points.length;
    console.log(`fusion: ${points.length} reports in a day over 400 km: ${perReportUs.toFixed(1)} µs per report`);
    expect(perReportUs).toBeLessThan(200);
  });

  it('scores a perfect grouping 1 and an all-in-one grouping by its precision', () => {
    const truth = new Map([
      ['a', '1'],
      ['b', '1'],
      ['c', '2'],
      ['d', '2'],
    ]);
    expect(pairwiseScores(truth, truth)).toMatchObject({ precision: 1, recall: 1, f1: 1 });
    const one = new Map([...truth.keys()].map((k) => [k, 'x']));
    expect(pairwiseScores(one, truth)).toMatchObject({ precision: 2 / 6, recall: 1 });
    const apart = new Map([...truth.keys()].map((k) => [k, k]));
    expect(pairwiseScores(apart, truth)).toMatchObject({ precision: 1, recall: 0 });
  });
});

const pt = (id: string, over: Partial<FusionPoint> = {}): FusionPoint => ({ id, kind: 'fire', lon: 37.5, lat: 48, t0: T0, t1: T0, accuracyM: 0, ...over });
const kmEast = (km: number) => 37.5 + km / (111.32 * Math.cos((48 * Math.PI) / 180));

describe('fusion rules', () => {
  const w = DEFAULT_FUSION_PARAMS.windows.fire;
  it('links reports of compatible kinds within T minutes and D km, widened by their accuracy', () => {
    expect(linkScore(pt('a'), pt('b'), w, 0.5)).toBe(0);
    expect(w).toMatchObject({ minutes: 7, km: 1 });
    expect(linkScore(pt('a'), pt('b', { t0: T0 + 6 * 60_000, t1: T0 + 6 * 60_000 }), w, 0.5)).not.toBeNull();
    expect(linkScore(pt('a'), pt('b', { t0: T0 + 8 * 60_000, t1: T0 + 8 * 60_000 }), w, 0.5)).toBeNull();
    // An observation that lasted: the gap is measured from its end.
    expect(linkScore(pt('a', { t1: T0 + 30 * 60_000 }), pt('b', { t0: T0 + 35 * 60_000, t1: T0 + 35 * 60_000 }), w, 0.5)).not.toBeNull();
    expect(linkScore(pt('a'), pt('b', { lon: kmEast(0.9) }), w, 0.5)).not.toBeNull();
    expect(linkScore(pt('a'), pt('b', { lon: kmEast(1.2) }), w, 0.5)).toBeNull();
    expect(linkScore(pt('a', { accuracyM: 1500 }), pt('b', { lon: kmEast(1.8), accuracyM: 1500 }), w, 0.5)).not.toBeNull();
    // Accuracy at most doubles D.
    expect(linkScore(pt('a', { accuracyM: 50_000 }), pt('b', { lon: kmEast(2.1), accuracyM: 50_000 }), w, 0.5)).toBeNull();
    expect(linkScore(pt('a'), pt('b', { kind: 'weapon_sighting' }), w, 0.5)).toBeNull();
  });

  it('joins the closest incident, bounded by span and extent, and forgets old and removed ones', () => {
    const index = new FusionIndex(DEFAULT_FUSION_PARAMS);
    index.add('near', 'fire', [pt('n1', { lon: kmEast(0.3) })]);
    index.add('far', 'fire', [pt('f1', { lon: kmEast(-0.8) })]);
    expect(index.match(pt('x'))).toMatchObject({ incidentId: 'near' });
    // A chain of reports 6 minutes apart stops growing one incident after maxSpanMinutes (120).
    const chain = new FusionIndex(DEFAULT_FUSION_PARAMS);
    chain.add('long', 'fire', [pt('c0')]);
    let t = T0;
    for (let i = 1; ; i++) {
      t += 6 * 60_000;
      const m = chain.match(pt(`c${i}`, { t0: t, t1: t }));
      if (!m) {
        expect(t - T0).toBeGreaterThan(120 * 60_000);
        break;
      }
      chain.attach('long', pt(`c${i}`, { t0: t, t1: t }));
    }
    index.remove('near');
    expect(index.match(pt('x'))).toMatchObject({ incidentId: 'far' });
    index.prune('weapon_sighting', T0 + 60 * 60_000);
    expect(index.match(pt('x'))).toMatchObject({ incidentId: 'far' });
    index.prune('fire', T0 + 60 * 60_000);
    expect(index.match(pt('x'))).toBeNull();
    expect(index.size).toBe(0);
  });

  it('moves a report between incidents without stale entries (as a split does)', () => {
    const index = new FusionIndex(DEFAULT_FUSION_PARAMS);
    index.add('a', 'fire', [pt('p1'), pt('p2', { lon: kmEast(0.2) })]);
    index.add('b', 'fire', [pt('p2', { lon: kmEast(0.2) })]);
    expect(index.incidentOf('p2')).toBe('b');
    expect(index.match(pt('x', { lon: kmEast(0.21) }))).toMatchObject({ incidentId: 'b' });
  });

  it('takes tuned windows and keeps the defaults of the rest', () => {
    const p = FusionParams.parse({ windows: { fire: { minutes: 5 } }, accuracyWeight: 0 });
    expect(p.windows.fire).toEqual({ ...DEFAULT_FUSION_PARAMS.windows.fire, minutes: 5 });
    expect(p.windows.mine).toEqual(DEFAULT_FUSION_PARAMS.windows.mine);
    expect(p.sourceKinds).not.toContain('osint');
    expect(() => FusionParams.parse({ windows: { fire: { minutes: -1 } } })).toThrow();
  });

  it('checks analysts\' merges and splits', () => {
    expect(() => checkMerge({ id: 'a', state: 'received' }, { id: 'a', state: 'received' })).toThrow(/another incident/);
    expect(() => checkMerge({ id: 'a', state: 'findings' }, { id: 'b', state: 'received' })).toThrow(/fixed/);
    expect(() => checkMerge({ id: 'a', state: 'under_investigation' }, { id: 'b', state: 'received' })).not.toThrow();
    expect(() => checkSplit({ id: 'a', state: 'triaged' }, ['1', '2'], ['1', '2'])).toThrow(/at least one/);
    expect(() => checkSplit({ id: 'a', state: 'triaged' }, ['1', '2'], ['3'])).toThrow(/not an observation/);
    expect(() => checkSplit({ id: 'a', state: 'review' }, ['1', '2'], ['1'])).toThrow(/fixed/);
    expect(() => checkSplit({ id: 'a', state: 'triaged' }, ['1', '2'], ['1'])).not.toThrow();
  });
});

describe('incident summary and label', () => {
  const members = COALITION_PRESET.members;
  it('meets labels so that whoever sees the incident sees every observation in it', () => {
    expect(meetReleasability('PUBLIC', 'COALITION', members)).toBe('COALITION');
    expect(meetReleasability('PUBLIC', 'PUBLIC', members)).toBe('PUBLIC');
    expect(meetReleasability('MECHANISM', 'PUBLIC', members)).toBe('MECHANISM');
    expect(meetReleasability('COALITION', 'REL TO FRA, RUS', members)).toBe('REL TO FRA');
    expect(meetReleasability('COALITION', 'REL TO RUS', members)).toBe('MECHANISM');
    expect(meetReleasability('REL TO FRA, GBR', 'REL TO GBR, USA', members)).toBe('REL TO GBR');
    expect(meetReleasability('REL TO FRA', 'REL TO GBR', members)).toBe('MECHANISM');
    expect(meetReleasability('REL TO USA,FRA', 'PUBLIC', members)).toBe('REL TO FRA, USA');
  });

  it('folds observations one at a time as it recomputes them whole', () => {
    const obs = (id: string, over: Partial<Observation>): Observation => ({
      id,
      kind: 'explosion',
      observedAt: '2026-11-24T18:00:00Z',
      location: { lat: 48, lon: 37.5 },
      count: 1,
      source: { kind: 'monitor' },
      releasability: 'PUBLIC',
      sector: 'donetsk',
      receivedAt: '2026-11-24T18:01:00Z',
      ...over,
    });
    const list = [
      obs('a', { count: 3 }),
      obs('b', { observedAt: '2026-11-24T18:05:00Z', observedUntil: '2026-11-24T18:20:00Z', location: { lat: 48.01, lon: 37.52 }, releasability: 'COALITION', source: { kind: 'camera' } }),
      obs('c', { kind: 'damage', sector: null, location: { lat: 47.99, lon: 37.49 } }),
    ];
    let folded = claimSummary('fire', 0, 0, null);
    for (const o of list) folded = addToSummary(folded, o, members);
    const whole = summaryOf(list, members, claimSummary('fire', 0, 0, null));
    expect(folded).toEqual({ ...whole, centroid: { lon: expect.closeTo(whole.centroid!.lon, 9), lat: expect.closeTo(whole.centroid!.lat, 9) } });
    expect(whole).toMatchObject({
      kind: 'fire',
      sector: 'donetsk',
      firstMs: Date.parse('2026-11-24T18:00:00Z'),
      lastMs: Date.parse('2026-11-24T18:20:00Z'),
      bbox: [37.49, 47.99, 37.52, 48.01],
      observationCount: 3,
      events: 5,
      releasability: 'COALITION',
      kinds: { explosion: 2, damage: 1 },
      sources: { monitor: 2, camera: 1 },
      sectors: { donetsk: 2, '': 1 },
    });
  });
});
