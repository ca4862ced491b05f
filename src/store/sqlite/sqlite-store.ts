import { SqliteAudit, SqliteIdentity } from './identity-store';
import { sqliteIngest } from './ingest-store';
import { SqliteAgreements, SqliteJudgements } from './agreement-store';
import { SqliteTasks } from './task-store';
import { sqliteIncidentStores } from './incident-store';
import { SqliteReports } from './report-store';
import { SqliteLandOptions } from './land-store';
import { SqliteForce } from './force-store';
import { SqliteAlerts } from './alert-store';
import { SqliteLog } from './log-store';
import { SqliteEvidence, evidenceDirOf } from './evidence-store';
import Database from 'better-sqlite3';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Observation } from '../../domain/observation';
import type { Sector } from '../../domain/sector';
import { byIdsWhere, byIdWhere, observationWhere, pageOf, pageSelect, totalFromPage } from '../observation-filter';
import type { Visibility } from '../../domain/identity';
import type {
  ChangeEvent,
  ChangeFeed,
  InboxRepository,
  InsertOutcome,
  ObservationQuery,
  ObservationRepository,
  Page,
  QuarantineRecord,
  RawInput,
  SectorRepository,
  Store,
  StoredObservation,
} from '../repository';

const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

function migrate(db: Database.Database): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
  const applied = new Set(db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[]);
  const files = readdirSync(MIGRATIONS_DIR)
    .filter((f) => /^\d+_.*\.sql$/.test(f))
    .sort();
  for (const file of files) {
    const version = Number.parseInt(file, 10);
    if (applied.has(version)) continue;
    const sql = readFileSync(join(MIGRATIONS_DIR, file), 'utf8');
    db.transaction(() => {
      db.exec(sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(version, file, new Date().toISOString());
    })();
  }
}

type ObservationRow = { doc: string };
const byIdWhereSql = (id: string, v: Visibility) => byIdWhere(id, v, () => '?').sql;
/** Ids per statement in getMany: well below SQLite's parameter limit, and a statement shape that repeats. */
const GET_MANY_CHUNK = 500;
const rowToObservation = (r: ObservationRow): Observation => JSON.parse(r.doc) as Observation;

/** How often a SQLite store with listeners looks for changes committed by other connections. */
const FEED_POLL_MS = Math.max(10, Number(process.env.TRUCELINE_SQLITE_POLL_MS) || 100);
/** Rows delivered per turn of the event loop: a large import by another process is passed on in slices. */
const FEED_PAGE = 1000;
const FEED_PAGES_PER_TURN = 5;

/**
 * The change feed on one SQLite file. Listeners get every committed change in seq order, whoever
 * wrote it: after a commit of this connection at once, and commits of other connections (a CLI
 * import while the server runs, a worker thread) within FEED_POLL_MS, noticed by `PRAGMA
 * data_version`, which changes only when another connection commits. Events are read back from
 * the changes table by a cursor (one indexed range read per commit), so a change written
 * elsewhere between two of ours is delivered in its place, never after a later one.
 */
class SqliteChangeFeed implements ChangeFeed {
  private readonly listeners = new Set<(e: ChangeEvent) => void>();
  private readonly append: Database.Statement;
  private readonly after: Database.Statement;
  private readonly newest: Database.Statement;
  private readonly dataVersion: Database.Statement;
  /** The last seq delivered to listeners. */
  private cursor = 0;
  private version = -1;
  private pumping = false;
  private again = false;
  private poll: NodeJS.Timeout | undefined;
  /** Observations this connection stored, by seq, until delivered: the events carry them. */
  private readonly carried = new Map<number, Observation>();

  constructor(private readonly db: Database.Database) {
    this.append = db.prepare('INSERT INTO changes (entity, op, id, at) VALUES (?, ?, ?, ?)');
    this.after = db.prepare('SELECT seq, entity, op, id, at FROM changes WHERE seq > ? ORDER BY seq LIMIT ?');
    this.newest = db.prepare('SELECT COALESCE(MAX(seq), 0) FROM changes').pluck();
    this.dataVersion = db.prepare('PRAGMA data_version').pluck();
  }

  /** Must run inside the writing transaction, so a change is recorded if and only if it commits. */
  record(entity: ChangeEvent['entity'], op: ChangeEvent['op'], id: string, at: string): ChangeEvent {
    const r = this.append.run(entity, op, id, at);
    return { seq: Number(r.lastInsertRowid), entity, op, id, at };
  }

