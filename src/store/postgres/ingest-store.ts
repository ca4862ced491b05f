import { canSee, type Visibility } from '../../domain/identity';
import type pg from 'pg';
import {
  TAK_LABEL,
  latestAcled,
  pendingFrom,
  statsFrom,
  type ChannelStats,
  type Feed,
  type FeedRepository,
  type InboxLedger,
  type IngestRepositories,
  type OutcomeRun,
  type ReplayCandidate,
  type StatsChannel,
  type StoredTakRecord,
  type SupersedesLink,
  type TakRecord,
  type TakRepository,
  type VersionRepository,
} from '../ingest-repository';
import type { InboxChannel, Page, QuarantineRecord, RawInput } from '../repository';
import { inTransaction } from './transaction';

type TakRow = { seq: number; kind: TakRecord['kind']; subject: string; time_ms: number; stale_ms: number | null; raw_id: string | null; received_at: string; doc: string };

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(Number(ms)).toISOString());
const takFromRow = (r: TakRow): StoredTakRecord => ({
  seq: Number(r.seq),
  kind: r.kind,
  subject: r.subject,
  time: iso(r.time_ms)!,
  stale: iso(r.stale_ms),
  rawId: r.raw_id,
  receivedAt: r.received_at,
  doc: JSON.parse(r.doc) as unknown,
});
const ms = (s: string | null): number | null => {
  if (s === null) return null;
  const t = Date.parse(s);
  if (!Number.isFinite(t)) throw new Error(`not an instant: ${s}`);
  return t;
};
const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');

class PgTak implements TakRepository {
  constructor(private readonly pool: pg.Pool) {}

  async append(records: TakRecord[]): Promise<void> {
    if (!records.length) return;
    // One statement; ORDINALITY keeps the input order in seq.
    await this.pool.query(
      `INSERT INTO tak_records (kind, subject, time_ms, stale_ms, raw_id, received_at, doc)
       SELECT k, s, t, st, r, ra, d FROM ROWS FROM (unnest($1::text[]), unnest($2::text[]), unnest($3::bigint[]), unnest($4::bigint[]), unnest($5::text[]), unnest($6::text[]), unnest($7::text[]))
         WITH ORDINALITY AS x(k, s, t, st, r, ra, d, n) ORDER BY n`,
      [
        records.map((r) => r.kind),
        records.map((r) => r.subject),
        records.map((r) => ms(r.time)),
        records.map((r) => ms(r.stale)),
        records.map((r) => r.rawId),
        records.map((r) => r.receivedAt),
        records.map((r) => JSON.stringify(r.doc)),
      ],
    );
  }

  async current(kind: 'position' | 'area' | 'marker', opts: { visibility: Visibility; now?: string; subjects?: readonly string[]; limit?: number }): Promise<StoredTakRecord[]> {
    if (!canSee(opts.visibility, TAK_LABEL)) return [];
    const now = opts.now === undefined ? null : ms(opts.now);
    const candidates = opts.subjects ? 'SELECT unnest($4::text[])' : 'SELECT DISTINCT subject FROM tak_records WHERE kind = $1 AND ($2::bigint IS NULL OR stale_ms > $2)';
    const r = await this.pool.query<TakRow>(
      `SELECT seq, kind, subject, time_ms, stale_ms, raw_id, received_at, doc FROM (
         SELECT t.*, ROW_NUMBER() OVER (PARTITION BY t.subject ORDER BY t.time_ms DESC, t.seq DESC) AS rn
         FROM tak_records t
         WHERE t.kind IN ('position', 'area', 'marker', 'delete') AND t.subject IN (${candidates})
       ) x WHERE rn = 1 AND kind = $1 AND ($2::bigint IS NULL OR stale_ms > $2)
       ORDER BY subject LIMIT $3`,
      [kind, now, opts.limit ?? null, ...(opts.subjects ? [opts.subjects] : [])],
    );
    return r.rows.map(takFromRow);
  }

  async chat(q: { visibility: Visibility; limit: number; cursor?: number }): Promise<Page<StoredTakRecord>> {
    if (!canSee(q.visibility, TAK_LABEL)) return { items: [], total: 0, nextCursor: null };
    const [rows, total] = await Promise.all([
      this.pool.query<TakRow>("SELECT seq, kind, subject, time_ms, stale_ms, raw_id, received_at, doc FROM tak_records WHERE kind = 'chat' AND seq < $1 ORDER BY seq DESC LIMIT $2", [
        q.cursor ?? Number.MAX_SAFE_INTEGER,
        q.limit + 1,
      ]),
      this.pool.query<{ n: number }>("SELECT count(*) AS n FROM tak_records WHERE kind = 'chat'"),
    ]);
    const items = rows.rows.slice(0, q.limit).map(takFromRow);
    return { items, total: Number(total.rows[0]!.n), nextCursor: rows.rows.length > q.limit ? String(items[items.length - 1]!.seq) : null };
  }
}

