import { createHash } from 'node:crypto';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { COALITION_PRESET } from '../domain/coalition';
import { canSee, PUBLIC_ACTOR, SEE_ALL, type CoalitionConfig, visibilityOf, type UserActor, type Visibility } from '../domain/identity';
import { ObservationInput, type Observation } from '../domain/observation';
import { mapCot, observationToCot, type CotObservation } from '../ingest/cot/map';
import { parseCot } from '../ingest/cot/parse';
import { COT_CONTENT_TYPE, CotServer, type CotRawItem, type CotReceived, type CotServerOptions, type CotSink, type CotTlsOptions } from '../ingest/cot/server';
import type { SupersedesLink, TakRecord } from '../store/ingest-repository';
import type { RawInput, Store } from '../store/repository';
import { excerptOf, OutcomeBatch } from './inbox-outcomes';
import { toActor } from './auth';
import type { ObservationIngest } from './observation-ingest';

/** What a `marker` TAK record holds: the version of a CoT uid stored last. */
export interface MarkerDoc {
  observationId: string;
  contentHash: string;
}

export interface CotIngestOptions {
  /** Label of observations from anonymous clients (default MECHANISM: unverified). */
  releasability?: string;
  /** On connect a client gets the PUBLIC observations of this window (default 24 h; 0: none)... */
  snapshotWindowMs?: number;
  /** ...at most this many (default 500). */
  snapshotMax?: number;
  /** Who is in the coalition (COALITION records): the configured one; default the preset. */
  coalition?: CoalitionConfig;
  log?: { info(msg: string): void; warn(msg: string): void };
}

/** What anonymous clients may see: PUBLIC only (architecture.md, releasability). */
const ANONYMOUS = visibilityOf(PUBLIC_ACTOR, { members: [], guarantors: [] });

/**
 * Takes CoT into Truceline (the CotSink of the CoT server) and sends the picture back out:
 * - every frame is stored raw first (one transaction per chunk), then parsed and mapped;
 * - markers, spot reports and other events → observations (source `tak`) through the same
 *   ingest as HTTP (validation, sector, rules); a re-send that changed nothing but `time` stores
 *   nothing new, a changed one is a new version that supersedes the last;
 * - positions, drawn areas, chat and deletions → the TAK records (append-only);
 * - our own events coming back (`echo`) → accepted, nothing stored;
 * - what does not frame or parse → quarantine with the reason;
 * and every frame gets exactly one outcome in the inbox ledger.
 * Out: each new observation that did not come from TAK itself goes as CoT to every connected
 * client that may see it: anonymous clients PUBLIC only, an authenticated one (TLS) what its user
 * may see. What an authenticated client sends carries its user as reporter and nation.
 */
export class CotIngest implements CotSink {
  private readonly subscribers = new Map<(xml: string) => void, Visibility>();
  private unsubscribeFeed: (() => void) | undefined;
  private readonly outQueue: string[] = [];
  private draining = false;

  constructor(
    private readonly store: Store,
    private readonly ingest: ObservationIngest,
    private readonly opts: CotIngestOptions = {},
  ) {}

  async storeRaw(items: CotRawItem[]): Promise<void> {
    await this.store.ingest.ledger.storeRawMany(
      items.map((i): RawInput => ({ id: i.id, channel: 'cot', receivedAt: i.receivedAt, contentType: i.contentType, size: i.size, body: i.body, truncated: i.truncated })),
    );
  }

  async settle(items: CotReceived[], opts: { replay?: boolean } = {}): Promise<OutcomeBatch> {
    const replay = opts.replay ?? false;
    const batch = new OutcomeBatch('cot');
    const observations: { rawId: string; receivedAt: string; m: CotObservation }[] = [];
    const tak: TakRecord[] = [];
    for (const { rawId, receivedAt, record: r, sender } of items) {
      if (r.kind !== 'frame') {
        batch.reject(rawId, 0, { reason: `${r.kind}: ${r.reason}`, size: r.size, excerpt: excerptOf(r.head), receivedAt }, replay);
        continue;
      }
      const p = parseCot(r.frame);
      if (!p.ok) {
        batch.reject(rawId, 0, { reason: `${p.code}: ${p.reason}`, size: r.frame.length, excerpt: excerptOf(r.frame), receivedAt }, replay);
        continue;
      }
      const m = mapCot(p.event, { raw: r.frame, releasability: this.opts.releasability, ...(sender ? { reporter: sender.username, nation: sender.nation } : {}) });
      const base = { rawId, receivedAt };
      switch (m.type) {
        case 'observation':
          observations.push({ rawId, receivedAt, m });
          continue;
        case 'position':
          tak.push({ ...base, kind: 'position', subject: m.uid, time: m.time, stale: m.stale, doc: m });
          break;
        case 'area':
          tak.push({ ...base, kind: 'area', subject: m.uid, time: m.time, stale: m.stale, doc: m });
          break;
        case 'chat':
          tak.push({ ...base, kind: 'chat', subject: m.uid, time: m.time, stale: null, doc: m });
          break;
        case 'delete':
          tak.push({ ...base, kind: 'delete', subject: m.targetUid, time: m.time, stale: null, doc: m });
          break;
        case 'echo':
          break;
      }
      batch.accept(rawId, 0, replay);
    }
    if (observations.length) await this.takeObservations(observations, batch, tak, replay);
    await this.store.ingest.tak.append(tak);
    await batch.commit(this.store);
    return batch;
  }

