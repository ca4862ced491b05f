import { z } from 'zod';
import { EXPLOSION_SUBKINDS, OBSERVATION_KINDS, ObservationInput, Location, Observer, Weapon, Source } from '../domain/observation';
import { Releasability } from '../domain/releasability';
import { JudgementSchema } from './agreement.schemas';

/** Wire shapes of the HTTP API: declared once, used to validate and to write the OpenAPI document. */

export const ProblemSchema = z
  .object({
    type: z.string().describe('Stable URI naming the kind of problem'),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().describe('What went wrong, for a human'),
    instance: z.string().optional(),
    field: z.string().optional().describe('The offending field, dotted path'),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .loose()
  .describe('RFC 9457 problem details (application/problem+json)');

export const ObservationSchema = z
  .object({
    id: z.string(),
    kind: z.enum(OBSERVATION_KINDS),
    subkind: z.enum(EXPLOSION_SUBKINDS).optional(),
    observedAt: z.string(),
    observedUntil: z.string().optional(),
    location: Location,
    count: z.number().int(),
    observer: Observer.optional(),
    weapon: Weapon.optional(),
    source: Source,
    notes: z.string().optional(),
    releasability: Releasability,
    sector: z.string().nullable().describe('Sector the observation falls in; null outside every sector'),
    receivedAt: z.string().describe('When the server received it'),
    judgement: JudgementSchema.nullable().optional().describe('The latest judgement against the agreement; null when it has none'),
  })
  .describe('A stored observation');

export const SubmitBody = z.union([ObservationInput, z.object({ observations: z.array(ObservationInput).max(10_000) })]);

export const ItemResultSchema = z.object({
  index: z.number().int(),
  id: z.string().nullable(),
  status: z.enum(['created', 'duplicate', 'conflict', 'invalid']),
  httpStatus: z.number().int(),
  errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
});

export const BatchResult = z.object({
  results: z.array(ItemResultSchema),
  created: z.number().int(),
  duplicate: z.number().int(),
  conflict: z.number().int(),
  invalid: z.number().int(),
});

const commaList = (what: string) => z.string().describe(`Comma-separated ${what}`);

export const ObservationListQuery = z.object({
  bbox: commaList('minLon,minLat,maxLon,maxLat (WGS84)')
    .optional()
    .transform((s, ctx) => {
      if (s === undefined) return undefined;
      const n = s.split(',').map(Number);
      const [minLon, minLat, maxLon, maxLat] = n as [number, number, number, number];
      const ok =
        n.length === 4 && n.every(Number.isFinite) && minLon <= maxLon && minLat <= maxLat && minLon >= -180 && maxLon <= 180 && minLat >= -90 && maxLat <= 90;
      if (!ok) {
        ctx.addIssue({ code: 'custom', message: 'must be minLon,minLat,maxLon,maxLat within WGS84 bounds, min <= max' });
        return z.NEVER;
      }
      return [minLon, minLat, maxLon, maxLat] as [number, number, number, number];
    }),
  from: z.iso.datetime({ offset: true }).optional().describe('Earliest observedAt (inclusive)'),
  to: z.iso.datetime({ offset: true }).optional().describe('Latest observedAt (exclusive)'),
  kind: commaList('observation kinds')
    .optional()
    .transform((s, ctx) => {
      if (s === undefined) return undefined;
      const kinds = s.split(',').map((k) => k.trim()).filter(Boolean);
      const bad = kinds.find((k) => !(OBSERVATION_KINDS as readonly string[]).includes(k));
      if (bad) {
        ctx.addIssue({ code: 'custom', message: `unknown kind "${bad}"; one of ${OBSERVATION_KINDS.join(', ')}` });
        return z.NEVER;
      }
      return kinds as (typeof OBSERVATION_KINDS)[number][];
    }),
  sector: z.string().max(64).optional().describe('Sector id'),
  breach: z
    .enum(['true', 'false'])
    .optional()
    .transform((s) => (s === undefined ? undefined : s === 'true'))
    .describe('true: only observations whose latest judgement finds a breach; false: only those without'),
  provision: z.string().min(1).max(64).optional().describe('Only observations whose latest judgement breaches this provision (id)'),
  zone: z.string().min(1).max(64).optional().describe('Only observations whose latest judgement puts them in this zone (provision, site or area id)'),
  limit: z.coerce.number().int().min(1).max(5000).default(100).describe('Page size, at most 5,000'),
  cursor: z.string().max(500).optional().describe('Opaque cursor from the previous page'),
});

export const ObservationPage = z.object({
  items: z.array(ObservationSchema),
  total: z.number().int().describe('How many observations match the filters'),
  nextCursor: z.string().nullable(),
});

export const QuarantineSchema = z.object({
  id: z.string(),
  rawId: z.string().nullable().describe('Raw inbox entry holding the bytes as received'),
  channel: z.string(),
  receivedAt: z.string(),
  reason: z.string(),
  field: z.string().nullable(),
  size: z.number().int().describe('Size of the input in bytes'),
  excerpt: z.string().describe('The first kilobyte of the input'),
});
