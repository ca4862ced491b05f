import { AckPolicy, ConsumerEvents, DeliverPolicy, nanos, ReplayPolicy, type ConsumerMessages, type JetStreamManager, type JsMsg } from 'nats';
import { v7 as uuidv7 } from 'uuid';
import { ObservationIngest } from '../services/observation-ingest';
import type { Store } from '../store/repository';
import { Backoff, CONSUMER_NOT_FOUND, ensureStream, errorText, isNotFound, NatsLink, type SyncLogger } from './nats-link';
import { CELL_DURABLE, OBSERVATION_FILTER, parseObservationSubject, STREAM } from './subjects';

/** Messages stored per transaction when catching up. */
const BATCH = 500;
/** Unacknowledged messages the server lets this consumer have out (over every cell process). */
const MAX_ACK_PENDING = 2_000;
const ACK_WAIT_MS = 60_000;

export interface CellSyncStatus {
  role: 'cell';
  stream: string;
  durable: string;
  servers: string;
  connected: boolean;
  /** Whether the durable consumer is bound and messages flow. */
  consuming: boolean;
  /** Messages handled by this process since it started, by outcome. */
  created: number;
  duplicate: number;
  rejected: number;
  /** Stream sequence of the last message stored and acknowledged here. */
  lastStreamSeq: number;
  lastStoredAt: string | null;
  /** Per site: observations newly stored here from it. */
  sites: Record<string, number>;
  lastError: string | null;
  lastErrorAt: string | null;
}

/**
 * The cell's side: one durable pull consumer (explicit ack) over every site's observations. Each
 * message is stored through ObservationIngest, idempotent by id, and acknowledged only after the
 * store committed it: created and duplicate are acked; an invalid record or a reused id with other
 * content is quarantined by ingest and terminated (redelivering it cannot help); a store failure
 * naks the batch with a delay, so it comes back. Several cell processes on one PostgreSQL share
 * the durable: each message goes to one of them, and a redelivery to another is a duplicate.
 */
export class CellConsumer {
  private readonly link: NatsLink;
  private readonly ingest: ObservationIngest;
  private closed = false;
  private running: Promise<void> | undefined;
  private messages: ConsumerMessages | undefined;
  private readonly queue: JsMsg[] = [];
  private processing: Promise<void> | undefined;
  private pauseUntil = 0;
  private readonly backoff = new Backoff(500, 30_000);
  private readonly counts = { created: 0, duplicate: 0, rejected: 0 };
  private readonly sites: Record<string, number> = {};
  private lastStreamSeq = 0;
  private lastStoredAt: string | null = null;
  private lastError: string | null = null;
  private lastErrorAt: string | null = null;
  private sleepTimer: NodeJS.Timeout | undefined;
  private wakeSleep: (() => void) | undefined;

  constructor(
    private readonly store: Store,
    private readonly opts: { nats: string; ingest?: ObservationIngest },
    private readonly log: SyncLogger,
  ) {
    this.link = new NatsLink(opts.nats, 'truceline cell', log);
    this.ingest = opts.ingest ?? new ObservationIngest(store);
  }

  async start(): Promise<void> {
    this.log.info(`sync: cell consumes stream ${STREAM} (${OBSERVATION_FILTER}) at ${this.link.servers} as durable ${CELL_DURABLE}`);
    this.link.start();
    this.running = this.run();
  }

  status(): CellSyncStatus {
    return {
      role: 'cell',
      stream: STREAM,
      durable: CELL_DURABLE,
      servers: this.link.servers,
      connected: this.link.connected,
      consuming: this.messages !== undefined && this.link.connected,
      ...this.counts,
      lastStreamSeq: this.lastStreamSeq,
      lastStoredAt: this.lastStoredAt,
      sites: { ...this.sites },
      lastError: this.lastError ?? this.link.lastError,
      lastErrorAt: this.lastErrorAt,
    };
  }

  private fail(what: string, err: unknown): void {
    this.lastError = `${what}: ${errorText(err)}`;
    this.lastErrorAt = new Date().toISOString();
  }

  private async run(): Promise<void> {
    const backoff = new Backoff(500, 15_000);
    while (!this.closed) {
      const nc = await this.link.wait();
      if (!nc || this.closed) break;
      try {
        const jsm = await nc.jetstreamManager();
        await ensureStream(jsm, this.log);
        await ensureConsumer(jsm);
        const consumer = await nc.jetstream().consumers.get(STREAM, CELL_DURABLE);
        const messages = await consumer.consume({ max_messages: BATCH });
        this.messages = messages;
        void this.watch(messages);
        backoff.reset();
        this.log.info(`sync: consuming ${STREAM} as ${CELL_DURABLE}`);
        for await (const m of messages) {
          this.queue.push(m);
          this.processing ??= this.process().finally(() => (this.processing = undefined));
        }
        this.messages = undefined;
      } catch (err) {
        this.messages = undefined;
        if (this.closed) break;
        this.fail('consumer', err);
        this.log.warn(`sync: consumer stopped (${this.lastError}); starting it again`);
      }
      if (!this.closed) await this.sleep(backoff.next());
    }
  }

