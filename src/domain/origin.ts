import { GEOD } from '../geo/ellipsoid';

/*
 * Point of origin from bearings (OSCE crater and sound-bearing practice): each observer who took
 * a bearing to the event draws a line from where they stood; where the lines of two or more
 * observers cross is the estimate. Each line is uncertain by the bearing's error (default ±3°,
 * one standard deviation), which grows into a cross-range error of distance × angle; a weighted
 * least-squares intersection on a plane tangent at the estimate (azimuthal equidistant, so
 * distances and azimuths from the estimate are exact) gives the point and its covariance, and the
 * covariance the error ellipse.
 */

export interface Bearing {
  /** The observation it came from. */
  id?: string;
  /** Where the observer stood (WGS84). */
  lat: number;
  lon: number;
  /** Bearing from the observer to the event, degrees true. */
  bearingDeg: number;
  /** Its error, one standard deviation, degrees (default: the options' sigmaDeg). */
  sigmaDeg?: number;
}

export interface OriginOptions {
  /** One standard deviation of a bearing, degrees (default 3). */
  sigmaDeg?: number;
  /** The ellipse's size in standard deviations (default 2). */
  k?: number;
  /** Lines meeting farther than this from an observer are not one event's (default 150 km, beyond any tube artillery or MLRS in the agreement). */
  maxRangeM?: number;
}

export interface ErrorEllipse {
  /** Half the long axis, metres. */
  semiMajorM: number;
  /** Half the short axis, metres. */
  semiMinorM: number;
  /** Azimuth of the long axis, degrees clockwise from true north, in [0, 180). */
  orientationDeg: number;
  /** Size in standard deviations. */
  sigma: number;
  /** Probability that the true point lies inside, for a two-dimensional normal error: 1 − exp(−k²/2) (86.5% at 2 sigma). */
  probability: number;
}

export interface OriginEstimate {
  lat: number;
  lon: number;
  ellipse: ErrorEllipse;
  /** Covariance of the estimate on the tangent plane at it, m² (east, north). */
  covariance: { ee: number; en: number; nn: number };
  /** Bearings used. */
  bearings: number;
  /** Root mean square of the bearings' misses of the estimate, degrees. */
  residualRmsDeg: number;
  /** What a reader should know: the lines meet behind an observer, the bearings disagree more than their error... */
  warnings: string[];
}

const RAD = Math.PI / 180;
const DEG = 180 / Math.PI;

interface Plane {
  lat0: number;
  lon0: number;
}

/** Azimuthal equidistant coordinates (east, north, metres) of a point, from the plane's centre. */
function toPlane(pl: Plane, lat: number, lon: number): [number, number] {
  const r = GEOD.Inverse(pl.lat0, pl.lon0, lat, lon);
  const s = r.s12 ?? 0;
  const az = (r.azi1 ?? 0) * RAD;
  return [s * Math.sin(az), s * Math.cos(az)];
}

function fromPlane(pl: Plane, x: number, y: number): { lat: number; lon: number } {
  const r = GEOD.Direct(pl.lat0, pl.lon0, Math.atan2(x, y) * DEG, Math.hypot(x, y));
  return { lat: r.lat2!, lon: r.lon2! };
}

const MIN_RANGE_M = 100;
const MAX_ITERATIONS = 8;

/**
 * The estimated point of origin, or null when the bearings cannot give one: fewer than two
 * observers standing apart, lines (nearly) parallel, or lines meeting out of any weapon's range.
 */
