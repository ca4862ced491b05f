import { lineFromArea, outerEdges, ringsInBox, type DerivedLine, type PolygonCoords } from '../geo/line-from-area';
import { DEFAULT_BORDER_PATH, defaultLandPath, linesOf, polygonsOf, readJsonFile } from './geojson-io';

export interface LineFromAreaFileOptions {
  /** Border file (GeoJSON polygons: their outer edges are used; or lines, used as they are). Default: bundled OSM oblasts. */
  borderPath?: string;
  /** Land file (GeoJSON or TopoJSON polygons: their boundaries are the coast). Default: world-atlas land-10m. */
  landPath?: string;
  /** Default 3,000 m. */
  toleranceM?: number;
  /** Default 20 km. */
  minLengthKm?: number;
}

export interface LineFromAreaResult extends DerivedLine {
  /** The occupied-area polygons, to tell sides by point-in-area. */
  area: PolygonCoords[];
  /** A GeoJSON Feature with the derived MultiLineString (area on the left of each part). */
  feature: {
    type: 'Feature';
    properties: { lengthsKm: number[]; toleranceM: number; minLengthKm: number; orientation: string };
    geometry: { type: 'MultiLineString'; coordinates: [number, number][][] };
  };
}

function bboxOf(polys: readonly PolygonCoords[]): [number, number, number, number] {
  const b: [number, number, number, number] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const p of polys)
    for (const r of p)
      for (const c of r) {
        b[0] = Math.min(b[0], c[0]!);
        b[1] = Math.min(b[1], c[1]!);
        b[2] = Math.max(b[2], c[0]!);
        b[3] = Math.max(b[3], c[1]!);
      }
  return b;
}

/** Border reference lines from a document: outer edges of its polygons, plus any lines. */
export function borderLinesOf(doc: unknown): [number, number][][] {
  return [...outerEdges(polygonsOf(doc)), ...linesOf(doc)];
}

/** Coast lines near a box (padded by 1°) from a land document (polygon boundaries, plus any lines). */
export function coastLinesNear(doc: unknown, box: [number, number, number, number]): [number, number][][] {
  const padded: [number, number, number, number] = [box[0] - 1, box[1] - 1, box[2] + 1, box[3] + 1];
  return [...ringsInBox(polygonsOf(doc), padded), ...linesOf(doc)];
}

/**
 * `truceline agreement line-from-area AREA.geojson [--border B] [--land L] [--tolerance-m 3000]
 * [--min-length-km 20]`: derives the contact line from an occupied-area polygon file.
 */
export function lineFromAreaFile(areaPath: string, options: LineFromAreaFileOptions = {}): LineFromAreaResult {
  const area = polygonsOf(readJsonFile(areaPath));
  if (area.length === 0) throw new Error(`${areaPath}: no Polygon or MultiPolygon found`);
  return lineFromAreaPolygons(area, options);
}

/** Same as lineFromAreaFile, for polygons already in memory. */
export function lineFromAreaPolygons(area: PolygonCoords[], options: LineFromAreaFileOptions = {}): LineFromAreaResult {
  const border = borderLinesOf(readJsonFile(options.borderPath ?? DEFAULT_BORDER_PATH));
  const coast = coastLinesNear(readJsonFile(options.landPath ?? defaultLandPath()), bboxOf(area));
  const minLengthKm = options.minLengthKm ?? 20;
  const derived = lineFromArea(area, [...border, ...coast], { toleranceM: options.toleranceM ?? 3_000, minLengthM: minLengthKm * 1000 });
  return {
    ...derived,
    area,
    feature: {
      type: 'Feature',
      properties: {
        lengthsKm: derived.parts.map((p) => Math.round(p.lengthM / 100) / 10),
        toleranceM: derived.toleranceM,
        minLengthKm,
        orientation: 'area on the left of the direction of travel',
      },
      geometry: { type: 'MultiLineString', coordinates: derived.parts.map((p) => p.coordinates) },
    },
  };
}
