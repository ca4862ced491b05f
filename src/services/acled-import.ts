import { v7 as uuidv7 } from 'uuid';
import { ObservationInput } from '../domain/observation';
import { AcledImporter, acledObservationId, type AcledItem, type AcledObservationItem } from '../ingest/acled/import';
import type { SupersedesLink } from '../store/ingest-repository';
import type { RawInput, Store } from '../store/repository';
import { OutcomeBatch } from './inbox-outcomes';
import type { ObservationIngest } from './observation-ingest';

/** Content type of one ACLED row stored on its own: the header line, a line break, the row. */
export const ACLED_ROW_CONTENT_TYPE = 'text/csv; acled=row';

export interface AcledImportSummary {
  /** Data rows received (header and blank lines excluded). */
  rows: number;
  /** Rows taken in: inserted + superseded + older + unchanged + alreadyStored. */
  accepted: number;
  /** Rows quarantined (malformed, invalid, or an id reused with other content). */
  quarantined: number;
  /** First version of an event: a new observation. */
  inserted: number;
  /** A newer version of a stored event: a new observation that supersedes the last. */
  superseded: number;
  /** Same `timestamp` as a version already known: nothing stored. */
  unchanged: number;
  /** Older than a version already known: stored as history, superseded by the newest version known. */
  older: number;
  /** Already stored under the same id (e.g. an import interrupted and run again). */
  alreadyStored: number;
  /** Bytes read so far. */
  bytes: number;
}

export interface AcledIntoOptions {
  /**
   * `rows` (CLI): each row is stored raw on its own (the header line + the row: a CSV that
   * parses again) before it is taken in, one transaction per batch of rows; one item per raw input.
   * `body` (API upload): the whole CSV is one raw input, stored already; its rows are its items,
   * numbered from 0.
   */
  raw: { kind: 'rows'; contentType?: string } | { kind: 'body'; rawId: string };
  /** Label of the observations (default COALITION: imported third-party data). */
  releasability?: string;
  /** Rows per transaction (default 500). */
  batch?: number;
  onProgress?: (s: AcledImportSummary) => void;
}

const emptySummary = (): AcledImportSummary => ({ rows: 0, accepted: 0, quarantined: 0, inserted: 0, superseded: 0, unchanged: 0, older: 0, alreadyStored: 0, bytes: 0 });

interface Placed {
  item: AcledItem;
  rawId: string;
  index: number;
  receivedAt: string;
}

/**
 * Imports an ACLED CSV (observations of source kind `osint`): raw first, then every data row
 * gets exactly one outcome (accepted or quarantined) in the inbox ledger, so received = accepted +
 * quarantined for the `acled` channel. Versions: see AcledImporter (`acled:<event>:<timestamp>`).
 */
export async function importAcledInto(
  store: Store,
  ingest: ObservationIngest,
  source: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
  opts: AcledIntoOptions,
): Promise<AcledImportSummary> {
  const known = await store.ingest.versions.acledLatest();
  const importer = new AcledImporter({ releasability: opts.releasability, knownTimestamp: (id) => known.get(id) });
  const summary = emptySummary();
  const size = opts.batch ?? 500;
  let pending: AcledItem[] = [];
  const flush = async () => {
    if (!pending.length) return;
    const items = pending;
    pending = [];
    const receivedAt = new Date().toISOString();
    let placed: Placed[];
    if (opts.raw.kind === 'rows') {
      const header = importer.headerRaw ?? '';
      const contentType = opts.raw.contentType ?? ACLED_ROW_CONTENT_TYPE;
      const raws = items.map((item): RawInput => {
        const body = Buffer.from(`${header}\n${item.raw}`, 'utf8');
        return { id: uuidv7(), channel: 'acled', receivedAt, contentType, size: body.length, body, truncated: false };
      });
      await store.ingest.ledger.storeRawMany(raws);
      placed = items.map((item, i) => ({ item, rawId: raws[i]!.id, index: 0, receivedAt }));
    } else {
      const rawId = opts.raw.rawId;
      placed = items.map((item) => ({ item, rawId, index: item.row - 1, receivedAt }));
    }
    await takeAcledItems(store, ingest, placed, summary, false, known);
    opts.onProgress?.(summary);
  };
  for await (const chunk of source) {
    summary.bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    pending.push(...importer.push(chunk));
    if (pending.length >= size) await flush();
  }
  pending.push(...importer.end());
  await flush();
  return summary;
}

