import { Readable } from 'node:stream';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { InvalidInputError, NotFoundError, TrucelineError } from '../../domain/errors';
import { observationsToAcledCsv } from '../../ingest/acled/export';
import type { CotArea, CotChatEntry, CotPosition } from '../../ingest/cot/map';
import { importAcledInto } from '../../services/acled-import';
import { authenticateFeed, FEED_NAME, FeedBody, takeFeed } from '../../services/feed-ingest';
import type { ObservationIngest } from '../../services/observation-ingest';
import { STATS_CHANNELS } from '../../store/ingest-repository';
import type { Store } from '../../store/repository';
import { BatchResult, ObservationListQuery, ProblemSchema } from '../schemas';

const documentOnly = () => (data: unknown) => ({ value: data });

const ChannelStatsSchema = z.object({
  received: z.number().int().describe('Items received: accepted + quarantined + pending'),
  accepted: z.number().int().describe('Items taken in (stored, or already known), including those a replay accepted'),
  quarantined: z.number().int().describe('Items in the quarantine that no replay has accepted'),
  replayed: z.number().int().describe('Quarantined items that a replay accepted later (counted in accepted)'),
  pending: z.number().int().describe('Raw inputs stored but not yet processed (0 in steady state)'),
});
const InboxStats = z
  .object(Object.fromEntries(STATS_CHANNELS.map((c) => [c, ChannelStatsSchema])) as Record<(typeof STATS_CHANNELS)[number], typeof ChannelStatsSchema>)
  .describe('Per channel: received = accepted + quarantined + pending, counted from the store');

const PositionProps = z
  .object({
    uid: z.string(),
    callsign: z.string(),
    cotType: z.string().describe('CoT type, e.g. a-f-G-U-C'),
    how: z.string().optional(),
    time: z.string(),
    stale: z.string().describe('When the sender says this position expires'),
    hae: z.number().optional(),
    accuracyM: z.number().optional(),
    course: z.number().optional(),
    speed: z.number().optional(),
    battery: z.number().optional(),
    group: z.object({ name: z.string().optional(), role: z.string().optional() }).optional(),
    device: z.string().optional(),
    platform: z.string().optional(),
    receivedAt: z.string(),
  })
  .loose();
const PositionCollection = z
  .object({
    type: z.literal('FeatureCollection'),
    features: z.array(z.object({ type: z.literal('Feature'), id: z.string(), geometry: z.object({ type: z.literal('Point'), coordinates: z.array(z.number()) }), properties: PositionProps })),
  })
  .describe('TAK clients\' current positions (not stale, not deleted) as GeoJSON');
const AreaCollection = z
  .object({
    type: z.literal('FeatureCollection'),
    features: z.array(z.object({ type: z.literal('Feature'), id: z.string(), geometry: z.unknown(), properties: z.record(z.string(), z.unknown()) })),
  })
  .describe('Areas drawn in TAK clients (latest version of each, not deleted) as GeoJSON');

const AcledSummary = z.object({
  rawId: z.string().describe('Raw inbox entry holding the uploaded CSV; its rows are items 0, 1, ...'),
  rows: z.number().int().describe('Data rows received'),
  accepted: z.number().int(),
  quarantined: z.number().int().describe('Rows quarantined (see GET /api/quarantine?channel=acled)'),
  inserted: z.number().int().describe('New events'),
  superseded: z.number().int().describe('Newer versions of stored events (new observations superseding the last version)'),
  unchanged: z.number().int().describe('Versions already stored: nothing stored'),
  older: z.number().int().describe('Versions older than one stored: kept as history'),
  alreadyStored: z.number().int(),
});

