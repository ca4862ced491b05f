import type { Visibility } from '../domain/identity';
import type { ReportRepository } from './report-repository';
import type { Observation, ObservationKind } from '../domain/observation';
import type { Sector } from '../domain/sector';
import type { AuditRepository, IdentityRepository } from './identity-repository';
import type { IngestRepositories } from './ingest-repository';
import type { AgreementRepository, JudgementRepository } from './agreement-repository';
import type { TaskRepository } from './task-repository';
import type { AllegationRepository, IncidentRepository } from './incident-repository';
import type { LandOptionRepository } from './land-repository';
import type { AlertRepository } from './alert-repository';
import type { ForceRepository } from './force-repository';
import type { LogRepository } from './log-repository';
import type { EvidenceRepository } from './evidence-repository';

/**
 * The store's contract. Every implementation (SQLite embedded, PostgreSQL for the cell) passes
 * the same suite in test/contract. Nothing here may leak an engine's specifics.
 */

/** What happened to one observation offered to the store. */
export type InsertOutcome = 'created' | 'duplicate' | 'conflict';

export interface StoredObservation {
  observation: Observation;
  /** Canonical content hash: equal for a re-post of the same record, different for a reused id. */
  contentHash: string;
  /** The raw inbox entry it came from, if any. */
  rawId: string | null;
}

export interface ObservationQuery {
  /** Who reads: the query holds only records released to them (required, so no caller can forget). */
  visibility: Visibility;
  bbox?: [number, number, number, number];
  /** Inclusive lower bound on observedAt, epoch ms. */
  from?: number;
  /** Exclusive upper bound on observedAt, epoch ms. */
  to?: number;
  kinds?: ObservationKind[];
  /** Only these source kinds (e.g. the mechanism's own: monitor, camera, uav, sensor, tak). */
  sourceKinds?: readonly string[];
  sector?: string;
  /** true: the latest judgement finds a breach; false: it does not (or there is none). */
  breach?: boolean;
  /** The latest judgement finds this provision (id) breached. */
  provision?: string;
  /** The latest judgement puts the observation in this zone (provision id of a zone, site or area). */
  zone?: string;
  limit: number;
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  total: number;
  nextCursor: string | null;
}

export interface ObservationRepository {
  /** Inserts in one transaction; the outcome per item is in input order. */
  insertMany(items: StoredObservation[]): Promise<InsertOutcome[]>;
  /** undefined both for an unknown id and for a record not released to the reader. */
  get(id: string, visibility: Visibility): Promise<Observation | undefined>;
  /** Those of `ids` released to the reader, by id (followers of the change feed read a batch at once). */
  getMany(ids: readonly string[], visibility: Visibility): Promise<Map<string, Observation>>;
  /**
   * Changes who may see a record (the caller audits it). The label is an access decision about
   * the record, not its content: the content hash is unchanged. undefined: unknown or not visible.
   */
  relabel(id: string, releasability: string, visibility: Visibility): Promise<Observation | undefined>;
  /** Newest first (observedAt, then id), paged by an opaque cursor. */
  list(query: ObservationQuery): Promise<Page<Observation>>;
  /** Every observation matching the filters, newest first, in chunks: for exports. */
  iterate(query: Omit<ObservationQuery, 'limit' | 'cursor'>, chunk?: number): AsyncIterable<Observation[]>;
  count(): Promise<number>;
  /**
   * Sums of the `count` of matching observations per UTC day and sector (null: none), for the
   * daily report's trend: counted in the database, not by reading every document.
   */
  dailyTotals(q: Pick<ObservationQuery, 'visibility' | 'from' | 'to' | 'kinds'> & { sourceKinds: readonly string[] }): Promise<{ day: string; sector: string | null; total: number }[]>;
}

export type InboxChannel = 'http' | 'cot' | 'acled' | 'feed' | 'cli' | 'sync';

