import { readFileSync } from 'node:fs';
import { PolygonIndex } from '../geo/polygon-index';
import type { PolygonCoords } from '../geo/line-from-area';
import { DEFAULT_BORDER_PATH } from './geojson-io';

export interface Oblast {
  /** ISO 3166-2 code, e.g. UA-14. */
  code: string;
  nameEn: string;
  nameUk: string;
}

type OblastFeature = {
  properties: Record<string, string | undefined>;
  geometry: { type: 'Polygon'; coordinates: PolygonCoords } | { type: 'MultiPolygon'; coordinates: PolygonCoords[] };
};

let loaded: { oblast: Oblast; index: PolygonIndex }[] | null = null;

/** The bundled OSM oblasts (© OpenStreetMap contributors), indexed once per process. */
function oblasts(): { oblast: Oblast; index: PolygonIndex }[] {
  loaded ??= (JSON.parse(readFileSync(DEFAULT_BORDER_PATH, 'utf8')) as { features: OblastFeature[] }).features.map((f) => ({
    oblast: { code: f.properties['iso3166-2'] ?? '', nameEn: f.properties['name:en'] ?? f.properties.name ?? '', nameUk: f.properties['name:uk'] ?? f.properties.name ?? '' },
    index: PolygonIndex.fromGeometry(f.geometry),
  }));
  return loaded;
}

/** The oblast a point lies in, or null outside Ukraine's oblasts. */
export function oblastAt(lon: number, lat: number): Oblast | null {
  for (const o of oblasts()) if (o.index.contains(lon, lat)) return o.oblast;
  return null;
}

/** Rings sampled around a point outside every oblast, nearest first (km), and bearings per ring. */
const NEAR_RINGS_KM = [0.5, 1, 2, 3.5, 5, 7.5, 10];
const NEAR_BEARINGS = 16;

/**
 * The oblast a point lies in, or else the one nearest to it within `maxKm` (a point on the water
 * of an estuary or the sea, which the OSM oblast polygons leave out, or just across the border),
 * found by sampling rings around the point: `inside` says which. null: nothing within `maxKm`.
 */
export function oblastNear(lon: number, lat: number, maxKm = 10): { oblast: Oblast; inside: boolean } | null {
  const at = oblastAt(lon, lat);
  if (at) return { oblast: at, inside: true };
  const kmPerDegLat = 111.2;
  const kmPerDegLon = kmPerDegLat * Math.cos((lat * Math.PI) / 180);
  for (const r of NEAR_RINGS_KM) {
    if (r > maxKm) break;
    for (let i = 0; i < NEAR_BEARINGS; i++) {
      const a = (2 * Math.PI * i) / NEAR_BEARINGS;
      const o = oblastAt(lon + (r * Math.sin(a)) / kmPerDegLon, lat + (r * Math.cos(a)) / kmPerDegLat);
      if (o) return { oblast: o, inside: false };
    }
  }
  return null;
}
