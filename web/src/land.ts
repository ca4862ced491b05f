import type { Geometry, LineString, MultiLineString, MultiPolygon, Polygon } from 'geojson';
import { csrfHeader, request } from './api';

/** A land option as GET /api/land/options answers it (one version). */
export interface LandOption {
  id: string;
  version: number;
  name: string;
  author: string;
  date: string;
  status: 'draft' | 'tabled' | 'withdrawn' | 'agreed';
  releasability: string;
  note?: string;
  source: string;
  line?: LineString | MultiLineString;
  area?: Polygon | MultiPolygon;
  createdAt: string;
  createdBy: string;
}

export interface SettlementRow {
  id: string;
  name: string;
  nameUk?: string;
  population: number | null;
  distanceKm: number;
  lon: number;
  lat: number;
}

export interface ComparedSide {
  name: string;
  id?: string;
  line: LineString | MultiLineString | null;
  area: Polygon | MultiPolygon | null;
}

export interface Comparison {
  option: ComparedSide;
  referenceAreaKm2: number;
  optionAreaKm2: number;
  gainedKm2: number;
  lostKm2: number;
  changedKm2: number;
  newLineLengthKm: number;
  settlementsGained: SettlementRow[];
  settlementsLost: SettlementRow[];
  peopleGained: number;
  peopleLost: number;
  zones: { band: { id: string; label: string; distanceM: number }; settlements: SettlementRow[]; people: number }[];
  towns: (SettlementRow & { side: 'inside' | 'outside'; referenceSide: 'inside' | 'outside'; referenceDistanceKm: number })[];
  infrastructure: { id: string; name: string; kind: string; crossings: number; changesSide: boolean }[];
  gainedArea: MultiPolygon | null;
  lostArea: MultiPolygon | null;
}

export interface CompareResult {
  reference: ComparedSide;
  comparisons: Comparison[];
  attribution: string;
  ms: number;
}

export const listLandOptions = () => request<{ items: LandOption[] }>('/api/land/options').then((r) => r.items);

export const compareLand = (reference: string, options: string[]) =>
  request<CompareResult>('/api/land/compare', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...csrfHeader() },
    body: JSON.stringify({ reference: { id: reference }, options: options.map((id) => ({ id })) }),
  });

export const comparePdfUrl = (reference: string, options: string[]) =>
  `/api/land/compare.pdf?${new URLSearchParams({ reference, options: options.join(',') })}`;

/** Uploads a GeoJSON or KML file as a new option (stored raw first by the server). */
export function importLandOption(file: File, meta: { name: string; date: string; releasability: string }): Promise<LandOption> {
  const kml = /\.kml$/i.test(file.name);
  const params = new URLSearchParams({ date: meta.date, releasability: meta.releasability, ...(meta.name ? { name: meta.name } : {}) });
  return file.text().then((body) =>
    request<LandOption>(`/api/land/import?${params}`, {
      method: 'POST',
      headers: { 'content-type': kml ? 'application/vnd.google-earth.kml+xml' : 'application/json', ...csrfHeader() },
      body,
    }),
  );
}

export const settlementName = (s: { name: string; nameUk?: string }) => (s.nameUk && s.nameUk !== s.name ? `${s.name} (${s.nameUk})` : s.name);
export const km = (x: number) => x.toLocaleString('en-GB', { maximumFractionDigits: 1 });

/** The features of one side for the map: its area, then its line. */
export function sideFeatures(side: ComparedSide, role: string): { type: 'Feature'; properties: { role: string }; geometry: Geometry }[] {
  const out: { type: 'Feature'; properties: { role: string }; geometry: Geometry }[] = [];
  if (side.area) out.push({ type: 'Feature', properties: { role: `${role}-area` }, geometry: side.area });
  if (side.line) out.push({ type: 'Feature', properties: { role: `${role}-line` }, geometry: side.line });
  return out;
}
