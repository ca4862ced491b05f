import { GaussSphere } from './gauss-sphere';
import { ExactPolyline, exactDistanceToSegment } from './geodesic';

/** A polyline part: [lon, lat] positions (GeoJSON order). */
export type LinePart = readonly (readonly number[])[];

export interface LineIndexOptions {
  /** How far around the line's bounding box the O(1) grid reaches, metres (default 220 km). */
  marginM?: number;
  /** Grid cell size, metres (default 2,000 m). */
  cellM?: number;
}

/** The result of locating a point against a line. Reused between calls by `locate` to avoid allocation. */
export interface LineHit {
  /** Geodesic distance to the line, metres: fast estimate, or exact when `exact` is true. */
  distanceM: number;
  /** Proven bound of |distanceM − true geodesic distance|, metres. */
  errorM: number;
  /** True when distanceM comes from geographiclib (exact to a millimetre). */
  exact: boolean;
  /** +1: left of the line's direction of travel; −1: right. */
  side: 1 | -1;
  /** Index of the nearest segment (in the order of parts, then vertices). */
  segment: number;
}

export function newLineHit(): LineHit {
  return { distanceM: 0, errorM: 0, exact: false, side: 1, segment: -1 };
}

const FLOAT_ERR_M = 1e-3;
/** Largest grid (cells); beyond it the cells grow. */
const MAX_CELLS = 3_000_000;
/** Beyond this distance (m) the slow path uses geographiclib rather than the sphere (geodesics bulge poleward). */
const SPHERE_MAX_M = 500_000;
/** Segments per chunk for the slow path outside the grid. */
const CHUNK = 32;

/**
 * Distance and side of points relative to a (multi)line of geodesic segments on WGS84.
 *
 * How it is fast and still exact where it matters:
 * 1. Every vertex is mapped once onto a Gauss conformal sphere (see GaussSphere) with a proven
 *    relative distance error `relErr` (≈1.2e-6 around Ukraine); each segment becomes a great-circle
 *    arc with a precomputed normal, so the distance from a point to a segment is three dot
 *    products and a square root.
 * 2. A lon/lat grid (cells of `cellM`, over the line's bbox plus `marginM`) lists, for each cell,
 *    the only segments that can be nearest (within the error slack) for any point of the cell.
 *    The list is built top-down in a quadtree, with a pruning rule that is exact rather than
 *    heuristic: for two segments s and s* the function f = d_s − d_{s*} is Lipschitz with constant
 *    |u_s − u_{s*}| (u = unit direction from the nearest point to the query), and that difference
 *    of directions is bounded by the angle the two segments subtend from the cell, so far from the
 *    line only 1–3 segments survive per cell. A query is then: one cell lookup, one mapping to the
 *    sphere (~70 ns), and a handful of dot products.
 * 3. The estimate comes with `errorM = relErr·d + absErr`; callers that compare a distance with a
 *    threshold call `refine` when the threshold lies within that bound, which recomputes the
 *    distance with geographiclib over the candidate segments (those within twice the bound of the
 *    best one, which the grid guarantees to list).
 * Points outside the grid (or the sphere's latitude band) take a slower path: brute force on the
 * sphere, or geographiclib with an ECEF lower-bound pruning (ExactPolyline).
 *
 * Side: for a plain line, +1 (left) or −1 (right) of the direction of travel at the nearest point;
 * when the nearest point is a vertex, the side follows the turn there (the inside of the angle is
 * the side both segments agree on), so the sides are consistent along the whole line.
 */
