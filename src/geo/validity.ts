import type { PolygonCoords } from './line-from-area';

/** A problem found in a geometry, worded for a person reading an import error. */
export interface GeometryProblem {
  problem: 'coordinates_out_of_range' | 'unclosed_ring' | 'too_few_positions' | 'self_intersection' | 'wrong_nesting';
  message: string;
}

type Pos = readonly number[];

function fmt(p: Pos): string {
  return `[${+p[0]!.toFixed(5)}, ${+p[1]!.toFixed(5)}]`;
}

/** Problems with one position: not finite, or outside [-180, 180] × [-90, 90]. */
export function positionProblem(p: Pos): GeometryProblem | null {
  const [lon, lat] = p;
  if (p.length < 2 || !Number.isFinite(lon) || !Number.isFinite(lat) || Math.abs(lon!) > 180 || Math.abs(lat!) > 90) {
    return { problem: 'coordinates_out_of_range', message: `position ${JSON.stringify(p)} is not a [lon, lat] within [-180, 180] × [-90, 90]` };
  }
  return null;
}

function orient(a: Pos, b: Pos, c: Pos): number {
  return (b[0]! - a[0]!) * (c[1]! - a[1]!) - (b[1]! - a[1]!) * (c[0]! - a[0]!);
}

function onSegment(a: Pos, b: Pos, p: Pos): boolean {
  return Math.min(a[0]!, b[0]!) <= p[0]! && p[0]! <= Math.max(a[0]!, b[0]!) && Math.min(a[1]!, b[1]!) <= p[1]! && p[1]! <= Math.max(a[1]!, b[1]!);
}

/** 'cross' (proper crossing or collinear overlap), 'touch' (they only share a point), or null. */
function intersect(a: Pos, b: Pos, c: Pos, d: Pos): 'cross' | 'touch' | null {
  const o1 = orient(a, b, c);
  const o2 = orient(a, b, d);
  const o3 = orient(c, d, a);
  const o4 = orient(c, d, b);
  if (((o1 > 0 && o2 < 0) || (o1 < 0 && o2 > 0)) && ((o3 > 0 && o4 < 0) || (o3 < 0 && o4 > 0))) return 'cross';
  if (o1 === 0 && o2 === 0 && o3 === 0 && o4 === 0) {
    // collinear: overlap of positive length is a crossing, a shared end point a touch
    const overlaps = onSegment(a, b, c) || onSegment(a, b, d) || onSegment(c, d, a) || onSegment(c, d, b);
    if (!overlaps) return null;
    const shared = [c, d].filter((p) => (p[0] === a[0] && p[1] === a[1]) || (p[0] === b[0] && p[1] === b[1])).length;
    const lenAB = Math.hypot(b[0]! - a[0]!, b[1]! - a[1]!);
    const lenCD = Math.hypot(d[0]! - c[0]!, d[1]! - c[1]!);
    if (shared === 1 && !(onSegment(a, b, c) && onSegment(a, b, d)) && !(onSegment(c, d, a) && onSegment(c, d, b))) return 'touch';
    return lenAB > 0 && lenCD > 0 ? 'cross' : 'touch';
  }
  if ((o1 === 0 && onSegment(a, b, c)) || (o2 === 0 && onSegment(a, b, d)) || (o3 === 0 && onSegment(c, d, a)) || (o4 === 0 && onSegment(c, d, b))) {
    return 'touch';
  }
  return null;
}

