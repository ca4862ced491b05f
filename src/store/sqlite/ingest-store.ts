import { canSee, type Visibility } from '../../domain/identity';
import type Database from 'better-sqlite3';
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

type TakRow = { seq: number; kind: TakRecord['kind']; subject: string; time_ms: number; stale_ms: number | null; raw_id: string | null; received_at: string; doc: string };

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
const takFromRow = (r: TakRow): StoredTakRecord => ({
  seq: r.seq,
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

class SqliteTak implements TakRepository {
  private readonly insert: Database.Statement;

  constructor(private readonly db: Database.Database) {
    this.insert = db.prepare('INSERT INTO tak_records (kind, subject, time_ms, stale_ms, raw_id, received_at, doc) VALUES (?, ?, ?, ?, ?, ?, ?)');
  }

  async append(records: TakRecord[]): Promise<void> {
    if (!records.length) return;
    this.db.transaction(() => {
      for (const r of records) this.insert.run(r.kind, r.subject, ms(r.time), ms(r.stale), r.rawId, r.receivedAt, JSON.stringify(r.doc));
    })();
  }

  async current(kind: 'position' | 'area' | 'marker', opts: { visibility: Visibility; now?: string; subjects?: readonly string[]; limit?: number }): Promise<StoredTakRecord[]> {
    if (!canSee(opts.visibility, TAK_LABEL)) return [];
    const now = opts.now === undefined ? null : ms(opts.now);
    // Candidate subjects first (those with a live record of this kind), then the latest record
    // of each among every kind that can hide it (a deletion, or the uid turning into another kind).
    // Separate statements with and without `now`, so that the stale bound is an index range.
    const live = now === null ? '' : 'AND stale_ms > ?';
    const candidates = opts.subjects ? `SELECT value AS subject FROM json_each(?)` : `SELECT DISTINCT subject FROM tak_records WHERE kind = ? ${live}`;
    const params: unknown[] = opts.subjects ? [JSON.stringify(opts.subjects)] : now === null ? [kind] : [kind, now];
    const rows = this.db
      .prepare(
        `SELECT seq, kind, subject, time_ms, stale_ms, raw_id, received_at, doc FROM (
           SELECT t.*, ROW_NUMBER() OVER (PARTITION BY t.subject ORDER BY t.time_ms DESC, t.seq DESC) AS rn
           FROM tak_records t
           WHERE +t.kind IN ('position', 'area', 'marker', 'delete') AND t.subject IN (${candidates}) -- '+': look up by subject, not by kind
         ) WHERE rn = 1 AND kind = ? ${live}
         ORDER BY subject LIMIT ?`,
      )
      .all(...params, kind, ...(now === null ? [] : [now]), opts.limit ?? -1) as TakRow[];
    return rows.map(takFromRow);
  }

  async chat(q: { visibility: Visibility; limit: number; cursor?: number }): Promise<Page<StoredTakRecord>> {
    if (!canSee(q.visibility, TAK_LABEL)) return { items: [], total: 0, nextCursor: null };
    const total = this.db.prepare("SELECT COUNT(*) FROM tak_records WHERE kind = 'chat'").pluck().get() as number;
    const rows = this.db
      .prepare("SELECT seq, kind, subject, time_ms, stale_ms, raw_id, received_at, doc FROM tak_records WHERE kind = 'chat' AND seq < ? ORDER BY seq DESC LIMIT ?")
      .all(q.cursor ?? Number.MAX_SAFE_INTEGER, q.limit + 1) as TakRow[];
    const items = rows.slice(0, q.limit).map(takFromRow);
    return { items, total, nextCursor: rows.length > q.limit ? String(items[items.length - 1]!.seq) : null };
  }
}

class SqliteVersions implements VersionRepository {
  constructor(private readonly db: Database.Database) {}

  async link(links: SupersedesLink[]): Promise<void> {
    if (!links.length) return;
    const stmt = this.db.prepare('INSERT INTO observation_supersedes (new_id, old_id, at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING');
    this.db.transaction(() => {
      for (const l of links) stmt.run(l.newId, l.oldId, l.at);
    })();
  }

  async supersedes(id: string): Promise<string[]> {
    return this.db.prepare('SELECT old_id FROM observation_supersedes WHERE new_id = ? ORDER BY old_id').pluck().all(id) as string[];
  }

  async supersededBy(id: string): Promise<string[]> {
    return this.db.prepare('SELECT new_id FROM observation_supersedes WHERE old_id = ? ORDER BY new_id').pluck().all(id) as string[];
  }

  async acledLatest(): Promise<Map<string, number>> {
    // ':' < ';' byte-wise: the primary key's range holds exactly the ids starting with "acled:".
    const ids = this.db.prepare("SELECT id FROM observations WHERE id >= 'acled:' AND id < 'acled;'").pluck().all() as string[];
    return latestAcled(ids);
  }
}

type FeedRow = { name: string; token_hash: string; created_at: string; revoked_at: string | null };
const feedFromRow = (r: FeedRow): Feed => ({ name: r.name, tokenHash: r.token_hash, createdAt: r.created_at, revokedAt: r.revoked_at });

class SqliteFeeds implements FeedRepository {
  constructor(private readonly db: Database.Database) {}

  async add(feed: Omit<Feed, 'revokedAt'>): Promise<boolean> {
    const r = this.db
      .prepare(
        `INSERT INTO feeds (name, token_hash, created_at, revoked_at) VALUES (?, ?, ?, NULL)
         ON CONFLICT(name) DO UPDATE SET token_hash = excluded.token_hash, created_at = excluded.created_at, revoked_at = NULL WHERE feeds.revoked_at IS NOT NULL`,
      )
      .run(feed.name, feed.tokenHash, feed.createdAt);
    return r.changes === 1;
  }

  async get(name: string): Promise<Feed | undefined> {
    const r = this.db.prepare('SELECT * FROM feeds WHERE name = ?').get(name) as FeedRow | undefined;
    return r && feedFromRow(r);
  }

  async revoke(name: string, at: string): Promise<boolean> {
    return this.db.prepare('UPDATE feeds SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL').run(at, name).changes === 1;
  }

  async list(): Promise<Feed[]> {
    return (this.db.prepare('SELECT * FROM feeds ORDER BY name').all() as FeedRow[]).map(feedFromRow);
  }
}

type OutcomeRow = { raw_id: string; first_item: number; outcome: OutcomeRun['outcome']; item_count: number; channel: InboxChannel; at: string };
const runFromRow = (r: OutcomeRow): OutcomeRun => ({ rawId: r.raw_id, channel: r.channel, item: r.first_item, count: r.item_count, outcome: r.outcome, at: r.at });
type RawRow = { id: string; channel: InboxChannel; received_at: string; content_type: string | null; size: number; truncated: number; body: Buffer };
const rawFromRow = (r: RawRow): RawInput => ({ id: r.id, channel: r.channel, receivedAt: r.received_at, contentType: r.content_type, size: r.size, truncated: r.truncated === 1, body: r.body });

class SqliteLedger implements InboxLedger {
  private readonly insertRaw: Database.Statement;
  private readonly insertRun: Database.Statement;
  private readonly insertQuarantine: Database.Statement;

  constructor(private readonly db: Database.Database) {
    this.insertRaw = db.prepare('INSERT INTO raw_inbox (id, channel, received_at, content_type, size, truncated, body, sender) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    this.insertRun = db.prepare('INSERT INTO inbox_outcomes (raw_id, first_item, outcome, item_count, channel, at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING');
    this.insertQuarantine = db.prepare('INSERT INTO quarantine (id, raw_id, channel, received_at, reason, field, size, excerpt) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  }

  async storeRawMany(raws: RawInput[]): Promise<void> {
    if (!raws.length) return;
    this.db.transaction(() => {
      for (const r of raws) this.insertRaw.run(r.id, r.channel, r.receivedAt, r.contentType, r.size, r.truncated ? 1 : 0, r.body, r.sender ?? null);
    })();
  }

  async settle(runs: OutcomeRun[], quarantine: QuarantineRecord[] = []): Promise<void> {
    if (!runs.length && !quarantine.length) return;
    this.db.transaction(() => {
      for (const q of quarantine) this.insertQuarantine.run(q.id, q.rawId, q.channel, q.receivedAt, q.reason, q.field, q.size, q.excerpt);
      for (const r of runs) this.insertRun.run(r.rawId, r.item, r.outcome, r.count, r.channel, r.at);
    })();
  }

  async stats(): Promise<Record<StatsChannel, ChannelStats>> {
    const sums = this.db.prepare('SELECT channel, outcome, SUM(item_count) AS n FROM inbox_outcomes GROUP BY channel, outcome').all() as { channel: string; outcome: string; n: number }[];
    // Pending = raw inputs − raw inputs with an outcome: two index-only scans, no probe per row.
    const raws = this.db.prepare('SELECT channel, COUNT(*) AS n FROM raw_inbox GROUP BY channel').all() as { channel: string; n: number }[];
    const settled = this.db.prepare('SELECT channel, COUNT(DISTINCT raw_id) AS n FROM inbox_outcomes GROUP BY channel').all() as { channel: string; n: number }[];
    return statsFrom(sums, pendingFrom(raws, settled));
  }

  async outcomes(rawId: string): Promise<OutcomeRun[]> {
    return (this.db.prepare('SELECT * FROM inbox_outcomes WHERE raw_id = ? ORDER BY first_item, outcome').all(rawId) as OutcomeRow[]).map(runFromRow);
  }

  async replayCandidates(q: { channels: readonly InboxChannel[]; since?: string; afterId?: string; pendingOnly?: boolean; pendingBefore?: string; limit: number }): Promise<ReplayCandidate[]> {
    if (!q.channels.length) return [];
    const pending = `(NOT EXISTS (SELECT 1 FROM inbox_outcomes o WHERE o.raw_id = r.id) AND (? IS NULL OR r.received_at < ?))`;
    const quarantined = `EXISTS (SELECT 1 FROM inbox_outcomes o WHERE o.raw_id = r.id AND o.outcome = 'quarantined')`;
    const rows = this.db
      .prepare(
        `SELECT r.* FROM raw_inbox r
         WHERE r.channel IN (SELECT value FROM json_each(?)) AND r.received_at >= ? AND r.id > ?
           AND (${q.pendingOnly ? pending : `${quarantined} OR ${pending}`})
         ORDER BY r.id LIMIT ?`,
      )
      .all(JSON.stringify(q.channels), q.since ?? '', q.afterId ?? '', q.pendingBefore ?? null, q.pendingBefore ?? null, q.limit) as RawRow[];
    const byRaw = this.db.prepare('SELECT * FROM inbox_outcomes WHERE raw_id = ? ORDER BY first_item, outcome');
    return rows.map((r) => ({ raw: rawFromRow(r), outcomes: (byRaw.all(r.id) as OutcomeRow[]).map(runFromRow) }));
  }
}

export function sqliteIngest(db: Database.Database): IngestRepositories {
  return { tak: new SqliteTak(db), versions: new SqliteVersions(db), feeds: new SqliteFeeds(db), ledger: new SqliteLedger(db) };
}
