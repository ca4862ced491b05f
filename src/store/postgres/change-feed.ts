import pg from 'pg';
import type { ChangeEvent, ChangeFeed } from '../repository';

export const CHANGE_CHANNEL = 'truceline_changes';
/** application_name of the LISTEN connection, to find it in pg_stat_activity. */
export const LISTEN_APPLICATION_NAME = 'truceline-listen';
const FETCH_CHUNK = 1000;
/** Safety net only: NOTIFY normally wakes the feed; this catches a notification lost with a dead socket. */
const POLL_MS = 5_000;
const RECONNECT_MIN_MS = 100;
const RECONNECT_MAX_MS = 5_000;

type ChangeRow = { seq: number; entity: ChangeEvent['entity']; op: ChangeEvent['op']; id: string; at: Date };
const toEvent = (r: ChangeRow): ChangeEvent => ({ seq: Number(r.seq), entity: r.entity, op: r.op, id: r.id, at: r.at.toISOString() });

/**
 * Records the changes of a transaction, inside it. Must be the last statement before COMMIT.
 *
 * Why seq order equals commit order here: the next seqs come from an UPDATE of the single
 * change_counter row, whose row lock is held until this transaction ends. A second writer's
 * UPDATE waits for it, and PostgreSQL wakes the waiter only after the first transaction is
 * visible (or rolled back, which also rolls the counter back: no gaps). So whenever a reader sees
 * seq n committed, every seq below n is already visible too; no later commit can ever add a lower
 * seq. That makes "rows with seq > last seen, in seq order" a complete and gap-free way to follow
 * the feed, for since(), latest() and live delivery alike, in every process on the database.
 * (A bigserial alone would not do: nextval is taken at insert time, so a transaction that got
 * seq 5 may commit after one that got seq 6, and a reader that already moved past 6 would skip
 * 5 forever.) The lock is held only for this statement and the commit, after the observations
 * were written, so concurrent batches still insert in parallel.
 *
 * One NOTIFY per batch carries the seq range, well under the 8000-byte payload limit; listeners
 * read the rows themselves. NOTIFY is sent at commit, so it is never seen for a rolled-back batch.
 */
export async function recordChanges(client: pg.ClientBase, entity: ChangeEvent['entity'], op: ChangeEvent['op'], ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await client.query(
    `WITH c AS (UPDATE change_counter SET last = last + $1 RETURNING last - $1 AS base, clock_timestamp() AS at),
          ins AS (
            INSERT INTO changes (seq, entity, op, id, at)
            SELECT c.base + u.ord, $2, $3, u.id, c.at FROM c, unnest($4::text[]) WITH ORDINALITY AS u(id, ord)
            RETURNING seq)
     SELECT pg_notify('${CHANGE_CHANNEL}', json_build_object('from', min(seq), 'to', max(seq))::text) FROM ins`,
    [ids.length, entity, op, ids],
  );
}

/**
 * The PostgreSQL change feed. A dedicated connection LISTENs for the writers' notifications (from
 * this process and every other one on the database); on each, the feed reads the rows after the
 * last seq it delivered and hands them to subscribers in seq order, each exactly once. A dropped
 * LISTEN connection is reopened with backoff, then the feed catches up from the table, so nothing
 * committed meanwhile is lost.
 */
