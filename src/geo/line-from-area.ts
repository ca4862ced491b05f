import { geodesicDistanceM } from './ellipsoid';
import { LineIndex, type LinePart } from './line-index';

/** GeoJSON-like polygon coordinates: rings of [lon, lat], outer ring first. */
export type PolygonCoords = readonly (readonly (readonly number[])[])[];

export interface LineFromAreaOptions {
  /** Boundary closer than this to the border or the coast is not contact line (default 3,000 m). */
  toleranceM?: number;
  /** Parts shorter than this are dropped (default 20,000 m). */
  minLengthM?: number;
}

export interface DerivedLinePart {
  /** [lon, lat] positions; the area lies on the LEFT of the direction of travel. */
  coordinates: [number, number][];
  /** Geodesic length, metres. */
  lengthM: number;
  /** True when a whole ring was far from border and coast (the part is closed). */
  closed: boolean;
}

export interface DerivedLine {
  /** Kept parts, longest first. */
  parts: DerivedLinePart[];
  /** Lengths (metres) of the parts dropped for being shorter than the minimum. */
  droppedLengthsM: number[];
  toleranceM: number;
  minLengthM: number;
}

/** Geodesic length of a polyline, metres. */
export function polylineLengthM(coords: readonly (readonly number[])[]): number {
  let sum = 0;
  for (let i = 1; i < coords.length; i++) {
    sum += geodesicDistanceM(coords[i - 1]![0]!, coords[i - 1]![1]!, coords[i]![0]!, coords[i]![1]!);
  }
  return sum;
}

/** Twice the signed planar (lon/lat) area of a ring: positive when counter-clockwise. */
export function ringSignedArea2(ring: readonly (readonly number[])[]): number {
  let a = 0;
  for (let i = 1; i < ring.length; i++) a += ring[i - 1]![0]! * ring[i]![1]! - ring[i]![0]! * ring[i - 1]![1]!;
  return a;
}

/**
 * The contact line implied by an occupied-area polygon: the parts of the polygon's boundary that
 * lie farther than `toleranceM` from every reference line (the land border and the coast),
 * with parts shorter than `minLengthM` dropped.
 *
 * Each ring is oriented so that the area is on the LEFT of the direction of travel (outer rings
 * counter-clockwise, holes clockwise, as RFC 7946 asks), so the side of a point is known both by
 * point-in-area and by orientation. Where the boundary crosses the tolerance, the edge is cut at
 * the crossing (found by bisection to ~1 m). Distances to the references are geodesic (LineIndex
 * on WGS84, error well under a metre).
 */
