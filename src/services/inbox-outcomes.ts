import { v7 as uuidv7 } from 'uuid';
import type { InboxOutcome, OutcomeRun } from '../store/ingest-repository';
import type { InboxChannel, QuarantineRecord, Store } from '../store/repository';
import type { ItemResult } from './observation-ingest';

const EXCERPT_CHARS = 1024;

export interface Rejection {
  reason: string;
  field?: string | null;
  /** Size of the item's input in bytes. */
  size: number;
  /** Its beginning as text. */
  excerpt: string;
  receivedAt: string;
}

/**
 * Collects what became of the items of raw inputs and writes it to the inbox ledger in one go
 * (outcome runs and the quarantine records that go with them, one transaction).
 *
 * In a replay (`replay: true` per call) an accepted item is recorded as `replayed` and a still
 * rejected one records nothing: it stays quarantined with its first reason.
 */
export class OutcomeBatch {
  private readonly entries: { rawId: string; item: number; outcome: InboxOutcome }[] = [];
  private readonly quarantine: QuarantineRecord[] = [];
  /** Reasons of items a replay still rejects (not stored: reported to the caller). */
  readonly stillRejected: { rawId: string; item: number; reason: string }[] = [];

  constructor(readonly channel: InboxChannel) {}

  get size(): number {
    return this.entries.length;
  }

  accept(rawId: string, item: number, replay = false): void {
    this.entries.push({ rawId, item, outcome: replay ? 'replayed' : 'accepted' });
  }

  /** `rejection` null: the quarantine record is written already (ObservationIngest writes its own). */
  reject(rawId: string, item: number, rejection: Rejection | null, replay = false, reason?: string): void {
    if (replay) {
      this.stillRejected.push({ rawId, item, reason: rejection?.reason ?? reason ?? 'rejected' });
      return;
    }
    this.entries.push({ rawId, item, outcome: 'quarantined' });
    if (rejection)
      this.quarantine.push({
        id: uuidv7(),
        rawId,
        channel: this.channel,
        receivedAt: rejection.receivedAt,
        reason: rejection.reason,
        field: rejection.field ?? null,
        size: rejection.size,
        excerpt: rejection.excerpt.slice(0, EXCERPT_CHARS),
      });
  }

  /** Accepts created and duplicate items; the others were quarantined by ObservationIngest itself. */
  results(rawIds: readonly string[], items: readonly number[], results: readonly ItemResult[], replay = false): void {
    results.forEach((r, i) => {
      if (r.status === 'created' || r.status === 'duplicate') this.accept(rawIds[i]!, items[i]!, replay);
      else this.reject(rawIds[i]!, items[i]!, null, replay, r.errors?.map((e) => `${e.field}: ${e.message}`).join('; '));
    });
  }

  runs(at = new Date().toISOString()): OutcomeRun[] {
    const sorted = [...this.entries].sort((a, b) => (a.rawId < b.rawId ? -1 : a.rawId > b.rawId ? 1 : a.outcome < b.outcome ? -1 : a.outcome > b.outcome ? 1 : a.item - b.item));
    const runs: OutcomeRun[] = [];
    let cur: OutcomeRun | undefined;
    for (const e of sorted) {
      if (cur && cur.rawId === e.rawId && cur.outcome === e.outcome && cur.item + cur.count === e.item) cur.count++;
      else if (cur && cur.rawId === e.rawId && cur.outcome === e.outcome && e.item < cur.item + cur.count) continue; // the same item twice
      else {
        cur = { rawId: e.rawId, channel: this.channel, item: e.item, count: 1, outcome: e.outcome, at };
        runs.push(cur);
      }
    }
    return runs;
  }

  /** Writes the batch (once; it stays readable for reports). */
  async commit(store: Store): Promise<void> {
    await store.ingest.ledger.settle(this.runs(), this.quarantine);
  }
}

/** The text of an input for a quarantine excerpt. */
export function excerptOf(body: Buffer | string): string {
  return (typeof body === 'string' ? body.slice(0, EXCERPT_CHARS * 4) : body.subarray(0, EXCERPT_CHARS * 4).toString('utf8')).slice(0, EXCERPT_CHARS);
}

/**
 * Records the per-item outcomes of a request body (an observation or a batch) and marks the
 * request settled, so the outcome hook does not count the body again as one item.
 */
export async function settleRequestItems(store: Store, req: { rawId?: string; inboxSettled?: boolean }, channel: InboxChannel, results: readonly ItemResult[]): Promise<void> {
  if (!req.rawId || req.inboxSettled) return;
  const batch = new OutcomeBatch(channel);
  batch.results(
    results.map(() => req.rawId!),
    results.map((r) => r.index),
    results,
  );
  await batch.commit(store);
  req.inboxSettled = true;
}
