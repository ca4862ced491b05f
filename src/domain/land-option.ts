import { z } from 'zod';
import { linealProblems, polygonalProblems, type GeometryProblem } from '../geo/validity';
import type { PolygonCoords } from '../geo/line-from-area';
import { LineGeometry, PolygonGeometry } from './agreement';
import { InvalidInputError } from './errors';
import { Releasability } from './releasability';

/*
 * A land option: a proposed demarcation line, as negotiators table it. Versions are append-only:
 * an edit stores version n+1 beside version n, which stays readable. A draft is sensitive, so an
 * option's label defaults to MECHANISM (the mechanism's own users only); the author widens it
 * (COALITION, REL TO …) when it is tabled.
 */

export const LAND_OPTION_STATUSES = ['draft', 'tabled', 'withdrawn', 'agreed'] as const;
export type LandOptionStatus = (typeof LAND_OPTION_STATUSES)[number];
export const DEFAULT_LAND_RELEASABILITY = 'MECHANISM';

/** Where the line came from. */
export const LAND_SOURCES = ['drawn', 'geojson', 'kml', 'area'] as const;

export const LandOptionId = z
  .string()
  .min(1)
  .max(80)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/, 'must be letters, digits and _ . : - (starting with a letter or digit)')
  .describe('Option id (UUIDv7 when the server makes it)');

const OptionFields = {
  name: z.string().min(1).max(200).describe('Name, e.g. "Option B: line of 2025-08-01"'),
  author: z.string().max(200).optional().describe('Who proposes it (a delegation, a mediator); default the user who stores it'),
  date: z.iso.date().describe('Date of the proposal (YYYY-MM-DD)'),
  status: z.enum(LAND_OPTION_STATUSES).default('draft').describe('draft | tabled | withdrawn | agreed'),
  releasability: Releasability.optional().describe(`Who may see it; default ${DEFAULT_LAND_RELEASABILITY} (drafts are sensitive)`),
  note: z.string().max(4000).optional().describe('What the option proposes, in words'),
  source: z.enum(LAND_SOURCES).optional().describe('How the line was made: drawn, geojson, kml, or area (derived from an occupied-area polygon)'),
  line: LineGeometry.optional().describe('The proposed line; its held side is on the LEFT of the direction of travel'),
  area: PolygonGeometry.optional().describe('The area held on the option side (e.g. a dated occupied-area polygon); the line is derived from it when absent'),
};

export const LandOptionInput = z
  .object({ id: LandOptionId.optional(), ...OptionFields })
  .strict()
  .describe('A land option: a line, an area, or both');
export type LandOptionInput = z.output<typeof LandOptionInput>;

/** A new version: the whole option again (what is not sent is not kept). */
export const LandOptionVersionInput = z.object(OptionFields).strict().describe('The next version of an option, whole');
export type LandOptionVersionInput = z.output<typeof LandOptionVersionInput>;

export interface LandOption {
  id: string;
  version: number;
  name: string;
  author: string;
  date: string;
  status: LandOptionStatus;
  releasability: string;
  note?: string;
  source: (typeof LAND_SOURCES)[number];
  line?: LineGeometry;
  area?: PolygonGeometry;
  createdAt: string;
  createdBy: string;
}

export const polygonsOfGeometry = (g: PolygonGeometry): PolygonCoords[] => (g.type === 'Polygon' ? [g.coordinates] : g.coordinates);
export const partsOfLine = (g: LineGeometry): [number, number][][] =>
  (g.type === 'LineString' ? [g.coordinates] : g.coordinates).map((p) => p.map((c) => [c[0]!, c[1]!] as [number, number]));

/** Every geometry problem of an option, by field; an option needs a line or an area. */
export function landOptionProblems(o: { line?: LineGeometry; area?: PolygonGeometry }): { field: string; message: string }[] {
  const out: { field: string; message: string }[] = [];
  if (!o.line && !o.area) out.push({ field: 'line', message: 'an option needs a line or an area' });
  const add = (field: string, ps: GeometryProblem[]) => ps.forEach((p) => out.push({ field, message: p.message }));
  if (o.line) add('line', linealProblems(partsOfLine(o.line)));
    // DeepState's polygons touch themselves in places; that does not change what side a point is on.
  if (o.area) add('area', polygonalProblems(polygonsOfGeometry(o.area)).filter((p) => p.problem !== 'self_intersection'));
  return out;
}

/** Throws a 400 naming the first problem's field (all problems in the detail). */
export function assertValidLandOption(o: { line?: LineGeometry; area?: PolygonGeometry }): void {
  const problems = landOptionProblems(o);
  if (problems.length) throw new InvalidInputError(problems[0]!.field, `is not a valid geometry: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`);
}
