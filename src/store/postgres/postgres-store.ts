import { userInfo } from 'node:os';
import pg from 'pg';
import type { Sector } from '../../domain/sector';
import type { InboxRepository, Page, QuarantineRecord, RawInput, SectorRepository, Store } from '../repository';
import { PgChangeFeed } from './change-feed';
import { migrate } from './migrate';
import { PgObservations } from './observations';
import { PgAudit, PgIdentity } from './identity-store';
import { postgresIngest } from './ingest-store';
import { PgAgreements, PgJudgements } from './agreement-store';
import { PgTasks } from './task-store';
import { postgresIncidentStores } from './incident-store';
import { PgReports } from './report-store';
import { PgLandOptions } from './land-store';
import { PgForce } from './force-store';
import { PgAlerts } from './alert-store';
import { PgLog } from './log-store';
import { PgEvidence } from './evidence-store';

export interface PostgresStoreOptions {
  /** Connections in the pool (default 10). The change feed holds one more for LISTEN. */
  poolSize?: number;
  /** Operational messages (PostGIS fallback, LISTEN reconnects). Default: stderr. */
  log?: (msg: string) => void;
  /** false: never use PostGIS, filter on lon/lat only (what happens where it is not installed). */
  postgis?: boolean;
}

/** int8 (counts, epoch ms, seqs) as numbers rather than strings: every value we keep fits in 2^53. */
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