  /** After a commit of this connection: delivers it, and anything committed elsewhere before it. */
  emit(events: ChangeEvent[]): void {
    if (this.listeners.size === 0 || events.length === 0) return;
    for (const e of events) if (e.observation) this.carried.set(e.seq, e.observation);
    this.pump();
  }

  subscribe(listener: (e: ChangeEvent) => void): () => void {
    if (this.listeners.size === 0) {
      // From now on: a listener hears what is committed after it subscribed.
      if (!this.pumping) this.cursor = this.newest.get() as number;
      this.version = this.dataVersion.get() as number;
      this.poll = setInterval(() => {
        try {
          const v = this.dataVersion.get() as number;
          if (v === this.version) return;
          this.version = v;
          this.pump();
        } catch (err) {
          // The next tick tries again from the cursor; a closed or busy database must not crash the process.
          process.emitWarning(`change feed: ${(err as Error).message}`);
        }
      }, FEED_POLL_MS);
      this.poll.unref();
    }
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
  }

  stop(): void {
    clearInterval(this.poll);
    this.poll = undefined;
    this.listeners.clear();
    this.carried.clear();
  }

  private pump(): void {
    if (this.pumping) {
      // A listener wrote: deliver that after the events in hand, in order.
      this.again = true;
      return;
    }
    this.pumping = true;
    let more = false;
    try {
      let pages = 0;
      do {
        this.again = false;
        for (;;) {
          const rows = this.after.all(this.cursor, FEED_PAGE) as ChangeEvent[];
          const listeners = [...this.listeners];
          for (const e of rows) {
            this.cursor = e.seq;
            const observation = this.carried.get(e.seq);
            if (observation) this.carried.delete(e.seq);
            this.deliver(observation ? { ...e, observation } : e, listeners);
          }
          if (rows.length < FEED_PAGE) break;
          if (++pages >= FEED_PAGES_PER_TURN) {
            more = true;
            break;
          }
        }
      } while (this.again && !more && this.listeners.size);
    } finally {
      this.pumping = false;
    }
    // The rest on the next turns: the process answers requests in between.
    if ((more || this.again) && this.listeners.size) setImmediate(() => this.listeners.size && this.pump());
  }

  /** One listener's failure is its own: the others still get the event. */
  private deliver(e: ChangeEvent, listeners: readonly ((e: ChangeEvent) => void)[]): void {
    for (const l of listeners) {
      if (!this.listeners.has(l)) continue; // unsubscribed meanwhile
      try {
        l(e);
      } catch (err) {
        process.emitWarning(`change feed listener failed on ${e.entity} ${e.id}: ${(err as Error).message}`);
      }
    }
  }

  async since(seq: number, limit: number): Promise<ChangeEvent[]> {
    return this.after.all(seq, limit) as ChangeEvent[];
  }

  async latest(): Promise<number> {
    return (this.newest.get() as number) ?? 0;
  }
}

class SqliteObservations implements ObservationRepository {
  private readonly insert: Database.Statement;
  private readonly hashOf: Database.Statement;
  private readonly byId: Database.Statement;

  constructor(
    private readonly db: Database.Database,
    private readonly feed: SqliteChangeFeed,
  ) {
    this.insert = db.prepare(
      `INSERT INTO observations (id, kind, observed_at_ms, lon, lat, sector, releasability, source_kind, content_hash, raw_id, received_at, doc)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING`,
    );
    this.hashOf = db.prepare('SELECT content_hash FROM observations WHERE id = ?').pluck();
    this.byId = db.prepare('SELECT doc FROM observations WHERE id = ?');
  }

  private readonly insertTx = (items: StoredObservation[]): { outcomes: InsertOutcome[]; events: ChangeEvent[] } =>
    this.db.transaction((batch: StoredObservation[]) => {
      const at = new Date().toISOString();
      const events: ChangeEvent[] = [];
      const outcomes = batch.map(({ observation: o, contentHash, rawId }): InsertOutcome => {
        const r = this.insert.run(
          o.id,
          o.kind,
          Date.parse(o.observedAt), // pageOf relies on this: the cursor is read back from the document
          o.location.lon,
          o.location.lat,
          o.sector,
          o.releasability,
          o.source.kind,
          contentHash,
          rawId,
          o.receivedAt,
          JSON.stringify(o),
        );
        if (r.changes === 1) {
          events.push({ ...this.feed.record('observation', 'created', o.id, at), observation: o });
          return 'created';
        }
        return this.hashOf.get(o.id) === contentHash ? 'duplicate' : 'conflict';
      });
      return { outcomes, events };
    })(items);

  async insertMany(items: StoredObservation[]): Promise<InsertOutcome[]> {
    const { outcomes, events } = this.insertTx(items);
    this.feed.emit(events);
    return outcomes;
  }

