import type Database from 'better-sqlite3';
import type { Agreement } from '../../domain/agreement';
import { ConflictError } from '../../domain/errors';
import type { Judgement } from '../../domain/rules';
import {
  breachedProvisions,
  isBreach,
  latestPerObservation,
  zonesOf,
  type AgreementRepository,
  type AgreementRevision,
  type AgreementRevisionInfo,
  type JudgementRepository,
  type NewAgreementRevision,
  type StoredJudgement,
} from '../agreement-repository';
import { infoFromRow, revisionFromRow, type RevisionRow } from '../agreement-rows';


export class SqliteAgreements implements AgreementRepository {
  constructor(private readonly db: Database.Database) {}

  async save(rev: NewAgreementRevision, opts: { ifLatest?: number } = {}): Promise<AgreementRevision> {
    const storedAt = rev.storedAt ?? new Date().toISOString();
    const doc = JSON.stringify(rev.doc);
    // IMMEDIATE: the number is read and used under the write lock, also against other processes.
    const revision = this.db
      .transaction(() => {
        const latest = this.db.prepare('SELECT COALESCE(MAX(revision), 0) FROM agreements').pluck().get() as number;
        if (opts.ifLatest !== undefined && latest !== opts.ifLatest) {
          throw new ConflictError(`the agreement changed meanwhile: revision ${latest} is in force, not ${opts.ifLatest}; reload and try again`, 'revision');
        }
        this.db
          .prepare('INSERT INTO agreements (revision, agreement_id, stored_at, stored_by, reason, doc) VALUES (?, ?, ?, ?, ?, ?)')
          .run(latest + 1, rev.agreementId, storedAt, rev.by, rev.reason, doc);
        return latest + 1;
      })
      .immediate();
    return { revision, agreementId: rev.agreementId, storedAt, by: rev.by, reason: rev.reason, doc: JSON.parse(doc) as Agreement };
  }

  async latest(): Promise<AgreementRevision | undefined> {
    const r = this.db.prepare('SELECT * FROM agreements ORDER BY revision DESC LIMIT 1').get() as RevisionRow | undefined;
    return r && revisionFromRow(r);
  }

  async latestRevision(): Promise<number> {
    return this.db.prepare('SELECT COALESCE(MAX(revision), 0) FROM agreements').pluck().get() as number;
  }

  async get(revision: number): Promise<AgreementRevision | undefined> {
    const r = this.db.prepare('SELECT * FROM agreements WHERE revision = ?').get(revision) as RevisionRow | undefined;
    return r && revisionFromRow(r);
  }

  async list(): Promise<AgreementRevisionInfo[]> {
    const rows = this.db.prepare('SELECT revision, agreement_id, stored_at, stored_by, reason FROM agreements ORDER BY revision DESC').all() as RevisionRow[];
    return rows.map(infoFromRow);
  }
}

type JudgementRow = {
  id: string;
  observation_id: string;
  agreement_id: string;
  agreement_revision: number;
  judged_at: string;
  doc: string | null;
};

export const judgementFromRow = (r: JudgementRow): StoredJudgement => ({
  id: r.id,
  observationId: r.observation_id,
  agreementId: r.agreement_id,
  agreementRevision: Number(r.agreement_revision),
  judgedAt: r.judged_at,
  judgement: r.doc === null ? null : (JSON.parse(r.doc) as Judgement),
});

/** SQLite's default limit on host parameters is 32,766; stay well below it. */
const ID_CHUNK = 900;

export class SqliteJudgements implements JudgementRepository {
  private readonly insert: Database.Statement;
  private readonly upsertLatest: Database.Statement;
  private readonly clearMarks: Database.Statement;
  private readonly insertMark: Database.Statement;

  constructor(private readonly db: Database.Database) {
    this.insert = db.prepare(
      `INSERT INTO judgements (id, observation_id, agreement_id, agreement_revision, judged_at, breach, provisions, zones, doc)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.upsertLatest = db.prepare(
      `INSERT INTO judgement_latest (observation_id, judgement_id, judged_at, breach) VALUES (?, ?, ?, ?)
       ON CONFLICT(observation_id) DO UPDATE SET judgement_id = excluded.judgement_id, judged_at = excluded.judged_at, breach = excluded.breach
       WHERE excluded.judged_at > judgement_latest.judged_at
          OR (excluded.judged_at = judgement_latest.judged_at AND excluded.judgement_id > judgement_latest.judgement_id)`,
    );
    this.clearMarks = db.prepare('DELETE FROM judgement_marks WHERE observation_id = ?');
    this.insertMark = db.prepare('INSERT OR IGNORE INTO judgement_marks (observation_id, role, provision) VALUES (?, ?, ?)');
  }

  /** One transaction per batch; each judgement's provisions, zones and document are derived once. */
  private readonly addTx = (items: readonly StoredJudgement[]): void =>
    this.db.transaction(() => {
      const marks = new Map<StoredJudgement, { breach: 0 | 1; provisions: string[]; zones: string[] }>();
      for (const j of items) {
        const m = { breach: isBreach(j.judgement) ? (1 as const) : (0 as const), provisions: breachedProvisions(j.judgement), zones: zonesOf(j.judgement) };
        marks.set(j, m);
        this.insert.run(
          j.id,
          j.observationId,
          j.agreementId,
          j.agreementRevision,
          j.judgedAt,
          m.breach,
          m.provisions.join(' '),
          m.zones.join(' '),
          j.judgement === null ? null : JSON.stringify(j.judgement),
        );
      }
      for (const j of latestPerObservation(items)) {
        const m = marks.get(j)!;
        const r = this.upsertLatest.run(j.observationId, j.id, j.judgedAt, m.breach);
        if (r.changes !== 1) continue; // an older judgement than the one that counts
        this.clearMarks.run(j.observationId);
        for (const p of m.provisions) this.insertMark.run(j.observationId, 'breach', p);
        for (const z of m.zones) this.insertMark.run(j.observationId, 'zone', z);
      }
    })();

  async addMany(items: readonly StoredJudgement[]): Promise<void> {
    if (items.length === 0) return;
    this.addTx(items);
  }

  async latestFor(observationIds: readonly string[]): Promise<Map<string, StoredJudgement>> {
    const out = new Map<string, StoredJudgement>();
    const ids = [...new Set(observationIds)];
    for (let i = 0; i < ids.length; i += ID_CHUNK) {
      const chunk = ids.slice(i, i + ID_CHUNK);
      const rows = this.db
        .prepare(
          `SELECT j.id, j.observation_id, j.agreement_id, j.agreement_revision, j.judged_at, j.doc
           FROM judgement_latest l JOIN judgements j ON j.id = l.judgement_id
           WHERE l.observation_id IN (${chunk.map(() => '?').join(', ')})`,
        )
        .all(...chunk) as JudgementRow[];
      for (const r of rows) out.set(r.observation_id, judgementFromRow(r));
    }
    return out;
  }

  async history(observationId: string): Promise<StoredJudgement[]> {
    const rows = this.db
      .prepare('SELECT id, observation_id, agreement_id, agreement_revision, judged_at, doc FROM judgements WHERE observation_id = ? ORDER BY judged_at, id')
      .all(observationId) as JudgementRow[];
    return rows.map(judgementFromRow);
  }
}
