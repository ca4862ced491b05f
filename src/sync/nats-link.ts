import { connect, Events, RetentionPolicy, StorageType, DiscardPolicy, nanos, type JetStreamManager, type NatsConnection, type NatsError } from 'nats';
import { DUPLICATE_WINDOW_MS, natsConnectOptions, shownServers, STREAM, STREAM_SUBJECTS } from './subjects';

/** What the sync code logs through (pino's logger fits). */
export interface SyncLogger {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
  debug(msg: string): void;
}

/** Exponential backoff with jitter, for reconnecting and retrying. */
export class Backoff {
  private current: number;
  constructor(
    private readonly minMs = 500,
    private readonly maxMs = 30_000,
  ) {
    this.current = minMs;
  }
  next(): number {
    const d = this.current;
    this.current = Math.min(this.maxMs, this.current * 2);
    return Math.round(d * (0.75 + Math.random() * 0.5));
  }
  reset(): void {
    this.current = this.minMs;
  }
}

export const errorText = (err: unknown): string => (err instanceof Error ? err.message || err.name : String(err));

export const isNotFound = (err: unknown, errCode: number): boolean => {
  const e = err as Partial<NatsError>;
  return e?.api_error?.err_code === errCode || (e?.api_error?.code === 404 && e.api_error.err_code === undefined);
};
export const STREAM_NOT_FOUND = 10059;
export const CONSUMER_NOT_FOUND = 10014;

/**
 * One NATS connection, re-established for as long as the link is wanted: the initial connect is
 * retried with backoff (the site may start while the link is down), reconnects after that are
 * nats.js's own (unlimited attempts). Never throws to its owner; `wait()` hands out the connection
 * once it is up. `connected` follows the connection's status events.
 */
export class NatsLink {
  private nc: NatsConnection | undefined;
  private closed = false;
  private running: Promise<void> | undefined;
  private readonly waiters = new Set<() => void>();
  private readonly stateListeners = new Set<(up: boolean) => void>();
  private sleepTimer: NodeJS.Timeout | undefined;
  private wakeSleep: (() => void) | undefined;
  connected = false;
  lastError: string | null = null;

  constructor(
    private readonly url: string,
    private readonly name: string,
    private readonly log: SyncLogger,
  ) {}

  get servers(): string {
    return shownServers(this.url);
  }

  start(): void {
    this.running ??= this.run();
  }

  /** Called with true when the connection comes up (first time or after a reconnect), false when it drops. */
  onState(listener: (up: boolean) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /** The connection once it is up; undefined once the link is closed. */
  async wait(): Promise<NatsConnection | undefined> {
    while (!this.closed) {
      if (this.nc && this.connected && !this.nc.isClosed()) return this.nc;
      await new Promise<void>((resolve) => this.waiters.add(resolve));
    }
    return undefined;
  }

  private setState(up: boolean): void {
    this.connected = up;
    if (up) for (const w of [...this.waiters]) w();
    if (up) this.waiters.clear();
    for (const l of this.stateListeners) l(up);
  }

  private async run(): Promise<void> {
    const backoff = new Backoff(500, 15_000);
    let failures = 0;
    while (!this.closed) {
      let nc: NatsConnection;
      try {
        nc = await connect({
          ...natsConnectOptions(this.url),
          name: this.name,
          reconnect: true,
          maxReconnectAttempts: -1,
          reconnectTimeWait: 1000,
          reconnectJitter: 500,
          timeout: 5000,
          pingInterval: 10_000,
          maxPingOut: 2,
        });
      } catch (err) {
        this.lastError = errorText(err);
        if (failures++ === 0) this.log.warn(`sync: cannot reach NATS at ${this.servers} (${this.lastError}); retrying with backoff`);
        else this.log.debug(`sync: NATS still unreachable (${this.lastError})`);
        await this.sleep(backoff.next());
        continue;
      }
      if (this.closed) {
        await nc.close().catch(() => undefined);
        break;
      }
      backoff.reset();
      failures = 0;
      this.nc = nc;
      this.lastError = null;
      this.log.info(`sync: connected to NATS at ${this.servers}`);
      this.setState(true);
      void this.watch(nc);
      const err = await nc.closed();
      this.setState(false);
      this.nc = undefined;
      if (this.closed) break;
      this.lastError = err ? errorText(err) : 'connection closed';
      this.log.warn(`sync: NATS connection closed (${this.lastError}); connecting again`);
      await this.sleep(backoff.next());
    }
    for (const w of [...this.waiters]) w();
    this.waiters.clear();
  }

  private async watch(nc: NatsConnection): Promise<void> {
    for await (const s of nc.status()) {
      if (s.type === Events.Disconnect) {
        this.log.warn(`sync: link to NATS down (${String(s.data)}); the store keeps accepting, sync resumes when it returns`);
        this.setState(false);
      } else if (s.type === Events.Reconnect) {
        this.log.info(`sync: link to NATS restored (${String(s.data)})`);
        this.setState(true);
      } else if (s.type === Events.Error) {
        this.lastError = String(s.data);
        this.log.warn(`sync: NATS error: ${this.lastError}`);
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wakeSleep = resolve;
      this.sleepTimer = setTimeout(resolve, ms);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.sleepTimer);
    this.wakeSleep?.();
    for (const w of [...this.waiters]) w();
    this.waiters.clear();
    const nc = this.nc;
    // Drain (flush acks and pending publishes) only over a live link; a dead one just closes.
    if (nc && !nc.isClosed()) {
      if (this.connected) await nc.drain().catch(() => nc.close().catch(() => undefined));
      else await nc.close().catch(() => undefined);
    }
    await this.running;
  }
}

/**
 * The stream, created when missing: file storage (survives a restart of nats-server), limits
 * retention without limits (a cell that was away for days still finds everything; operators may
 * cap it with max_age), and a long duplicate window for the sites' Nats-Msg-Id.
 */
export async function ensureStream(jsm: JetStreamManager, log: SyncLogger): Promise<void> {
  try {
    await jsm.streams.info(STREAM);
    return;
  } catch (err) {
    if (!isNotFound(err, STREAM_NOT_FOUND)) throw err;
  }
  try {
    await jsm.streams.add({
      name: STREAM,
      subjects: [STREAM_SUBJECTS],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.Old,
      duplicate_window: nanos(DUPLICATE_WINDOW_MS),
      description: 'Truceline: what field sites accepted, for the cell (truceline.site.<site>.<entity>.<kind>)',
    });
    log.info(`sync: created JetStream stream ${STREAM} (${STREAM_SUBJECTS}, file storage)`);
  } catch (err) {
    // Another process may have created it meanwhile.
    await jsm.streams.info(STREAM).catch(() => {
      throw err;
    });
  }
}