export function estimateOrigin(bearings: readonly Bearing[], opts: OriginOptions = {}): OriginEstimate | null {
  const sigmaDeg = opts.sigmaDeg ?? 3;
  const k = opts.k ?? 2;
  const usable = bearings.filter((b) => Number.isFinite(b.lat) && Number.isFinite(b.lon) && Number.isFinite(b.bearingDeg));
  if (usable.length < 2) return null;
  // Two observers at (nearly) one place draw lines through one point: that is where they stood, not the event.
  const first = usable[0]!;
  if (!usable.some((b) => GEOD.Inverse(first.lat, first.lon, b.lat, b.lon).s12! > 50)) return null;

  let plane: Plane = { lat0: usable.reduce((s, b) => s + b.lat, 0) / usable.length, lon0: usable.reduce((s, b) => s + b.lon, 0) / usable.length };
  let ranges = usable.map(() => 10_000);
  let solution: { info: [number, number, number] } | null = null;
  for (let iter = 0; iter < MAX_ITERATIONS; iter++) {
    const lines = usable.map((b, i) => {
      const p = toPlane(plane, b.lat, b.lon);
      // The direction on the plane of the geodesic leaving the observer at that bearing (the
      // plane's north is not the observer's north away from its centre).
      const end = GEOD.Direct(b.lat, b.lon, b.bearingDeg, Math.max(ranges[i]!, 1000));
      const e = toPlane(plane, end.lat2!, end.lon2!);
      const len = Math.hypot(e[0] - p[0], e[1] - p[1]) || 1;
      return { p, u: [(e[0] - p[0]) / len, (e[1] - p[1]) / len] as [number, number], sigma: (b.sigmaDeg ?? sigmaDeg) * RAD };
    });
    // (Nearly) parallel lines cross far away or nowhere: on the ellipsoid, lines due north meet
    // at the pole. Checked on the first plane, centred among the observers.
    if (iter === 0 && !crosses(lines.map((l) => l.u))) return null;
    // Normal equations of Σ w (n·(x − p))², n the line's normal, w = 1 / (range × σ)².
    let a11 = 0;
    let a12 = 0;
    let a22 = 0;
    let b1 = 0;
    let b2 = 0;
    lines.forEach((l, i) => {
      const w = 1 / (Math.max(ranges[i]!, MIN_RANGE_M) * l.sigma) ** 2;
      const nx = l.u[1];
      const ny = -l.u[0];
      const c = nx * l.p[0] + ny * l.p[1];
      a11 += w * nx * nx;
      a12 += w * nx * ny;
      a22 += w * ny * ny;
      b1 += w * nx * c;
      b2 += w * ny * c;
    });
    const det = a11 * a22 - a12 * a12;
    // Parallel lines: the information across them vanishes against the information along.
    if (!(det > 1e-12 * (a11 + a22) ** 2)) return null;
    const x = (a22 * b1 - a12 * b2) / det;
    const y = (a11 * b2 - a12 * b1) / det;
    solution = { info: [a11, a12, a22] };
    ranges = lines.map((l) => Math.max(Math.hypot(x - l.p[0], y - l.p[1]), MIN_RANGE_M));
    if (Math.max(...ranges) > (opts.maxRangeM ?? 150_000)) return null;
    const moved = Math.hypot(x, y);
    const next = fromPlane(plane, x, y);
    plane = { lat0: next.lat, lon0: next.lon };
    // Converged: the plane the last solution was computed on is centred (within a centimetre) at it.
    if (moved < 0.01 && iter > 0) break;
  }
  if (!solution) return null;

  const [a11, a12, a22] = solution.info;
  const det = a11 * a22 - a12 * a12;
  const cov = { ee: a22 / det, en: -a12 / det, nn: a11 / det };
  const warnings: string[] = [];
  let sq = 0;
  usable.forEach((b, i) => {
    // From the observer to the estimate, on the ellipsoid: the bearing the observer should have taken.
    const expected = GEOD.Inverse(b.lat, b.lon, plane.lat0, plane.lon0).azi1 ?? 0;
    const miss = ((((b.bearingDeg - expected) % 360) + 540) % 360) - 180;
    sq += miss * miss;
    if (Math.abs(miss) > 90) warnings.push(`the lines meet behind observer ${b.id ?? i + 1}: the bearings do not point at one event`);
    else if (Math.abs(miss) > 3 * (b.sigmaDeg ?? sigmaDeg)) warnings.push(`the bearing of ${b.id ?? `observer ${i + 1}`} misses the estimate by ${Math.abs(miss).toFixed(1)}°, more than three times its error`);
  });
  return {
    lat: plane.lat0,
    lon: plane.lon0,
    ellipse: ellipseOf(cov, k),
    covariance: cov,
    bearings: usable.length,
    residualRmsDeg: Math.sqrt(sq / usable.length),
    warnings,
  };
}

const MIN_CROSSING = Math.sin(1 * RAD);

/** Whether some two of the directions cross at 1° or more. */
function crosses(us: readonly [number, number][]): boolean {
  for (let i = 0; i < us.length; i++) for (let j = i + 1; j < us.length; j++) if (Math.abs(us[i]![0] * us[j]![1] - us[i]![1] * us[j]![0]) >= MIN_CROSSING) return true;
  return false;
}

/** The k-sigma ellipse of a 2×2 covariance (east, north). */
export function ellipseOf(cov: { ee: number; en: number; nn: number }, k = 2): ErrorEllipse {
  const mean = (cov.ee + cov.nn) / 2;
  const spread = Math.hypot((cov.ee - cov.nn) / 2, cov.en);
  const major = mean + spread;
  const minor = Math.max(mean - spread, 0);
  // Eigenvector of the larger eigenvalue, as (east, north).
  const [vx, vy] = Math.abs(cov.en) > 1e-12 * (cov.ee + cov.nn) ? [cov.en, major - cov.ee] : cov.ee >= cov.nn ? [1, 0] : [0, 1];
  const orientation = (((Math.atan2(vx, vy) * DEG) % 180) + 180) % 180;
  return {
    semiMajorM: k * Math.sqrt(major),
    semiMinorM: k * Math.sqrt(minor),
    orientationDeg: orientation,
    sigma: k,
    probability: 1 - Math.exp((-k * k) / 2),
  };
}

/** Whether a point lies within the estimate's error ellipse. */
export function withinEllipse(e: OriginEstimate, lat: number, lon: number): boolean {
  const [x, y] = toPlane({ lat0: e.lat, lon0: e.lon }, lat, lon);
  const { ee, en, nn } = e.covariance;
  const det = ee * nn - en * en;
  const d2 = (nn * x * x - 2 * en * x * y + ee * y * y) / det;
  return d2 <= e.ellipse.sigma ** 2;
}

/** The ellipse as a closed GeoJSON ring ([lon, lat] pairs), for the map. */
export function ellipseRing(e: OriginEstimate, points = 72): [number, number][] {
  const { semiMajorM: a, semiMinorM: b, orientationDeg } = e.ellipse;
  const t = orientationDeg * RAD;
  // The long axis's unit vector (east, north) and the short axis's, clockwise from it.
  const ux = Math.sin(t);
  const uy = Math.cos(t);
  const ring: [number, number][] = [];
  for (let i = 0; i < points; i++) {
    const s = (2 * Math.PI * i) / points;
    const x = a * Math.cos(s) * ux + b * Math.sin(s) * uy;
    const y = a * Math.cos(s) * uy - b * Math.sin(s) * ux;
    const p = fromPlane({ lat0: e.lat, lon0: e.lon }, x, y);
    ring.push([round7(p.lon), round7(p.lat)]);
  }
  ring.push(ring[0]!);
  return ring;
}

const round7 = (v: number) => Math.round(v * 1e7) / 1e7;
