import { DEG, WGS84_A, WGS84_E, WGS84_E2 } from './ellipsoid';

/**
 * Gauss's conformal sphere: a conformal map of the WGS84 ellipsoid onto a sphere of radius
 * R = sqrt(M0 N0), chosen at a central latitude φ0 so that the scale factor k(φ) has third-order
 * contact with 1 there (k(φ0) = 1, k'(φ0) = k''(φ0) = 0). Around Ukraine, |k − 1| stays below
 * 1.1e-6 for |φ − φ0| ≤ 4.5°.
 *
 * Why it gives proven bounds: a conformal map scales the length of every curve by a factor between
 * kmin and kmax, the extremes of k over the region the curve crosses. So if the shortest path
 * between two points (or a point and a geodesic segment) stays inside the band, the distance on the
 * sphere d_S and on the ellipsoid d_E satisfy kmin·d_E ≤ d_S ≤ kmax·d_E, i.e.
 * |d_S − d_E| ≤ relErr·d_S with relErr = max|k − 1| / kmin over the band. Geodesic segments of the
 * ellipsoid map to curves that deviate from the great-circle arc between the mapped endpoints by at
 * most κ·L²/8, where κ ≤ |∇ln k| (the geodesic curvature a conformal factor induces); that term
 * is a few millimetres for segments up to 50 km and is added as an absolute error per segment.
 *
 * Longitudes map linearly (Λ = α(λ − λ0)), so meridians stay meridians and a lon/lat rectangle's
 * farthest point from its centre is one of its corners.
 */
export class GaussSphere {
  /** Radius of the sphere, metres. */
  readonly R: number;
  readonly alpha: number;
  readonly lon0: number;
  readonly lat0: number;
  /** Latitude band (degrees) over which `relErr` is proven. */
  readonly latLo: number;
  readonly latHi: number;
  /** max |k − 1| / kmin over the band: the relative distance error bound. */
  readonly relErr: number;
  /** Upper bound of |∇ ln k| over the band, per metre (geodesic curvature of mapped geodesics). */
  readonly curvature: number;
  private readonly halfAlpha: number;
  private readonly expK: number;
  private readonly cheb: Float64Array;
  private readonly fitDegree: number;
  private readonly fitMid: number;
  private readonly fitInvHalf: number;
  /** Largest error of the Chebyshev fits on a dense check, as a fraction of the radius. */
  readonly fitErr: number;