  private async takeObservations(items: { rawId: string; receivedAt: string; m: CotObservation }[], batch: OutcomeBatch, tak: TakRecord[], replay: boolean): Promise<void> {
    const uids = [...new Set(items.map((i) => i.m.uid))];
    const latest = new Map((await this.store.ingest.tak.current('marker', { visibility: SEE_ALL, subjects: uids })).map((r) => [r.subject, r.doc as MarkerDoc]));
    const submit: { rawId: string; receivedAt: string; m: CotObservation; prev: MarkerDoc | undefined }[] = [];
    for (const it of items) {
      const prev = latest.get(it.m.uid);
      if (prev && prev.contentHash === it.m.contentHash) {
        batch.accept(it.rawId, 0, replay); // a re-send that only bumped `time`: nothing new
        continue;
      }
      if (replay && !ObservationInput.safeParse(it.m.observation).success) {
        batch.reject(it.rawId, 0, null, true, 'still invalid');
        continue;
      }
      if (prev && prev.observationId === it.m.observation.id) {
        // The same uid and time with other content (an edit that kept `time`): a version of its own, not a conflict.
        it.m = { ...it.m, observation: { ...it.m.observation, id: versionedId(it.m.observation.id, it.m.contentHash) } };
      }
      submit.push({ ...it, prev });
      latest.set(it.m.uid, { observationId: it.m.observation.id, contentHash: it.m.contentHash });
    }
    if (!submit.length) return;
    const results = await this.ingest.submit(
      submit.map((s) => s.m.observation),
      { channel: 'cot', rawId: null, rawIds: submit.map((s) => s.rawId) },
    );
    const at = new Date().toISOString();
    const links: SupersedesLink[] = [];
    results.forEach((r, i) => {
      const s = submit[i]!;
      if (r.status !== 'created' && r.status !== 'duplicate') return;
      const id = s.m.observation.id;
      if (s.prev?.observationId !== id) {
        tak.push({ kind: 'marker', subject: s.m.uid, time: s.m.observation.observedAt, stale: null, rawId: s.rawId, receivedAt: s.receivedAt, doc: { observationId: id, contentHash: s.m.contentHash } satisfies MarkerDoc });
        if (s.prev && r.status === 'created') links.push({ newId: id, oldId: s.prev.observationId, at });
      }
    });
    batch.results(
      submit.map((s) => s.rawId),
      submit.map(() => 0),
      results,
      replay,
    );
    await this.store.ingest.versions.link(links);
  }

  subscribePublic(send: (xml: string) => void): () => void {
    return this.subscribe(send, ANONYMOUS);
  }

  subscribeFor(actor: UserActor, send: (xml: string) => void): () => void {
    return this.subscribe(send, visibilityOf(actor, this.opts.coalition ?? COALITION_PRESET));
  }

  private subscribe(send: (xml: string) => void, visibility: Visibility): () => void {
    this.subscribers.set(send, visibility);
    this.unsubscribeFeed ??= this.store.changes.subscribe((e) => {
      if (e.entity !== 'observation' || e.op !== 'created') return;
      this.outQueue.push(e.id);
      void this.drain();
    });
    void this.snapshot(send, visibility);
    return () => {
      this.subscribers.delete(send);
      if (this.subscribers.size === 0) {
        this.unsubscribeFeed?.();
        this.unsubscribeFeed = undefined;
        this.outQueue.length = 0;
      }
    };
  }

  close(): void {
    this.subscribers.clear();
    this.unsubscribeFeed?.();
    this.unsubscribeFeed = undefined;
  }

  private outgoing(o: Observation | undefined): o is Observation {
    return !!o && o.source.kind !== 'tak';
  }