  /** The consumer gone (stream re-created, consumer deleted): stop, so `run` sets it up again. */
  private async watch(messages: ConsumerMessages): Promise<void> {
    for await (const s of await messages.status()) {
      if (s.type === ConsumerEvents.ConsumerNotFound || s.type === ConsumerEvents.StreamNotFound || s.type === ConsumerEvents.ConsumerDeleted) {
        this.log.warn(`sync: ${s.type}; setting the consumer up again`);
        messages.stop();
        return;
      }
      if (s.type === ConsumerEvents.HeartbeatsMissed) this.log.debug(`sync: consumer heartbeats missed (${String(s.data)})`);
    }
  }

  /** Drains the queue in batches: one store transaction per batch. */
  private async process(): Promise<void> {
    while (this.queue.length > 0 && !this.closed) {
      const wait = this.pauseUntil - Date.now();
      if (wait > 0) await this.sleep(wait);
      const batch = this.queue.splice(0, BATCH);
      await this.storeBatch(batch);
    }
  }

  private async storeBatch(batch: JsMsg[]): Promise<void> {
    const receivedAt = new Date().toISOString();
    const items: { msg: JsMsg; value: unknown; site: string }[] = [];
    const rejected: { msg: JsMsg; reason: string }[] = [];
    for (const msg of batch) {
      const subject = parseObservationSubject(msg.subject);
      let value: unknown;
      try {
        value = msg.json();
      } catch {
        rejected.push({ msg, reason: 'body is not JSON' });
        continue;
      }
      if (!subject) rejected.push({ msg, reason: `unexpected subject ${msg.subject}` });
      else items.push({ msg, value, site: subject.site });
    }
    try {
      // Raw inputs first: the batch as received (subject, stream seq, body per message).
      const rawId = uuidv7();
      const body = Buffer.from(
        batch.map((m) => JSON.stringify({ subject: m.subject, streamSeq: m.seq, redelivered: m.redelivered, body: m.string() })).join('\n') + '\n',
      );
      await this.store.inbox.storeRaw({ id: rawId, channel: 'sync', receivedAt, contentType: 'application/x-ndjson', size: body.length, body, truncated: false });
      for (const r of rejected) {
        const excerpt = r.msg.string();
        await this.store.inbox.quarantine({
          id: uuidv7(),
          rawId,
          channel: 'sync',
          receivedAt,
          reason: `${r.reason} (stream seq ${r.msg.seq})`,
          field: null,
          size: r.msg.data.length,
          excerpt: excerpt.slice(0, 1024),
        });
      }
      const results = items.length ? await this.ingest.submit(items.map((i) => i.value), { channel: 'sync', rawId }) : [];
      // Stored (or already there): acknowledge. The rest cannot improve by redelivery.
      results.forEach((r, i) => {
        const { msg, site } = items[i]!;
        if (r.status === 'created' || r.status === 'duplicate') {
          this.counts[r.status]++;
          if (r.status === 'created') this.sites[site] = (this.sites[site] ?? 0) + 1;
          msg.ack();
        } else {
          this.counts.rejected++;
          this.log.warn(`sync: ${r.status} observation ${r.id ?? '(no id)'} from site ${site} (stream seq ${msg.seq}) quarantined: ${r.errors?.map((e) => `${e.field} ${e.message}`).join('; ')}`);
          msg.term();
        }
      });
      for (const r of rejected) {
        this.counts.rejected++;
        this.log.warn(`sync: message ${r.msg.subject} (stream seq ${r.msg.seq}) quarantined: ${r.reason}`);
        r.msg.term();
      }
      this.lastStreamSeq = Math.max(this.lastStreamSeq, ...batch.map((m) => m.seq));
      this.lastStoredAt = new Date().toISOString();
      if (this.pauseUntil) this.log.info('sync: storing consumed observations again');
      this.pauseUntil = 0;
      this.backoff.reset();
    } catch (err) {
      // The store failed (e.g. PostgreSQL restarting): give the batch back and slow down.
      const delay = this.backoff.next();
      this.pauseUntil = Date.now() + delay;
      this.fail('store', err);
      this.log.warn(`sync: could not store ${batch.length} consumed message(s) (${errorText(err)}); redelivery in ${delay} ms`);
      for (const m of batch) m.nak(delay);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(this.sleepTimer);
        this.wakeSleep = undefined;
        resolve();
      };
      this.sleepTimer = setTimeout(done, ms);
      this.wakeSleep = done;
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.wakeSleep?.();
    // Stop taking messages; the batch being stored completes, what is still queued is given back
    // (to another cell process, or to this one after a restart).
    this.messages?.stop();
    await this.processing;
    for (const m of this.queue.splice(0)) m.nak();
    await this.link.close();
    await this.running;
  }
}

/** The durable consumer, created when missing (identical settings from every cell process). */
async function ensureConsumer(jsm: JetStreamManager): Promise<void> {
  try {
    await jsm.consumers.info(STREAM, CELL_DURABLE);
    return;
  } catch (err) {
    if (!isNotFound(err, CONSUMER_NOT_FOUND)) throw err;
  }
  await jsm.consumers.add(STREAM, {
    durable_name: CELL_DURABLE,
    description: 'Truceline cell: every site observation, stored idempotently then acked',
    filter_subject: OBSERVATION_FILTER,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    replay_policy: ReplayPolicy.Instant,
    ack_wait: nanos(ACK_WAIT_MS),
    max_ack_pending: MAX_ACK_PENDING,
    max_deliver: -1,
  });
}
