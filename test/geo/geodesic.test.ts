import geographiclib from 'geographiclib-geodesic';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ExactPolyline, exactDistanceToSegment } from '../../src/geo/geodesic';
import { GaussSphere } from '../../src/geo/gauss-sphere';

const G = geographiclib.Geodesic.WGS84;

/**
 * An independent reference: golden-section search along the geodesic segment (geographiclib
 * Position) of the geographiclib Inverse distance, after a dense scan to bracket the minimum.
 */
function bruteSegment(lon: number, lat: number, a: number[], b: number[]): number {
  const line = G.InverseLine(a[1]!, a[0]!, b[1]!, b[0]!);
  const L = line.s13;
  const d = (s: number) => {
    const p = line.Position(s);
    return G.Inverse(lat, lon, p.lat2!, p.lon2!).s12!;
  };
  const n = 64;
  let bi = 0;
  let bv = Infinity;
  for (let i = 0; i <= n; i++) {
    const v = d((L * i) / n);
    if (v < bv) {
      bv = v;
      bi = i;
    }
  }
  let lo = (L * Math.max(0, bi - 1)) / n;
  let hi = (L * Math.min(n, bi + 1)) / n;
  const phi = (Math.sqrt(5) - 1) / 2;
  for (let it = 0; it < 80 && hi - lo > 1e-4; it++) {
    const x1 = hi - phi * (hi - lo);
    const x2 = lo + phi * (hi - lo);
    if (d(x1) < d(x2)) hi = x2;
    else lo = x1;
  }
  return Math.min(bv, d((lo + hi) / 2));
}

describe('exact geodesic distance to a segment (the reference for the fast index)', () => {
  it('agrees with an independent golden-section search to a millimetre', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -60, max: 70, noNaN: true }),
        fc.double({ min: -170, max: 170, noNaN: true }),
        fc.double({ min: -0.5, max: 0.5, noNaN: true }),
        fc.double({ min: -0.5, max: 0.5, noNaN: true }),
        fc.double({ min: -2, max: 2, noNaN: true }),
        fc.double({ min: -2, max: 2, noNaN: true }),
        (lat, lon, dx, dy, px, py) => {
          const a = [lon, lat];
          const b = [lon + dx, lat + dy];
          const r = exactDistanceToSegment(lon + px, lat + py, a[0]!, a[1]!, b[0]!, b[1]!);
          const ref = bruteSegment(lon + px, lat + py, a, b);
          expect(Math.abs(r.distanceM - ref)).toBeLessThan(1e-3);
        },
      ),
      { numRuns: 150, seed: 42 },
    );
  });

  it('ExactPolyline prunes with a valid lower bound (same answer as trying every segment)', () => {
    const line = [
      [36, 48],
      [36.3, 48.2],
      [36.5, 48.1],
      [36.9, 48.6],
      [37.2, 48.5],
    ];
    const poly = new ExactPolyline([line]);
    fc.assert(
      fc.property(fc.double({ min: 34, max: 39, noNaN: true }), fc.double({ min: 46.5, max: 50, noNaN: true }), (lon, lat) => {
        let best = Infinity;
        for (let i = 1; i < line.length; i++) best = Math.min(best, exactDistanceToSegment(lon, lat, line[i - 1]![0]!, line[i - 1]![1]!, line[i]![0]!, line[i]![1]!).distanceM);
        expect(poly.distance(lon, lat).distanceM).toBeCloseTo(best, 6);
      }),
      { numRuns: 100, seed: 7 },
    );
  });
});

describe('Gauss conformal sphere', () => {
  const sphere = GaussSphere.forRange(46, 51, 31, 40, 2.5);

  it('has a relative distance error bound below 2e-6 over Ukraine, and the bound holds', () => {
    expect(sphere.relErr).toBeLessThan(2e-6);
    const u = new Float64Array(6);
    fc.assert(
      fc.property(
        fc.double({ min: 43.6, max: 53.4, noNaN: true }),
        fc.double({ min: 20, max: 45, noNaN: true }),
        fc.double({ min: -3, max: 3, noNaN: true }),
        fc.double({ min: -3, max: 3, noNaN: true }),
        (lat, lon, dlat, dlon) => {
          const lat2 = Math.min(sphere.latHi, Math.max(sphere.latLo, lat + dlat));
          sphere.toUnit(lon, lat, u, 0);
          sphere.toUnit(lon + dlon, lat2, u, 3);
          const chord = Math.hypot(u[0]! - u[3]!, u[1]! - u[4]!, u[2]! - u[5]!);
          const ds = 2 * sphere.R * Math.asin(chord / 2);
          const de = G.Inverse(lat, lon, lat2, lon + dlon).s12!;
          expect(Math.abs(ds - de)).toBeLessThanOrEqual(sphere.relErr * de + 1e-6);
        },
      ),
      { numRuns: 2000, seed: 1 },
    );
  });

  it('maps back and forth, and the latitude fit matches the closed form', () => {
    const u = new Float64Array(3);
    const v = new Float64Array(3);
    for (let lat = sphere.latLo; lat <= sphere.latHi; lat += 0.37) {
      sphere.toUnit(33.3, lat, u, 0);
      sphere.toUnitExact(33.3, lat, v, 0);
      expect(Math.hypot(u[0]! - v[0]!, u[1]! - v[1]!, u[2]! - v[2]!)).toBeLessThan(1e-13);
      const [lon2, lat2] = sphere.fromUnit(u[0]!, u[1]!, u[2]!);
      expect(lon2).toBeCloseTo(33.3, 10);
      expect(lat2).toBeCloseTo(lat, 10);
    }
  });
});