  async get(id: string, visibility: Visibility): Promise<Observation | undefined> {
    const row = (visibility.all ? this.byId.get(id) : this.db.prepare(`SELECT doc FROM observations ${byIdWhereSql(id, visibility)}`).get(...byIdWhere(id, visibility, () => '?').params)) as ObservationRow | undefined;
    return row ? rowToObservation(row) : undefined;
  }

  async getMany(ids: readonly string[], visibility: Visibility): Promise<Map<string, Observation>> {
    const out = new Map<string, Observation>();
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += GET_MANY_CHUNK) {
      const where = byIdsWhere(unique.slice(i, i + GET_MANY_CHUNK), visibility, () => '?');
      for (const r of this.db.prepare(`SELECT doc FROM observations ${where.sql}`).all(...where.params) as ObservationRow[]) {
        const o = rowToObservation(r);
        out.set(o.id, o);
      }
    }
    return out;
  }

  async relabel(id: string, releasability: string, visibility: Visibility): Promise<Observation | undefined> {
    const { doc, event } = this.db.transaction(() => {
      const row = this.db.prepare(`SELECT doc FROM observations ${byIdWhereSql(id, visibility)}`).get(...byIdWhere(id, visibility, () => '?').params) as ObservationRow | undefined;
      if (!row) return { doc: undefined, event: undefined };
      const o = { ...rowToObservation(row), releasability };
      this.db.prepare('UPDATE observations SET releasability = ?, doc = ? WHERE id = ?').run(releasability, JSON.stringify(o), id);
      return { doc: o, event: this.feed.record('observation', 'relabelled', id, new Date().toISOString()) };
    }).immediate(); // reads then writes: take the write lock first, or another connection's commit in between fails it
    if (event) this.feed.emit([event]);
    return doc;
  }

  async list(q: ObservationQuery): Promise<Page<Observation>> {
    return this.page(q, true);
  }

  async *iterate(q: Omit<ObservationQuery, 'limit' | 'cursor'>, chunk = 1000): AsyncIterable<Observation[]> {
    let cursor: string | undefined;
    do {
      // No total per chunk: counting the whole filter again for every chunk made exports quadratic.
      const page = this.page({ ...q, limit: chunk, cursor }, false);
      if (page.items.length) yield page.items;
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }

  private page(q: ObservationQuery, withTotal: boolean): Page<Observation> {
    const { filter, page } = observationWhere(q, () => '?');
    const docs = (this.db.prepare(pageSelect(page.sql, '?')).pluck().all(...page.params, q.limit + 1) as string[]).map((d) => JSON.parse(d) as Observation);
    const total = !withTotal
      ? -1
      : totalFromPage(q, docs.length)
        ? docs.length
        : (this.db.prepare(`SELECT COUNT(*) FROM observations ${filter.sql}`).pluck().get(...filter.params) as number);
    return pageOf(docs, q.limit, total);
  }

  async count(): Promise<number> {
    return this.db.prepare('SELECT COUNT(*) FROM observations').pluck().get() as number;
  }

  async dailyTotals(q: Parameters<ObservationRepository['dailyTotals']>[0]): Promise<{ day: string; sector: string | null; total: number }[]> {
    const { filter } = observationWhere(q, () => '?');
    const sources = q.sourceKinds.map(() => '?').join(', ');
    const where = `${filter.sql ? `${filter.sql} AND` : 'WHERE'} source_kind IN (${sources})`;
    return this.db
      .prepare(`SELECT date(observed_at_ms / 1000, 'unixepoch') AS day, sector, SUM(COALESCE(json_extract(doc, '$.count'), 1)) AS total FROM observations ${where} GROUP BY day, sector ORDER BY day, sector`)
      .all(...filter.params, ...q.sourceKinds) as { day: string; sector: string | null; total: number }[];
  }
}

type QuarantineRow = {
  id: string;
  raw_id: string | null;
  channel: QuarantineRecord['channel'];
  received_at: string;
  reason: string;
  field: string | null;
  size: number;
  excerpt: string;
};

export const quarantineFromRow = (r: QuarantineRow): QuarantineRecord => ({
  id: r.id,
  rawId: r.raw_id,
  channel: r.channel,
  receivedAt: r.received_at,
  reason: r.reason,
  field: r.field,
  size: Number(r.size),
  excerpt: r.excerpt,
});

class SqliteInbox implements InboxRepository {
  constructor(private readonly db: Database.Database) {}

