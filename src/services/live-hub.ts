import { canSee, SEE_ALL, type Visibility } from '../domain/identity';
import type { ChangeEntity, ChangeEvent, Store } from '../store/repository';

const REPLAY_CHUNK = 1000;
const RECENT_RECORDS = 4000;

/** A record the live picture sends: every kind carries its releasability label. */
export interface LiveRecord {
  releasability: string;
}

/** How to read a record of each kind that changes (observations, tasks, alerts), with every label. */
export type LiveReaders = Partial<Record<ChangeEntity, (id: string) => Promise<LiveRecord | undefined>>>;

/** One change as it goes out: the SSE frame once for all clients, and the label that decides who gets it. */
interface Frame {
  seq: number;
  label: string | null;
  /** Set for a relabelled record: the label before, so that those who saw it learn it is gone. */
  previousLabel: string | null;
  /** Encoded once: 1,000 clients then share the bytes instead of encoding the text 1,000 times. */
  text: Buffer;
  withdrawal: Buffer | null;
}

export interface LiveClient {
  visibility: Visibility;
  /** Receives whole SSE frames, several at once (deliveries are coalesced). */
  write(frames: Buffer[]): void;
}

interface Connected {
  client: LiveClient;
  /** Clients with equal visibility share one releasability decision per frame. */
  group: VisibilityGroup;
  lastSent: number;
  replaying: boolean;
  pending: ChangeEvent[];
  out: Buffer[];
}

interface VisibilityGroup {
  visibility: Visibility;
  members: number;
  /** The decision for the frame being delivered: 1 sees it, 2 sees its withdrawal, 0 nothing. */
  seq: number;
  decision: 0 | 1 | 2;
}

/**
 * Deliveries within this window go out in one write per client. Measured with 1,000 clients at
 * 200 observations/s (bench/live.ts): one write per change per client cost more CPU than
 * everything else together (each loopback write runs the receiver's TCP stack too): a 50 ms
 * window took delivery p99 from ~500 ms to ~185 ms there (20 ms: ~460-550 ms, 100 ms: ~190 ms).
 */
const COALESCE_MS = Number(process.env.TRUCELINE_LIVE_COALESCE_MS ?? 50);

/**
 * The live picture for every connected client of this process. Each committed change is read
 * once and serialised once, then written to each client allowed to see it (releasability is
 * checked per client: the frame is never built per client, so 1,000 clients cost 1,000 string
 * writes per change, not 1,000 reads). Frames produced in the same tick go out in one write per
 * client. A client resumes after a dropped connection from its last event id without gaps:
 * it is registered first, replays from the store, then takes the live frames it has not had.
 */
export class LiveHub {
  private readonly clients = new Set<Connected>();
  private readonly recent = new Map<string, Promise<LiveRecord | undefined>>();
  private unsubscribe: (() => void) | null = null;
  private chain: Promise<void> = Promise.resolve();
  private flushScheduled = false;
  private readonly groups = new Map<string, VisibilityGroup>();

