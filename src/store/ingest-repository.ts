import type { Visibility } from '../domain/identity';
import type { InboxChannel, Page, QuarantineRecord, RawInput } from './repository';

/**
 * Repositories of the ingest from the field (issue 5): TAK records, observation versions, partner
 * feeds and the inbox ledger. Both stores implement them (`Store.ingest`); the contract suite in
 * test/contract/ingest-contract.ts runs against each.
 */

// ---------------------------------------------------------------------------------------------
// TAK records

/**
 * - `position`: a TAK client's position report (PLI), with the sender's `stale` expiry;
 * - `area`: a drawn shape (GeoJSON Feature);
 * - `marker`: the latest version of a CoT marker or other event stored as an observation
 *   (`{observationId, contentHash}`), so a re-send that only bumped `time` stores nothing new;
 * - `chat`: one GeoChat message or receipt (a log);
 * - `delete`: a `t-x-d-d` deletion, a tombstone for its subject.
 */
export type TakRecordKind = 'position' | 'area' | 'marker' | 'chat' | 'delete';

/**
 * The label of TAK records (positions, drawn areas, chat, markers): the mechanism's own field
 * picture. Observations made from TAK markers carry their own label like any observation.
 */
export const TAK_LABEL = 'MECHANISM';

export interface TakRecord {
  kind: TakRecordKind;
  /** The uid the record is about: the position's, area's or marker's uid; a deletion's target; a chat message's uid. */
  subject: string;
  /** Event time (ISO 8601 UTC). The current state of a subject is its latest record by this time, then by arrival. */
  time: string;
  /** When the sender says the record expires (positions, areas); null when it does not. */
  stale: string | null;
  rawId: string | null;
  receivedAt: string;
  /** The mapped value (CotPosition, CotArea, CotChatEntry, CotDeletion or `{observationId, contentHash}`), JSON. */
  doc: unknown;
}

export interface StoredTakRecord extends TakRecord {
  /** Arrival order, per store. */
  seq: number;
}

export interface TakRepository {
  /** Appends, in order, in one transaction. Nothing is ever updated or deleted. */
  append(records: TakRecord[]): Promise<void>;
  /**
   * The current records of one kind: per subject the latest record among positions, areas,
   * markers and deletions (event time, then arrival), if it is of `kind` (so a later deletion
   * hides it), and, with `now`, only if its stale time is after `now`. With `subjects`, only
   * those subjects.
   */
  current(kind: 'position' | 'area' | 'marker', opts: { visibility: Visibility; now?: string; subjects?: readonly string[]; limit?: number }): Promise<StoredTakRecord[]>;
  /** The chat log (messages and receipts), newest first; `cursor` is the `seq` of the last item of the previous page. */
  chat(q: { visibility: Visibility; limit: number; cursor?: number }): Promise<Page<StoredTakRecord>>;
}

// ---------------------------------------------------------------------------------------------
// Versions

export interface SupersedesLink {
  /** The new version. */
  newId: string;
  /** The version it replaces, which stays stored and readable. */
  oldId: string;
  at: string;
}

export interface VersionRepository {
  /** Records that `newId` supersedes `oldId`; a link already recorded is ignored. */
  link(links: SupersedesLink[]): Promise<void>;
  /** Ids `id` supersedes (older versions). */
  supersedes(id: string): Promise<string[]>;
  /** Ids that supersede `id` (newer versions). */
  supersededBy(id: string): Promise<string[]>;
  /** Per ACLED `event_id_cnty`, the newest `timestamp` stored (from the ids `acled:<event>:<timestamp>`). */
  acledLatest(): Promise<Map<string, number>>;
}

// ---------------------------------------------------------------------------------------------
// Partner feeds

export interface Feed {
  name: string;
  /** SHA-256 of the token, hex. The token itself is shown once, when the feed is added. */
  tokenHash: string;
  createdAt: string;
  revokedAt: string | null;
}

export interface FeedRepository {
  /** Adds a feed; false when the name is taken by an active feed. A revoked feed's name is re-used: its row gets the new token. */
  add(feed: Omit<Feed, 'revokedAt'>): Promise<boolean>;
  get(name: string): Promise<Feed | undefined>;
  /** Revokes an active feed; false when there is none of that name. */
  revoke(name: string, at: string): Promise<boolean>;
  list(): Promise<Feed[]>;
}

// ---------------------------------------------------------------------------------------------
// Inbox ledger

/**
 * What became of the items of a raw input. One raw input holds one item (a CoT frame, a CSV row
 * stored on its own) or several (an HTTP batch, an uploaded CSV, a feed's FeatureCollection),
 * numbered from 0. A run of consecutive items with the same outcome is one row.
 *
 * Append-only: an item is `accepted` or `quarantined` once; a quarantined item that a replay
 * (after a parser fix) now accepts gets a `replayed` row, and its `quarantined` row and its
 * quarantine record stay. So: accepted = accepted + replayed, quarantined = quarantined −
 * replayed, and an item has at most one row of each outcome (repeats are ignored).
 */
export type InboxOutcome = 'accepted' | 'quarantined' | 'replayed';

export interface OutcomeRun {
  rawId: string;
  channel: InboxChannel;
  /** First item of the run. */
  item: number;
  /** Items in the run (>= 1). */
  count: number;
  outcome: InboxOutcome;
  at: string;
}

export interface ChannelStats {
  /** Items received: accepted + quarantined + pending. */
  received: number;
  /** Items taken in (stored, or known already), including `replayed`. */
  accepted: number;
  /** Items in the quarantine that no replay has accepted. */
  quarantined: number;
  /** Quarantined items a replay accepted later (already counted in `accepted`). */
  replayed: number;
  /** Raw inputs stored but not yet processed (0 in steady state; one per raw input, whatever it holds). */
  pending: number;
}