  constructor(lat0: number, lon0: number, latLo: number, latHi: number) {
    if (!(latLo < lat0 && lat0 < latHi) || latLo < -85 || latHi > 85) {
      throw new RangeError(`GaussSphere: bad band ${latLo}..${latHi} around ${lat0}`);
    }
    this.lat0 = lat0;
    this.lon0 = lon0;
    this.latLo = latLo;
    this.latHi = latHi;
    const p0 = lat0 * DEG;
    const s0 = Math.sin(p0);
    const c0 = Math.cos(p0);
    this.alpha = Math.sqrt(1 + (WGS84_E2 * c0 ** 4) / (1 - WGS84_E2));
    this.R = (WGS84_A * Math.sqrt(1 - WGS84_E2)) / (1 - WGS84_E2 * s0 * s0);
    this.halfAlpha = this.alpha / 2;
    const chi0 = Math.asin(s0 / this.alpha);
    const K = Math.atanh(Math.sin(chi0)) - this.alpha * (Math.atanh(s0) - WGS84_E * Math.atanh(WGS84_E * s0));
    this.expK = Math.exp(K);

    // Bound |k-1| and |d ln k / dφ| by dense sampling; k is analytic and slowly varying (a cubic in
    // φ−φ0 to first order), so 20,000 samples plus a 5 % margin bound it safely.
    let kmin = Infinity;
    let kmax = -Infinity;
    let dmax = 0;
    const n = 20000;
    const h = (latHi - latLo) / n;
    let prev = this.scale(latLo);
    for (let i = 0; i <= n; i++) {
      const k = this.scale(latLo + i * h);
      if (k < kmin) kmin = k;
      if (k > kmax) kmax = k;
      if (i > 0) dmax = Math.max(dmax, Math.abs(Math.log(k) - Math.log(prev)) / (h * DEG));
      prev = k;
    }
    // Chebyshev fits of sin χ(φ) and cos χ(φ) over the band.
    this.fitMid = (latLo + latHi) / 2;
    const half = (latHi - latLo) / 2;
    this.fitInvHalf = 1 / half;
    let degree = 8;
    let cheb = new Float64Array(0);
    let fitErr = Infinity;
    const tmp = new Float64Array(3);
    for (; degree <= 40; degree += 4) {
      const m = degree + 1;
      const fs = new Float64Array(m);
      const fc = new Float64Array(m);
      for (let j = 0; j < m; j++) {
        const x = Math.cos((Math.PI * (j + 0.5)) / m);
        this.toUnitExact(this.lon0, this.fitMid + x * half, tmp, 0);
        fs[j] = tmp[2]!;
        fc[j] = tmp[0]!;
      }
      cheb = new Float64Array(2 * m);
      for (let k = 0; k < m; k++) {
        let ss = 0, sc = 0;
        for (let j = 0; j < m; j++) {
          const w = Math.cos((Math.PI * k * (j + 0.5)) / m);
          ss += fs[j]! * w;
          sc += fc[j]! * w;
        }
        cheb[2 * k] = ((k === 0 ? 1 : 2) / m) * ss;
        cheb[2 * k + 1] = ((k === 0 ? 1 : 2) / m) * sc;
      }
      this.cheb = cheb;
      this.fitDegree = degree;
      fitErr = 0;
      const a = new Float64Array(3);
      const b = new Float64Array(3);
      for (let i = 0; i <= 4000; i++) {
        const lat = latLo + ((latHi - latLo) * i) / 4000;
        this.toUnitExact(this.lon0, lat, a, 0);
        this.toUnit(this.lon0, lat, b, 0);
        fitErr = Math.max(fitErr, Math.abs(a[0]! - b[0]!), Math.abs(a[2]! - b[2]!));
      }
      if (fitErr < 1e-14) break;
    }
    this.cheb = cheb;
    this.fitDegree = degree;
    this.fitErr = fitErr;
    if (!(fitErr < 1e-9)) throw new RangeError('GaussSphere: latitude fit failed');
    this.relErr = (Math.max(Math.abs(kmax - 1), Math.abs(kmin - 1)) / kmin) * 1.05 + 1e-12;
    // d ln k / ds along a meridian = (d ln k / dφ) / M, with M ≥ a(1 − e²).
    this.curvature = ((dmax * 1.05 + 1e-12) / (WGS84_A * (1 - WGS84_E2))) * 1.01;
  }

  /** Builds a sphere centred on a latitude range with `marginDeg` extra on each side of it. */
  static forRange(latMin: number, latMax: number, lonMin: number, lonMax: number, marginDeg: number): GaussSphere {
    const lo = Math.max(-84, latMin - marginDeg);
    const hi = Math.min(84, latMax + marginDeg);
    const mid = (latMin + latMax) / 2;
    return new GaussSphere(Math.min(hi - 0.01, Math.max(lo + 0.01, mid)), (lonMin + lonMax) / 2, lo, hi);
  }

  /** Scale factor k(φ) of the map (sphere length / ellipsoid length). */
  scale(lat: number): number {
    const p = lat * DEG;
    const s = Math.sin(p);
    const ew = this.expK * Math.exp(this.halfAlpha * (Math.log((1 + s) / (1 - s)) - WGS84_E * Math.log((1 + WGS84_E * s) / (1 - WGS84_E * s))));
    const cosChi = (2 * ew) / (ew * ew + 1);
    const N = WGS84_A / Math.sqrt(1 - WGS84_E2 * s * s);
    return (this.R * this.alpha * cosChi) / (N * Math.cos(p));
  }