export class LineIndex {
  readonly sphere: GaussSphere;
  readonly segmentCount: number;
  readonly vertexCount: number;
  /** Absolute part of the error bound, metres (segment curvature term + float error). */
  readonly absErrM: number;
  /** Parts as given (lon/lat), for exact computations and drawing. */
  readonly parts: readonly LinePart[];
  private readonly lonLat: Float64Array;
  private readonly V: Float64Array;
  private readonly segA: Int32Array;
  private readonly segB: Int32Array;
  private readonly N: Float64Array;
  private readonly segPrev: Int32Array;
  private readonly segNext: Int32Array;
  private readonly exactLine: ExactPolyline;
  // grid
  private readonly gLon: number;
  private readonly gLat: number;
  private readonly invDLon: number;
  private readonly invDLat: number;
  readonly nx: number;
  readonly ny: number;
  private readonly dLon: number;
  private readonly dLat: number;
  /** Per cell: start in `pool`, number of candidates (interleaved). */
  private cells: Uint32Array = new Uint32Array(0);
  /** Candidate segment ids of every cell, back to back (16-bit when the line has < 65,536 segments). */
  private pool: Uint16Array | Uint32Array = new Uint16Array(0);
  private readonly bandLo: number;
  private readonly bandHi: number;
  private readonly P = new Float64Array(3);
  /** Per chunk of CHUNK segments: cap centre (unit vector) and angular radius. */
  private readonly chunkCap: Float64Array;
  private readonly chunkLb: Float64Array;
  private readonly chunkOrder: Uint32Array;
  private readonly relErr: number;
  private readonly R: number;
  /** The grid reaches at least this far (metres) from every vertex. */
  readonly marginM: number;
  /** Grid cell size actually used, metres. */
  readonly cellM: number;