/** host:port/database, never the password. */
export function describePostgres(url: string): string {
  try {
    const u = new URL(url);
    return `postgres:${u.hostname || 'localhost'}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return 'postgres';
  }
}

/**
 * Connection settings for a postgres:// URL. Like libpq, a URL without a user name connects as
 * PGUSER or else the operating-system user (node-pg alone would rely on $USER, often unset in
 * services and containers).
 */
export function pgClientConfig(url: string): pg.ClientConfig {
  try {
    const u = new URL(url);
    if (!u.username && u.hostname) {
      // In the URL itself: pg lets the parsed connection string override a separate `user`.
      u.username = encodeURIComponent(process.env.PGUSER || process.env.USER || userInfo().username);
      return { connectionString: u.toString() };
    }
  } catch {
    // not a URL node can parse: let pg report it
  }
  return { connectionString: url };
}

export async function openPostgresStore(url: string, opts: PostgresStoreOptions = {}): Promise<Store> {
  const log = opts.log ?? ((msg: string) => console.warn(`[store] ${msg}`));
  const clientConfig: pg.ClientConfig = { ...pgClientConfig(url), types, application_name: 'truceline' };
  const pool = new pg.Pool({ ...clientConfig, max: opts.poolSize ?? 10, idleTimeoutMillis: 30_000 });
  // An idle connection that dies (server restart) must not crash the process; the pool replaces it.
  pool.on('error', (err) => log(`idle database connection failed: ${err.message}`));

  let feed: PgChangeFeed | undefined;
  try {
    const client = await pool.connect();
    let spatial;
    try {
      spatial = await migrate(client, log, opts.postgis ?? true);
    } finally {
      client.release();
    }
    feed = await PgChangeFeed.open(pool, clientConfig, log);
    const changes = feed;
    const description = `${describePostgres(url)}${spatial === 'postgis' ? ' (PostGIS)' : ''}`;
    return {
      kind: 'postgres',
      description,
      changes,
      observations: new PgObservations(pool, spatial),
      inbox: new PgInbox(pool),
      sectors: new PgSectors(pool),
      identity: new PgIdentity(pool),
      audit: new PgAudit(pool),
      ingest: postgresIngest(pool),
      agreements: new PgAgreements(pool),
      judgements: new PgJudgements(pool),
      tasks: new PgTasks(pool),
      reports: new PgReports(pool),
      landOptions: new PgLandOptions(pool),
      alerts: new PgAlerts(pool),
      ...postgresIncidentStores(pool),
      force: new PgForce(pool),
      log: new PgLog(pool),
      evidence: new PgEvidence(pool),
      async close() {
        await changes.close();
        await pool.end();
      },
    };
  } catch (err) {
    await feed?.close();
    await pool.end();
    throw err;
  }
}

type QuarantineRow = {
  id: string;
  raw_id: string | null;
  channel: QuarantineRecord['channel'];
  received_at: string;
  reason: Buffer;
  field: Buffer | null;
  size: number;
  excerpt: Buffer;
};

const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');

class PgInbox implements InboxRepository {
  constructor(private readonly pool: pg.Pool) {}

  async storeRaw(raw: RawInput): Promise<void> {
    await this.pool.query('INSERT INTO raw_inbox (id, channel, received_at, content_type, size, truncated, body, sender) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)', [
      raw.id,
      raw.channel,
      raw.receivedAt,
      raw.contentType,
      raw.size,
      raw.truncated,
      raw.body,
      raw.sender ?? null,
    ]);
  }

  async getRaw(id: string): Promise<RawInput | undefined> {
    const r = await this.pool.query<{ id: string; channel: RawInput['channel']; received_at: string; content_type: string | null; size: number; truncated: boolean; body: Buffer; sender: string | null }>(
      'SELECT id, channel, received_at, content_type, size, truncated, body, sender FROM raw_inbox WHERE id = $1',
      [id],
    );
    const row = r.rows[0];
    return row && { id: row.id, channel: row.channel, receivedAt: row.received_at, contentType: row.content_type, size: Number(row.size), truncated: row.truncated, body: row.body, sender: row.sender };
  }

  async quarantine(q: QuarantineRecord): Promise<void> {
    await this.pool.query('INSERT INTO quarantine (id, raw_id, channel, received_at, reason, field, size, excerpt) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)', [
      q.id,
      q.rawId,
      q.channel,
      q.receivedAt,
      utf8(q.reason),
      q.field === null ? null : utf8(q.field),
      q.size,
      utf8(q.excerpt),
    ]);
  }

  async listQuarantine(q: { limit: number; cursor?: string; channel?: QuarantineRecord['channel'] }): Promise<Page<QuarantineRecord>> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (q.channel) {
      params.push(q.channel);
      where.push(`channel = $${params.length}`);
    }
    const filterSql = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const filterParams = [...params];
    if (q.cursor) {
      params.push(q.cursor);
      where.push(`id < $${params.length}`);
    }
    params.push(q.limit + 1);
    const [rows, total] = await Promise.all([
      this.pool.query<QuarantineRow>(
        `SELECT id, raw_id, channel, received_at, reason, field, size, excerpt FROM quarantine ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT $${params.length}`,
        params,
      ),
      this.pool.query<{ n: number }>(`SELECT count(*) AS n FROM quarantine ${filterSql}`, filterParams),
    ]);
    const more = rows.rows.length > q.limit;
    const items = rows.rows.slice(0, q.limit).map(
      (r): QuarantineRecord => ({
        id: r.id,
        rawId: r.raw_id,
        channel: r.channel,
        receivedAt: r.received_at,
        reason: r.reason.toString('utf8'),
        field: r.field === null ? null : r.field.toString('utf8'),
        size: Number(r.size),
        excerpt: r.excerpt.toString('utf8'),
      }),
    );
    return { items, total: Number(total.rows[0]!.n), nextCursor: more ? (items[items.length - 1]?.id ?? null) : null };
  }
}

class PgSectors implements SectorRepository {
  constructor(private readonly pool: pg.Pool) {}

  async list(): Promise<Sector[]> {
    const r = await this.pool.query<{ id: string; name: string; geometry: string }>('SELECT id, name, geometry FROM sectors ORDER BY id');
    return r.rows.map((row) => ({ id: row.id, name: row.name, geometry: JSON.parse(row.geometry) as Sector['geometry'] }));
  }

  async upsertMany(sectors: Sector[]): Promise<void> {
    if (sectors.length === 0) return;
    // Later entries win over earlier ones with the same id, as with SQLite's row-by-row upsert.
    const byId = new Map(sectors.map((s) => [s.id, s]));
    const list = [...byId.values()];
    await this.pool.query(
      `INSERT INTO sectors (id, name, geometry) SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
       ON CONFLICT (id) DO UPDATE SET name = excluded.name, geometry = excluded.geometry`,
      [list.map((s) => s.id), list.map((s) => s.name), list.map((s) => JSON.stringify(s.geometry))],
    );
  }
}
