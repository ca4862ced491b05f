import { buffer, difference, featureCollection, lineString } from '@turf/turf';
import type { Feature, MultiPolygon, Polygon } from 'geojson';
import type { Sector } from '../domain/sector';
import { DEMO_SECTOR_SECTIONS, ILLUSTRATIVE_LINE_COORDS } from './contact-line';

const HALF_WIDTH_KM = 30;

const sameAs = (a: [number, number], b: [number, number]) => Math.abs(a[0] - b[0]) < 1e-9 && Math.abs(a[1] - b[1]) < 1e-9;
const round = (g: Polygon | MultiPolygon): Polygon | MultiPolygon =>
  JSON.parse(JSON.stringify(g, (_k, v: unknown) => (typeof v === 'number' ? Math.round(v * 1e4) / 1e4 : v))) as Polygon | MultiPolygon;

/**
 * Demo areas of responsibility: a 30 km buffer around each section of the illustrative line,
 * minus the sectors before it, so sectors touch without overlapping.
 */
export function demoSectors(): Sector[] {
  type Area = Feature<Polygon | MultiPolygon>;
  const taken: Area[] = [];
  return DEMO_SECTOR_SECTIONS.map(({ id, name, from, to }) => {
    const i = ILLUSTRATIVE_LINE_COORDS.findIndex((p) => sameAs(p, from));
    const j = ILLUSTRATIVE_LINE_COORDS.findIndex((p) => sameAs(p, to));
    const band = buffer(lineString(ILLUSTRATIVE_LINE_COORDS.slice(i, j + 1)), HALF_WIDTH_KM, { units: 'kilometers', steps: 4 }) as Area;
    let area: Area = band;
    for (const prev of taken) area = difference(featureCollection([area, prev])) ?? area;
    taken.push(band);
    return { id, name, geometry: round(area.geometry) };
  });
}
