import { z } from 'zod';
import booleanPointInPolygon from '@turf/boolean-point-in-polygon';
import type { MultiPolygon, Polygon } from 'geojson';

const Position = z
  .array(z.number())
  .min(2)
  .max(3)
  .refine(([lon, lat]) => Math.abs(lon!) <= 180 && Math.abs(lat!) <= 90, 'must be [lon, lat] within WGS84 bounds');
const Ring = z.array(Position).min(4);
export const SectorGeometry = z.union([
  z.object({ type: z.literal('Polygon'), coordinates: z.array(Ring).min(1) }),
  z.object({ type: z.literal('MultiPolygon'), coordinates: z.array(z.array(Ring).min(1)).min(1) }),
]);

export const Sector = z
  .object({
    id: z.string().min(1).max(64).describe('Short stable id, e.g. "kharkiv-north"'),
    name: z.string().min(1).max(200).describe('Name as monitors say it'),
    geometry: SectorGeometry.describe('Area of responsibility (GeoJSON Polygon or MultiPolygon, WGS84)'),
  })
  .describe('A named area of responsibility along the line');
export type Sector = { id: string; name: string; geometry: Polygon | MultiPolygon };

type Box = [number, number, number, number];

function boxOf(g: Polygon | MultiPolygon): Box {
  const b: Box = [Infinity, Infinity, -Infinity, -Infinity];
  const polys = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
  for (const poly of polys)
    for (const [x, y] of poly[0]!) {
      if (x! < b[0]) b[0] = x!;
      if (y! < b[1]) b[1] = y!;
      if (x! > b[2]) b[2] = x!;
      if (y! > b[3]) b[3] = y!;
    }
  return b;
}

/**
 * Assigns points to sectors. Sectors along one line rarely overlap; where they do, the first in
 * the list wins so that assignment is deterministic.
 */
export class SectorIndex {
  private readonly entries: { sector: Sector; box: Box }[];

  constructor(sectors: readonly Sector[]) {
    this.entries = sectors.map((sector) => ({ sector, box: boxOf(sector.geometry) }));
  }

  sectorOf(lon: number, lat: number): string | null {
    for (const { sector, box } of this.entries) {
      if (lon < box[0] || lat < box[1] || lon > box[2] || lat > box[3]) continue;
      if (booleanPointInPolygon([lon, lat], sector.geometry)) return sector.id;
    }
    return null;
  }
}
