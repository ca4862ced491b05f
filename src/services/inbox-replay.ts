import { ObservationInput } from '../domain/observation';
import type { FramerRecord } from '../ingest/cot/framer';
import { COT_CONTENT_TYPE, senderOfContentType } from '../ingest/cot/server';
import { unreplayedItems, STATS_CHANNELS, type ReplayCandidate, type StatsChannel } from '../store/ingest-repository';
import type { RawInput, Store } from '../store/repository';
import { replayAcledRaw } from './acled-import';
import { CotIngest } from './cot-ingest';
import { takeFeed } from './feed-ingest';
import { OutcomeBatch } from './inbox-outcomes';
import type { ObservationIngest } from './observation-ingest';

/**
 * Replay: raw inputs are parsed again with today's parsers.
 *
 * - A quarantined item that now parses and is accepted gets a `replayed` outcome. Its
 *   `quarantined` outcome and its quarantine record stay (append-only), so the stats move it from
 *   quarantined to accepted while received stays the same (see InboxLedger).
 * - A quarantined item that still fails records nothing: it stays quarantined with its first
 *   reason; the replay reports the reason it fails with now.
 * - A raw input with no outcome at all (stored, then the process died before it was settled) is
 *   processed as on arrival: accepted or quarantined.
 */

export interface ReplayOptions {
  channels?: readonly StatsChannel[];
  /** Only raw inputs received at or after this instant. */
  since?: string;
  /** Only raw inputs that were never settled. */
  pendingOnly?: boolean;
  /** Raw inputs never settled count only when received before this instant (default: 60 s ago, to leave a running server's work alone). */
  pendingBefore?: string;
  /** The CoT sink to settle frames with (default: one on this store). */
  cot?: CotIngest;
  /** Raw inputs per page (default 500). */
  page?: number;
  onProgress?: (r: ReplayReport) => void;
}

export interface ReplayReport {
  /** Raw inputs looked at. */
  processed: number;
  /** Quarantined items a replay now accepted. */
  replayed: number;
  /** Quarantined items that still fail. */
  stillQuarantined: number;
  /** Items of raw inputs never settled before, now accepted / quarantined. */
  pendingAccepted: number;
  pendingQuarantined: number;
  byChannel: Partial<Record<StatsChannel, { replayed: number; stillQuarantined: number; pending: number }>>;
  /** Some of the reasons items still fail (at most 20). */
  failures: { rawId: string; item: number; reason: string }[];
}

const HTTP_BATCH_PREFIX = ['observations'];

export async function replayInbox(store: Store, ingest: ObservationIngest, opts: ReplayOptions = {}): Promise<ReplayReport> {
  const report: ReplayReport = { processed: 0, replayed: 0, stillQuarantined: 0, pendingAccepted: 0, pendingQuarantined: 0, byChannel: {}, failures: [] };
  const channels = opts.channels ?? STATS_CHANNELS;
  const cot = opts.cot ?? new CotIngest(store, ingest);
  const since = opts.since === undefined ? undefined : new Date(opts.since).toISOString();
  const pendingBefore = opts.pendingBefore ?? new Date(Date.now() - 60_000).toISOString();
  let known: Map<string, number> | undefined;
  let afterId: string | undefined;

  const tally = (channel: StatsChannel, pending: boolean, batch: OutcomeBatch, items: number) => {
    const c = (report.byChannel[channel] ??= { replayed: 0, stillQuarantined: 0, pending: 0 });
    const runs = batch.runs();
    const count = (o: string) => runs.filter((r) => r.outcome === o).reduce((n, r) => n + r.count, 0);
    if (pending) {
      report.pendingAccepted += count('accepted');
      report.pendingQuarantined += count('quarantined');
      c.pending += items;
    } else {
      const replayed = count('replayed');
      report.replayed += replayed;
      c.replayed += replayed;
      report.stillQuarantined += batch.stillRejected.length;
      c.stillQuarantined += batch.stillRejected.length;
      for (const f of batch.stillRejected) if (report.failures.length < 20) report.failures.push(f);
    }
  };

  for (;;) {
    const page = await store.ingest.ledger.replayCandidates({ channels, since, afterId, pendingOnly: opts.pendingOnly, pendingBefore, limit: opts.page ?? 500 });
    if (!page.length) break;
    afterId = page[page.length - 1]!.raw.id;
    // CoT frames of a page in two batches (never settled / replays): one transaction each.
    const frames = { first: [] as ReplayCandidate[], replay: [] as ReplayCandidate[] };
    for (const cand of page) {
      report.processed++;
      const pending = cand.outcomes.length === 0;
      const items = pending ? null : unreplayedItems(cand.outcomes);
      if (items && items.size === 0) continue;
      const channel = cand.raw.channel as StatsChannel;
      if (channel === 'cot') {
        (pending ? frames.first : frames.replay).push(cand);
      } else if (channel === 'acled') {
        known ??= await store.ingest.versions.acledLatest();
        const { batch } = await replayAcledRaw(store, ingest, cand.raw, items, !pending, known);
        tally('acled', pending, batch, 1);
      } else if (channel === 'feed') {
        tally('feed', pending, await replayFeed(store, ingest, cand.raw, items, !pending), 1);
      } else if (channel === 'http') {
        const batch = await replayHttp(store, ingest, cand.raw, items, !pending);
        if (batch) tally('http', pending, batch, 1);
      }
    }
    for (const [list, replay] of [
      [frames.first, false],
      [frames.replay, true],
    ] as const) {
      if (!list.length) continue;
      const batch = await cot.settle(
        list.map((c) => {
          const sender = senderOfContentType(c.raw.contentType);
          return { rawId: c.raw.id, receivedAt: c.raw.receivedAt, record: cotRecordOf(c.raw), ...(sender ? { sender } : {}) };
        }),
        { replay },
      );
      tally('cot', !replay, batch, list.length);
    }
    opts.onProgress?.(report);
  }
  return report;
}