  constructor(parts: readonly LinePart[], options: LineIndexOptions = {}) {
    const marginM = options.marginM ?? 220_000;
    const cellM = options.cellM ?? 2_000;
    this.marginM = marginM;
    const clean: number[][][] = [];
    for (const part of parts) {
      const out: number[][] = [];
      for (const p of part) {
        const lon = p[0]!;
        const lat = p[1]!;
        if (!Number.isFinite(lon) || !Number.isFinite(lat) || Math.abs(lat) > 85 || Math.abs(lon) > 180) {
          throw new RangeError(`LineIndex: position out of range: [${lon}, ${lat}]`);
        }
        const last = out[out.length - 1];
        if (last && last[0] === lon && last[1] === lat) continue;
        out.push([lon, lat]);
      }
      if (out.length > 0) clean.push(out);
    }
    if (clean.length === 0) throw new RangeError('LineIndex: empty line');
    this.parts = clean;
    let latMin = Infinity, latMax = -Infinity, lonMin = Infinity, lonMax = -Infinity;
    let nv = 0;
    let ns = 0;
    for (const part of clean) {
      nv += part.length;
      ns += Math.max(1, part.length - 1);
      for (const [lon, lat] of part) {
        latMin = Math.min(latMin, lat!);
        latMax = Math.max(latMax, lat!);
        lonMin = Math.min(lonMin, lon!);
        lonMax = Math.max(lonMax, lon!);
      }
    }
    if (lonMax - lonMin > 90) throw new RangeError('LineIndex: lines spanning more than 90° of longitude are not supported');
    this.vertexCount = nv;
    this.segmentCount = ns;
    const marginLat = marginM / 110_574;
    const gLatLo = Math.max(-80, latMin - marginLat);
    const gLatHi = Math.min(80, latMax + marginLat);
    const cosMax = Math.cos((Math.max(Math.abs(gLatLo), Math.abs(gLatHi)) * Math.PI) / 180);
    const marginLon = marginM / (111_320 * cosMax);
    this.sphere = GaussSphere.forRange(gLatLo, gLatHi, lonMin, lonMax, 0.3);
    this.bandLo = this.sphere.latLo + 0.25;
    this.bandHi = this.sphere.latHi - 0.25;
    this.relErr = this.sphere.relErr;
    this.R = this.sphere.R;

    this.lonLat = new Float64Array(2 * nv);
    this.V = new Float64Array(3 * nv);
    this.segA = new Int32Array(ns);
    this.segB = new Int32Array(ns);
    this.N = new Float64Array(9 * ns);
    this.segPrev = new Int32Array(ns);
    this.segNext = new Int32Array(ns);
    let v = 0;
    let s = 0;
    let maxArc = 0;
    for (const part of clean) {
      const v0 = v;
      for (const [lon, lat] of part) {
        this.lonLat[2 * v] = lon!;
        this.lonLat[2 * v + 1] = lat!;
        this.sphere.toUnit(lon!, lat!, this.V, 3 * v);
        v++;
      }
      const nseg = Math.max(1, part.length - 1);
      for (let k = 0; k < nseg; k++) {
        const a = v0 + k;
        this.segA[s] = a;
        this.segB[s] = part.length === 1 ? a : a + 1;
        this.segPrev[s] = k > 0 ? s - 1 : -1;
        this.segNext[s] = k < nseg - 1 ? s + 1 : -1;
        if (part.length === 1) {
          // a single point: "in the lune" never, nearest is the point itself
          this.N[9 * s + 3] = -this.V[3 * a]!;
          this.N[9 * s + 4] = -this.V[3 * a + 1]!;
          this.N[9 * s + 5] = -this.V[3 * a + 2]!;
        } else {
          const ax = this.V[3 * a]!, ay = this.V[3 * a + 1]!, az = this.V[3 * a + 2]!;
          const bx = this.V[3 * a + 3]!, by = this.V[3 * a + 4]!, bz = this.V[3 * a + 5]!;
          let nx = ay * bz - az * by;
          let ny = az * bx - ax * bz;
          let nz = ax * by - ay * bx;
          const len = Math.hypot(nx, ny, nz);
          nx /= len;
          ny /= len;
          nz /= len;
          maxArc = Math.max(maxArc, Math.asin(Math.min(1, len)));
          const o = 9 * s;
          this.N[o] = nx;
          this.N[o + 1] = ny;
          this.N[o + 2] = nz;
          // tA = n × A (forward tangent at A), tB = B × n (backward tangent at B)
          this.N[o + 3] = ny * az - nz * ay;
          this.N[o + 4] = nz * ax - nx * az;
          this.N[o + 5] = nx * ay - ny * ax;
          this.N[o + 6] = by * nz - bz * ny;
          this.N[o + 7] = bz * nx - bx * nz;
          this.N[o + 8] = bx * ny - by * nx;
        }
        s++;
      }
    }
    const Lmax = maxArc * this.R;
    // deviation of the image of an ellipsoidal geodesic from the great-circle arc: κ·L²/8
    this.absErrM = (this.sphere.curvature * Lmax * Lmax) / 8 + FLOAT_ERR_M;
    this.exactLine = new ExactPolyline(clean);
    const nChunks = Math.ceil(ns / CHUNK);
    this.chunkCap = new Float64Array(4 * nChunks);
    this.chunkLb = new Float64Array(nChunks);
    this.chunkOrder = new Uint32Array(nChunks);
    for (let c = 0; c < nChunks; c++) {
      let cx = 0, cy = 0, cz = 0;
      const end = Math.min(ns, (c + 1) * CHUNK);
      for (let k = c * CHUNK; k < end; k++) {
        for (const v of [this.segA[k]!, this.segB[k]!]) {
          cx += this.V[3 * v]!;
          cy += this.V[3 * v + 1]!;
          cz += this.V[3 * v + 2]!;
        }
      }
      const len = Math.hypot(cx, cy, cz);
      cx /= len;
      cy /= len;
      cz /= len;
      let r = 0;
      // an arc lies within the cap if both ends do and the cap radius is under 90°
      for (let k = c * CHUNK; k < end; k++) {
        for (const v of [this.segA[k]!, this.segB[k]!]) {
          const d = Math.hypot(cx - this.V[3 * v]!, cy - this.V[3 * v + 1]!, cz - this.V[3 * v + 2]!);
          r = Math.max(r, 2 * Math.asin(Math.min(1, d / 2)));
        }
      }
      this.chunkCap.set([cx, cy, cz, r * (1 + 1e-9) + 1e-12], 4 * c);
    }

    // grid: cells of cellM, coarsened if the grid would exceed MAX_CELLS (very long lines)
    const areaCells = (((gLatHi - gLatLo) * 110_574) / cellM) * (((lonMax - lonMin + 2 * marginLon) * 111_320 * Math.cos((this.sphere.lat0 * Math.PI) / 180)) / cellM);
    const cell = areaCells > MAX_CELLS ? cellM * Math.sqrt(areaCells / MAX_CELLS) : cellM;
    this.cellM = cell;
    this.dLat = cell / 110_574;
    this.dLon = cell / (111_320 * Math.cos((this.sphere.lat0 * Math.PI) / 180));
    this.gLat = gLatLo;
    this.gLon = lonMin - marginLon;
    this.nx = Math.max(1, Math.ceil((lonMax + marginLon - this.gLon) / this.dLon));
    this.ny = Math.max(1, Math.ceil((gLatHi - gLatLo) / this.dLat));
    this.invDLon = 1 / this.dLon;
    this.invDLat = 1 / this.dLat;
    this.buildGrid();
  }