class PgVersions implements VersionRepository {
  constructor(private readonly pool: pg.Pool) {}

  async link(links: SupersedesLink[]): Promise<void> {
    if (!links.length) return;
    await this.pool.query(
      'INSERT INTO observation_supersedes (new_id, old_id, at) SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) ON CONFLICT DO NOTHING',
      [links.map((l) => l.newId), links.map((l) => l.oldId), links.map((l) => l.at)],
    );
  }

  async supersedes(id: string): Promise<string[]> {
    return (await this.pool.query<{ id: string }>('SELECT old_id AS id FROM observation_supersedes WHERE new_id = $1 ORDER BY old_id', [id])).rows.map((r) => r.id);
  }

  async supersededBy(id: string): Promise<string[]> {
    return (await this.pool.query<{ id: string }>('SELECT new_id AS id FROM observation_supersedes WHERE old_id = $1 ORDER BY new_id', [id])).rows.map((r) => r.id);
  }

  async acledLatest(): Promise<Map<string, number>> {
    const r = await this.pool.query<{ id: string }>("SELECT id FROM observations WHERE id >= 'acled:' AND id < 'acled;'");
    return latestAcled(r.rows.map((x) => x.id));
  }
}

type FeedRow = { name: string; token_hash: string; created_at: string; revoked_at: string | null };
const feedFromRow = (r: FeedRow): Feed => ({ name: r.name, tokenHash: r.token_hash, createdAt: r.created_at, revokedAt: r.revoked_at });

class PgFeeds implements FeedRepository {
  constructor(private readonly pool: pg.Pool) {}

  async add(feed: Omit<Feed, 'revokedAt'>): Promise<boolean> {
    const r = await this.pool.query(
      `INSERT INTO feeds (name, token_hash, created_at, revoked_at) VALUES ($1, $2, $3, NULL)
       ON CONFLICT (name) DO UPDATE SET token_hash = excluded.token_hash, created_at = excluded.created_at, revoked_at = NULL WHERE feeds.revoked_at IS NOT NULL`,
      [feed.name, feed.tokenHash, feed.createdAt],
    );
    return r.rowCount === 1;
  }

  async get(name: string): Promise<Feed | undefined> {
    const r = await this.pool.query<FeedRow>('SELECT name, token_hash, created_at, revoked_at FROM feeds WHERE name = $1', [name]);
    return r.rows[0] && feedFromRow(r.rows[0]);
  }

  async revoke(name: string, at: string): Promise<boolean> {
    return (await this.pool.query('UPDATE feeds SET revoked_at = $1 WHERE name = $2 AND revoked_at IS NULL', [at, name])).rowCount === 1;
  }

  async list(): Promise<Feed[]> {
    return (await this.pool.query<FeedRow>('SELECT name, token_hash, created_at, revoked_at FROM feeds ORDER BY name')).rows.map(feedFromRow);
  }
}

type OutcomeRow = { raw_id: string; first_item: number; outcome: OutcomeRun['outcome']; item_count: number; channel: InboxChannel; at: string };
const runFromRow = (r: OutcomeRow): OutcomeRun => ({ rawId: r.raw_id, channel: r.channel, item: Number(r.first_item), count: Number(r.item_count), outcome: r.outcome, at: r.at });
type RawRow = { id: string; channel: InboxChannel; received_at: string; content_type: string | null; size: number; truncated: boolean; body: Buffer; sender?: string | null };
const rawFromRow = (r: RawRow): RawInput => ({ id: r.id, channel: r.channel, receivedAt: r.received_at, contentType: r.content_type, size: Number(r.size), truncated: r.truncated, body: r.body, sender: r.sender ?? null });

class PgLedger implements InboxLedger {
  constructor(private readonly pool: pg.Pool) {}

  async storeRawMany(raws: RawInput[]): Promise<void> {
    if (!raws.length) return;
    await this.pool.query(
      `INSERT INTO raw_inbox (id, channel, received_at, content_type, size, truncated, body, sender)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::boolean[], $7::bytea[], $8::text[])`,
      [raws.map((r) => r.id), raws.map((r) => r.channel), raws.map((r) => r.receivedAt), raws.map((r) => r.contentType), raws.map((r) => r.size), raws.map((r) => r.truncated), raws.map((r) => r.body), raws.map((r) => r.sender ?? null)],
    );
  }