  constructor(
    private readonly store: Store,
    private readonly readers: LiveReaders,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {}

  /** Connects a client; `since` resumes after that seq. Resolves once the replay is written. */
  async connect(client: LiveClient, since: number | undefined): Promise<{ close: () => void; from: number }> {
    const key = JSON.stringify(client.visibility);
    let group = this.groups.get(key);
    if (!group) this.groups.set(key, (group = { visibility: client.visibility, members: 0, seq: -1, decision: 0 }));
    group.members++;
    const c: Connected = { client, group, lastSent: 0, replaying: true, pending: [], out: [] };
    this.clients.add(c);
    this.unsubscribe ??= this.store.changes.subscribe((e) => this.onChange(e));
    const close = () => {
      if (!this.clients.delete(c)) return;
      if (--c.group.members === 0) this.groups.delete(key);
      if (this.clients.size === 0) {
        this.unsubscribe?.();
        this.unsubscribe = null;
      }
    };
    c.lastSent = since ?? (await this.store.changes.latest());
    const from = c.lastSent;
    if (since !== undefined) {
      for (;;) {
        const batch = await this.store.changes.since(c.lastSent, REPLAY_CHUNK);
        for (const e of batch) this.deliver(c, await this.frame(e));
        this.flushOne(c);
        if (batch.length < REPLAY_CHUNK) break;
      }
    }
    // Whatever arrived live during the replay, in order, then live from here on.
    while (c.pending.length) {
      for (const e of c.pending.splice(0).sort((a, b) => a.seq - b.seq)) this.deliver(c, await this.frame(e));
    }
    c.replaying = false; // no await since the last check: nothing can slip between replay and live
    this.flushOne(c);
    return { close, from };
  }

  get size(): number {
    return this.clients.size;
  }

  private onChange(e: ChangeEvent): void {
    for (const c of this.clients) if (c.replaying) c.pending.push(e);
    // Serialised so frames leave in seq order even though each needs a read.
    this.chain = this.chain
      .then(async () => {
        const f = await this.frame(e);
        for (const c of this.clients) if (!c.replaying) this.deliver(c, f);
        this.scheduleFlush();
      })
      .catch(this.onError);
  }

  private deliver(c: Connected, f: Frame): void {
    if (f.seq <= c.lastSent) return;
    c.lastSent = f.seq;
    const g = c.group;
    if (g.seq !== f.seq) {
      g.seq = f.seq;
      g.decision = f.label !== null && canSee(g.visibility, f.label) ? 1 : f.withdrawal && f.previousLabel !== null && canSee(g.visibility, f.previousLabel) ? 2 : 0;
    }
    if (g.decision === 1) c.out.push(f.text);
    else if (g.decision === 2) c.out.push(f.withdrawal!);
    // Not released to this client: nothing at all, not even the id (it does not exist for them).
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setTimeout(() => {
      this.flushScheduled = false;
      for (const c of this.clients) this.flushOne(c);
    }, COALESCE_MS);
  }

  private flushOne(c: Connected): void {
    if (!c.out.length) return;
    const frames = c.out;
    c.out = [];
    c.client.write(frames);
  }

  private read(entity: ChangeEntity, id: string, fresh: boolean, carried?: LiveRecord): Promise<LiveRecord | undefined> {
    const key = `${entity}:${id}`;
    let p = fresh ? undefined : this.recent.get(key);
    if (!p) {
      const reader = entity === 'observation' ? (i: string) => this.store.observations.get(i, SEE_ALL) : this.readers[entity];
      p = carried ? Promise.resolve(carried) : reader ? reader(id) : Promise.resolve(undefined);
      p.catch(() => this.recent.delete(key));
      this.recent.delete(key);
      this.recent.set(key, p);
      if (this.recent.size > RECENT_RECORDS) this.recent.delete(this.recent.keys().next().value!);
    }
    return p;
  }

  /**
   * The frame of one change. Records are re-read on every change but the first sighting of an
   * observation (they are immutable but for their label), so a replay never shows a stale state.
   */
  private async frame(e: ChangeEvent): Promise<Frame> {
    const key = `${e.entity}:${e.id}`;
    const before = e.op === 'relabelled' ? await this.recent.get(key)?.catch(() => undefined) : undefined;
    const record = await this.read(e.entity, e.id, e.op !== 'created' || e.entity !== 'observation', e.observation);
    const head = `id: ${e.seq}\nevent: ${e.entity}\ndata: `;
    return {
      seq: e.seq,
      label: record?.releasability ?? null,
      previousLabel: before?.releasability ?? null,
      text: Buffer.from(`${head}${JSON.stringify({ op: e.op, id: e.id, at: e.at, record })}\n\n`),
      withdrawal: before ? Buffer.from(`${head}${JSON.stringify({ op: 'withdrawn', id: e.id, at: e.at, record: null })}\n\n`) : null,
    };
  }
}