  /** True when (lon, lat) falls in the O(1) grid; points outside it are at least `marginM` away. */
  covers(lon: number, lat: number): boolean {
    const fx = (lon - this.gLon) * this.invDLon;
    const fy = (lat - this.gLat) * this.invDLat;
    return fx >= 0 && fy >= 0 && fx < this.nx && fy < this.ny;
  }

  /** Bytes held by the index's typed arrays (vertices, segments, grid). */
  get bytes(): number {
    return (
      this.lonLat.byteLength +
      this.V.byteLength +
      this.segA.byteLength +
      this.segB.byteLength +
      this.N.byteLength +
      this.segPrev.byteLength +
      this.segNext.byteLength +
      this.cells.byteLength +
      this.chunkCap.byteLength +
      this.pool.byteLength
    );
  }

  /** Angle (unit sphere) from unit vector p to segment s. */
  private segAngle(px: number, py: number, pz: number, s: number): number {
    return 2 * Math.asin(Math.min(1, Math.sqrt(this.segMetric(px, py, pz, s)) / 2));
  }

  /** Squared chord from p to the nearest point of segment s (monotone in the angle). */
  private segMetric(px: number, py: number, pz: number, s: number): number {
    const N = this.N;
    const o = 9 * s;
    const ta = px * N[o + 3]! + py * N[o + 4]! + pz * N[o + 5]!;
    const tb = px * N[o + 6]! + py * N[o + 7]! + pz * N[o + 8]!;
    if (ta >= 0 && tb >= 0) {
      const sn = px * N[o]! + py * N[o + 1]! + pz * N[o + 2]!;
      const s2 = sn * sn;
      return (2 * s2) / (1 + Math.sqrt(1 - s2));
    }
    const V = this.V;
    const a = 3 * this.segA[s]!;
    const b = 3 * this.segB[s]!;
    const dx = px - V[a]!, dy = py - V[a + 1]!, dz = pz - V[a + 2]!;
    const mA = dx * dx + dy * dy + dz * dz;
    const ex = px - V[b]!, ey = py - V[b + 1]!, ez = pz - V[b + 2]!;
    const mB = ex * ex + ey * ey + ez * ez;
    return mA < mB ? mA : mB;
  }