  async settle(runs: OutcomeRun[], quarantine: QuarantineRecord[] = []): Promise<void> {
    if (!runs.length && !quarantine.length) return;
    await inTransaction(this.pool, async (client) => {
      if (quarantine.length)
        await client.query(
          `INSERT INTO quarantine (id, raw_id, channel, received_at, reason, field, size, excerpt)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bytea[], $6::bytea[], $7::bigint[], $8::bytea[])`,
          [
            quarantine.map((q) => q.id),
            quarantine.map((q) => q.rawId),
            quarantine.map((q) => q.channel),
            quarantine.map((q) => q.receivedAt),
            quarantine.map((q) => utf8(q.reason)),
            quarantine.map((q) => (q.field === null ? null : utf8(q.field))),
            quarantine.map((q) => q.size),
            quarantine.map((q) => utf8(q.excerpt)),
          ],
        );
      if (runs.length)
        await client.query(
          `INSERT INTO inbox_outcomes (raw_id, first_item, outcome, item_count, channel, at)
           SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::int[], $5::text[], $6::text[]) ON CONFLICT DO NOTHING`,
          [runs.map((r) => r.rawId), runs.map((r) => r.item), runs.map((r) => r.outcome), runs.map((r) => r.count), runs.map((r) => r.channel), runs.map((r) => r.at)],
        );
    });
  }

  async stats(): Promise<Record<StatsChannel, ChannelStats>> {
    const [sums, raws, settled] = await Promise.all([
      this.pool.query<{ channel: string; outcome: string; n: number }>('SELECT channel, outcome, SUM(item_count)::bigint AS n FROM inbox_outcomes GROUP BY channel, outcome'),
      this.pool.query<{ channel: string; n: number }>('SELECT channel, count(*) AS n FROM raw_inbox GROUP BY channel'),
      this.pool.query<{ channel: string; n: number }>('SELECT channel, count(DISTINCT raw_id) AS n FROM inbox_outcomes GROUP BY channel'),
    ]);
    return statsFrom(sums.rows, pendingFrom(raws.rows, settled.rows));
  }

  async outcomes(rawId: string): Promise<OutcomeRun[]> {
    return (await this.pool.query<OutcomeRow>('SELECT * FROM inbox_outcomes WHERE raw_id = $1 ORDER BY first_item, outcome', [rawId])).rows.map(runFromRow);
  }

  async replayCandidates(q: { channels: readonly InboxChannel[]; since?: string; afterId?: string; pendingOnly?: boolean; pendingBefore?: string; limit: number }): Promise<ReplayCandidate[]> {
    if (!q.channels.length) return [];
    const pending = `(NOT EXISTS (SELECT 1 FROM inbox_outcomes o WHERE o.raw_id = r.id) AND ($4::text IS NULL OR r.received_at < $4))`;
    const quarantined = `EXISTS (SELECT 1 FROM inbox_outcomes o WHERE o.raw_id = r.id AND o.outcome = 'quarantined')`;
    const rows = await this.pool.query<RawRow>(
      `SELECT r.id, r.channel, r.received_at, r.content_type, r.size, r.truncated, r.body FROM raw_inbox r
       WHERE r.channel = ANY($1::text[]) AND r.received_at >= $2 AND r.id > $3
         AND (${q.pendingOnly ? pending : `${quarantined} OR ${pending}`})
       ORDER BY r.id LIMIT $5`,
      [q.channels, q.since ?? '', q.afterId ?? '', q.pendingBefore ?? null, q.limit],
    );
    if (!rows.rows.length) return [];
    const outcomes = await this.pool.query<OutcomeRow>('SELECT * FROM inbox_outcomes WHERE raw_id = ANY($1::text[]) ORDER BY raw_id, first_item, outcome', [rows.rows.map((r) => r.id)]);
    const byRaw = new Map<string, OutcomeRun[]>();
    for (const o of outcomes.rows) {
      const list = byRaw.get(o.raw_id) ?? [];
      list.push(runFromRow(o));
      byRaw.set(o.raw_id, list);
    }
    return rows.rows.map((r) => ({ raw: rawFromRow(r), outcomes: byRaw.get(r.id) ?? [] }));
  }
}

export function postgresIngest(pool: pg.Pool): IngestRepositories {
  return { tak: new PgTak(pool), versions: new PgVersions(pool), feeds: new PgFeeds(pool), ledger: new PgLedger(pool) };
}
