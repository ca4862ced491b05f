import type pg from 'pg';
import { ConflictError } from '../../domain/errors';
import { pendingNations } from '../../domain/guarantee';
import { SEE_ALL, type Visibility } from '../../domain/identity';
import { visibilityClause } from '../releasability-sql';
import type { Page } from '../repository';
import {
  ACKS_SQL,
  ALERT_COLUMNS,
  ALERT_INSERT_COLUMNS,
  ATTACH_SQL,
  COALESCE_TARGET_SQL,
  COMPLETE_SQL,
  DUE_SQL,
  ESCALATE_SQL,
  OBSERVATION_IDS_SQL,
  alertInsertValues,
  alertListWhere,
  assembleAlerts,
  criteriaFromRow,
  nextAlertCursor,
  type AckOutcome,
  type AckRow,
  type Alert,
  type AlertObservationRow,
  type AlertQuery,
  type AlertRepository,
  type AlertRow,
  type CriteriaRow,
  type NewAck,
  type NewAlert,
  type RaiseOutcome,
  type StoredCriteria,
} from '../alert-repository';
import { recordChanges } from './change-feed';
import { inTransaction } from './transaction';

const n = (i: number) => `$${i}`;
/** Class key of the transaction-scoped advisory locks on coalescing keys ("alrt"); the second key is the hash of the key. */
const COALESCE_LOCK_CLASS = 0x616c7274;
/** Advisory lock that serialises criteria revision numbering ("trgcrit" in ASCII). */
const CRITERIA_LOCK = 0x74_7267_6372_6974n;

type Queryable = Pick<pg.ClientBase, 'query'>;

export class PgAlerts implements AlertRepository {
  constructor(private readonly pool: pg.Pool) {}

  /** Alerts by id with their acks and first observation ids, released to `visibility`, in the order given. */
  private async load(db: Queryable, ids: readonly string[], visibility: Visibility, forUpdate = false): Promise<Alert[]> {
    if (ids.length === 0) return [];
    const params: unknown[] = [[...ids]];
    const released = visibilityClause(visibility, 'releasability', (v) => {
      params.push(v);
      return `$${params.length}`;
    });
    const r = await db.query<AlertRow>(`SELECT ${ALERT_COLUMNS} FROM alerts WHERE id = ANY($1::text[])${released ? ` AND ${released}` : ''}${forUpdate ? ' FOR UPDATE' : ''}`, params);
    const byId = new Map(r.rows.map((row) => [row.id, row]));
    return this.withChildren(
      db,
      ids.map((id) => byId.get(id)).filter((row): row is AlertRow => row !== undefined),
    );
  }

  private async withChildren(db: Queryable, rows: readonly AlertRow[]): Promise<Alert[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    const list = ids.map((_, i) => `$${i + 1}`).join(', ');
    const [acks, obs] = await Promise.all([db.query<AckRow>(ACKS_SQL(list), ids), db.query<AlertObservationRow>(OBSERVATION_IDS_SQL(list), ids)]);
    return assembleAlerts(rows, acks.rows, obs.rows);
  }

  /** Inside a transaction: attaches what the alert does not hold yet; answers the ids attached. */
  private async attachTo(client: pg.PoolClient, row: AlertRow, a: NewAlert, nowMs: number): Promise<string[]> {
    const r = await client.query<{ observation_id: string }>(
      `INSERT INTO alert_observations (alert_id, observation_id, pos)
       SELECT $1, u.id, $2 + u.ord - 1 FROM unnest($3::text[]) WITH ORDINALITY AS u(id, ord)
       ON CONFLICT DO NOTHING RETURNING observation_id`,
      [row.id, Number(row.observation_count), a.observationIds],
    );
    const added = r.rows.map((x) => x.observation_id);
    if (added.length) await client.query(ATTACH_SQL(n), [added.length, a.firstObservedAtMs, a.lastObservedAtMs, nowMs, row.id]);
    return added;
  }