  private buildGrid(): void {
    const nx = this.nx;
    const ny = this.ny;
    const ncell = nx * ny;
    this.cells = new Uint32Array(2 * ncell);
    let pool = new Uint32Array(Math.max(1024, ncell));
    let used = 0;
    const push = (list: Int32Array, n: number): number => {
      if (used + n > pool.length) {
        const bigger = new Uint32Array(Math.max(pool.length * 2, used + n));
        bigger.set(pool.subarray(0, used));
        pool = bigger;
      }
      const at = used;
      for (let k = 0; k < n; k++) pool[used++] = list[k]!;
      return at;
    };
    const c = new Float64Array(3);
    const corner = new Float64Array(12);
    const V = this.V;
    const segA = this.segA;
    const angleBetween = (i: number, j: number): number => {
      const dx = V[3 * i]! - V[3 * j]!, dy = V[3 * i + 1]! - V[3 * j + 1]!, dz = V[3 * i + 2]! - V[3 * j + 2]!;
      return 2 * Math.asin(Math.min(1, Math.hypot(dx, dy, dz) / 2));
    };
    const segB = this.segB;
    const absA = this.absErrM / this.R;
    const relErr = this.relErr;
    const dist = new Float64Array(this.segmentCount);

    const visit = (x0: number, y0: number, w: number, h: number, parent: Int32Array, pn: number): void => {
      const lonA = this.gLon + x0 * this.dLon;
      const lonB = this.gLon + (x0 + w) * this.dLon;
      const latA = this.gLat + y0 * this.dLat;
      const latB = this.gLat + (y0 + h) * this.dLat;
      this.sphere.toUnit((lonA + lonB) / 2, (latA + latB) / 2, c, 0);
      this.sphere.toUnit(lonA, latA, corner, 0);
      this.sphere.toUnit(lonB, latA, corner, 3);
      this.sphere.toUnit(lonA, latB, corner, 6);
      this.sphere.toUnit(lonB, latB, corner, 9);
      let rho = 0;
      for (let k = 0; k < 4; k++) {
        const d = Math.hypot(c[0]! - corner[3 * k]!, c[1]! - corner[3 * k + 1]!, c[2]! - corner[3 * k + 2]!);
        rho = Math.max(rho, 2 * Math.asin(Math.min(1, d / 2)));
      }
      rho = rho * (1 + 1e-9) + 1e-12;
      let best = Infinity;
      let star = -1;
      for (let k = 0; k < pn; k++) {
        const s = parent[k]!;
        const d = this.segAngle(c[0]!, c[1]!, c[2]!, s);
        dist[s] = d;
        if (d < best) {
          best = d;
          star = s;
        }
      }
      const slack = 2 * (relErr * (best + rho) + absA) + 1e-12;
      const kept = new Int32Array(pn);
      let kn = 0;
      const aS = segA[star]!;
      const bS = segB[star]!;
      for (let k = 0; k < pn; k++) {
        const s = parent[k]!;
        const excess = dist[s]! - best;
        if (excess > 2 * rho + slack) continue;
        let g = 2;
        const r1 = Math.min(dist[s]!, best) - rho;
        if (r1 > 0 && s !== star) {
          const a = segA[s]!;
          const pts = [a, segB[s]!, aS, bS];
          let diam = 0;
          for (let i = 0; i < 4; i++) for (let j = i + 1; j < 4; j++) diam = Math.max(diam, angleBetween(pts[i]!, pts[j]!));
          if (diam < r1) {
            const theta = Math.asin(Math.min(1, (diam / r1) * 1.01));
            g = Math.min(2, 2 * Math.sin(theta / 2) * 1.01 + 1e-9);
          }
        }
        if (excess <= g * rho + slack) kept[kn++] = s;
      }
      if ((w === 1 && h === 1) || kn <= 1) {
        const at = push(kept, kn);
        for (let y = y0; y < y0 + h; y++) {
          for (let x = x0; x < x0 + w; x++) {
            this.cells[2 * (y * nx + x)] = at;
            this.cells[2 * (y * nx + x) + 1] = kn;
          }
        }
        return;
      }
      const w1 = Math.ceil(w / 2);
      const h1 = Math.ceil(h / 2);
      visit(x0, y0, w1, h1, kept, kn);
      if (w - w1 > 0) visit(x0 + w1, y0, w - w1, h1, kept, kn);
      if (h - h1 > 0) visit(x0, y0 + h1, w1, h - h1, kept, kn);
      if (w - w1 > 0 && h - h1 > 0) visit(x0 + w1, y0 + h1, w - w1, h - h1, kept, kn);
    };
    const all = new Int32Array(this.segmentCount);
    for (let s = 0; s < this.segmentCount; s++) all[s] = s;
    visit(0, 0, nx, ny, all, all.length);
    this.pool = this.segmentCount < 65536 ? Uint16Array.from(pool.subarray(0, used)) : pool.slice(0, used);
  }

  /** Statistics of the grid: cells, pooled candidate entries, mean candidates per cell. */
  gridStats(): { cells: number; poolEntries: number; meanCandidates: number; maxCandidates: number } {
    let sum = 0;
    let max = 0;
    const n = this.cells.length / 2;
    for (let i = 0; i < n; i++) {
      sum += this.cells[2 * i + 1]!;
      max = Math.max(max, this.cells[2 * i + 1]!);
    }
    return { cells: n, poolEntries: this.pool.length, meanCandidates: sum / n, maxCandidates: max };
  }

