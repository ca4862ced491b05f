import { z } from 'zod';
import { LineGeometry, PolygonGeometry } from '../domain/agreement';
import { LAND_OPTION_STATUSES, LAND_SOURCES, LandOptionId, LandOptionInput, LandOptionVersionInput } from '../domain/land-option';

/** Wire shapes of the land options API. */

export const LandOptionCreateBody = LandOptionInput;
export const LandOptionVersionBody = LandOptionVersionInput.extend({
  ifVersion: z.number().int().positive().optional().describe('The version this edit was made on: 409 when a newer one was stored meanwhile'),
});

export const LandOptionSchema = z
  .object({
    id: z.string().describe('Option id'),
    version: z.number().int().describe('1, 2, …: every edit is a new version; earlier ones stay readable'),
    name: z.string().describe('Name of the option'),
    author: z.string().describe('Who proposes it'),
    date: z.string().describe('Date of the proposal (YYYY-MM-DD)'),
    status: z.enum(LAND_OPTION_STATUSES).describe('draft | tabled | withdrawn | agreed'),
    releasability: z.string().describe('Who may see this version'),
    note: z.string().optional().describe('What it proposes, in words'),
    source: z.enum(LAND_SOURCES).describe('drawn | geojson | kml | area'),
    line: LineGeometry.optional(),
    area: PolygonGeometry.optional(),
    createdAt: z.string().describe('When this version was stored (ISO 8601, UTC)'),
    createdBy: z.string().describe('Who stored it: `user:<name>` or `token:<name>`'),
  })
  .describe('One version of a land option');

export const LandOptionList = z.object({ items: z.array(LandOptionSchema).describe("Each option's latest version released to you, newest first") });
export const LandOptionParams = z.object({ id: LandOptionId });
export const LandOptionGetQuery = z.object({ version: z.coerce.number().int().positive().optional().describe('A given version (default the latest)') });

export const LandImportQuery = z.object({
  name: z.string().min(1).max(200).optional().describe('Name (default the document’s first feature name, or the file’s)'),
  date: z.iso.date().optional().describe('Date of the proposal (default today)'),
  status: z.enum(LAND_OPTION_STATUSES).optional().describe('Default draft'),
  releasability: z.string().optional().describe('Default MECHANISM'),
});

const LandRefSchema = z
  .union([
    z.object({ id: LandOptionId, version: z.number().int().positive().optional().describe('Default the latest') }).strict(),
    z.object({ current: z.literal(true).describe('The contact line of the agreement in force') }).strict(),
    z
      .object({ name: z.string().max(200).optional(), line: LineGeometry.optional(), area: PolygonGeometry.optional() })
      .strict()
      .describe('Inline: a line (held side on its left), an area held on the option side, or both'),
  ])
  .describe('A stored option (id, optional version), the agreement’s contact line ({"current": true}), or inline geometry');

const InfrastructureSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    kind: z.string().describe('road, rail, power, water, …'),
    geometry: z.union([
      z.object({ type: z.literal('LineString'), coordinates: z.array(z.array(z.number())) }),
      z.object({ type: z.literal('MultiLineString'), coordinates: z.array(z.array(z.array(z.number()))) }),
      z.object({ type: z.literal('Point'), coordinates: z.array(z.number()) }),
    ]),
  })
  .describe('A road, rail line, power or water site to check against the new line');

export const LandCompareBody = z
  .object({
    reference: LandRefSchema.optional().describe('Default: the contact line of the agreement in force'),
    options: z.array(LandRefSchema).min(1).max(3).describe('One to three options, each compared with the reference'),
    infrastructure: z.array(InfrastructureSchema).max(10_000).optional(),
    townMinPopulation: z.number().int().nonnegative().optional().describe('Towns above this get their distance to the new line (default 10,000)'),
  })
  .strict();

export const LandComparePdfQuery = z.object({
  reference: z.string().optional().describe('Reference option id (default the agreement’s contact line)'),
  options: z.string().min(1).describe('Comma-separated option ids (one to three)'),
});

const SettlementSchema = z.object({
  id: z.string(),
  name: z.string().describe('Name (English where the source has it)'),
  nameUk: z.string().optional().describe('Ukrainian name where the source has it'),
  lon: z.number(),
  lat: z.number(),
  population: z.number().nullable(),
  distanceKm: z.number().describe('Geodesic distance to the new line, km'),
});

const ComparedSide = z.object({
  name: z.string(),
  id: z.string().optional(),
  version: z.number().int().optional(),
  line: LineGeometry.nullable().describe('The line (derived from the area where the option had none)'),
  area: PolygonGeometry.nullable(),
});

const MultiPolygonG = z.object({ type: z.literal('MultiPolygon'), coordinates: z.array(z.array(z.array(z.array(z.number())))) });

export const LandCompareResponse = z.object({
  reference: ComparedSide,
  bands: z.array(z.object({ id: z.string(), label: z.string(), distanceM: z.number() })).describe('Zones of the agreement in force applied around each new line'),
  comparisons: z.array(
    z.object({
      option: ComparedSide,
      referenceAreaKm2: z.number().describe('Area on the reference’s held side, km² (WGS84 ellipsoid)'),
      optionAreaKm2: z.number(),
      gainedKm2: z.number().describe('Area joining the option’s held side, km²'),
      lostKm2: z.number().describe('Area leaving it, km²'),
      changedKm2: z.number().describe('gained + lost'),
      newLineLengthKm: z.number(),
      settlementsGained: z.array(SettlementSchema),
      settlementsLost: z.array(SettlementSchema),
      peopleGained: z.number(),
      peopleLost: z.number(),
      zones: z.array(z.object({ band: z.object({ id: z.string(), label: z.string(), distanceM: z.number() }), settlements: z.array(SettlementSchema), people: z.number() })),
      towns: z.array(
        SettlementSchema.extend({
          side: z.enum(['inside', 'outside']).describe('inside: on the option’s held side'),
          referenceSide: z.enum(['inside', 'outside']),
          referenceDistanceKm: z.number(),
        }),
      ),
      infrastructure: z.array(z.object({ id: z.string(), name: z.string(), kind: z.string(), crossings: z.number().int(), changesSide: z.boolean() })),
      gainedArea: MultiPolygonG.nullable(),
      lostArea: MultiPolygonG.nullable(),
    }),
  ),
  attribution: z.string().describe('Sources of the settlements'),
  ms: z.number().describe('Time taken, ms'),
});