export class PgChangeFeed implements ChangeFeed {
  private readonly listeners = new Set<(e: ChangeEvent) => void>();
  /** Highest seq handed to subscribers (or passed over while there were none). */
  private delivered = 0;
  private listenClient: pg.Client | undefined;
  private closed = false;
  private pumping: Promise<void> | undefined;
  private again = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private reconnecting: Promise<void> | undefined;
  private reconnectDelay = RECONNECT_MIN_MS;
  private readonly poller: NodeJS.Timeout;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly clientConfig: pg.ClientConfig,
    private readonly log: (msg: string) => void,
  ) {
    this.poller = setInterval(() => {
      if (this.listeners.size > 0) this.pump();
    }, POLL_MS);
    this.poller.unref();
  }

  /** Listens first, then reads the position: every change committed after open is delivered. */
  static async open(pool: pg.Pool, clientConfig: pg.ClientConfig, log: (msg: string) => void): Promise<PgChangeFeed> {
    const feed = new PgChangeFeed(pool, clientConfig, log);
    try {
      await feed.connect();
      const latest = await feed.latest();
      feed.delivered = Math.max(feed.delivered, latest);
    } catch (err) {
      await feed.close();
      throw err;
    }
    return feed;
  }

  subscribe(listener: (e: ChangeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  async since(seq: number, limit: number): Promise<ChangeEvent[]> {
    const r = await this.pool.query<ChangeRow>('SELECT seq, entity, op, id, at FROM changes WHERE seq > $1 ORDER BY seq LIMIT $2', [seq, limit]);
    return r.rows.map(toEvent);
  }

  async latest(): Promise<number> {
    const r = await this.pool.query<{ last: number }>('SELECT last FROM change_counter');
    return Number(r.rows[0]?.last ?? 0);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.poller);
    clearTimeout(this.reconnectTimer);
    this.listeners.clear();
    await this.pumping;
    await this.reconnecting;
    const c = this.listenClient;
    this.listenClient = undefined;
    await c?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ ...this.clientConfig, application_name: LISTEN_APPLICATION_NAME, keepAlive: true, keepAliveInitialDelayMillis: 10_000 });
    const lost = (why: string) => {
      if (this.listenClient !== client) return;
      this.listenClient = undefined;
      client.end().catch(() => undefined);
      if (this.closed) return;
      this.log(`change feed: LISTEN connection lost (${why}); reconnecting`);
      this.scheduleReconnect();
    };
    client.on('error', (err) => lost(err.message));
    client.on('end', () => lost('ended'));
    client.on('notification', (n) => {
      if (n.channel === CHANGE_CHANNEL) this.onNotify(n.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANGE_CHANNEL}`);
    } catch (err) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
      throw err;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.listenClient = client;
    this.reconnectDelay = RECONNECT_MIN_MS;
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer) return;
    const delay = this.reconnectDelay;
    this.reconnectDelay = Math.min(this.reconnectDelay * 2, RECONNECT_MAX_MS);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.reconnecting = this.connect().then(
        () => {
          if (this.closed) return;
          this.log('change feed: LISTEN connection restored');
          this.pump(); // catch up with whatever committed while the connection was down
        },
        (err: unknown) => {
          if (this.closed) return;
          this.log(`change feed: reconnect failed (${(err as Error).message})`);
          this.scheduleReconnect();
        },
      );
      void this.reconnecting.finally(() => (this.reconnecting = undefined));
    }, delay);
  }

  private onNotify(payload: string | undefined): void {
    if (this.listeners.size === 0 && !this.pumping) {
      // Nobody to tell: move the position past the batch without reading it. Safe because
      // notifications arrive in commit order, which is seq order (see recordChanges).
      const to = parseRange(payload)?.to;
      if (to !== undefined) {
        this.delivered = Math.max(this.delivered, to);
        return;
      }
    }
    this.pump();
  }

  /** Reads and delivers everything after `delivered`; one reader at a time, re-run if woken meanwhile. */
  private pump(): void {
    if (this.closed) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = (async () => {
      try {
        do {
          this.again = false;
          for (;;) {
            const batch = await this.since(this.delivered, FETCH_CHUNK);
            for (const e of batch) {
              if (e.seq <= this.delivered) continue;
              this.delivered = e.seq;
              this.deliver(e);
            }
            if (batch.length < FETCH_CHUNK || this.closed) break;
          }
        } while (this.again && !this.closed);
      } catch (err) {
        // The poller (or the next notification) retries.
        if (!this.closed) this.log(`change feed: reading changes failed (${(err as Error).message})`);
      } finally {
        this.pumping = undefined;
      }
    })();
  }

  private deliver(e: ChangeEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        this.log(`change feed: a subscriber threw (${(err as Error).message})`);
      }
    }
  }
}

function parseRange(payload: string | undefined): { from: number; to: number } | undefined {
  try {
    const v = JSON.parse(payload ?? '') as { from?: unknown; to?: unknown };
    if (typeof v.from === 'number' && typeof v.to === 'number') return { from: v.from, to: v.to };
  } catch {
    // not ours or malformed: fall back to reading the table
  }
  return undefined;
}