interface Edge {
  a: Pos;
  b: Pos;
  ring: number;
  index: number;
  ringLen: number;
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

/** Even-odd point-in-ring test (planar lon/lat). */
export function inRing(p: Pos, ring: readonly Pos[]): boolean {
  let inside = false;
  for (let i = 1; i < ring.length; i++) {
    const a = ring[i - 1]!;
    const b = ring[i]!;
    if (a[1]! > p[1]! !== b[1]! > p[1]! && p[0]! < a[0]! + ((p[1]! - a[1]!) * (b[0]! - a[0]!)) / (b[1]! - a[1]!)) inside = !inside;
  }
  return inside;
}

/**
 * First crossing between edges of the given rings (each closed), by a sweep over x. Edges next
 * to each other in a ring may share their common vertex; anything else that crosses or overlaps
 * is reported. Rings may touch at single points (as OSM and DeepState rings sometimes do).
 */
function firstCrossing(rings: readonly (readonly Pos[])[]): { e1: Edge; e2: Edge } | null {
  const edges: Edge[] = [];
  rings.forEach((ring, r) => {
    for (let i = 1; i < ring.length; i++) {
      const a = ring[i - 1]!;
      const b = ring[i]!;
      if (a[0] === b[0] && a[1] === b[1]) continue;
      edges.push({ a, b, ring: r, index: i - 1, ringLen: ring.length - 1, x0: Math.min(a[0]!, b[0]!), x1: Math.max(a[0]!, b[0]!), y0: Math.min(a[1]!, b[1]!), y1: Math.max(a[1]!, b[1]!) });
    }
  });
  edges.sort((p, q) => p.x0 - q.x0);
  for (let i = 0; i < edges.length; i++) {
    const e = edges[i]!;
    for (let j = i + 1; j < edges.length && edges[j]!.x0 <= e.x1; j++) {
      const f = edges[j]!;
      if (f.y0 > e.y1 || f.y1 < e.y0) continue;
      const r = intersect(e.a, e.b, f.a, f.b);
      if (r === 'cross') return { e1: e, e2: f };
    }
  }
  return null;
}

/** Problems of a polygon's rings on their own: range, closure, size. */
function ringProblems(poly: PolygonCoords, label: string): GeometryProblem[] {
  const out: GeometryProblem[] = [];
  poly.forEach((ring, r) => {
    const name = r === 0 ? `${label}outer ring` : `${label}hole ${r}`;
    for (const p of ring) {
      const pp = positionProblem(p);
      if (pp) {
        out.push({ problem: pp.problem, message: `${name}: ${pp.message}` });
        return;
      }
    }
    if (ring.length < 4) {
      out.push({ problem: 'too_few_positions', message: `${name} has ${ring.length} positions; a closed ring needs at least 4` });
      return;
    }
    const first = ring[0]!;
    const last = ring[ring.length - 1]!;
    if (first[0] !== last[0] || first[1] !== last[1]) {
      out.push({ problem: 'unclosed_ring', message: `${name} is not closed: it starts at ${fmt(first)} and ends at ${fmt(last)}` });
    }
  });
  return out;
}

/**
 * Validity of a GeoJSON Polygon or MultiPolygon (planar lon/lat, as RFC 7946 draws edges):
 * coordinates in range, rings closed with ≥ 4 positions, no ring crossing itself or another ring,
 * holes inside their outer ring and not inside each other, and the polygons of a MultiPolygon
 * neither overlapping nor nested. Returns every problem found (empty when valid).
 */
export function polygonalProblems(polys: readonly PolygonCoords[]): GeometryProblem[] {
  const out: GeometryProblem[] = [];
  const multi = polys.length > 1;
  polys.forEach((poly, k) => {
    const label = multi ? `polygon ${k}: ` : '';
    if (poly.length === 0) {
      out.push({ problem: 'too_few_positions', message: `${label}has no rings` });
      return;
    }
    out.push(...ringProblems(poly, label));
  });
  if (out.length > 0) return out;
  polys.forEach((poly, k) => {
    const label = multi ? `polygon ${k}: ` : '';
    const c = firstCrossing(poly);
    if (c) {
      const where = (e: Edge): string => (e.ring === 0 ? `outer ring edge ${e.index}` : `hole ${e.ring} edge ${e.index}`);
      const same = c.e1.ring === c.e2.ring;
      out.push({
        problem: same ? 'self_intersection' : 'wrong_nesting',
        message: same
          ? `${label}${where(c.e1)} (${fmt(c.e1.a)}–${fmt(c.e1.b)}) crosses ${where(c.e2)} (${fmt(c.e2.a)}–${fmt(c.e2.b)}): the ring intersects itself`
          : `${label}${where(c.e1)} crosses ${where(c.e2)} near ${fmt(c.e1.a)}: a hole must lie inside its outer ring without crossing it`,
      });
      return;
    }
    for (let h = 1; h < poly.length; h++) {
      const hole = poly[h]!;
      const probe = hole.find((p) => !poly[0]!.some((q) => q[0] === p[0] && q[1] === p[1])) ?? hole[0]!;
      if (!inRing(probe, poly[0]!)) {
        out.push({ problem: 'wrong_nesting', message: `${label}hole ${h} lies outside the outer ring (at ${fmt(probe)})` });
      }
      for (let g = 1; g < poly.length; g++) {
        if (g !== h && inRing(probe, poly[g]!)) {
          out.push({ problem: 'wrong_nesting', message: `${label}hole ${h} lies inside hole ${g}` });
        }
      }
    }
  });
  if (out.length > 0 || !multi) return out;
  // polygons of a MultiPolygon: no crossings between them, no polygon inside another
  const outers = polys.map((p) => p[0]!);
  const cross = firstCrossing(outers);
  if (cross) {
    out.push({
      problem: 'wrong_nesting',
      message: `polygon ${cross.e1.ring} and polygon ${cross.e2.ring} overlap (their outer rings cross near ${fmt(cross.e1.a)})`,
    });
    return out;
  }
  polys.forEach((p, i) => {
    polys.forEach((q, j) => {
      if (i === j) return;
      const probe = p[0]!.find((pt) => !q[0]!.some((x) => x[0] === pt[0] && x[1] === pt[1])) ?? p[0]![0]!;
      if (inRing(probe, q[0]!) && !q.slice(1).some((hole) => inRing(probe, hole))) {
        out.push({ problem: 'wrong_nesting', message: `polygon ${i} lies inside polygon ${j}: it should be one polygon, or a hole` });
      }
    });
  });
  return out;
}

/** Problems of a LineString or MultiLineString: coordinates in range, ≥ 2 positions per line. */
export function linealProblems(lines: readonly (readonly Pos[])[]): GeometryProblem[] {
  const out: GeometryProblem[] = [];
  lines.forEach((line, k) => {
    const label = lines.length > 1 ? `line ${k}: ` : '';
    if (line.length < 2) out.push({ problem: 'too_few_positions', message: `${label}has ${line.length} positions; a line needs at least 2` });
    for (const p of line) {
      const pp = positionProblem(p);
      if (pp) {
        out.push({ problem: pp.problem, message: `${label}${pp.message}` });
        break;
      }
    }
  });
  return out;
}
