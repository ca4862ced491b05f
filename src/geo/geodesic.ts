import { GEOD, GEODESIC_CAPS, WGS84_A, WGS84_E2, ecef } from './ellipsoid';

const DIST_AZI = GEODESIC_CAPS.DISTANCE | GEODESIC_CAPS.AZIMUTH;
const LINE_CAPS = GEODESIC_CAPS.LATITUDE | GEODESIC_CAPS.LONGITUDE | GEODESIC_CAPS.AZIMUTH | GEODESIC_CAPS.DISTANCE_IN;

export interface SegmentDistance {
  /** Geodesic distance in metres from the point to the nearest point of the segment. */
  distanceM: number;
  /** Distance along the segment (metres from its start) of that nearest point. */
  alongM: number;
  /** Length of the segment, metres. */
  lengthM: number;
}

/**
 * Exact distance from a point to a geodesic segment A→B on the WGS84 ellipsoid, with
 * geographiclib. The distance from P to X(s), the point at distance s along the segment, has
 * derivative g(s) = cos(β(s) − γ(s)) where β is the segment's azimuth at X and γ the azimuth at X
 * of the geodesic arriving from P. g is increasing on segments much shorter than a quarter meridian
 * (the distance is convex along them), so the minimum is at A if g(0) ≥ 0, at B if g(L) ≤ 0, and
 * otherwise at the root of g, found by the Illinois variant of regula falsi with bisection as a
 * safeguard, to 1 mm along the segment (the distance error is then below a micrometre far from the
 * segment and below 1 mm near it).
 */
export function exactDistanceToSegment(lon: number, lat: number, lonA: number, latA: number, lonB: number, latB: number): SegmentDistance {
  const inv = GEOD.Inverse(latA, lonA, latB, lonB, DIST_AZI);
  const L = inv.s12!;
  const dA = GEOD.Inverse(lat, lon, latA, lonA, DIST_AZI);
  if (L < 1e-6) return { distanceM: dA.s12!, alongM: 0, lengthM: L };
  const line = GEOD.InverseLine(latA, lonA, latB, lonB, LINE_CAPS);
  const g = (s: number): { g: number; d: number } => {
    const x = line.Position(s, LINE_CAPS);
    const r = GEOD.Inverse(lat, lon, x.lat2!, x.lon2!, DIST_AZI);
    if (r.s12! < 1e-9) return { g: 0, d: 0 };
    return { g: Math.cos((x.azi2! - r.azi2!) * (Math.PI / 180)), d: r.s12! };
  };
  const g0 = dA.s12! < 1e-9 ? 0 : Math.cos((inv.azi1! - dA.azi2!) * (Math.PI / 180));
  if (g0 >= 0) return { distanceM: dA.s12!, alongM: 0, lengthM: L };
  const end = g(L);
  if (end.g <= 0) return { distanceM: end.d, alongM: L, lengthM: L };
  let a = 0;
  let ga = g0;
  let b = L;
  let gb = end.g;
  let best = Math.min(dA.s12!, end.d);
  let bestS = dA.s12! <= end.d ? 0 : L;
  let side = 0;
  for (let it = 0; it < 100 && b - a > 1e-3; it++) {
    let s = (a * gb - b * ga) / (gb - ga);
    if (!(s > a && s < b) || it % 8 === 7) s = (a + b) / 2;
    const r = g(s);
    if (r.d < best) {
      best = r.d;
      bestS = s;
    }
    if (r.g === 0) break;
    if (r.g < 0) {
      a = s;
      ga = r.g;
      if (side === -1) gb /= 2;
      side = -1;
    } else {
      b = s;
      gb = r.g;
      if (side === 1) ga /= 2;
      side = 1;
    }
  }
  const mid = g((a + b) / 2);
  if (mid.d < best) {
    best = mid.d;
    bestS = (a + b) / 2;
  }
  return { distanceM: best, alongM: bestS, lengthM: L };
}

/** Maximum normal curvature of the WGS84 ellipsoid, 1/m (at the equator, along the meridian). */
const KAPPA_MAX = 1 / (WGS84_A * (1 - WGS84_E2));

/**
 * Exact (geographiclib) distance from a point to a polyline made of geodesic segments, with a
 * rigorous pruning that does not depend on any index: the 3D (ECEF) distance from P to the chord
 * A–B, minus the largest gap between a geodesic of length L and its chord (κmax·L²/8), is a lower
 * bound of the geodesic distance from P to the segment (a geodesic is never shorter than the 3D
 * chord). Segments are tried in increasing order of that bound and the search stops once the bound
 * exceeds the best exact distance found. Used as the reference in tests and for points outside the
 * fast index; about 30–100 µs a point.
 */
