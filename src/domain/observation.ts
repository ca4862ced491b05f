import { z } from 'zod';
import { Releasability, canonicalReleasability } from './releasability';

export const OBSERVATION_KINDS = [
  'explosion',
  'projectile_in_flight',
  'muzzle_flash',
  'illumination_flare',
  'burst',
  'shot',
  'weapon_sighting',
  'flight',
  'damage',
  'casualty',
  'mine',
  'access_restriction',
  'movement',
  'other',
] as const;
export type ObservationKind = (typeof OBSERVATION_KINDS)[number];

export const EXPLOSION_SUBKINDS = ['impact', 'airburst', 'outgoing', 'undetermined'] as const;
export const SOURCE_KINDS = ['monitor', 'camera', 'uav', 'sensor', 'tak', 'partner', 'osint'] as const;

/** ISO 8601 with an explicit offset (Z or ±hh:mm): a monitor's clock without a zone is ambiguous. */
const Instant = z.iso
  .datetime({ offset: true })
  .describe('ISO 8601 instant with offset, e.g. 2026-11-20T14:05:00+02:00');

const Latitude = z.number().min(-90).max(90).describe('WGS84 latitude, degrees');
const Longitude = z.number().min(-180).max(180).describe('WGS84 longitude, degrees');

export const Location = z
  .object({
    lat: Latitude,
    lon: Longitude,
    accuracyM: z.number().nonnegative().optional().describe('Horizontal accuracy in metres'),
  })
  .strict()
  .describe('Where the event happened (WGS84)');

export const Observer = z
  .object({
    lat: Latitude,
    lon: Longitude,
    bearingDeg: z.number().min(0).lt(360).optional().describe('Bearing from the observer to the event, degrees true'),
    distanceM: z.number().nonnegative().optional().describe('Estimated distance from the observer to the event, metres'),
  })
  .strict()
  .describe('Where the observer stood, when the event was away from the observer');

export const Weapon = z
  .object({
    model: z.string().min(1).max(100).optional().describe('Weapon model, e.g. 2S1, D-30, BM-21, T-72'),
    caliberMm: z.number().positive().max(1000).optional().describe('Calibre in millimetres'),
    count: z.number().int().positive().optional().describe('How many were seen'),
  })
  .strict()
  .describe('The weapon seen, for weapon sightings');

export const Source = z
  .object({
    kind: z.enum(SOURCE_KINDS).describe('Whose observation this is'),
    nation: z
      .string()
      .regex(/^[A-Z]{3}$/, 'must be an ISO 3166-1 alpha-3 code')
      .optional()
      .describe('Nation of the reporter (ISO 3166-1 alpha-3)'),
    reporter: z.string().max(200).optional().describe('Reporter, team or feed name'),
  })
  .strict();

/** What a monitor (or a feed) submits. The wire shape is camelCase JSON. */
export const ObservationInput = z
  .object({
    id: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')
      .describe('Client-supplied globally unique id (UUIDv7 recommended)'),
    kind: z.enum(OBSERVATION_KINDS).describe('What was observed'),
    subkind: z.enum(EXPLOSION_SUBKINDS).optional().describe('For explosions: impact, airburst, outgoing or undetermined'),
    observedAt: Instant,
    observedUntil: Instant.optional().describe('End of the observation, for events that lasted'),
    location: Location,
    count: z.number().int().positive().max(100_000).default(1).describe('How many events (e.g. explosions) this record counts'),
    observer: Observer.optional(),
    weapon: Weapon.optional(),
    source: Source.default({ kind: 'monitor' }),
    notes: z.string().max(10_000).optional().describe('Free text'),
    releasability: Releasability.default('MECHANISM'),
  })
  .strict()
  .superRefine((o, ctx) => {
    if (o.subkind && o.kind !== 'explosion') {
      ctx.addIssue({ code: 'custom', path: ['subkind'], message: 'subkind applies to explosions only' });
    }
    if (o.observedUntil && Date.parse(o.observedUntil) < Date.parse(o.observedAt)) {
      ctx.addIssue({ code: 'custom', path: ['observedUntil'], message: 'must not be before observedAt' });
    }
  })
  .describe('An observation as a monitor records it');

export type ObservationInput = z.input<typeof ObservationInput>;
export type ObservationData = z.output<typeof ObservationInput>;

/** An observation as stored: what was submitted, plus what the server derived. */
export interface Observation extends ObservationData {
  /** Sector the location falls in, or null outside every sector. */
  sector: string | null;
  receivedAt: string;
}

/**
 * The canonical content of an observation, used to tell a re-post of the same record (200, nothing
 * stored) from a different record under a reused id (409). Keys are sorted and instants are
 * normalised to UTC so that "+02:00" and "Z" spellings of one instant count as the same content.
 */
export function canonicalContent(o: ObservationData): string {
  const normalised: ObservationData = {
    ...o,
    observedAt: new Date(o.observedAt).toISOString(),
    observedUntil: o.observedUntil ? new Date(o.observedUntil).toISOString() : undefined,
    releasability: canonicalReleasability(o.releasability),
  };
  return stableStringify(normalised);
}

/**
 * JSON with object keys sorted (UTF-16 code unit order) and undefined members left out; the
 * content hashes stored for every observation depend on this exact output. Written as loops
 * (no entries/filter/map arrays): it runs for every observation ingested.
 */
export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i ? ',' : '') + stableStringify(value[i]);
    return out + ']';
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).sort();
  let out = '{';
  let first = true;
  for (const k of keys) {
    const v = obj[k];
    if (v === undefined) continue;
    out += (first ? '' : ',') + JSON.stringify(k) + ':' + stableStringify(v);
    first = false;
  }
  return out + '}';
}

/** Explosions of every subkind, bursts and shots: what the daily report counts as ceasefire violations. */
export const FIRE_KINDS: readonly ObservationKind[] = ['explosion', 'burst', 'shot', 'muzzle_flash', 'projectile_in_flight'];
