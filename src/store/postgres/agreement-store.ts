import type pg from 'pg';
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
import { inTransaction } from './transaction';


/** Advisory lock that serialises revision numbering (transaction-scoped). "agreemnt" in ASCII. */
const REVISION_LOCK = 0x6167_7265_656d_6e74n;

export class PgAgreements implements AgreementRepository {
  constructor(private readonly pool: pg.Pool) {}

  async save(rev: NewAgreementRevision, opts: { ifLatest?: number } = {}): Promise<AgreementRevision> {
    const storedAt = rev.storedAt ?? new Date().toISOString();
    const doc = JSON.stringify(rev.doc);
    const revision = await inTransaction(this.pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [REVISION_LOCK.toString()]);
      const latest = Number((await client.query<{ n: number }>('SELECT COALESCE(max(revision), 0) AS n FROM agreements')).rows[0]!.n);
      if (opts.ifLatest !== undefined && latest !== opts.ifLatest) {
        throw new ConflictError(`the agreement changed meanwhile: revision ${latest} is in force, not ${opts.ifLatest}; reload and try again`, 'revision');
      }
      await client.query('INSERT INTO agreements (revision, agreement_id, stored_at, stored_by, reason, doc) VALUES ($1, $2, $3, $4, $5, $6)', [
        latest + 1,
        rev.agreementId,
        storedAt,
        rev.by,
        rev.reason,
        doc,
      ]);
      return latest + 1;
    });
    return { revision, agreementId: rev.agreementId, storedAt, by: rev.by, reason: rev.reason, doc: JSON.parse(doc) as Agreement };
  }

  async latest(): Promise<AgreementRevision | undefined> {
    const r = await this.pool.query<RevisionRow>('SELECT revision, agreement_id, stored_at, stored_by, reason, doc FROM agreements ORDER BY revision DESC LIMIT 1');
    return r.rows[0] && revisionFromRow(r.rows[0]);
  }

  async latestRevision(): Promise<number> {
    const r = await this.pool.query<{ n: number }>({ name: 'truceline_agreement_latest', text: 'SELECT COALESCE(max(revision), 0) AS n FROM agreements' });
    return Number(r.rows[0]!.n);
  }

  async get(revision: number): Promise<AgreementRevision | undefined> {
    const r = await this.pool.query<RevisionRow>('SELECT revision, agreement_id, stored_at, stored_by, reason, doc FROM agreements WHERE revision = $1', [revision]);
    return r.rows[0] && revisionFromRow(r.rows[0]);
  }

  async list(): Promise<AgreementRevisionInfo[]> {
    const r = await this.pool.query<RevisionRow>('SELECT revision, agreement_id, stored_at, stored_by, reason FROM agreements ORDER BY revision DESC');
    return r.rows.map(infoFromRow);
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

const judgementFromRow = (r: JudgementRow): StoredJudgement => ({
  id: r.id,
  observationId: r.observation_id,
  agreementId: r.agreement_id,
  agreementRevision: Number(r.agreement_revision),
  judgedAt: r.judged_at,
  judgement: r.doc === null ? null : (JSON.parse(r.doc) as Judgement),
});

// Columns travel as arrays (one statement per batch), as for observations.
const INSERT_SQL = `INSERT INTO judgements (id, observation_id, agreement_id, agreement_revision, judged_at, breach, provisions, zones, doc)
  SELECT * FROM ROWS FROM (unnest($1::text[]), unnest($2::text[]), unnest($3::text[]), unnest($4::int[]), unnest($5::text[]), unnest($6::bool[]),
    unnest($7::text[]), unnest($8::text[]), json_array_elements_text($9::json))`;

// Moves the projection forward only where the new judgement is later; answers the rows it moved.
const UPSERT_LATEST_SQL = `INSERT INTO judgement_latest (observation_id, judgement_id, judged_at, breach)
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bool[])
  ON CONFLICT (observation_id) DO UPDATE SET judgement_id = excluded.judgement_id, judged_at = excluded.judged_at, breach = excluded.breach
  WHERE (excluded.judged_at, excluded.judgement_id) > (judgement_latest.judged_at, judgement_latest.judgement_id)
  RETURNING observation_id`;

export class PgJudgements implements JudgementRepository {
  constructor(private readonly pool: pg.Pool) {}

  async addMany(items: readonly StoredJudgement[]): Promise<void> {
    if (items.length === 0) return;
    const latest = latestPerObservation(items); // sorted by observation id: concurrent batches lock rows in the same order
    await inTransaction(this.pool, async (client) => {
      await client.query({
        name: 'truceline_judgement_insert',
        text: INSERT_SQL,
        values: [
          items.map((j) => j.id),
          items.map((j) => j.observationId),
          items.map((j) => j.agreementId),
          items.map((j) => j.agreementRevision),
          items.map((j) => j.judgedAt),
          items.map((j) => isBreach(j.judgement)),
          items.map((j) => breachedProvisions(j.judgement).join(' ')),
          items.map((j) => zonesOf(j.judgement).join(' ')),
          // json null elements come back as SQL NULL from json_array_elements_text
          JSON.stringify(items.map((j) => (j.judgement === null ? null : JSON.stringify(j.judgement)))),
        ],
      });
      const moved = await client.query<{ observation_id: string }>({
        name: 'truceline_judgement_latest',
        text: UPSERT_LATEST_SQL,
        values: [latest.map((j) => j.observationId), latest.map((j) => j.id), latest.map((j) => j.judgedAt), latest.map((j) => isBreach(j.judgement))],
      });
      if (moved.rows.length === 0) return;
      const movedIds = new Set(moved.rows.map((r) => r.observation_id));
      const marks: [string, string, string][] = [];
      for (const j of latest) {
        if (!movedIds.has(j.observationId)) continue;
        for (const p of breachedProvisions(j.judgement)) marks.push([j.observationId, 'breach', p]);
        for (const z of zonesOf(j.judgement)) marks.push([j.observationId, 'zone', z]);
      }
      await client.query('DELETE FROM judgement_marks WHERE observation_id = ANY($1::text[])', [[...movedIds]]);
      if (marks.length) {
        await client.query('INSERT INTO judgement_marks (observation_id, role, provision) SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) ON CONFLICT DO NOTHING', [
          marks.map((m) => m[0]),
          marks.map((m) => m[1]),
          marks.map((m) => m[2]),
        ]);
      }
    });
  }

  async latestFor(observationIds: readonly string[]): Promise<Map<string, StoredJudgement>> {
    const out = new Map<string, StoredJudgement>();
    const ids = [...new Set(observationIds)];
    if (ids.length === 0) return out;
    const r = await this.pool.query<JudgementRow>({
      name: 'truceline_judgement_latest_for',
      text: `SELECT j.id, j.observation_id, j.agreement_id, j.agreement_revision, j.judged_at, j.doc
             FROM judgement_latest l JOIN judgements j ON j.id = l.judgement_id
             WHERE l.observation_id = ANY($1::text[])`,
      values: [ids],
    });
    for (const row of r.rows) out.set(row.observation_id, judgementFromRow(row));
    return out;
  }

  async history(observationId: string): Promise<StoredJudgement[]> {
    const r = await this.pool.query<JudgementRow>(
      'SELECT id, observation_id, agreement_id, agreement_revision, judged_at, doc FROM judgements WHERE observation_id = $1 ORDER BY judged_at, id',
      [observationId],
    );
    return r.rows.map(judgementFromRow);
  }
}