/**
 * Takes in ACLED items whose raw inputs are stored: quarantines what did not map, stores new
 * versions (linking what they supersede), counts unchanged ones as accepted, and records every
 * outcome. `replay`: see OutcomeBatch.
 */
export async function takeAcledItems(
  store: Store,
  ingest: ObservationIngest,
  placed: Placed[],
  summary: AcledImportSummary,
  replay: boolean,
  /** Newest timestamp per event known so far (the store's, then this input's); kept up to date here. */
  latest: Map<string, number>,
): Promise<OutcomeBatch> {
  const batch = new OutcomeBatch('acled');
  const submit: (Placed & { item: AcledObservationItem })[] = [];
  for (const p of placed) {
    summary.rows++;
    const it = p.item;
    if (it.type === 'quarantine') {
      summary.quarantined++;
      batch.reject(p.rawId, p.index, { reason: `row ${it.row} (line ${it.line}): ${it.reason}`, size: Buffer.byteLength(it.raw), excerpt: it.raw, receivedAt: p.receivedAt }, replay);
      continue;
    }
    if (it.action === 'unchanged') {
      summary.accepted++;
      summary.unchanged++;
      batch.accept(p.rawId, p.index, replay);
      continue;
    }
    if (replay && !ObservationInput.safeParse(it.observation).success) {
      summary.quarantined++;
      batch.reject(p.rawId, p.index, null, true, 'still invalid');
      continue;
    }
    submit.push(p as Placed & { item: AcledObservationItem });
  }
  for (const p of placed) if (p.item.type === 'observation') latest.set(p.item.acledEventId, Math.max(latest.get(p.item.acledEventId) ?? 0, p.item.acledTimestamp));
  if (submit.length) {
    const results = await ingest.submit(
      submit.map((s) => s.item.observation),
      { channel: 'acled', rawId: null, rawIds: submit.map((s) => s.rawId) },
    );
    const at = new Date().toISOString();
    const links: SupersedesLink[] = [];
    results.forEach((r, i) => {
      const { item } = submit[i]!;
      if (r.status === 'created' || r.status === 'duplicate') {
        summary.accepted++;
        if (r.status === 'duplicate') summary.alreadyStored++;
        else if (item.action === 'insert') summary.inserted++;
        else if (item.action === 'supersede') summary.superseded++;
        else summary.older++;
        if (item.supersedes) links.push({ newId: item.observation.id, oldId: item.supersedes, at });
        // An older version arriving after a newer one (an export lists the newest first): the newest supersedes it.
        const newest = latest.get(item.acledEventId);
        if (item.action === 'older' && newest !== undefined && newest > item.acledTimestamp) links.push({ newId: acledObservationId(item.acledEventId, newest), oldId: item.observation.id, at });
      } else summary.quarantined++;
    });
    batch.results(
      submit.map((s) => s.rawId),
      submit.map((s) => s.index),
      results,
      replay,
    );
    await store.ingest.versions.link(links);
  }
  await batch.commit(store);
  return batch;
}

/** Re-imports one stored raw input (a row stored on its own, or an uploaded CSV) for a replay: only `items` (all when null). */
export async function replayAcledRaw(
  store: Store,
  ingest: ObservationIngest,
  raw: RawInput,
  items: ReadonlySet<number> | null,
  replay: boolean,
  known: Map<string, number>,
): Promise<{ summary: AcledImportSummary; batch: OutcomeBatch }> {
  const importer = new AcledImporter({ knownTimestamp: (id) => known.get(id) });
  const all = [...importer.push(raw.body), ...importer.end()];
  const placed = all.map((item) => ({ item, rawId: raw.id, index: item.row - 1, receivedAt: raw.receivedAt })).filter((p) => items === null || items.has(p.index));
  const summary = emptySummary();
  const batch = await takeAcledItems(store, ingest, placed, summary, replay, known);
  return { summary, batch };
}