/** A stored CoT raw input as the framer gave it: a frame, or a region it rejected (whose bytes may be cut). */
function cotRecordOf(raw: RawInput): FramerRecord {
  const rejected = /;\s*rejected=(\w+)/.exec(raw.contentType ?? '')?.[1];
  if (!rejected && !raw.truncated && (raw.contentType ?? COT_CONTENT_TYPE).startsWith(COT_CONTENT_TYPE)) return { kind: 'frame', frame: raw.body, offset: 0 };
  const kind = rejected === 'oversize' || rejected === 'incomplete' ? rejected : 'garbage';
  return { kind, head: raw.body, size: raw.size, offset: 0, reason: `rejected by the framer as ${rejected ?? 'not a whole frame'} (${raw.size} bytes)` };
}

/** The feed name a feed's raw input was posted to (kept in its content type, see ingest.routes.ts). */
export function feedOfRaw(raw: RawInput): string | undefined {
  return /;\s*feed=([^;\s]+)/.exec(raw.contentType ?? '')?.[1];
}

async function replayFeed(store: Store, ingest: ObservationIngest, raw: RawInput, items: ReadonlySet<number> | null, replay: boolean): Promise<OutcomeBatch> {
  const feed = feedOfRaw(raw);
  let body: unknown;
  try {
    if (!feed) throw new Error('the raw input does not name its feed');
    body = JSON.parse(raw.body.toString('utf8'));
  } catch (err) {
    return rejectWhole(store, 'feed', raw, items, replay, (err as Error).message);
  }
  try {
    return (await takeFeed(store, ingest, feed, body, { id: raw.id, receivedAt: raw.receivedAt, size: raw.size }, { items, replay })).batch;
  } catch (err) {
    // A body that is not a FeatureCollection at all: takeFeed recorded it (or, replaying, it still fails).
    const batch = new OutcomeBatch('feed');
    if (replay) batch.reject(raw.id, 0, null, true, (err as Error).message);
    return batch;
  }
}

function looksLikeObservations(body: unknown): 'batch' | 'one' | null {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return null;
  if (Array.isArray((body as { observations?: unknown }).observations)) return 'batch';
  return 'kind' in body && 'observedAt' in body ? 'one' : null;
}

/** An HTTP body: a single observation (item 0) or a batch `{"observations": [...]}` (items = its entries). */
async function replayHttp(store: Store, ingest: ObservationIngest, raw: RawInput, items: ReadonlySet<number> | null, replay: boolean): Promise<OutcomeBatch | null> {
  let body: unknown;
  try {
    body = JSON.parse(raw.body.toString('utf8'));
  } catch (err) {
    return rejectWhole(store, 'http', raw, items, replay, `malformed JSON: ${(err as Error).message}`);
  }
  const shape = raw.truncated ? null : looksLikeObservations(body);
  if (!shape) {
    // Another route's body (never settled: that route's process died mid-request), or one that is not observations at all.
    if (!replay) return null;
    return rejectWhole(store, 'http', raw, items, replay, 'not an observation or a batch of observations');
  }
  const list = shape === 'batch' ? (body as { observations: unknown[] }).observations : [body];
  const chosen = list.map((item, index) => ({ item, index })).filter((x) => items === null || items.has(x.index));
  const batch = new OutcomeBatch('http');
  const valid = replay ? chosen.filter((c) => isObservationInput(c.item)) : chosen;
  for (const c of chosen) if (!valid.includes(c)) batch.reject(raw.id, c.index, null, true, 'still invalid');
  if (valid.length) {
    const results = await ingest.submit(
      valid.map((v) => v.item),
      { channel: 'http', rawId: raw.id, pathPrefix: shape === 'batch' ? HTTP_BATCH_PREFIX : undefined },
    );
    batch.results(
      valid.map(() => raw.id),
      valid.map((v) => v.index),
      results,
      replay,
    );
  }
  await batch.commit(store);
  return batch;
}

function isObservationInput(item: unknown): boolean {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return false;
  const { sector: _s, receivedAt: _r, ...rest } = item as Record<string, unknown>;
  return ObservationInput.safeParse(rest).success;
}

async function rejectWhole(store: Store, channel: 'feed' | 'http', raw: RawInput, items: ReadonlySet<number> | null, replay: boolean, reason: string): Promise<OutcomeBatch> {
  const batch = new OutcomeBatch(channel);
  for (const item of items ?? [0]) batch.reject(raw.id, item, { reason, size: raw.size, excerpt: raw.body.subarray(0, 4096).toString('utf8'), receivedAt: raw.receivedAt }, replay);
  await batch.commit(store);
  return batch;
}

export { COT_CONTENT_TYPE };
