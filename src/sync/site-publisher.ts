import { SEE_ALL } from '../domain/identity';
import { headers, type JetStreamClient, type PubAck } from 'nats';
import type { ChangeEvent, Store } from '../store/repository';
import { readCursor, writeCursor, type PublishCursor } from './cursor';
import { Backoff, ensureStream, errorText, NatsLink, type SyncLogger } from './nats-link';
import { observationMsgId, observationSubject, STREAM } from './subjects';

/** Changes read and published per round (published concurrently, acknowledged as a whole). */
const BATCH = 256;
/** Safety net for changes written by another process on the same store (e.g. `truceline import`). */
const POLL_MS = 2_000;
const PUBLISH_TIMEOUT_MS = 10_000;

export interface SiteSyncStatus {
  role: 'site';
  site: string;
  stream: string;
  servers: string;
  /** Whether the NATS connection is up. */
  connected: boolean;
  /** Highest change seq acknowledged by JetStream (everything at or below it is in the stream). */
  publishedSeq: number;
  /** Newest change seq in the store when last looked at. */
  latestSeq: number;
  /** Changes accepted here and not yet in the stream. */
  backlog: number;
  /** Observations published by this process since it started (re-publishes included). */
  published: number;
  lastPublishedAt: string | null;
  lastError: string | null;
  lastErrorAt: string | null;
  cursorFile: string;
}

/**
 * Publishes what a site accepts to JetStream, driven by the store's change feed.
 *
 * The store's change table is the outbox: an accepted observation is committed with its change
 * row, in one transaction, whether or not the link is up; ingest never waits on NATS. This
 * publisher follows the table from its cursor (`since(cursor)`), publishes each observation to
 * `truceline.site.<site>.observation.<kind>` with `Nats-Msg-Id: <site>:observation:<id>`, and moves
 * the cursor (a file, written atomically) only past changes JetStream acknowledged. When the link
 * is down it waits for the connection (nats.js reconnects forever) and retries with backoff; when
 * it returns it catches up from the cursor. A crash between a PubAck and the cursor write
 * re-publishes a few messages: the stream drops them as duplicates (same Msg-Id within the
 * window), and the cell's insert is idempotent by id anyway. At least once on the wire, exactly
 * once in the cell's store.
 */
export class SitePublisher {
  private readonly link: NatsLink;
  private cursor: PublishCursor = { version: 1, site: '', seq: 0, firstId: null, updatedAt: '' };
  private latestSeq = 0;
  private published = 0;
  private lastPublishedAt: string | null = null;
  private lastError: string | null = null;
  private lastErrorAt: string | null = null;
  private closed = false;
  private running: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private pendingWake = false;
  private unsubscribe: (() => void) | undefined;
  private unwatch: (() => void) | undefined;
  private streamReadyOn: unknown;
  /** Set when the link comes up: the next round reports how much backlog it published. */
  private reportCatchUp = true;

  constructor(
    private readonly store: Store,
    private readonly opts: { site: string; nats: string; cursorFile: string },
    private readonly log: SyncLogger,
  ) {
    this.link = new NatsLink(opts.nats, `truceline site ${opts.site}`, log);
  }

  /** Reads the cursor and starts publishing in the background; never waits for the link. */
  async start(): Promise<void> {
    const saved = await readCursor(this.opts.cursorFile);
    const first = (await this.store.changes.since(0, 1))[0];
    this.latestSeq = await this.store.changes.latest();
    const firstId = first?.id ?? null;
    if (saved && saved.site !== this.opts.site) {
      this.log.warn(`sync: cursor ${this.opts.cursorFile} was written for site ${saved.site}, this is ${this.opts.site}: publishing everything again under ${this.opts.site}`);
    } else if (saved && (saved.seq > this.latestSeq || (saved.firstId !== null && saved.firstId !== firstId))) {
      this.log.warn(`sync: cursor ${this.opts.cursorFile} (seq ${saved.seq}) does not belong to this store (latest seq ${this.latestSeq}): publishing everything again`);
    } else if (saved) {
      this.cursor = saved;
    }
    this.cursor = { ...this.cursor, site: this.opts.site, firstId: this.cursor.firstId ?? firstId };
    this.log.info(
      `sync: site ${this.opts.site} publishes to stream ${STREAM} at ${this.link.servers} from change ${this.cursor.seq} (${this.latestSeq - this.cursor.seq} waiting; cursor ${this.opts.cursorFile})`,
    );
    this.unsubscribe = this.store.changes.subscribe((e: ChangeEvent) => {
      this.latestSeq = Math.max(this.latestSeq, e.seq);
      this.poke();
    });
    this.unwatch = this.link.onState((up) => {
      if (!up) return;
      this.reportCatchUp = true;
      this.poke();
    });
    this.link.start();
    this.running = this.run();
  }

