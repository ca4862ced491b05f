import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { feature } from 'topojson-client';
import type { Topology, GeometryObject } from 'topojson-specification';
import type { PolygonCoords } from '../geo/line-from-area';

/** Folder of the data shipped with Truceline for agreements (OSM oblasts, default agreement). */
export const AGREEMENT_DATA_DIR = join(dirname(fileURLToPath(import.meta.url)), 'data');

/** The bundled OSM oblast boundaries (ODbL, © OpenStreetMap contributors). */
export const DEFAULT_BORDER_PATH = join(AGREEMENT_DATA_DIR, 'ukraine-oblasts-osm.geojson');

/** Natural Earth land at 1:10m, from the `world-atlas` package (public domain). */
export function defaultLandPath(): string {
  return createRequire(import.meta.url).resolve('world-atlas/land-10m.json');
}

type Geometry = { type: string; coordinates?: unknown; geometries?: Geometry[] };

/** Reads a GeoJSON or TopoJSON file. */
export function readJsonFile(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8'));
}

function geometriesOf(doc: unknown): Geometry[] {
  const d = doc as { type?: string; features?: { geometry: Geometry | null }[]; geometry?: Geometry; objects?: Record<string, unknown> };
  if (!d || typeof d !== 'object') throw new Error('not a GeoJSON object');
  if (d.type === 'Topology') {
    const topo = doc as Topology;
    const out: Geometry[] = [];
    for (const obj of Object.values(topo.objects)) {
      const f = feature(topo, obj as GeometryObject) as unknown as { type: string; features?: { geometry: Geometry }[]; geometry?: Geometry };
      if (f.type === 'FeatureCollection') out.push(...f.features!.map((x) => x.geometry).filter(Boolean));
      else if (f.geometry) out.push(f.geometry);
    }
    return out;
  }
  if (d.type === 'FeatureCollection') return (d.features ?? []).map((f) => f.geometry).filter((g): g is Geometry => !!g);
  if (d.type === 'Feature') return d.geometry ? [d.geometry] : [];
  if (d.type === 'GeometryCollection') return (d as Geometry).geometries ?? [];
  return [d as Geometry];
}

/** Polygons (as coordinate arrays) of every Polygon/MultiPolygon in a GeoJSON or TopoJSON document. */
export function polygonsOf(doc: unknown): PolygonCoords[] {
  const out: PolygonCoords[] = [];
  const visit = (g: Geometry): void => {
    if (g.type === 'Polygon') out.push(g.coordinates as PolygonCoords);
    else if (g.type === 'MultiPolygon') out.push(...(g.coordinates as PolygonCoords[]));
    else if (g.type === 'GeometryCollection') (g.geometries ?? []).forEach(visit);
  };
  geometriesOf(doc).forEach(visit);
  return out;
}

/** Polylines of every LineString/MultiLineString in a document. */
export function linesOf(doc: unknown): [number, number][][] {
  const out: [number, number][][] = [];
  const visit = (g: Geometry): void => {
    if (g.type === 'LineString') out.push(g.coordinates as [number, number][]);
    else if (g.type === 'MultiLineString') out.push(...(g.coordinates as [number, number][][]));
    else if (g.type === 'GeometryCollection') (g.geometries ?? []).forEach(visit);
  };
  geometriesOf(doc).forEach(visit);
  return out;
}
