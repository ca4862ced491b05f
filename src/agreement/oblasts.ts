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