export const STATS_CHANNELS = ['cot', 'acled', 'feed', 'http'] as const satisfies readonly InboxChannel[];
export type StatsChannel = (typeof STATS_CHANNELS)[number];

export interface ReplayCandidate {
  raw: RawInput;
  /** Every outcome row of this raw input (none: it was stored but never processed). */
  outcomes: OutcomeRun[];
}

export interface InboxLedger {
  /** Stores raw inputs in one transaction (a chunk of CoT frames, a batch of CSV rows). */
  storeRawMany(raws: RawInput[]): Promise<void>;
  /** Appends outcome runs, and the quarantine records that go with them, in one transaction. */
  settle(runs: OutcomeRun[], quarantine?: QuarantineRecord[]): Promise<void>;
  /** Counts per channel, from the store. */
  stats(): Promise<Record<StatsChannel, ChannelStats>>;
  outcomes(rawId: string): Promise<OutcomeRun[]>;
  /**
   * Raw inputs with quarantined items, or with no outcome at all (`pendingOnly`: only those), in
   * id order (UUIDv7: arrival order) after `afterId`, received at or after `since`.
   * `pendingBefore`: raw inputs without outcomes count only when received before this instant
   * (so a replay leaves alone what a running server is processing right now).
   */
  replayCandidates(q: { channels: readonly InboxChannel[]; since?: string; afterId?: string; pendingOnly?: boolean; pendingBefore?: string; limit: number }): Promise<ReplayCandidate[]>;
}

export interface IngestRepositories {
  tak: TakRepository;
  versions: VersionRepository;
  feeds: FeedRepository;
  ledger: InboxLedger;
}

/** Consecutive items with the same outcome as runs (input order). */
export function outcomeRuns(rawId: string, channel: InboxChannel, outcomes: readonly (InboxOutcome | null)[], at: string, first = 0): OutcomeRun[] {
  const runs: OutcomeRun[] = [];
  let cur: OutcomeRun | undefined;
  outcomes.forEach((o, i) => {
    if (o === null) {
      cur = undefined;
      return;
    }
    if (cur && cur.outcome === o && cur.item + cur.count === first + i) cur.count++;
    else {
      cur = { rawId, channel, item: first + i, count: 1, outcome: o, at };
      runs.push(cur);
    }
  });
  return runs;
}

/** Items of a raw input that are quarantined and not replayed yet. */
export function unreplayedItems(outcomes: readonly OutcomeRun[]): Set<number> {
  const items = new Set<number>();
  for (const r of outcomes) if (r.outcome === 'quarantined') for (let i = r.item; i < r.item + r.count; i++) items.add(i);
  for (const r of outcomes) if (r.outcome === 'replayed') for (let i = r.item; i < r.item + r.count; i++) items.delete(i);
  return items;
}

/** `acled:<event_id_cnty>:<timestamp>` ids → newest timestamp per event (event ids may hold ':'). */
export function latestAcled(ids: Iterable<string>): Map<string, number> {
  const out = new Map<string, number>();
  for (const id of ids) {
    const at = id.lastIndexOf(':');
    if (at <= 6) continue;
    const ts = Number(id.slice(at + 1));
    if (!Number.isFinite(ts)) continue;
    const event = id.slice(6, at);
    const prev = out.get(event);
    if (prev === undefined || ts > prev) out.set(event, ts);
  }
  return out;
}

/** Raw inputs without any outcome, per channel: raw inputs received − raw inputs with an outcome. */
export function pendingFrom(raws: { channel: string; n: number }[], settled: { channel: string; n: number }[]): { channel: string; n: number }[] {
  const done = new Map(settled.map((s) => [s.channel, Number(s.n)]));
  return raws.map((r) => ({ channel: r.channel, n: Math.max(0, Number(r.n) - (done.get(r.channel) ?? 0)) }));
}

export function emptyStats(): Record<StatsChannel, ChannelStats> {
  return Object.fromEntries(STATS_CHANNELS.map((c) => [c, { received: 0, accepted: 0, quarantined: 0, replayed: 0, pending: 0 }])) as Record<StatsChannel, ChannelStats>;
}

/** Stats from outcome sums (per channel and outcome) and pending raw inputs (per channel). */
export function statsFrom(sums: { channel: string; outcome: string; n: number }[], pending: { channel: string; n: number }[]): Record<StatsChannel, ChannelStats> {
  const out = emptyStats();
  const get = (c: string) => (Object.hasOwn(out, c) ? out[c as StatsChannel] : undefined);
  const raw = new Map<string, { accepted: number; quarantined: number; replayed: number }>();
  for (const s of sums) {
    const r = raw.get(s.channel) ?? { accepted: 0, quarantined: 0, replayed: 0 };
    if (s.outcome === 'accepted' || s.outcome === 'quarantined' || s.outcome === 'replayed') r[s.outcome] += Number(s.n);
    raw.set(s.channel, r);
  }
  for (const [channel, r] of raw) {
    const st = get(channel);
    if (!st) continue;
    st.accepted = r.accepted + r.replayed;
    st.quarantined = r.quarantined - r.replayed;
    st.replayed = r.replayed;
  }
  for (const p of pending) {
    const st = get(p.channel);
    if (st) st.pending = Number(p.n);
  }
  for (const st of Object.values(out)) st.received = st.accepted + st.quarantined + st.pending;
  return out;
}