export function lineFromArea(area: readonly PolygonCoords[], references: readonly LinePart[], options: LineFromAreaOptions = {}): DerivedLine {
  const tol = options.toleranceM ?? 3_000;
  const minLen = options.minLengthM ?? 20_000;
  const refs = references.filter((p) => p.length > 0);
  const index = refs.length > 0 ? new LineIndex(refs, { marginM: tol + 5_000, cellM: Math.max(1_000, Math.min(5_000, tol)) }) : null;
  const far = (lon: number, lat: number): boolean => {
    if (!index) return true;
    if (!index.covers(lon, lat)) return true;
    const h = index.locate(lon, lat);
    if (Math.abs(h.distanceM - tol) <= h.errorM) index.refine(lon, lat, h);
    return h.distanceM > tol;
  };
  const parts: DerivedLinePart[] = [];
  const dropped: number[] = [];
  const emit = (coords: [number, number][], closed: boolean): void => {
    if (coords.length < 2) return;
    const lengthM = polylineLengthM(coords);
    if (lengthM < minLen) dropped.push(lengthM);
    else parts.push({ coordinates: coords, lengthM, closed });
  };
  for (const polygon of area) {
    polygon.forEach((rawRing, ringIndex) => {
      let ring = rawRing.map((p) => [p[0]!, p[1]!] as [number, number]);
      if (ring.length < 4) return;
      const ccw = ringSignedArea2(ring) > 0;
      // outer rings CCW, holes CW: then the area is on the left
      if ((ringIndex === 0) !== ccw) ring = ring.reverse();
      const n = ring.length - 1; // closed ring: last = first
      const isFar = ring.slice(0, n).map(([lon, lat]) => far(lon, lat));
      if (isFar.every(Boolean)) {
        emit(ring, true);
        return;
      }
      if (!isFar.some(Boolean)) return;
      // crossing point on edge i→i+1 between a far and a near vertex
      const cut = (i: number): [number, number] => {
        const [x0, y0] = ring[i]!;
        const [x1, y1] = ring[(i + 1) % n]!;
        const farStart = isFar[i]!;
        let lo = 0;
        let hi = 1;
        for (let it = 0; it < 30; it++) {
          const t = (lo + hi) / 2;
          const f = far(x0 + (x1 - x0) * t, y0 + (y1 - y0) * t);
          if (f === farStart) lo = t;
          else hi = t;
          if (Math.hypot((x1 - x0) * (hi - lo), (y1 - y0) * (hi - lo)) < 1e-5) break;
        }
        const t = farStart ? lo : hi;
        return [x0 + (x1 - x0) * t, y0 + (y1 - y0) * t];
      };
      // start at a near vertex so every far run is contiguous in the walk
      const start = isFar.findIndex((f) => !f);
      let run: [number, number][] | null = null;
      for (let k = 1; k <= n; k++) {
        const i = (start + k) % n;
        const prev = (i - 1 + n) % n;
        if (isFar[i]) {
          if (!run) run = [cut(prev)];
          run.push(ring[i]!);
        } else if (run) {
          run.push(cut(prev));
          emit(run, false);
          run = null;
        }
      }
    });
  }
  parts.sort((a, b) => b.lengthM - a.lengthM);
  return { parts, droppedLengthsM: dropped.sort((a, b) => b - a), toleranceM: tol, minLengthM: minLen };
}

/**
 * Outer edges of a set of adjacent polygons (e.g. the oblasts of a country): the edges that
 * belong to exactly one polygon, chained into polylines. Shared edges must have identical
 * vertices in both polygons (true of boundaries cut from one topology, such as OSM's).
 */
export function outerEdges(polygons: readonly PolygonCoords[]): [number, number][][] {
  const key = (a: readonly number[], b: readonly number[]): string => {
    const ka = `${a[0]},${a[1]}`;
    const kb = `${b[0]},${b[1]}`;
    return ka < kb ? `${ka}|${kb}` : `${kb}|${ka}`;
  };
  const count = new Map<string, number>();
  for (const poly of polygons)
    for (const ring of poly)
      for (let i = 1; i < ring.length; i++) {
        const k = key(ring[i - 1]!, ring[i]!);
        count.set(k, (count.get(k) ?? 0) + 1);
      }
  const lines: [number, number][][] = [];
  for (const poly of polygons)
    for (const ring of poly) {
      let cur: [number, number][] | null = null;
      for (let i = 1; i < ring.length; i++) {
        const a = ring[i - 1]!;
        const b = ring[i]!;
        if (count.get(key(a, b)) === 1) {
          if (!cur) cur = [[a[0]!, a[1]!]];
          cur.push([b[0]!, b[1]!]);
        } else if (cur) {
          lines.push(cur);
          cur = null;
        }
      }
      if (cur) lines.push(cur);
    }
  return lines;
}

/** Ring boundaries of polygons as polylines, keeping only the stretches inside a lon/lat box. */
export function ringsInBox(polygons: readonly PolygonCoords[], box: readonly [number, number, number, number]): [number, number][][] {
  const [x0, y0, x1, y1] = box;
  const inside = (p: readonly number[]): boolean => p[0]! >= x0 && p[0]! <= x1 && p[1]! >= y0 && p[1]! <= y1;
  const out: [number, number][][] = [];
  for (const poly of polygons)
    for (const ring of poly) {
      let cur: [number, number][] | null = null;
      for (let i = 0; i < ring.length; i++) {
        const p = ring[i]!;
        if (inside(p)) {
          if (!cur) {
            cur = [];
            if (i > 0) cur.push([ring[i - 1]![0]!, ring[i - 1]![1]!]);
          }
          cur.push([p[0]!, p[1]!]);
        } else if (cur) {
          cur.push([p[0]!, p[1]!]);
          out.push(cur);
          cur = null;
        }
      }
      if (cur && cur.length > 1) out.push(cur);
    }
  return out;
}
