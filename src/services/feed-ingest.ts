import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { EXPLOSION_SUBKINDS, OBSERVATION_KINDS, ObservationInput, Observer, Weapon } from '../domain/observation';
import { Releasability } from '../domain/releasability';
import { InvalidInputError, TrucelineError } from '../domain/errors';
import type { Store } from '../store/repository';
import { excerptOf, OutcomeBatch } from './inbox-outcomes';
import type { ItemResult, ObservationIngest } from './observation-ingest';

/**
 * Partner feeds: `POST /api/feeds/:feed/observations` with a GeoJSON FeatureCollection of Point
 * features whose properties are observation fields, authenticated by the feed's own token.
 */

export const FEED_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
export const FEED_SOURCE_KINDS = ['partner', 'osint'] as const;
export const MAX_FEED_FEATURES = 10_000;

/** The wire shape, for the OpenAPI document (items are validated one by one, each with its own answer). */
export const FeedFeature = z
  .object({
    type: z.literal('Feature'),
    id: z.union([z.string(), z.number()]).optional().describe('Used as the observation id when properties.id is absent'),
    geometry: z
      .object({ type: z.literal('Point'), coordinates: z.array(z.number()).min(2).max(3).describe('[lon, lat] or [lon, lat, altitude], WGS84') })
      .describe('Where the event happened'),
    properties: z
      .object({
        id: z.string().min(1).max(128).optional().describe('The feed\'s globally unique id for the observation (UUIDv7 recommended); required unless the feature has an id'),
        kind: z.enum(OBSERVATION_KINDS),
        subkind: z.enum(EXPLOSION_SUBKINDS).optional(),
        observedAt: z.string().describe('ISO 8601 instant with offset'),
        observedUntil: z.string().optional(),
        count: z.number().int().positive().optional(),
        accuracyM: z.number().nonnegative().optional().describe('Horizontal accuracy of the point in metres'),
        observer: Observer.optional(),
        weapon: Weapon.optional(),
        source: z
          .object({
            kind: z.enum(FEED_SOURCE_KINDS).default('partner'),
            nation: z.string().optional().describe('ISO 3166-1 alpha-3'),
            reporter: z.string().max(200).optional().describe('Default: "feed <name>"'),
          })
          .optional()
          .describe('Default: {"kind": "partner", "reporter": "feed <name>"}'),
        notes: z.string().max(10_000).optional(),
        releasability: Releasability.optional().describe('Default COALITION'),
      })
      .describe('Observation fields (as POST /api/observations takes them, without location)'),
  })
  .describe('One observation as a GeoJSON Point feature');

export const FeedBody = z
  .object({ type: z.literal('FeatureCollection'), features: z.array(FeedFeature).max(MAX_FEED_FEATURES) })
  .describe('Observations from a partner feed: a GeoJSON FeatureCollection of Point features (at most 10,000)');

export const hashFeedToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

/** Adds a feed and returns its token (shown once; only its hash is stored). */
export async function addFeed(store: Store, name: string): Promise<string> {
  if (!FEED_NAME.test(name)) throw new InvalidInputError('name', 'must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit');
  const token = `tlf_${randomBytes(32).toString('base64url')}`;
  const added = await store.ingest.feeds.add({ name, tokenHash: hashFeedToken(token), createdAt: new Date().toISOString() });
  if (!added) throw new TrucelineError(409, 'conflict', 'Conflict', `feed ${name} exists; revoke it first to issue a new token`);
  return token;
}

/** The feed named in the path, if the bearer token is its own and it is not revoked. */
export async function authenticateFeed(store: Store, name: string, authorization: string | undefined): Promise<boolean> {
  const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  if (!m) return false;
  const feed = await store.ingest.feeds.get(name);
  const given = Buffer.from(hashFeedToken(m[1]!), 'hex');
  // Compared in constant time, against a dummy when the feed is unknown.
  const want = Buffer.from(feed?.tokenHash ?? '0'.repeat(64), 'hex');
  return timingSafeEqual(given, want) && !!feed && feed.revokedAt === null;
}

type Converted = { ok: true; input: Record<string, unknown> } | { ok: false; field: string; message: string };