export interface RawInput {
  id: string;
  channel: InboxChannel;
  receivedAt: string;
  contentType: string | null;
  /** Size of the whole input in bytes, even when only its beginning is kept. */
  size: number;
  /** The bytes as received (for oversized input: the first kilobytes). */
  body: Buffer;
  truncated: boolean;
  /** Who sent it, as the audit log names actors (`user:NAME`, `token:NAME`, `feed:NAME`, `public`); null when unknown. */
  sender?: string | null;
}

export interface QuarantineRecord {
  id: string;
  rawId: string | null;
  channel: InboxChannel;
  receivedAt: string;
  reason: string;
  /** The offending field (JSON pointer-like path) when known. */
  field: string | null;
  size: number;
  /** The beginning of the raw input as text (first kilobytes). */
  excerpt: string;
}

export interface InboxRepository {
  storeRaw(raw: RawInput): Promise<void>;
  getRaw(id: string): Promise<RawInput | undefined>;
  quarantine(record: QuarantineRecord): Promise<void>;
  listQuarantine(query: { limit: number; cursor?: string; channel?: InboxChannel }): Promise<Page<QuarantineRecord>>;
}

export interface SectorRepository {
  list(): Promise<Sector[]>;
  upsertMany(sectors: Sector[]): Promise<void>;
}

export type ChangeEntity = 'observation' | 'task' | 'alert' | 'evidence' | 'incident' | 'allegation';
/** `relabelled`: the record's releasability changed (clients that may no longer see it drop it). */
export type ChangeOp = 'created' | 'updated' | 'relabelled';

/** A change committed to the store, as every process serving it learns of it. */
export interface ChangeEvent {
  /** Monotonic per store where the engine allows it; used as the SSE event id to resume. */
  seq: number;
  entity: ChangeEntity;
  op: ChangeOp;
  id: string;
  /** Commit time (ISO 8601). */
  at: string;
  /**
   * A created observation as stored, on events delivered in the process that stored it (SQLite):
   * followers of the feed use it instead of reading it back. Absent on events read from the store
   * or from another process; never serialised.
   */
  observation?: Observation;
}

/**
 * The change feed: a change written by one process is seen by every process on the same store
 * (PostgreSQL: LISTEN/NOTIFY plus a change table to resume from; SQLite: at once in the committing
 * process, within a poll interval in the others on the same file). Inserts publish their own
 * events; callers never publish by hand.
 */
export interface ChangeFeed {
  subscribe(listener: (e: ChangeEvent) => void): () => void;
  /** Events after `seq` (exclusive), oldest first, to resume a dropped stream without gaps. */
  since(seq: number, limit: number): Promise<ChangeEvent[]>;
  /** The newest seq so far (0 when none). */
  latest(): Promise<number>;
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  readonly changes: ChangeFeed;
  readonly observations: ObservationRepository;
  readonly inbox: InboxRepository;
  readonly sectors: SectorRepository;
  readonly identity: IdentityRepository;
  readonly audit: AuditRepository;
  /** TAK records, observation versions, partner feeds, the inbox ledger (issue 5). */
  readonly ingest: IngestRepositories;
  readonly agreements: AgreementRepository;
  readonly judgements: JudgementRepository;
  /** Patrols, UAV flights, investigations, requests for information (issue 6). */
  readonly tasks: TaskRepository;
  /** Reports as issued: frozen content, approval steps (issue 10). */
  readonly reports: ReportRepository;
  /** Land options: proposed demarcation lines, versioned (issue 9). */
  readonly landOptions: LandOptionRepository;
  /** Guarantee alerts and the trigger criteria in force (issue 6). */
  readonly alerts: AlertRepository;
  /** Incidents (fused observations under verification) and allegations (issue 7). */
  readonly incidents: IncidentRepository;
  readonly allegations: AllegationRepository;
  /** The transparency log: entries, Merkle nodes, signed checkpoints (issue 7). */
  readonly log: LogRepository;
  /** Photos, video, documents by SHA-256, their attachments to reports, the chain of custody (issue 7). */
  readonly evidence: EvidenceRepository;
  /** The multinational force and the commitments register (issue 8). */
  readonly force: ForceRepository;
  /** A short description for logs, without secrets. */
  readonly description: string;
  close(): Promise<void>;
}
