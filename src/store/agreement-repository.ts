import type { Agreement } from '../domain/agreement';
import type { Judgement } from '../domain/rules';

/*
 * Agreements and judgements, both append-only.
 *
 * An agreement is stored whole, as a numbered revision: an import or an amendment adds a revision
 * and the latest revision is the agreement in force. Revisions are numbered 1, 2, … per store
 * (whatever the agreement id), so "the latest" is one number every process agrees on.
 *
 * A judgement is what the rules engine said of one observation under one revision. Judging again
 * (re-evaluation after an amendment) adds a judgement; the latest one per observation (by
 * judgedAt, then id) is the one that counts. Each store keeps a projection of the latest
 * judgement per observation (whether it breaches, which provisions, which zones) for the
 * observation filters; the append-only table stays the truth.
 */

export interface AgreementRevision {
  /** 1, 2, …: increasing per store; the highest is in force. */
  revision: number;
  agreementId: string;
  /** When it was stored (ISO 8601, UTC). */
  storedAt: string;
  /** Who stored it: `user:<name>`, `token:<id>`, `cli`, `system`. */
  by: string;
  /** Why: `import`, `amendment`, `default` (the shipped agreement seeded on first start). */
  reason: string;
  /** The whole agreement document (every version), as validated. */
  doc: Agreement;
}

export type AgreementRevisionInfo = Omit<AgreementRevision, 'doc'>;

export type NewAgreementRevision = Omit<AgreementRevision, 'revision' | 'storedAt'> & { storedAt?: string };

export interface AgreementRepository {
  /**
   * Appends a revision and answers it with its number. With `ifLatest`, stores nothing and throws
   * a ConflictError unless the latest revision is still that one (0: none yet), so that an
   * amendment made on a stale copy never silently drops a concurrent one.
   */
  save(revision: NewAgreementRevision, opts?: { ifLatest?: number }): Promise<AgreementRevision>;
  /** The revision in force (the latest), if any. */
  latest(): Promise<AgreementRevision | undefined>;
  /** The number of the latest revision, 0 when there is none: a cheap check for a newer one. */
  latestRevision(): Promise<number>;
  get(revision: number): Promise<AgreementRevision | undefined>;
  /** Every revision, newest first, without the documents. */
  list(): Promise<AgreementRevisionInfo[]>;
}

export interface StoredJudgement {
  /** UUIDv7. */
  id: string;
  observationId: string;
  agreementId: string;
  agreementRevision: number;
  /** ISO 8601 UTC (`toISOString()`); the latest per observation counts. */
  judgedAt: string;
  /** What the rules engine said; null when no version of the agreement was in force at observedAt. */
  judgement: Judgement | null;
}

export interface JudgementRepository {
  /** Appends judgements (in one transaction) and moves the latest-judgement projection forward. */
  addMany(items: readonly StoredJudgement[]): Promise<void>;
  /** The latest judgement of each id that has one. */
  latestFor(observationIds: readonly string[]): Promise<Map<string, StoredJudgement>>;
  /** Every judgement of an observation, oldest first. */
  history(observationId: string): Promise<StoredJudgement[]>;
}

/** Whether a judgement finds a breach. */
export const isBreach = (j: Judgement | null): boolean => !!j && j.breaches.length > 0;

/** Distinct ids of the provisions a judgement finds breached, in order. */
export const breachedProvisions = (j: Judgement | null): string[] => (j ? [...new Set(j.breaches.map((b) => b.provision))] : []);

/** Distinct zone ids of a judgement. */
export const zonesOf = (j: Judgement | null): string[] => (j ? [...new Set(j.zones)] : []);

/** True when `a` is later than `b`: judgedAt, then id. Both stores order judgements this way. */
export const isLater = (a: Pick<StoredJudgement, 'judgedAt' | 'id'>, b: Pick<StoredJudgement, 'judgedAt' | 'id'>): boolean =>
  a.judgedAt > b.judgedAt || (a.judgedAt === b.judgedAt && a.id > b.id);

/** Per observation, the latest of the given judgements (a batch may judge one twice). */
export function latestPerObservation(items: readonly StoredJudgement[]): StoredJudgement[] {
  const best = new Map<string, StoredJudgement>();
  for (const j of items) {
    const b = best.get(j.observationId);
    if (!b || isLater(j, b)) best.set(j.observationId, j);
  }
  return [...best.values()].sort((x, y) => (x.observationId < y.observationId ? -1 : x.observationId > y.observationId ? 1 : 0));
}