  status(): SiteSyncStatus {
    return {
      role: 'site',
      site: this.opts.site,
      stream: STREAM,
      servers: this.link.servers,
      connected: this.link.connected,
      publishedSeq: this.cursor.seq,
      latestSeq: this.latestSeq,
      backlog: Math.max(0, this.latestSeq - this.cursor.seq),
      published: this.published,
      lastPublishedAt: this.lastPublishedAt,
      lastError: this.lastError ?? this.link.lastError,
      lastErrorAt: this.lastErrorAt,
      cursorFile: this.opts.cursorFile,
    };
  }

  private poke(): void {
    this.pendingWake = true;
    this.wake?.();
  }

  /** Resolves on a change, a reconnect, close, or after `ms`. */
  private idle(ms: number): Promise<void> {
    if (this.pendingWake || this.closed) {
      this.pendingWake = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        this.pendingWake = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }

  private async run(): Promise<void> {
    const backoff = new Backoff(500, 30_000);
    let failing = false;
    while (!this.closed) {
      const nc = await this.link.wait();
      if (!nc || this.closed) break;
      try {
        if (this.streamReadyOn !== nc) {
          await ensureStream(await nc.jetstreamManager(), this.log);
          this.streamReadyOn = nc;
        }
        const before = this.cursor.seq;
        await this.drain(nc.jetstream());
        if (failing || (this.reportCatchUp && this.cursor.seq > before)) {
          this.log.info(`sync: ${failing ? 'publishing again; ' : ''}caught up ${this.cursor.seq - before} change(s) kept while the link was down; now at change ${this.cursor.seq}`);
        }
        failing = false;
        this.reportCatchUp = false;
        backoff.reset();
        await this.idle(POLL_MS);
      } catch (err) {
        this.lastError = errorText(err);
        this.lastErrorAt = new Date().toISOString();
        if (!failing) {
          failing = true;
          this.log.warn(`sync: publishing failed (${this.lastError}); ${this.latestSeq - this.cursor.seq} change(s) wait at the site; retrying with backoff`);
        } else {
          this.log.debug(`sync: publishing still failing (${this.lastError})`);
        }
        if (!this.link.connected) this.streamReadyOn = undefined;
        await this.idle(backoff.next());
        this.pendingWake = false;
      }
    }
  }

  /** Publishes every change after the cursor; stops early if the link drops. */
  private async drain(js: JetStreamClient): Promise<void> {
    while (!this.closed && this.link.connected) {
      const events = await this.store.changes.since(this.cursor.seq, BATCH);
      if (events.length === 0) return;
      this.latestSeq = Math.max(this.latestSeq, events[events.length - 1]!.seq);
      // Sites carry observations to the cell; tasks, alerts and relabels are decided at the cell.
      const carried = (e: (typeof events)[number]) => e.entity === 'observation' && e.op === 'created';
      const found = await this.store.observations.getMany(events.filter(carried).map((e) => e.id), SEE_ALL);
      const records = events.map((e) => (carried(e) ? found.get(e.id) : undefined));
      const acks = await Promise.allSettled(
        events.map((e, i): Promise<PubAck | undefined> => {
          const o = records[i];
          if (!carried(e)) return Promise.resolve(undefined);
          if (!o) {
            // Nothing to send: the store has no such record (should not happen; the store is append-only).
            this.log.error(`sync: change ${e.seq} names ${e.entity} ${e.id}, which the store does not hold; skipped`);
            return Promise.resolve(undefined);
          }
          const h = headers();
          h.set('Truceline-Site', this.opts.site);
          h.set('Truceline-Change-Seq', String(e.seq));
          return js.publish(observationSubject(this.opts.site, o.kind), JSON.stringify(o), {
            msgID: observationMsgId(this.opts.site, o.id),
            expect: { streamName: STREAM },
            headers: h,
            timeout: PUBLISH_TIMEOUT_MS,
          });
        }),
      );
      // The cursor moves over the acknowledged prefix only: order is kept, nothing is skipped.
      let ok = 0;
      while (ok < acks.length && acks[ok]!.status === 'fulfilled') ok++;
      const sent = acks.slice(0, ok).filter((a) => a.status === 'fulfilled' && a.value !== undefined).length;
      if (ok > 0) {
        this.published += sent;
        this.lastPublishedAt = new Date().toISOString();
        await this.saveCursor(events[ok - 1]!.seq);
      }
      if (ok < acks.length) throw (acks[ok] as PromiseRejectedResult).reason;
    }
  }

  private async saveCursor(seq: number): Promise<void> {
    const next: PublishCursor = { ...this.cursor, seq, updatedAt: new Date().toISOString() };
    await writeCursor(this.opts.cursorFile, next);
    this.cursor = next;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe?.();
    this.unwatch?.();
    this.wake?.();
    // Let an in-flight round finish (its cursor write included) before the connection goes; with
    // the link down there is none, and closing the link releases a loop waiting for it.
    if (!this.link.connected) await this.link.close();
    await this.running;
    await this.link.close();
  }
}