  async raise(a: NewAlert): Promise<{ outcome: RaiseOutcome; alert: Alert; attached: string[] }> {
    const r = await inTransaction(this.pool, async (client) => {
      // Every process evaluating observations of this criterion and sector takes this lock first,
      // so "find the alert to coalesce into, else create one" is decided by one of them at a time.
      await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [COALESCE_LOCK_CLASS, a.coalesceKey]);
      const now = Date.now();
      // Raised already (the same criterion and trigger, by another evaluation): never twice,
      // and never into a later alert once this one was acknowledged.
      const own = (await client.query<AlertRow>(`SELECT ${ALERT_COLUMNS} FROM alerts WHERE id = $1 FOR UPDATE`, [a.id])).rows[0];
      if (own?.state === 'acknowledged') return { outcome: 'unchanged' as const, id: own.id, attached: [] };
      let target = own ?? (await client.query<AlertRow>(COALESCE_TARGET_SQL(n), [a.coalesceKey, a.firstObservedAtMs, a.lastObservedAtMs])).rows[0];
      if (!target) {
        const inserted = await client.query<AlertRow>(
          `INSERT INTO alerts (${ALERT_INSERT_COLUMNS}) VALUES (${ALERT_INSERT_COLUMNS.split(',').map((_, i) => `$${i + 1}`).join(', ')})
           ON CONFLICT DO NOTHING RETURNING ${ALERT_COLUMNS}`,
          alertInsertValues(a),
        );
        if (inserted.rows[0]) {
          const attached = await this.attachTo(client, inserted.rows[0], a, a.raisedAtMs);
          await recordChanges(client, 'alert', 'created', [a.id]);
          return { outcome: 'created' as const, id: a.id, attached };
        }
        // Only a writer that skipped the coalescing lock (none does) could have got here first.
        target = (await client.query<AlertRow>(`SELECT ${ALERT_COLUMNS} FROM alerts WHERE id = $1 FOR UPDATE`, [a.id])).rows[0];
        if (!target || target.state === 'acknowledged') return { outcome: 'unchanged' as const, id: target?.id ?? a.id, attached: [] };
      }
      const attached = await this.attachTo(client, target, a, now);
      if (attached.length === 0) return { outcome: 'unchanged' as const, id: target.id, attached };
      await recordChanges(client, 'alert', 'updated', [target.id]);
      return { outcome: 'attached' as const, id: target.id, attached };
    });
    return { outcome: r.outcome, alert: (await this.load(this.pool, [r.id], SEE_ALL))[0]!, attached: r.attached };
  }

  async get(id: string, visibility: Visibility): Promise<Alert | undefined> {
    return (await this.load(this.pool, [id], visibility))[0];
  }

  async list(q: AlertQuery): Promise<Page<Alert>> {
    const filterParams: unknown[] = [];
    const pageParams: unknown[] = [];
    const { filter } = alertListWhere({ ...q, cursor: undefined }, (v) => `$${filterParams.push(v)}`);
    const { page } = alertListWhere(q, (v) => `$${pageParams.push(v)}`);
    pageParams.push(q.limit + 1);
    const r = await this.pool.query<AlertRow>(`SELECT ${ALERT_COLUMNS} FROM alerts ${page} ORDER BY raised_at_ms DESC, id DESC LIMIT $${pageParams.length}`, pageParams);
    const more = r.rows.length > q.limit;
    const items = await this.withChildren(this.pool, r.rows.slice(0, q.limit));
    const total =
      !more && q.cursor === undefined ? items.length : Number((await this.pool.query<{ n: number }>(`SELECT count(*) AS n FROM alerts ${filter}`, filterParams)).rows[0]!.n);
    return { items, total, nextCursor: nextAlertCursor(items, more) };
  }

  async acknowledge(ack: NewAck, visibility: Visibility): Promise<{ outcome: AckOutcome; alert: Alert } | undefined> {
    const outcome = await inTransaction(this.pool, async (client): Promise<AckOutcome | undefined> => {
      // FOR UPDATE: two nations acknowledging at once both see the other's ack, so the last one completes it.
      const alert = (await this.load(client, [ack.alertId], visibility, true))[0];
      if (!alert) return undefined;
      if (!alert.requiredNations.includes(ack.nation)) return 'not_required';
      const ins = await client.query('INSERT INTO alert_acks (alert_id, nation, acked_by, user_id, at_ms, note) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING', [
        ack.alertId,
        ack.nation,
        ack.by,
        ack.userId,
        ack.atMs,
        ack.note,
      ]);
      if (ins.rowCount === 0) return 'already';
      const acked = (await client.query<{ nation: string }>('SELECT nation FROM alert_acks WHERE alert_id = $1', [ack.alertId])).rows.map((x) => x.nation);
      const done = pendingNations(alert.requiredNations, acked).length === 0 && (await client.query(COMPLETE_SQL(n), [ack.atMs, ack.alertId])).rowCount === 1;
      if (!done) await client.query('UPDATE alerts SET updated_at_ms = $1 WHERE id = $2', [ack.atMs, ack.alertId]);
      await recordChanges(client, 'alert', 'updated', [ack.alertId]);
      return done ? 'acknowledged' : 'recorded';
    });
    if (!outcome) return undefined;
    return { outcome, alert: (await this.load(this.pool, [ack.alertId], SEE_ALL))[0]! };
  }

  async escalateDue(nowMs: number, limit = 100): Promise<Alert[]> {
    // Cheap when nothing is due (the sweep runs every few seconds in every process): no transaction then.
    if ((await this.pool.query(DUE_SQL(n), [nowMs, 1])).rowCount === 0) return [];
    const ids = await inTransaction(this.pool, async (client) => {
      const due = (await client.query<{ id: string }>(`${DUE_SQL(n)} FOR UPDATE SKIP LOCKED`, [nowMs, limit])).rows.map((r) => r.id);
      const moved: string[] = [];
      // The conditional update decides: of two processes sweeping at once, one moves each alert.
      for (const id of due) if ((await client.query(ESCALATE_SQL(n), [nowMs, id])).rowCount === 1) moved.push(id);
      await recordChanges(client, 'alert', 'updated', moved);
      return moved;
    });
    return this.load(this.pool, ids, SEE_ALL);
  }

  async latestCriteria(): Promise<StoredCriteria | undefined> {
    const r = await this.pool.query<CriteriaRow>('SELECT revision, stored_at, stored_by, reason, doc FROM trigger_criteria ORDER BY revision DESC LIMIT 1');
    return r.rows[0] && criteriaFromRow(r.rows[0]);
  }

  async latestCriteriaRevision(): Promise<number> {
    const r = await this.pool.query<{ n: number }>({ name: 'truceline_trigger_criteria_latest', text: 'SELECT COALESCE(max(revision), 0) AS n FROM trigger_criteria' });
    return Number(r.rows[0]!.n);
  }

  async saveCriteria(doc: Record<string, unknown>, by: string, reason: string, opts: { ifRevision?: number } = {}): Promise<StoredCriteria> {
    const storedAt = new Date().toISOString();
    const text = JSON.stringify(doc);
    const revision = await inTransaction(this.pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [CRITERIA_LOCK.toString()]);
      const latest = Number((await client.query<{ n: number }>('SELECT COALESCE(max(revision), 0) AS n FROM trigger_criteria')).rows[0]!.n);
      if (opts.ifRevision !== undefined && latest !== opts.ifRevision) {
        throw new ConflictError(`the trigger criteria changed meanwhile: revision ${latest} is in force, not ${opts.ifRevision}; reload and try again`, 'ifRevision');
      }
      await client.query('INSERT INTO trigger_criteria (revision, stored_at, stored_by, reason, doc) VALUES ($1, $2, $3, $4, $5)', [latest + 1, storedAt, by, reason, text]);
      return latest + 1;
    });
    return { revision, storedAt, by, reason, doc: JSON.parse(text) as Record<string, unknown> };
  }
}