export const ingestRoutes =
  (store: Store, ingest: ObservationIngest): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      '/api/inbox/stats',
      { config: { permission: 'quarantine.read' }, schema: { summary: 'What came in per channel and what became of it (counted from the store)', tags: ['inbox'], response: { 200: InboxStats } } },
      async () => store.ingest.ledger.stats(),
    );

    app.get(
      '/api/positions',
      { config: { permission: 'tak.read' }, schema: { summary: 'Current positions of TAK clients (monitors, patrols), GeoJSON', tags: ['tak'], response: { 200: PositionCollection } } },
      async (req) => {
        const records = await store.ingest.tak.current('position', { visibility: req.visibility, now: new Date().toISOString() });
        return {
          type: 'FeatureCollection' as const,
          features: records.map((r) => {
            const { type: _t, lat, lon, ...props } = r.doc as CotPosition;
            return { type: 'Feature' as const, id: r.subject, geometry: { type: 'Point' as const, coordinates: [lon, lat] }, properties: { ...props, receivedAt: r.receivedAt } };
          }),
        };
      },
    );

    app.get(
      '/api/areas',
      {
        config: { permission: 'tak.read' },
        schema: {
          summary: 'Areas drawn in TAK clients (circles, polygons, rectangles, lines), GeoJSON',
          tags: ['tak'],
          querystring: z.object({ stale: z.enum(['exclude', 'include']).default('exclude').describe('include: also areas past their stale time') }),
          response: { 200: AreaCollection },
        },
      },
      async (req) => {
        const records = await store.ingest.tak.current('area', { visibility: req.visibility, ...(req.query.stale === 'include' ? {} : { now: new Date().toISOString() }) });
        return {
          type: 'FeatureCollection' as const,
          features: records.map((r) => {
            const a = r.doc as CotArea;
            return { ...a.feature, id: r.subject, properties: { ...a.feature.properties, time: a.time, stale: a.stale } as Record<string, unknown> };
          }),
        };
      },
    );

    app.get(
      '/api/chat',
      {
        config: { permission: 'tak.read' },
        schema: {
          summary: 'TAK chat messages and receipts, newest first',
          tags: ['tak'],
          querystring: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100), cursor: z.coerce.number().int().positive().optional() }),
          response: { 200: z.object({ items: z.array(z.record(z.string(), z.unknown())), total: z.number().int(), nextCursor: z.string().nullable() }) },
        },
      },
      async (req) => {
        const page = await store.ingest.tak.chat({ ...req.query, visibility: req.visibility });
        return { ...page, items: page.items.map((r) => ({ ...(r.doc as CotChatEntry), receivedAt: r.receivedAt }) as Record<string, unknown>) };
      },
    );

    app.post(
      '/api/import/acled',
      {
        config: { permission: 'observation.import', inbox: { channel: 'acled', text: /^(text\/csv|application\/csv|text\/plain)\b/i } },
        validatorCompiler: documentOnly,
        schema: {
          summary: 'Import an ACLED CSV export (body: text/csv)',
          description:
            'Every row becomes an observation of source kind osint (releasability COALITION) or a quarantine record with its reason. Ids are acled:<event_id_cnty>:<timestamp>: a re-import of an unchanged event stores nothing; one with a newer timestamp is a new version that supersedes the last. The body is stored raw first; its rows are counted as items of the acled channel in GET /api/inbox/stats. Larger files: `truceline import acled FILE.csv`.',
          tags: ['inbox'],
          consumes: ['text/csv'],
          body: z.string().describe('ACLED CSV with its header line'),
          response: { 200: AcledSummary, 400: ProblemSchema, 413: ProblemSchema, 415: ProblemSchema },
        },
      },
      async (req) => {
        if (!Buffer.isBuffer(req.body)) throw new TrucelineError(415, 'unsupported-media-type', 'Unsupported media type', 'send the CSV as text/csv');
        const rawId = req.rawId!;
        const summary = await importAcledInto(store, ingest, [req.body], { raw: { kind: 'body', rawId } });
        req.inboxSettled = true;
        const { bytes: _b, ...counts } = summary;
        return { rawId, ...counts };
      },
    );

    app.post(
      '/api/feeds/:feed/observations',
      {
        config: { ownCredential: true, inbox: { channel: 'feed', contentType: (req, header) => `${header ?? 'application/json'}; feed=${(req.params as { feed: string }).feed}` } },
        validatorCompiler: documentOnly,
        // The token is checked before the body is read: without it nothing is stored.
        onRequest: async (req) => {
          const feed = (req.params as { feed?: string }).feed ?? '';
          if (!FEED_NAME.test(feed) || !(await authenticateFeed(store, feed, req.headers.authorization)))
            throw new TrucelineError(401, 'unauthorized', 'Unauthorized', `send this feed's token as Authorization: Bearer <token> (truceline feed add ${FEED_NAME.test(feed) ? feed : 'NAME'})`);
        },
        schema: {
          summary: 'Observations from a partner feed (GeoJSON FeatureCollection of Point features)',
          description:
            'Authorization: Bearer <the feed\'s token> (truceline feed add NAME prints it once). Each feature\'s properties are observation fields; the point is the location (accuracyM in the properties). Source defaults to {"kind": "partner", "reporter": "feed NAME"} (kind partner or osint), releasability to COALITION. Idempotent by id like POST /api/observations; 200 when every feature was stored or already present, 207 otherwise, with a status per feature.',
          tags: ['inbox'],
          params: z.object({ feed: z.string().regex(FEED_NAME) }),
          body: FeedBody,
          response: { 200: BatchResult, 207: BatchResult, 400: ProblemSchema, 401: ProblemSchema, 413: ProblemSchema },
        },
      },
      async (req, reply) => {
        const raw = await store.inbox.getRaw(req.rawId!);
        const { results } = await takeFeed(store, ingest, req.params.feed, req.body, { id: req.rawId!, receivedAt: raw?.receivedAt ?? new Date().toISOString(), size: raw?.size ?? 0 });
        req.inboxSettled = true;
        const tally = { created: 0, duplicate: 0, conflict: 0, invalid: 0 };
        for (const r of results) tally[r.status]++;
        return reply.code(tally.conflict === 0 && tally.invalid === 0 ? 200 : 207).send({ results, ...tally });
      },
    );

    app.get(
      '/api/observations.csv',
      {
        config: { permission: 'observation.read' },
        schema: {
          summary: 'Observations as ACLED CSV (the filters of GET /api/observations, every match, newest first)',
          description: 'Observations imported from ACLED are written back with the values they were imported with, so the file imports again to the same ids; others are described in ACLED\'s terms.',
          tags: ['observations'],
          querystring: ObservationListQuery.omit({ limit: true, cursor: true }),
          produces: ['text/csv'],
        },
      },
      async (req, reply) => {
        const q = req.query;
        const filter = { visibility: req.visibility, bbox: q.bbox, from: q.from ? Date.parse(q.from) : undefined, to: q.to ? Date.parse(q.to) : undefined, kinds: q.kind, sector: q.sector };
        async function* lines() {
          let header = true;
          for await (const chunk of store.observations.iterate(filter)) {
            let text = '';
            let first = true;
            for (const line of observationsToAcledCsv(chunk)) {
              if (first && !header) {
                first = false;
                continue; // the header once
              }
              first = false;
              text += line;
            }
            header = false;
            yield text;
          }
          if (header) yield [...observationsToAcledCsv([])].join('');
        }
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', 'attachment; filename="observations-acled.csv"')
          .send(Readable.from(lines()));
      },
    );

    app.get(
      '/api/observations/:id/versions',
      {
        config: { permission: 'observation.read' },
        schema: {
          summary: 'The versions an observation supersedes and those that supersede it',
          tags: ['observations'],
          params: z.object({ id: z.string().min(1).max(128) }),
          response: { 200: z.object({ id: z.string(), supersedes: z.array(z.string()), supersededBy: z.array(z.string()) }), 404: ProblemSchema },
        },
      },
      async (req) => {
        const { id } = req.params;
        if (!(await store.observations.get(id, req.visibility))) throw new NotFoundError('observation', id);
        const [supersedes, supersededBy] = await Promise.all([store.ingest.versions.supersedes(id), store.ingest.versions.supersededBy(id)]);
        return { id, supersedes, supersededBy };
      },
    );
  };

export { InvalidInputError };