export class ExactPolyline {
  /** Flattened segment endpoints: lonA, latA, lonB, latB per segment. */
  private readonly seg: Float64Array;
  private readonly chord: Float64Array;
  private readonly sag: Float64Array;
  readonly size: number;
  private readonly lb: Float64Array;

  constructor(parts: readonly (readonly (readonly number[])[])[]) {
    const segs: number[] = [];
    for (const part of parts) {
      for (let i = 1; i < part.length; i++) {
        const a = part[i - 1]!;
        const b = part[i]!;
        segs.push(a[0]!, a[1]!, b[0]!, b[1]!);
      }
      if (part.length === 1) segs.push(part[0]![0]!, part[0]![1]!, part[0]![0]!, part[0]![1]!);
    }
    this.size = segs.length / 4;
    this.seg = Float64Array.from(segs);
    this.chord = new Float64Array(this.size * 6);
    this.sag = new Float64Array(this.size);
    for (let i = 0; i < this.size; i++) {
      ecef(this.seg[4 * i]!, this.seg[4 * i + 1]!, this.chord, 6 * i);
      ecef(this.seg[4 * i + 2]!, this.seg[4 * i + 3]!, this.chord, 6 * i + 3);
      const L = Math.hypot(
        this.chord[6 * i + 3]! - this.chord[6 * i]!,
        this.chord[6 * i + 4]! - this.chord[6 * i + 1]!,
        this.chord[6 * i + 5]! - this.chord[6 * i + 2]!,
      );
      // A curve whose curvature never exceeds κmax strays from its chord c by at most the sagitta
      // of a circular arc of radius 1/κmax on that chord (for arcs under a half circle).
      const r = 1 / KAPPA_MAX;
      this.sag[i] = r - Math.sqrt(Math.max(0, r * r - (L * L) / 4)) + 1e-6;
    }
    this.lb = new Float64Array(this.size);
  }

  /** Lower bound (metres) of the geodesic distance from an ECEF point to segment i. */
  private lowerBound(px: number, py: number, pz: number, i: number): number {
    const c = this.chord;
    const o = 6 * i;
    const ax = c[o]!, ay = c[o + 1]!, az = c[o + 2]!;
    const ux = c[o + 3]! - ax, uy = c[o + 4]! - ay, uz = c[o + 5]! - az;
    const wx = px - ax, wy = py - ay, wz = pz - az;
    const uu = ux * ux + uy * uy + uz * uz;
    let t = uu > 0 ? (wx * ux + wy * uy + wz * uz) / uu : 0;
    if (t < 0) t = 0;
    else if (t > 1) t = 1;
    const d = Math.hypot(wx - t * ux, wy - t * uy, wz - t * uz);
    return d - this.sag[i]!;
  }

  /** Exact distance (metres) from (lon, lat) to the polyline, and the index of the nearest segment. */
  distance(lon: number, lat: number, candidates?: ArrayLike<number>): { distanceM: number; segment: number; alongM: number } {
    const p = new Float64Array(3);
    ecef(lon, lat, p, 0);
    const n = candidates ? candidates.length : this.size;
    let minLb = Infinity;
    let first = -1;
    for (let k = 0; k < n; k++) {
      const i = candidates ? candidates[k]! : k;
      const lb = this.lowerBound(p[0]!, p[1]!, p[2]!, i);
      this.lb[i] = lb;
      if (lb < minLb) {
        minLb = lb;
        first = i;
      }
    }
    let best = Infinity;
    let bestSeg = -1;
    let bestAlong = 0;
    const tryExact = (i: number): void => {
      const s = this.seg;
      const r = exactDistanceToSegment(lon, lat, s[4 * i]!, s[4 * i + 1]!, s[4 * i + 2]!, s[4 * i + 3]!);
      if (r.distanceM < best) {
        best = r.distanceM;
        bestSeg = i;
        bestAlong = r.alongM;
      }
    };
    if (first < 0) return { distanceM: Infinity, segment: -1, alongM: 0 };
    tryExact(first);
    // every other segment whose lower bound does not exclude it, nearest bounds first
    const rest: number[] = [];
    for (let k = 0; k < n; k++) {
      const i = candidates ? candidates[k]! : k;
      if (i !== first && this.lb[i]! <= best) rest.push(i);
    }
    rest.sort((x, y) => this.lb[x]! - this.lb[y]!);
    for (const i of rest) if (this.lb[i]! <= best) tryExact(i);
    return { distanceM: best, segment: bestSeg, alongM: bestAlong };
  }
}
