import { readFileSync } from 'node:fs';
import booleanPointInPolygon from '@turf/boolean-point-in-polygon';
import fc from 'fast-check';
import type { MultiPolygon, Polygon } from 'geojson';
import { describe, expect, it } from 'vitest';
import { PolygonIndex } from '../../src/geo/polygon-index';
import { DEEPSTATE_20260822, HAVE_SHARED, SHARED_NOTE, prng } from './shared-data';

/** Planar distance in metres from a point to a lon/lat segment (local equirectangular scale). */
function edgeDistanceM(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const kx = 111_320 * Math.cos((py * Math.PI) / 180);
  const ky = 110_574;
  const ux = (bx - ax) * kx, uy = (by - ay) * ky;
  const wx = (px - ax) * kx, wy = (py - ay) * ky;
  const uu = ux * ux + uy * uy;
  const t = uu > 0 ? Math.max(0, Math.min(1, (wx * ux + wy * uy) / uu)) : 0;
  return Math.hypot(wx - t * ux, wy - t * uy);
}

/** Nearest-edge distance for many points, with a bucket grid of edges (independent of PolygonIndex). */
function nearestEdgeM(g: MultiPolygon | Polygon): (x: number, y: number) => number {
  const rings = (g.type === 'Polygon' ? [g.coordinates] : g.coordinates).flat();
  const cell = 0.05;
  const buckets = new Map<string, number[][]>();
  for (const r of rings) {
    for (let i = 1; i < r.length; i++) {
      const a = r[i - 1]!, b = r[i]!;
      for (let cx = Math.floor(Math.min(a[0]!, b[0]!) / cell); cx <= Math.floor(Math.max(a[0]!, b[0]!) / cell); cx++)
        for (let cy = Math.floor(Math.min(a[1]!, b[1]!) / cell); cy <= Math.floor(Math.max(a[1]!, b[1]!) / cell); cy++) {
          const k = `${cx},${cy}`;
          if (!buckets.has(k)) buckets.set(k, []);
          buckets.get(k)!.push([a[0]!, a[1]!, b[0]!, b[1]!]);
        }
    }
  }
  return (x, y) => {
    let best = Infinity;
    const cx = Math.floor(x / cell), cy = Math.floor(y / cell);
    for (let i = -1; i <= 1; i++)
      for (let j = -1; j <= 1; j++)
        for (const e of buckets.get(`${cx + i},${cy + j}`) ?? []) best = Math.min(best, edgeDistanceM(x, y, e[0]!, e[1]!, e[2]!, e[3]!));
    return best; // Infinity: farther than a cell (> ~3.5 km)
  };
}

describe(`point in polygon vs @turf/boolean-point-in-polygon on the DeepState area${SHARED_NOTE}`, () => {
  it.skipIf(!HAVE_SHARED)('agrees on 100,000 random points except within 1 m of an edge (counted)', () => {
    const g = (JSON.parse(readFileSync(DEEPSTATE_20260822, 'utf8')) as { features: { geometry: MultiPolygon }[] }).features[0]!.geometry;
    const idx = PolygonIndex.fromGeometry(g);
    const near = nearestEdgeM(g);
    const rnd = prng(4);
    let inside = 0;
    let withinMetre = 0;
    let mismatches = 0;
    let mismatchesAway = 0;
    const N = 100_000;
    for (let i = 0; i < N; i++) {
      let x: number, y: number;
      if (i % 4 === 0) {
        // a quarter close to the boundary: a random vertex plus up to ~50 m
        const poly = g.coordinates[Math.floor(rnd() * g.coordinates.length)]!;
        const ring = poly[0]!;
        const v = ring[Math.floor(rnd() * ring.length)]!;
        x = v[0]! + (rnd() - 0.5) * 1e-3;
        y = v[1]! + (rnd() - 0.5) * 7e-4;
      } else {
        x = 31.4 + rnd() * 9;
        y = 44.3 + rnd() * 7.7;
      }
      const ours = idx.contains(x, y);
      const turf = booleanPointInPolygon([x, y], g);
      if (turf) inside++;
      const d = near(x, y);
      if (d < 1) withinMetre++;
      if (ours !== turf) {
        mismatches++;
        if (d >= 1) mismatchesAway++;
      }
    }
    console.info(`[pip] ${N} points, ${inside} inside; ${withinMetre} within 1 m of an edge; ${mismatches} disagreements with turf (${mismatchesAway} farther than 1 m from an edge)`);
    expect(mismatchesAway).toBe(0);
    expect(inside).toBeGreaterThan(10_000);
  });
});

describe('PolygonIndex on random polygons (property-based)', () => {
  it('agrees with turf on star-shaped polygons with holes and on multipolygons', () => {
    const star = (cx: number, cy: number, radii: number[], scale: number): number[][] => {
      const ring = radii.map((r, i) => {
        const a = (2 * Math.PI * i) / radii.length;
        return [cx + Math.cos(a) * r * scale, cy + Math.sin(a) * r * scale];
      });
      ring.push(ring[0]!);
      return ring;
    };
    fc.assert(
      fc.property(
        fc.double({ min: -60, max: 60, noNaN: true }),
        fc.double({ min: -170, max: 170, noNaN: true }),
        fc.array(fc.double({ min: 0.5, max: 1, noNaN: true }), { minLength: 3, maxLength: 60 }),
        fc.array(fc.double({ min: 0.5, max: 1, noNaN: true }), { minLength: 3, maxLength: 12 }),
        fc.array(fc.tuple(fc.double({ min: -1.2, max: 1.2, noNaN: true }), fc.double({ min: -1.2, max: 1.2, noNaN: true })), { minLength: 50, maxLength: 200 }),
        (cy, cx, outerR, holeR, probes) => {
          // the hole stays inside the outer ring: its radius ≤ 0.2 < 0.5 (the outer's smallest)
          const g: MultiPolygon = {
            type: 'MultiPolygon',
            coordinates: [[star(cx, cy, outerR, 1), star(cx, cy, holeR, 0.2)], [star(cx + 3, cy, outerR, 0.5)]],
          };
          const idx = PolygonIndex.fromGeometry(g);
          const near = nearestEdgeM(g);
          for (const [dx, dy] of probes) {
            const x = cx + dx * 2 + 1;
            const y = cy + dy;
            if (near(x, y) < 1) continue;
            expect(idx.contains(x, y)).toBe(booleanPointInPolygon([x, y], g));
          }
        },
      ),
      { numRuns: 200, seed: 3 },
    );
  });
});