  /**
   * Locates a point: fast distance with its error bound, nearest segment and side. Writes into
   * `hit` (pass a reused object from newLineHit() in hot loops) and returns it. With `withSide`
   * false the side is left as it was (for lines whose sides come from an area).
   */
  locate(lon: number, lat: number, hit: LineHit = newLineHit(), withSide = true): LineHit {
    const fx = (lon - this.gLon) * this.invDLon;
    const fy = (lat - this.gLat) * this.invDLat;
    if (!(fx >= 0 && fy >= 0 && fx < this.nx && fy < this.ny)) return this.locateSlow(lon, lat, hit);
    const cell = 2 * ((fy | 0) * this.nx + (fx | 0));
    const cells = this.cells;
    const st = cells[cell]!;
    const end = st + cells[cell + 1]!;
    const P = this.P;
    this.sphere.toUnit(lon, lat, P, 0);
    const px = P[0]!, py = P[1]!, pz = P[2]!;
    const pool = this.pool;
    const N = this.N;
    const V = this.V;
    const segA = this.segA;
    const segB = this.segB;
    let best = Infinity;
    let bs = -1;
    for (let k = st; k < end; k++) {
      const s = pool[k]!;
      const o = 9 * s;
      const ta = px * N[o + 3]! + py * N[o + 4]! + pz * N[o + 5]!;
      const tb = px * N[o + 6]! + py * N[o + 7]! + pz * N[o + 8]!;
      let m: number;
      if (ta >= 0 && tb >= 0) {
        const sn = px * N[o]! + py * N[o + 1]! + pz * N[o + 2]!;
        const s2 = sn * sn;
        m = (2 * s2) / (1 + Math.sqrt(1 - s2));
      } else {
        const a = 3 * segA[s]!;
        const b = 3 * segB[s]!;
        const dx = px - V[a]!, dy = py - V[a + 1]!, dz = pz - V[a + 2]!;
        const ex = px - V[b]!, ey = py - V[b + 1]!, ez = pz - V[b + 2]!;
        const mA = dx * dx + dy * dy + dz * dz;
        const mB = ex * ex + ey * ey + ez * ez;
        m = mA < mB ? mA : mB;
      }
      if (m < best) {
        best = m;
        bs = s;
      }
    }
    const d = 2 * this.R * Math.asin(Math.sqrt(best) / 2);
    hit.distanceM = d;
    hit.errorM = this.relErr * d + this.absErrM;
    hit.exact = false;
    hit.segment = bs;
    if (withSide) hit.side = this.sideAt(px, py, pz, bs);
    return hit;
  }

  /** Fast distance in metres (see `locate` for the error bound). */
  distance(lon: number, lat: number): number {
    return this.locate(lon, lat).distanceM;
  }

  private locateSlow(lon: number, lat: number, hit: LineHit): LineHit {
    const P = this.P;
    this.sphere.toUnit(lon, lat, P, 0);
    const px = P[0]!, py = P[1]!, pz = P[2]!;
    // chunks of CHUNK consecutive segments, each inside a cap: visit in order of their lower bound
    const nc = this.chunkCap.length / 4;
    const lbs = this.chunkLb;
    for (let c = 0; c < nc; c++) {
      const o = 4 * c;
      const dx = px - this.chunkCap[o]!, dy = py - this.chunkCap[o + 1]!, dz = pz - this.chunkCap[o + 2]!;
      lbs[c] = 2 * Math.asin(Math.min(1, Math.sqrt(dx * dx + dy * dy + dz * dz) / 2)) - this.chunkCap[o + 3]!;
    }
    const order = this.chunkOrder;
    for (let c = 0; c < nc; c++) order[c] = c;
    order.sort((a, b) => lbs[a]! - lbs[b]!);
    let best = Infinity;
    let bestAngle = Infinity;
    let bs = -1;
    for (let k = 0; k < nc; k++) {
      const c = order[k]!;
      if (lbs[c]! > bestAngle) break;
      const end = Math.min(this.segmentCount, (c + 1) * CHUNK);
      for (let s = c * CHUNK; s < end; s++) {
        const m = this.segMetric(px, py, pz, s);
        if (m < best) {
          best = m;
          bs = s;
        }
      }
      bestAngle = 2 * Math.asin(Math.min(1, Math.sqrt(best) / 2));
    }
    const d = 2 * this.R * Math.asin(Math.min(1, Math.sqrt(best) / 2));
    hit.segment = bs;
    hit.side = this.sideAt(px, py, pz, bs);
    if (lat >= this.bandLo && lat <= this.bandHi && d < SPHERE_MAX_M) {
      hit.distanceM = d;
      hit.errorM = this.relErr * d + this.absErrM;
      hit.exact = false;
      return hit;
    }
    const r = this.exactLine.distance(lon, lat);
    hit.distanceM = r.distanceM;
    hit.errorM = FLOAT_ERR_M;
    hit.exact = true;
    return hit;
  }