/** A feature as an observation input (validated later by the ingest, like any other). */
export function featureToInput(f: unknown, feed: string, index: number): Converted {
  const at = (field: string) => `features.${index}${field ? `.${field}` : ''}`;
  if (typeof f !== 'object' || f === null || Array.isArray(f)) return { ok: false, field: at(''), message: 'must be a GeoJSON Feature object' };
  const feature = f as { type?: unknown; id?: unknown; geometry?: unknown; properties?: unknown };
  if (feature.type !== 'Feature') return { ok: false, field: at('type'), message: 'must be "Feature"' };
  const g = feature.geometry as { type?: unknown; coordinates?: unknown } | null | undefined;
  if (typeof g !== 'object' || g === null || g.type !== 'Point') return { ok: false, field: at('geometry'), message: 'must be a GeoJSON Point' };
  const c = g.coordinates;
  if (!Array.isArray(c) || c.length < 2 || c.length > 3 || !c.every((x) => typeof x === 'number' && Number.isFinite(x)))
    return { ok: false, field: at('geometry.coordinates'), message: 'must be [lon, lat] or [lon, lat, altitude]' };
  const p = feature.properties;
  if (typeof p !== 'object' || p === null || Array.isArray(p)) return { ok: false, field: at('properties'), message: 'must be an object of observation fields' };
  const { accuracyM, source, ...rest } = p as Record<string, unknown>;
  if (rest.location !== undefined) return { ok: false, field: at('properties.location'), message: 'is taken from the geometry; give accuracyM in the properties' };
  let src: Record<string, unknown> = { kind: 'partner', reporter: `feed ${feed}` };
  if (source !== undefined) {
    if (typeof source !== 'object' || source === null || Array.isArray(source)) return { ok: false, field: at('properties.source'), message: 'must be an object' };
    const s = source as Record<string, unknown>;
    const kind = s.kind ?? 'partner';
    if (!(FEED_SOURCE_KINDS as readonly unknown[]).includes(kind)) return { ok: false, field: at('properties.source.kind'), message: `must be one of ${FEED_SOURCE_KINDS.join(', ')} (a feed does not speak for the mechanism's monitors)` };
    src = { ...s, kind, reporter: s.reporter ?? `feed ${feed}` };
  }
  const id = rest.id ?? (typeof feature.id === 'string' || typeof feature.id === 'number' ? String(feature.id) : undefined);
  const location: Record<string, unknown> = { lon: c[0], lat: c[1] };
  if (accuracyM !== undefined) location.accuracyM = accuracyM;
  return { ok: true, input: { ...rest, ...(id !== undefined && { id }), location, source: src, releasability: rest.releasability ?? 'COALITION' } };
}

/** Field paths of the ingest's errors (observation fields) as paths into the feed body. */
function featurePath(index: number, field: string): string {
  if (field === 'location.lon' || field === 'location.lat' || field === 'location') return `features.${index}.geometry.coordinates`;
  if (field === 'location.accuracyM') return `features.${index}.properties.accuracyM`;
  return `features.${index}.properties${field && field !== '(body)' ? `.${field}` : ''}`;
}

export interface FeedSubmission {
  results: ItemResult[];
  batch: OutcomeBatch;
}

/**
 * Takes in a feed's body (stored raw as `rawId`): every feature gets a result and an outcome.
 * `items`: only these features (a replay); `replay`: see OutcomeBatch. A body that is not a
 * FeatureCollection at all throws (400) after quarantining it as item 0.
 */
export async function takeFeed(
  store: Store,
  ingest: ObservationIngest,
  feed: string,
  body: unknown,
  raw: { id: string; receivedAt: string; size: number },
  opts: { items?: ReadonlySet<number> | null; replay?: boolean } = {},
): Promise<FeedSubmission> {
  const replay = opts.replay ?? false;
  const batch = new OutcomeBatch('feed');
  const features = (body as { features?: unknown } | null)?.features;
  const isCollection = typeof body === 'object' && body !== null && (body as { type?: unknown }).type === 'FeatureCollection' && Array.isArray(features);
  if (!isCollection || features.length > MAX_FEED_FEATURES) {
    const message = !isCollection ? 'must be a GeoJSON FeatureCollection with a features array' : `holds more than ${MAX_FEED_FEATURES} features; split it`;
    const field = !isCollection ? '(body)' : 'features';
    batch.reject(raw.id, 0, { reason: `${field} ${message}`, field, size: raw.size, excerpt: excerptOf(JSON.stringify(body) ?? ''), receivedAt: raw.receivedAt }, replay);
    await batch.commit(store);
    throw new InvalidInputError(field, message, { rawId: raw.id });
  }
  const results: ItemResult[] = [];
  const toSubmit: { index: number; input: Record<string, unknown> }[] = [];
  features.forEach((f, index) => {
    if (opts.items && !opts.items.has(index)) return;
    const c = featureToInput(f, feed, index);
    if (c.ok && replay && !ObservationInput.safeParse(c.input).success) {
      // Still invalid: it stays quarantined with its first record (the ingest would write another).
      results.push({ index, id: null, status: 'invalid', httpStatus: 400 });
      batch.reject(raw.id, index, null, true, 'still invalid');
      return;
    }
    if (c.ok) {
      toSubmit.push({ index, input: c.input });
      return;
    }
    const id = typeof (f as { properties?: { id?: unknown } })?.properties?.id === 'string' ? ((f as { properties: { id: string } }).properties.id) : null;
    results.push({ index, id, status: 'invalid', httpStatus: 400, errors: [{ field: c.field, message: c.message }] });
    const text = JSON.stringify(f) ?? String(f);
    batch.reject(raw.id, index, { reason: `${c.field} ${c.message}`, field: c.field, size: Buffer.byteLength(text), excerpt: text, receivedAt: raw.receivedAt }, replay);
  });
  if (toSubmit.length) {
    const submitted = await ingest.submit(
      toSubmit.map((s) => s.input),
      { channel: 'feed', rawId: raw.id },
    );
    submitted.forEach((r, i) => {
      const index = toSubmit[i]!.index;
      results.push({ ...r, index, ...(r.errors && { errors: r.errors.map((e) => ({ ...e, field: featurePath(index, e.field) })) }) });
    });
    batch.results(
      toSubmit.map(() => raw.id),
      toSubmit.map((s) => s.index),
      submitted,
      replay,
    );
  }
  await batch.commit(store);
  results.sort((a, b) => a.index - b.index);
  return { results, batch };
}
