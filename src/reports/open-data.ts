import { kindLabel } from './kind-label';
import type { Observation } from '../domain/observation';

/**
 * The attribution every open-data file carries: the data are the mechanism's own observations;
 * place names and boundaries used for sectors and oblasts come from OpenStreetMap.
 */
export const OPEN_DATA_ATTRIBUTION =
  'Observations: Truceline truce monitoring mechanism (own sources only; partner and third-party data left out). Boundaries and place names: © OpenStreetMap contributors (ODbL 1.0).';

const xml = (s: string) => s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);

/** The public fields of an observation as GeoJSON properties (no internal ids of raw inputs). */
const properties = (o: Observation) => ({
  id: o.id,
  kind: o.kind,
  subkind: o.subkind ?? null,
  count: o.count,
  observedAt: o.observedAt,
  accuracyM: o.location.accuracyM ?? null,
  sector: o.sector,
  sourceKind: o.source.kind,
  notes: o.notes ?? null,
});

export function geojsonHead(): string {
  return `{"type":"FeatureCollection","attribution":${JSON.stringify(OPEN_DATA_ATTRIBUTION)},"features":[\n`;
}
export const geojsonFeature = (o: Observation) => JSON.stringify({ type: 'Feature', id: o.id, geometry: { type: 'Point', coordinates: [o.location.lon, o.location.lat] }, properties: properties(o) });
export const GEOJSON_TAIL = '\n]}\n';

export function kmlHead(title: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>${xml(title)}</name><description>${xml(OPEN_DATA_ATTRIBUTION)}</description>\n`;
}
export const kmlPlacemark = (o: Observation) =>
  `<Placemark id="${xml(o.id)}"><name>${xml(kindLabel(o))}${o.count > 1 ? ` ×${o.count}` : ''}</name><TimeStamp><when>${xml(o.observedAt)}</when></TimeStamp>` +
  `<description>${xml([o.sector ? `Sector ${o.sector}` : null, o.notes ?? null].filter(Boolean).join('. '))}</description>` +
  `<Point><coordinates>${o.location.lon},${o.location.lat}</coordinates></Point></Placemark>\n`;
export const KML_TAIL = '</Document></kml>\n';