  /**
   * Replaces the estimate in `hit` by the exact geodesic distance (geographiclib), evaluated over
   * every segment whose fast distance is within twice the error bound of the best one.
   */
  refine(lon: number, lat: number, hit: LineHit): LineHit {
    if (hit.exact) return hit;
    const fx = (lon - this.gLon) * this.invDLon;
    const fy = (lat - this.gLat) * this.invDLat;
    const P = this.P;
    this.sphere.toUnit(lon, lat, P, 0);
    const px = P[0]!, py = P[1]!, pz = P[2]!;
    const limit = hit.distanceM + 2 * hit.errorM;
    const cands: number[] = [];
    const consider = (s: number): void => {
      const d = 2 * this.R * Math.asin(Math.min(1, Math.sqrt(this.segMetric(px, py, pz, s)) / 2));
      if (d <= limit) cands.push(s);
    };
    if (fx >= 0 && fy >= 0 && fx < this.nx && fy < this.ny) {
      const cell = (fy | 0) * this.nx + (fx | 0);
      const st = this.cells[2 * cell]!;
      for (let k = 0; k < this.cells[2 * cell + 1]!; k++) consider(this.pool[st + k]!);
    } else {
      for (let s = 0; s < this.segmentCount; s++) consider(s);
    }
    let best = Infinity;
    let bs = hit.segment;
    for (const s of cands) {
      const a = this.segA[s]!;
      const b = this.segB[s]!;
      const r = exactDistanceToSegment(lon, lat, this.lonLat[2 * a]!, this.lonLat[2 * a + 1]!, this.lonLat[2 * b]!, this.lonLat[2 * b + 1]!);
      if (r.distanceM < best) {
        best = r.distanceM;
        bs = s;
      }
    }
    hit.distanceM = best;
    hit.errorM = FLOAT_ERR_M;
    hit.exact = true;
    hit.segment = bs;
    return hit;
  }

  /** Exact geodesic distance (metres) from (lon, lat) to the line, with geographiclib. */
  exactDistance(lon: number, lat: number): number {
    return this.refine(lon, lat, this.locate(lon, lat)).distanceM;
  }

  /** Side (+1 left, −1 right of the direction of travel) for a point with nearest segment s. */
  private sideAt(px: number, py: number, pz: number, s: number): 1 | -1 {
    const N = this.N;
    const o = 9 * s;
    if (N[o] === 0 && N[o + 1] === 0 && N[o + 2] === 0) return 1;
    const ta = px * N[o + 3]! + py * N[o + 4]! + pz * N[o + 5]!;
    const tb = px * N[o + 6]! + py * N[o + 7]! + pz * N[o + 8]!;
    const left = px * N[o]! + py * N[o + 1]! + pz * N[o + 2]! >= 0;
    if (ta >= 0 && tb >= 0) return left ? 1 : -1;
    // nearest point is a vertex: A (before the segment) or B (after it)
    let s1: number;
    let s2: number;
    if (ta < 0) {
      s1 = this.segPrev[s]!;
      s2 = s;
    } else {
      s1 = s;
      s2 = this.segNext[s]!;
    }
    if (s1 < 0 || s2 < 0) return left ? 1 : -1;
    const o1 = 9 * s1;
    const o2 = 9 * s2;
    const l1 = px * N[o1]! + py * N[o1 + 1]! + pz * N[o1 + 2]! >= 0;
    const l2 = px * N[o2]! + py * N[o2 + 1]! + pz * N[o2 + 2]! >= 0;
    if (l1 === l2) return l1 ? 1 : -1;
    // the segments disagree: the point is in the outer wedge of the turn
    const w = 3 * this.segB[s2]!;
    const V = this.V;
    const turnsLeft = V[w]! * N[o1]! + V[w + 1]! * N[o1 + 1]! + V[w + 2]! * N[o1 + 2]! > 0;
    return turnsLeft ? -1 : 1;
  }

  /** Nearest point's segment endpoints, for callers that draw or explain a judgement. */
  segmentEnds(s: number): [[number, number], [number, number]] {
    const a = this.segA[s]!;
    const b = this.segB[s]!;
    return [
      [this.lonLat[2 * a]!, this.lonLat[2 * a + 1]!],
      [this.lonLat[2 * b]!, this.lonLat[2 * b + 1]!],
    ];
  }
}