  async storeRaw(raw: RawInput): Promise<void> {
    this.db
      .prepare('INSERT INTO raw_inbox (id, channel, received_at, content_type, size, truncated, body, sender) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(raw.id, raw.channel, raw.receivedAt, raw.contentType, raw.size, raw.truncated ? 1 : 0, raw.body, raw.sender ?? null);
  }

  async getRaw(id: string): Promise<RawInput | undefined> {
    const r = this.db.prepare('SELECT * FROM raw_inbox WHERE id = ?').get(id) as
      | { id: string; channel: RawInput['channel']; received_at: string; content_type: string | null; size: number; truncated: number; body: Buffer; sender: string | null }
      | undefined;
    return r && { id: r.id, channel: r.channel, receivedAt: r.received_at, contentType: r.content_type, size: r.size, truncated: r.truncated === 1, body: r.body, sender: r.sender };
  }

  async quarantine(q: QuarantineRecord): Promise<void> {
    this.db
      .prepare('INSERT INTO quarantine (id, raw_id, channel, received_at, reason, field, size, excerpt) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(q.id, q.rawId, q.channel, q.receivedAt, q.reason, q.field, q.size, q.excerpt);
  }

  async listQuarantine(q: { limit: number; cursor?: string; channel?: QuarantineRecord['channel'] }): Promise<Page<QuarantineRecord>> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (q.channel) {
      where.push('channel = ?');
      params.push(q.channel);
    }
    const total = this.db.prepare(`SELECT COUNT(*) FROM quarantine ${where.length ? 'WHERE ' + where.join(' AND ') : ''}`).pluck().get(...params) as number;
    if (q.cursor) {
      where.push('id < ?');
      params.push(q.cursor);
    }
    const rows = this.db
      .prepare(`SELECT * FROM quarantine ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY id DESC LIMIT ?`)
      .all(...params, q.limit + 1) as QuarantineRow[];
    const more = rows.length > q.limit;
    const items = rows.slice(0, q.limit).map(quarantineFromRow);
    return { items, total, nextCursor: more ? (items[items.length - 1]?.id ?? null) : null };
  }
}

class SqliteSectors implements SectorRepository {
  constructor(private readonly db: Database.Database) {}

  async list(): Promise<Sector[]> {
    const rows = this.db.prepare('SELECT id, name, geometry FROM sectors ORDER BY id').all() as { id: string; name: string; geometry: string }[];
    return rows.map((r) => ({ id: r.id, name: r.name, geometry: JSON.parse(r.geometry) as Sector['geometry'] }));
  }

  async upsertMany(sectors: Sector[]): Promise<void> {
    const stmt = this.db.prepare(
      'INSERT INTO sectors (id, name, geometry) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET name = excluded.name, geometry = excluded.geometry',
    );
    this.db.transaction(() => {
      for (const s of sectors) stmt.run(s.id, s.name, JSON.stringify(s.geometry));
    })();
  }
}

export function openSqliteStore(file: string): Store {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  // NORMAL with WAL survives a process crash (SIGKILL) without loss; only an OS crash can drop
  // the last transactions, which is the trade SQLite documents for WAL.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  // A map query over a million rows reads a few thousand scattered pages (rows are stored in
  // arrival order, so one window's rows are spread thinly). Reading them through a memory map
  // saves a system call and a copy per page (bench/store.ts: about 20% off the map query), and a
  // 64 MiB page cache instead of the default 2 MiB keeps the hot ones. Trade-off of the map,
  // documented by SQLite: a disk I/O error while reading surfaces as SIGBUS instead of an error.
  db.pragma('cache_size = -65536');
  if (file !== ':memory:') db.pragma('mmap_size = 1073741824');
  migrate(db);
  const changes = new SqliteChangeFeed(db);
  return {
    kind: 'sqlite',
    description: `sqlite:${file}`,
    changes,
    observations: new SqliteObservations(db, changes),
    inbox: new SqliteInbox(db),
    sectors: new SqliteSectors(db),
    identity: new SqliteIdentity(db),
    audit: new SqliteAudit(db),
    ingest: sqliteIngest(db),
    agreements: new SqliteAgreements(db),
    judgements: new SqliteJudgements(db),
    tasks: new SqliteTasks(db, changes),
    reports: new SqliteReports(db),
    landOptions: new SqliteLandOptions(db),
    alerts: new SqliteAlerts(db, changes),
    ...sqliteIncidentStores(db, changes),
    force: new SqliteForce(db),
    log: new SqliteLog(db),
    evidence: new SqliteEvidence(db, changes, evidenceDirOf(file)),
    async close() {
      changes.stop();
      db.close();
    },
  };
}
