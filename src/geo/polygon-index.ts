import type { PolygonCoords } from './line-from-area';

/** Candidate positions (fractions of a cell) for a cell's reference point, tried in order. */
const REF_FRACTIONS: readonly [number, number][] = [
  [0.5, 0.5],
  [0.3, 0.3],
  [0.7, 0.7],
  [0.3, 0.7],
  [0.7, 0.3],
  [0.4, 0.6],
  [0.6, 0.4],
  [0.35, 0.5],
  [0.65, 0.5],
  [0.5, 0.35],
  [0.5, 0.65],
  [0.45, 0.55],
];

const OUT = 0;
const IN = 1;
const MIXED = 2;

function orient(ax: number, ay: number, bx: number, by: number, cx: number, cy: number): number {
  return (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
}

/**
 * One ring on a uniform lon/lat grid. Each cell is either entirely outside or inside the ring, or
 * "mixed": then it keeps the edges that touch it and the inside/outside state of a reference point
 * chosen away from those edges. A query counts how many of the cell's edges the segment from the
 * query point to the reference point crosses: an odd count flips the reference's state.
 *
 * Geometry is planar in lon/lat (edges are straight lines in degrees), as in GeoJSON (RFC 7946)
 * and in @turf/boolean-point-in-polygon, so the answers agree with turf exactly except for points
 * closer to an edge than floating-point noise can decide (far below a metre).
 */
class RingGrid {
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
  private readonly nx: number;
  private readonly ny: number;
  private readonly dx: number;
  private readonly dy: number;
  private readonly invDx: number;
  private readonly invDy: number;
  private readonly xy: Float64Array;
  /** Per cell: state (OUT, IN, MIXED) in the low 2 bits; for mixed cells, ref state in bit 2 and ref choice in bits 3+. */
  private readonly state: Uint8Array;
  private readonly edgeStart: Uint32Array;
  private readonly edges: Uint32Array;

  constructor(ring: readonly (readonly number[])[], targetEdgesPerCell = 2) {
    const n = ring.length;
    this.xy = new Float64Array(2 * n);
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (let i = 0; i < n; i++) {
      const x = ring[i]![0]!;
      const y = ring[i]![1]!;
      this.xy[2 * i] = x;
      this.xy[2 * i + 1] = y;
      x0 = Math.min(x0, x);
      y0 = Math.min(y0, y);
      x1 = Math.max(x1, x);
      y1 = Math.max(y1, y);
    }
    this.x0 = x0;
    this.y0 = y0;
    this.x1 = x1;
    this.y1 = y1;
    const ne = n - 1;
    // about ne/targetEdgesPerCell cells along the boundary: a grid of side ~ne/target per axis,
    // scaled to the box's aspect ratio, capped to keep memory small
    const w = Math.max(x1 - x0, 1e-12);
    const h = Math.max(y1 - y0, 1e-12);
    const side = Math.min(1024, Math.max(1, Math.ceil(ne / targetEdgesPerCell / 2)));
    const aspect = w / h;
    this.nx = Math.max(1, Math.min(2048, Math.round(side * Math.sqrt(aspect))));
    this.ny = Math.max(1, Math.min(2048, Math.round(side / Math.sqrt(aspect))));
    this.dx = w / this.nx;
    this.dy = h / this.ny;
    this.invDx = this.nx / w;
    this.invDy = this.ny / h;
    const ncell = this.nx * this.ny;

    // edges per cell (conservative: every cell an edge's segment may touch)
    const counts = new Uint32Array(ncell + 1);
    const visitCells = (i: number, fn: (cell: number) => void): void => {
      const ax = this.xy[2 * i]!, ay = this.xy[2 * i + 1]!;
      const bx = this.xy[2 * i + 2]!, by = this.xy[2 * i + 3]!;
      const ci0 = this.clampX(Math.floor((Math.min(ax, bx) - x0) * this.invDx) - 1);
      const ci1 = this.clampX(Math.floor((Math.max(ax, bx) - x0) * this.invDx) + 1);
      const cj0 = this.clampY(Math.floor((Math.min(ay, by) - y0) * this.invDy) - 1);
      const cj1 = this.clampY(Math.floor((Math.max(ay, by) - y0) * this.invDy) + 1);
      for (let cj = cj0; cj <= cj1; cj++) {
        for (let ci = ci0; ci <= ci1; ci++) {
          // separating-axis test of the segment against the cell expanded by a small epsilon
          const ex = this.dx * 1e-6, ey = this.dy * 1e-6;
          const rx0 = x0 + ci * this.dx - ex, rx1 = x0 + (ci + 1) * this.dx + ex;
          const ry0 = y0 + cj * this.dy - ey, ry1 = y0 + (cj + 1) * this.dy + ey;
          if (Math.max(ax, bx) < rx0 || Math.min(ax, bx) > rx1 || Math.max(ay, by) < ry0 || Math.min(ay, by) > ry1) continue;
          const o1 = orient(ax, ay, bx, by, rx0, ry0);
          const o2 = orient(ax, ay, bx, by, rx1, ry0);
          const o3 = orient(ax, ay, bx, by, rx0, ry1);
          const o4 = orient(ax, ay, bx, by, rx1, ry1);
          if ((o1 > 0 && o2 > 0 && o3 > 0 && o4 > 0) || (o1 < 0 && o2 < 0 && o3 < 0 && o4 < 0)) continue;
          fn(cj * this.nx + ci);
        }
      }
    };
    for (let i = 0; i < ne; i++) visitCells(i, (c) => counts[c + 1]!++);
    for (let c = 0; c < ncell; c++) counts[c + 1]! += counts[c]!;
    this.edgeStart = counts;
    this.edges = new Uint32Array(counts[ncell]!);
    const fill = counts.slice(0, ncell);
    for (let i = 0; i < ne; i++) visitCells(i, (c) => (this.edges[fill[c]!++] = i));

    // states: rows swept at the cell-centre latitude for empty cells; full ring test for mixed cells
    this.state = new Uint8Array(ncell);
    const xs: number[] = [];
    for (let cj = 0; cj < this.ny; cj++) {
      const y = y0 + (cj + 0.5) * this.dy;
      xs.length = 0;
      for (let i = 0; i < ne; i++) {
        const ay = this.xy[2 * i + 1]!, by = this.xy[2 * i + 3]!;
        if (ay > y !== by > y) {
          const ax = this.xy[2 * i]!, bx = this.xy[2 * i + 2]!;
          xs.push(ax + ((y - ay) * (bx - ax)) / (by - ay));
        }
      }
      xs.sort((a, b) => a - b);
      let k = 0;
      for (let ci = 0; ci < this.nx; ci++) {
        const cell = cj * this.nx + ci;
        const x = x0 + (ci + 0.5) * this.dx;
        while (k < xs.length && xs[k]! < x) k++;
        if (this.edgeStart[cell + 1]! > this.edgeStart[cell]!) {
          this.state[cell] = this.mixedState(cell, ci, cj);
        } else {
          this.state[cell] = k % 2 === 1 ? IN : OUT;
        }
      }
    }
  }

  private clampX(i: number): number {
    return i < 0 ? 0 : i >= this.nx ? this.nx - 1 : i;
  }

  private clampY(j: number): number {
    return j < 0 ? 0 : j >= this.ny ? this.ny - 1 : j;
  }

  /** Chooses a reference point in a mixed cell away from its edges, and classifies it. */
  private mixedState(cell: number, ci: number, cj: number): number {
    const s = this.edgeStart[cell]!;
    const e = this.edgeStart[cell + 1]!;
    const minGap = 1e-4 * Math.min(this.dx, this.dy);
    let choice = 0;
    for (; choice < REF_FRACTIONS.length; choice++) {
      const [fx, fy] = REF_FRACTIONS[choice]!;
      const rx = this.x0 + (ci + fx) * this.dx;
      const ry = this.y0 + (cj + fy) * this.dy;
      let ok = true;
      for (let k = s; k < e && ok; k++) {
        const i = this.edges[k]!;
        if (segDist(rx, ry, this.xy[2 * i]!, this.xy[2 * i + 1]!, this.xy[2 * i + 2]!, this.xy[2 * i + 3]!) < minGap) ok = false;
      }
      if (ok) break;
    }
    if (choice === REF_FRACTIONS.length) choice = 0; // practically impossible: 12 points all within 1e-4 cell of an edge
    const [fx, fy] = REF_FRACTIONS[choice]!;
    const inside = this.crossingNumber(this.x0 + (ci + fx) * this.dx, this.y0 + (cj + fy) * this.dy);
    return MIXED | (inside ? 4 : 0) | (choice << 3);
  }

  private crossingNumber(x: number, y: number): boolean {
    let inside = false;
    const xy = this.xy;
    const ne = xy.length / 2 - 1;
    for (let i = 0; i < ne; i++) {
      const ax = xy[2 * i]!, ay = xy[2 * i + 1]!, bx = xy[2 * i + 2]!, by = xy[2 * i + 3]!;
      if (ay > y !== by > y && x < ax + ((y - ay) * (bx - ax)) / (by - ay)) inside = !inside;
    }
    return inside;
  }

  get bytes(): number {
    return this.xy.byteLength + this.state.byteLength + this.edgeStart.byteLength + this.edges.byteLength;
  }

  contains(x: number, y: number): boolean {
    if (x < this.x0 || x > this.x1 || y < this.y0 || y > this.y1) return false;
    let ci = ((x - this.x0) * this.invDx) | 0;
    let cj = ((y - this.y0) * this.invDy) | 0;
    if (ci >= this.nx) ci = this.nx - 1;
    if (cj >= this.ny) cj = this.ny - 1;
    const cell = cj * this.nx + ci;
    const st = this.state[cell]!;
    if ((st & 3) !== MIXED) return st === IN;
    const f = REF_FRACTIONS[st >> 3]!;
    const rx = this.x0 + (ci + f[0]) * this.dx;
    const ry = this.y0 + (cj + f[1]) * this.dy;
    let inside = (st & 4) !== 0;
    const xy = this.xy;
    const edges = this.edges;
    const end = this.edgeStart[cell + 1]!;
    for (let k = this.edgeStart[cell]!; k < end; k++) {
      const i = 2 * edges[k]!;
      const ax = xy[i]!, ay = xy[i + 1]!, bx = xy[i + 2]!, by = xy[i + 3]!;
      // does edge a-b cross segment q-r? (half-open on the q-r line for a consistent count at vertices)
      const sa = orient(x, y, rx, ry, ax, ay) > 0;
      const sb = orient(x, y, rx, ry, bx, by) > 0;
      if (sa === sb) continue;
      const sq = orient(ax, ay, bx, by, x, y) > 0;
      const sr = orient(ax, ay, bx, by, rx, ry) > 0;
      if (sq !== sr) inside = !inside;
    }
    return inside;
  }
}

function segDist(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const ux = bx - ax, uy = by - ay;
  const uu = ux * ux + uy * uy;
  let t = uu > 0 ? ((px - ax) * ux + (py - ay) * uy) / uu : 0;
  t = t < 0 ? 0 : t > 1 ? 1 : t;
  return Math.hypot(px - ax - t * ux, py - ay - t * uy);
}

/**
 * Point-in-polygon for a Polygon or MultiPolygon with the semantics of @turf/boolean-point-in-polygon
 * (even-odd over the rings of each polygon; a point is inside the multipolygon if it is inside any
 * of its polygons), in O(1) for most points: one grid per ring, bounding boxes first.
 */
export class PolygonIndex {
  private readonly polygons: { rings: RingGrid[]; x0: number; y0: number; x1: number; y1: number }[];
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;

  constructor(polygons: readonly PolygonCoords[]) {
    this.polygons = polygons.map((p) => {
      const rings = p.filter((r) => r.length >= 4).map((r) => new RingGrid(r));
      return {
        rings,
        x0: Math.min(Infinity, ...rings.map((r) => r.x0)),
        y0: Math.min(Infinity, ...rings.map((r) => r.y0)),
        x1: Math.max(-Infinity, ...rings.map((r) => r.x1)),
        y1: Math.max(-Infinity, ...rings.map((r) => r.y1)),
      };
    });
    this.x0 = Math.min(...this.polygons.map((p) => p.x0));
    this.y0 = Math.min(...this.polygons.map((p) => p.y0));
    this.x1 = Math.max(...this.polygons.map((p) => p.x1));
    this.y1 = Math.max(...this.polygons.map((p) => p.y1));
  }

  /** Builds an index from GeoJSON Polygon or MultiPolygon geometry. */
  static fromGeometry(g: { type: 'Polygon'; coordinates: PolygonCoords } | { type: 'MultiPolygon'; coordinates: readonly PolygonCoords[] }): PolygonIndex {
    return new PolygonIndex(g.type === 'Polygon' ? [g.coordinates] : g.coordinates);
  }

  get bytes(): number {
    let b = 0;
    for (const p of this.polygons) for (const r of p.rings) b += r.bytes;
    return b;
  }

  contains(lon: number, lat: number): boolean {
    if (lon < this.x0 || lon > this.x1 || lat < this.y0 || lat > this.y1) return false;
    const ps = this.polygons;
    for (let i = 0; i < ps.length; i++) {
      const p = ps[i]!;
      if (lon < p.x0 || lon > p.x1 || lat < p.y0 || lat > p.y1) continue;
      // even-odd over all rings, like turf
      let inside = false;
      const rings = p.rings;
      for (let k = 0; k < rings.length; k++) if (rings[k]!.contains(lon, lat)) inside = !inside;
      if (inside) return true;
    }
    return false;
  }
}