  /**
   * Writes the unit vector of (lon, lat) on the sphere into out[o..o+2]. Inside the band, sin χ and
   * cos χ come from Chebyshev fits in latitude (checked at construction to `fitErr`, ~1e-15);
   * outside it, from the closed form.
   */
  toUnit(lon: number, lat: number, out: Float64Array, o: number): void {
    if (!(lat >= this.latLo && lat <= this.latHi)) {
      this.toUnitExact(lon, lat, out, o);
      return;
    }
    const t = (lat - this.fitMid) * this.fitInvHalf;
    const t2 = 2 * t;
    const cs = this.cheb;
    const n = this.fitDegree;
    // Clenshaw for both series at once: coefficients interleaved [sin_k, cos_k]
    let bs1 = 0, bs2 = 0, bc1 = 0, bc2 = 0;
    for (let k = n; k >= 1; k--) {
      const bs = t2 * bs1 - bs2 + cs[2 * k]!;
      const bc = t2 * bc1 - bc2 + cs[2 * k + 1]!;
      bs2 = bs1;
      bs1 = bs;
      bc2 = bc1;
      bc1 = bc;
    }
    const sinChi = t * bs1 - bs2 + cs[0]!;
    const cosChi = t * bc1 - bc2 + cs[1]!;
    const L = this.alpha * (lon - this.lon0) * DEG;
    if (L > -0.5 && L < 0.5) {
      // Taylor series to x^16: truncation below 1e-19 for |x| < 0.5
      const x2 = L * L;
      const sinL = L * (1 + x2 * (S3 + x2 * (S5 + x2 * (S7 + x2 * (S9 + x2 * (S11 + x2 * (S13 + x2 * S15)))))));
      const cosL = 1 + x2 * (C2 + x2 * (C4 + x2 * (C6 + x2 * (C8 + x2 * (C10 + x2 * (C12 + x2 * (C14 + x2 * C16)))))));
      out[o] = cosChi * cosL;
      out[o + 1] = cosChi * sinL;
    } else {
      out[o] = cosChi * Math.cos(L);
      out[o + 1] = cosChi * Math.sin(L);
    }
    out[o + 2] = sinChi;
  }

  /** The closed form of `toUnit`, valid at any latitude. */
  toUnitExact(lon: number, lat: number, out: Float64Array, o: number): void {
    const s = Math.sin(lat * DEG);
    // e·atanh(e·s) as a series in e² (terms beyond e¹² are below 1e-16).
    const s2 = s * s;
    const eat =
      s * (WGS84_E2 + s2 * (E4 / 3 + s2 * (E6 / 5 + s2 * (E8 / 7 + s2 * (E10 / 9 + s2 * (E12 / 11))))));
    const ew = this.expK * Math.exp(this.halfAlpha * (Math.log((1 + s) / (1 - s)) - 2 * eat));
    const e2w = ew * ew;
    const inv = 1 / (e2w + 1);
    const sinChi = (e2w - 1) * inv;
    const cosChi = 2 * ew * inv;
    const L = this.alpha * (lon - this.lon0) * DEG;
    out[o] = cosChi * Math.cos(L);
    out[o + 1] = cosChi * Math.sin(L);
    out[o + 2] = sinChi;
  }

  /** Latitude/longitude (degrees) back from a unit vector (used by tests and the build only). */
  fromUnit(x: number, y: number, z: number): [number, number] {
    const lon = this.lon0 + Math.atan2(y, x) / DEG / this.alpha;
    const w = Math.atanh(Math.max(-1, Math.min(1, z / Math.hypot(x, y, z))));
    const target = (w - Math.log(this.expK)) / this.alpha; // = ψ(φ), isometric latitude
    // Invert ψ(φ) = atanh(sin φ) − e·atanh(e·sin φ) by Newton iteration on φ.
    let p = Math.atan(Math.sinh(target));
    for (let i = 0; i < 8; i++) {
      const s = Math.sin(p);
      const psi = Math.atanh(s) - WGS84_E * Math.atanh(WGS84_E * s);
      const dpsi = (1 - WGS84_E2) / ((1 - WGS84_E2 * s * s) * Math.cos(p));
      p -= (psi - target) / dpsi;
    }
    return [lon, p / DEG];
  }
}

// Taylor coefficients of sin and cos
const S3 = -1 / 6;
const S5 = 1 / 120;
const S7 = -1 / 5040;
const S9 = 1 / 362880;
const S11 = -1 / 39916800;
const S13 = 1 / 6227020800;
const S15 = -1 / 1307674368000;
const C2 = -1 / 2;
const C4 = 1 / 24;
const C6 = -1 / 720;
const C8 = 1 / 40320;
const C10 = -1 / 3628800;
const C12 = 1 / 479001600;
const C14 = -1 / 87178291200;
const C16 = 1 / 20922789888000;

const E4 = WGS84_E2 * WGS84_E2;
const E6 = E4 * WGS84_E2;
const E8 = E6 * WGS84_E2;
const E10 = E8 * WGS84_E2;
const E12 = E10 * WGS84_E2;
