import { describe, expect, it } from 'vitest';
import { GEOD } from '../../src/geo/ellipsoid';
import { ellipseOf, ellipseRing, estimateOrigin, withinEllipse, type Bearing } from '../../src/domain/origin';

/**
 * Point of origin from bearings, against known points: observers stand at known places, take
 * the true bearing to a known origin plus normal noise of the stated error, and the estimate must
 * fall within its 2-sigma ellipse at the rate a two-dimensional normal error gives (86.5%).
 */

/** A seeded generator (mulberry32) and a normal deviate from it: runs are reproducible. */
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
  return { next, gauss };
}

const ORIGIN = { lat: 48.1, lon: 37.8 };
/** A place at `km` from the origin on azimuth `az` (so the observer's bearing to the origin is the reverse). */
const at = (az: number, km: number) => {
  const r = GEOD.Direct(ORIGIN.lat, ORIGIN.lon, az, km * 1000);
  return { lat: r.lat2!, lon: r.lon2! };
};
const trueBearing = (o: { lat: number; lon: number }) => (GEOD.Inverse(o.lat, o.lon, ORIGIN.lat, ORIGIN.lon).azi1! + 360) % 360;
const metresFromOrigin = (e: { lat: number; lon: number }) => GEOD.Inverse(e.lat, e.lon, ORIGIN.lat, ORIGIN.lon).s12!;

describe('origin from bearings', () => {
  it('finds the origin exactly from exact bearings, across the ellipsoid (observers 5 to 25 km away)', () => {
    const observers = [at(200, 8), at(290, 12), at(250, 25), at(170, 5)];
    const e = estimateOrigin(observers.map((o) => ({ ...o, bearingDeg: trueBearing(o) })))!;
    expect(e).not.toBeNull();
    expect(metresFromOrigin(e)).toBeLessThan(0.5);
    expect(e.residualRmsDeg).toBeLessThan(0.001);
    expect(e.warnings).toEqual([]);
    expect(e.bearings).toBe(4);
  });

  it('sizes the ellipse from the bearing error and the ranges: long across the lines of two posts far away', () => {
    // Two posts 10 km away whose lines cross at 90°: each line's cross-range 1-sigma is 10 km × 3°.
    const e = estimateOrigin([at(180, 10), at(270, 10)].map((o) => ({ ...o, bearingDeg: trueBearing(o) })))!;
    const sigma = 10_000 * 3 * (Math.PI / 180);
    expect(e.ellipse.semiMajorM).toBeCloseTo(2 * sigma, -1);
    expect(e.ellipse.semiMinorM).toBeCloseTo(2 * sigma, -1);
    expect(e.ellipse.probability).toBeCloseTo(0.8647, 3);
    // Narrow crossing (20°): long along the lines' mean direction, short across.
    const narrow = estimateOrigin([at(170, 10), at(190, 10)].map((o) => ({ ...o, bearingDeg: trueBearing(o) })))!;
    expect(narrow.ellipse.semiMajorM / narrow.ellipse.semiMinorM).toBeGreaterThan(5);
    expect(Math.min(narrow.ellipse.orientationDeg, 180 - narrow.ellipse.orientationDeg)).toBeLessThan(2); // north-south
    // A larger bearing error makes a proportionally larger ellipse.
    const rough = estimateOrigin([at(180, 10), at(270, 10)].map((o) => ({ ...o, bearingDeg: trueBearing(o) })), { sigmaDeg: 6 })!;
    expect(rough.ellipse.semiMajorM / e.ellipse.semiMajorM).toBeCloseTo(2, 2);
  });

  it('holds the true origin within the 2-sigma ellipse at the expected rate (86.5%) over 2,000 noisy trials', () => {
    const { next, gauss } = prng(7);
    const sigmaDeg = 3;
    const trials = 2000;
    let inside = 0;
    let sumMiss = 0;
    for (let t = 0; t < trials; t++) {
      const n = 2 + Math.floor(next() * 4);
      const bearings: Bearing[] = [];
      for (let i = 0; i < n; i++) {
        // Posts spread over a half circle, 4 to 20 km from the origin.
        const o = at(120 + next() * 180, 4 + next() * 16);
        bearings.push({ ...o, bearingDeg: (trueBearing(o) + gauss() * sigmaDeg + 360) % 360 });
      }
      const e = estimateOrigin(bearings, { sigmaDeg });
      if (!e) continue;
      if (withinEllipse(e, ORIGIN.lat, ORIGIN.lon)) inside++;
      sumMiss += metresFromOrigin(e);
    }
    const rate = inside / trials;
    console.log(`origin: ${(rate * 100).toFixed(1)}% of ${trials} true origins inside the 2-sigma ellipse (expected 86.5%); mean miss ${(sumMiss / trials).toFixed(0)} m with ±${sigmaDeg}° bearings`);
    // Three standard errors of a proportion of 2,000 around 0.865 is ±0.023.
    expect(rate).toBeGreaterThan(0.84);
    expect(rate).toBeLessThan(0.89);
  });

  it('gives no estimate from fewer than two observers, from one place, or from parallel lines', () => {
    const o = at(200, 8);
    expect(estimateOrigin([{ ...o, bearingDeg: trueBearing(o) }])).toBeNull();
    expect(estimateOrigin([{ ...o, bearingDeg: trueBearing(o) }, { ...o, bearingDeg: trueBearing(o) + 10 }])).toBeNull();
    const a = at(180, 10);
    const b = GEOD.Direct(a.lat, a.lon, 90, 2000);
    expect(estimateOrigin([{ ...a, bearingDeg: 0 }, { lat: b.lat2!, lon: b.lon2!, bearingDeg: 0 }])).toBeNull();
  });

  it('warns when the lines meet behind an observer', () => {
    const a = at(180, 10);
    const b = at(270, 10);
    const e = estimateOrigin([
      { ...a, bearingDeg: (trueBearing(a) + 180) % 360, id: 'obs-a' },
      { ...b, bearingDeg: (trueBearing(b) + 180) % 360, id: 'obs-b' },
    ])!;
    expect(e.warnings.some((w) => /behind observer obs-a/.test(w))).toBe(true);
  });

  it('draws the ellipse as a closed ring through its axes', () => {
    const e = estimateOrigin([at(170, 10), at(200, 12)].map((o) => ({ ...o, bearingDeg: trueBearing(o) })))!;
    const ring = ellipseRing(e, 36);
    expect(ring).toHaveLength(37);
    expect(ring[0]).toEqual(ring[36]);
    const far = Math.max(...ring.map(([lon, lat]) => GEOD.Inverse(e.lat, e.lon, lat, lon).s12!));
    const near = Math.min(...ring.map(([lon, lat]) => GEOD.Inverse(e.lat, e.lon, lat, lon).s12!));
    expect(far).toBeCloseTo(e.ellipse.semiMajorM, -1);
    expect(near).toBeGreaterThan(e.ellipse.semiMinorM * 0.98);
  });

  it('orients the ellipse by azimuth', () => {
    expect(ellipseOf({ ee: 4, en: 0, nn: 1 }).orientationDeg).toBeCloseTo(90);
    expect(ellipseOf({ ee: 1, en: 0, nn: 4 }).orientationDeg).toBeCloseTo(0);
    expect(ellipseOf({ ee: 2, en: 1, nn: 2 }).orientationDeg).toBeCloseTo(45);
    expect(ellipseOf({ ee: 2, en: -1, nn: 2 }).orientationDeg).toBeCloseTo(135);
  });
});