  /** New observations, in commit order, to every client. */
  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.outQueue.length) {
        const slice = this.outQueue.splice(0, 256);
        // Nobody connected: nothing to read (a client that connects later gets what comes after).
        if (this.subscribers.size === 0) continue;
        // From TAK itself (CoT ids, see map.ts): never sent back, not even read.
        const ids = slice.filter((id) => !id.startsWith('cot:'));
        // Read once with every label, then filtered per client below (the fan-out's releasability).
        const found = ids.length ? await this.store.observations.getMany(ids, SEE_ALL) : new Map<string, Observation>();
        for (const id of ids) {
          const o = found.get(id);
          if (!this.outgoing(o)) continue;
          let xml: string | undefined;
          for (const [send, visibility] of this.subscribers) if (canSee(visibility, o.releasability)) send((xml ??= observationToCot(o)));
        }
        // The reads are synchronous underneath (SQLite): let the sockets have the event loop between slices.
        await new Promise((r) => setImmediate(r));
      }
    } catch (err) {
      this.opts.log?.warn(`cot: sending observations out failed: ${(err as Error).message}`);
    } finally {
      this.draining = false;
    }
  }

  /** What a client sees on connecting: the recent picture it may see, oldest first. */
  private async snapshot(send: (xml: string) => void, visibility: Visibility): Promise<void> {
    const windowMs = this.opts.snapshotWindowMs ?? 24 * 3600_000;
    if (windowMs <= 0) return;
    try {
      const now = Date.now();
      const page = await this.store.observations.list({ visibility, from: now - windowMs, to: now + 60_000, limit: 2000 });
      const out = page.items.filter((o) => this.outgoing(o)).slice(0, this.opts.snapshotMax ?? 500);
      for (const o of out.reverse()) if (this.subscribers.has(send)) send(observationToCot(o));
    } catch (err) {
      this.opts.log?.warn(`cot: snapshot for a new client failed: ${(err as Error).message}`);
    }
  }
}

/** `<id>~<content hash>`: a CoT observation id for a changed event that kept its `time`; at most 128 characters. */
export function versionedId(id: string, contentHash: string): string {
  const suffix = `~${contentHash.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 12)}`;
  const plain = `${id}${suffix}`;
  return plain.length <= 128 ? plain : `cot:#${createHash('sha256').update(id).digest('base64url').slice(0, 40)}${suffix}`;
}

export interface CotServiceOptions extends Omit<CotServerOptions, 'log' | 'tls' | 'identify'>, CotIngestOptions {
  /** Also TAK's TLS port (8089): client certificates whose subject CN is a Truceline username. */
  tls?: CotTlsOptions & { port: number };
}

/** The subject CN of a TLS client's (verified) certificate. */
export function certificateCommonName(socket: Socket): string | undefined {
  const cn = (socket as TLSSocket).getPeerCertificate?.()?.subject?.CN as string | string[] | undefined;
  return Array.isArray(cn) ? (cn.length === 1 ? cn[0] : undefined) : cn || undefined;
}

/** Who a TLS client is: the user whose username is its certificate's CN, or null (refused). */
export function certificateIdentity(store: Store): (socket: Socket) => Promise<UserActor | null> {
  return async (socket) => {
    if (!(socket as TLSSocket).authorized) return null;
    const cn = certificateCommonName(socket);
    const user = cn ? await store.identity.userByName(cn) : undefined;
    return user ? toActor(user) : null;
  };
}

/**
 * The CoT listener with its sink. First settles CoT frames a previous run stored but did not get
 * to process (a crash between storing and parsing): CoT has no acknowledgement, so no client will
 * send them again.
 */
export async function startCot(
  store: Store,
  ingest: ObservationIngest,
  opts: CotServiceOptions,
): Promise<{ server: CotServer; sink: CotIngest; port: number; tls: { server: CotServer; port: number } | null; recovered: number; close(): Promise<void> }> {
  const sink = new CotIngest(store, ingest, opts);
  const { replayInbox } = await import('./inbox-replay');
  // Every frame stored before now: this process has received none yet.
  const recovered = await replayInbox(store, ingest, { channels: ['cot'], pendingOnly: true, pendingBefore: new Date().toISOString(), cot: sink });
  if (recovered.processed) opts.log?.info(`cot: settled ${recovered.processed} frames stored by an earlier run but not processed`);
  const { tls: tlsOpts, ...plainOpts } = opts;
  const server = new CotServer(sink, plainOpts);
  const port = await server.listen();
  let tls: { server: CotServer; port: number } | null = null;
  if (tlsOpts) {
    const { port: tlsPort, key, cert, ca } = tlsOpts;
    const tlsServer = new CotServer(sink, { ...plainOpts, port: tlsPort, tls: { key, cert, ca }, identify: certificateIdentity(store) });
    try {
      tls = { server: tlsServer, port: await tlsServer.listen() };
    } catch (err) {
      await server.close();
      sink.close();
      throw err;
    }
  }
  return {
    server,
    sink,
    port,
    tls,
    recovered: recovered.processed,
    async close() {
      await Promise.all([server.close(), tls?.server.close()]);
      sink.close();
    },
  };
}

export { COT_CONTENT_TYPE };
