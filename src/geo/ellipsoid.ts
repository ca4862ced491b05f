import geographiclib from 'geographiclib-geodesic';

/** WGS84, the only datum Truceline uses. */
export const WGS84_A = 6378137;
export const WGS84_F = 1 / 298.257223563;
export const WGS84_E2 = WGS84_F * (2 - WGS84_F);
export const WGS84_E = Math.sqrt(WGS84_E2);
export const WGS84_B = WGS84_A * (1 - WGS84_F);

export const DEG = Math.PI / 180;

/** geographiclib's WGS84 geodesic: the reference for every distance in Truceline. */
export const GEOD = geographiclib.Geodesic.WGS84;
export const GEODESIC_CAPS = geographiclib.Geodesic;

/** Geodesic distance in metres between two points given as lon/lat degrees (exact, ~3 µs). */
export function geodesicDistanceM(lon1: number, lat1: number, lon2: number, lat2: number): number {
  return GEOD.Inverse(lat1, lon1, lat2, lon2, GEODESIC_CAPS.DISTANCE).s12!;
}

/** Earth-centred, earth-fixed coordinates (metres) of a point on the ellipsoid surface. */
export function ecef(lon: number, lat: number, out: Float64Array, o = 0): void {
  const p = lat * DEG;
  const l = lon * DEG;
  const sp = Math.sin(p);
  const cp = Math.cos(p);
  const n = WGS84_A / Math.sqrt(1 - WGS84_E2 * sp * sp);
  out[o] = n * cp * Math.cos(l);
  out[o + 1] = n * cp * Math.sin(l);
  out[o + 2] = n * (1 - WGS84_E2) * sp;
}
