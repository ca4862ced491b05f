import type Database from 'better-sqlite3';
import type { SqliteStoreFeed } from './store-feed';
import { ConflictError } from '../../domain/errors';
import { pendingNations } from '../../domain/guarantee';
import { SEE_ALL, type Visibility } from '../../domain/identity';
import { visibilityClause } from '../releasability-sql';
import type { ChangeEvent, Page } from '../repository';
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


/** `?1, ?2, ...` placeholders bound by number, so one value may appear twice in a statement. */
const n = (i: number) => `?${i}`;
const numbered = (values: unknown[]): Record<number, unknown> => Object.fromEntries(values.map((v, i) => [i + 1, v]));
/** SQLite's default limit on host parameters is 32,766; pages and batches stay far below it. */
const inList = (count: number) => Array.from({ length: count }, () => '?').join(', ');

export class SqliteAlerts implements AlertRepository {
  private readonly coalesceTarget: Database.Statement;
  private readonly insertAlert: Database.Statement;
  private readonly byId: Database.Statement;
  private readonly attachObservation: Database.Statement;
  private readonly attach: Database.Statement;
  private readonly insertAck: Database.Statement;
  private readonly ackedNations: Database.Statement;
  private readonly complete: Database.Statement;
  private readonly touch: Database.Statement;
  private readonly due: Database.Statement;
  private readonly escalate: Database.Statement;

  constructor(
    private readonly db: Database.Database,
    private readonly feed: SqliteStoreFeed,
  ) {
    this.coalesceTarget = db.prepare(COALESCE_TARGET_SQL(n));
    this.insertAlert = db.prepare(`INSERT INTO alerts (${ALERT_INSERT_COLUMNS}) VALUES (${inList(20)}) ON CONFLICT DO NOTHING`);
    this.byId = db.prepare(`SELECT ${ALERT_COLUMNS} FROM alerts WHERE id = ?`);
    this.attachObservation = db.prepare('INSERT INTO alert_observations (alert_id, observation_id, pos) VALUES (?, ?, ?) ON CONFLICT DO NOTHING');
    this.attach = db.prepare(ATTACH_SQL(n));
    this.insertAck = db.prepare('INSERT INTO alert_acks (alert_id, nation, acked_by, user_id, at_ms, note) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING');
    this.ackedNations = db.prepare('SELECT nation FROM alert_acks WHERE alert_id = ?').pluck();
    this.complete = db.prepare(COMPLETE_SQL(n));
    this.touch = db.prepare('UPDATE alerts SET updated_at_ms = ? WHERE id = ?');
    this.due = db.prepare(DUE_SQL(n)).pluck();
    this.escalate = db.prepare(ESCALATE_SQL(n));
  }

  /** Alerts by id with their acks and first observation ids, released to `visibility`, in the order given. */
  private load(ids: readonly string[], visibility: Visibility): Alert[] {
    if (ids.length === 0) return [];
    const params: unknown[] = [...ids];
    const released = visibilityClause(visibility, 'releasability', (v) => {
      params.push(v);
      return '?';
    });
    const rows = this.db.prepare(`SELECT ${ALERT_COLUMNS} FROM alerts WHERE id IN (${inList(ids.length)})${released ? ` AND ${released}` : ''}`).all(...params) as AlertRow[];
    const byId = new Map(rows.map((r) => [r.id, r]));
    const ordered = ids.map((id) => byId.get(id)).filter((r): r is AlertRow => r !== undefined);
    return this.withChildren(ordered);
  }

  private withChildren(rows: readonly AlertRow[]): Alert[] {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    const acks = this.db.prepare(ACKS_SQL(inList(ids.length))).all(...ids) as AckRow[];
    const obs = this.db.prepare(OBSERVATION_IDS_SQL(inList(ids.length))).all(...ids) as AlertObservationRow[];
    return assembleAlerts(rows, acks, obs);
  }

  /** Inside a transaction: attaches what the alert does not hold yet; answers the ids attached. */
  private attachTo(row: AlertRow, a: NewAlert, nowMs: number): string[] {
    const added: string[] = [];
    let pos = Number(row.observation_count);
    for (const id of a.observationIds) {
      if (this.attachObservation.run(row.id, id, pos).changes === 1) {
        added.push(id);
        pos++;
      }
    }
    if (added.length) this.attach.run(numbered([added.length, a.firstObservedAtMs, a.lastObservedAtMs, nowMs, row.id]));
    return added;
  }

  private readonly raiseTx = (a: NewAlert): { outcome: RaiseOutcome; id: string; attached: string[]; event?: ChangeEvent } =>
    this.db
      .transaction(() => {
        const now = Date.now();
        // Raised already (the same criterion and trigger, by another evaluation): never twice,
        // and never into a later alert once this one was acknowledged.
        const own = this.byId.get(a.id) as AlertRow | undefined;
        if (own?.state === 'acknowledged') return { outcome: 'unchanged' as const, id: own.id, attached: [] };
        const target = own ?? (this.coalesceTarget.get(numbered([a.coalesceKey, a.firstObservedAtMs, a.lastObservedAtMs])) as AlertRow | undefined);
        if (!target) {
          // The write lock (IMMEDIATE) is held since the lookups: only the same criterion and
          // trigger under another id (impossible while ids are derived from them) could conflict.
          if (this.insertAlert.run(...alertInsertValues(a)).changes === 0) return { outcome: 'unchanged' as const, id: a.id, attached: [] };
          const row = this.byId.get(a.id) as AlertRow;
          const attached = this.attachTo(row, a, a.raisedAtMs);
          return { outcome: 'created' as const, id: a.id, attached, event: this.feed.record('alert', 'created', a.id, new Date(now).toISOString()) };
        }
        const attached = this.attachTo(target, a, now);
        if (attached.length === 0) return { outcome: 'unchanged' as const, id: target.id, attached };
        return { outcome: 'attached' as const, id: target.id, attached, event: this.feed.record('alert', 'updated', target.id, new Date(now).toISOString()) };
      })
      .immediate();

  async raise(a: NewAlert): Promise<{ outcome: RaiseOutcome; alert: Alert; attached: string[] }> {
    const r = this.raiseTx(a);
    if (r.event) this.feed.emit([r.event]);
    return { outcome: r.outcome, alert: this.load([r.id], SEE_ALL)[0]!, attached: r.attached };
  }

  async get(id: string, visibility: Visibility): Promise<Alert | undefined> {
    return this.load([id], visibility)[0];
  }

  async list(q: AlertQuery): Promise<Page<Alert>> {
    const filterParams: unknown[] = [];
    const pageParams: unknown[] = [];
    const { filter } = alertListWhere({ ...q, cursor: undefined }, (v) => (filterParams.push(v), '?'));
    const { page } = alertListWhere(q, (v) => (pageParams.push(v), '?'));
    const rows = this.db.prepare(`SELECT ${ALERT_COLUMNS} FROM alerts ${page} ORDER BY raised_at_ms DESC, id DESC LIMIT ?`).all(...pageParams, q.limit + 1) as AlertRow[];
    const more = rows.length > q.limit;
    const items = this.withChildren(rows.slice(0, q.limit));
    const total = !more && q.cursor === undefined ? items.length : (this.db.prepare(`SELECT COUNT(*) FROM alerts ${filter}`).pluck().get(...filterParams) as number);
    return { items, total, nextCursor: nextAlertCursor(items, more) };
  }

  private readonly ackTx = (ack: NewAck, visibility: Visibility): { outcome: AckOutcome; event?: ChangeEvent } | undefined =>
    this.db
      .transaction(() => {
        const row = this.load([ack.alertId], visibility)[0];
        if (!row) return undefined;
        if (!row.requiredNations.includes(ack.nation)) return { outcome: 'not_required' as const };
        if (this.insertAck.run(ack.alertId, ack.nation, ack.by, ack.userId, ack.atMs, ack.note).changes === 0) return { outcome: 'already' as const };
        const acked = this.ackedNations.all(ack.alertId) as string[];
        const done = pendingNations(row.requiredNations, acked).length === 0 && this.complete.run(numbered([ack.atMs, ack.alertId])).changes === 1;
        if (!done) this.touch.run(ack.atMs, ack.alertId);
        return { outcome: done ? ('acknowledged' as const) : ('recorded' as const), event: this.feed.record('alert', 'updated', ack.alertId, new Date().toISOString()) };
      })
      .immediate();

  async acknowledge(ack: NewAck, visibility: Visibility): Promise<{ outcome: AckOutcome; alert: Alert } | undefined> {
    const r = this.ackTx(ack, visibility);
    if (!r) return undefined;
    if (r.event) this.feed.emit([r.event]);
    return { outcome: r.outcome, alert: this.load([ack.alertId], SEE_ALL)[0]! };
  }

  private readonly escalateTx = (nowMs: number, limit: number): { ids: string[]; events: ChangeEvent[] } =>
    this.db
      .transaction(() => {
        const due = this.due.all(numbered([nowMs, limit])) as string[];
        const ids: string[] = [];
        const events: ChangeEvent[] = [];
        const at = new Date().toISOString();
        for (const id of due) {
          if (this.escalate.run(numbered([nowMs, id])).changes !== 1) continue;
          ids.push(id);
          events.push(this.feed.record('alert', 'updated', id, at));
        }
        return { ids, events };
      })
      .immediate();

  async escalateDue(nowMs: number, limit = 100): Promise<Alert[]> {
    // Cheap when nothing is due (the sweep runs every few seconds): no write transaction then.
    if (this.due.all(numbered([nowMs, 1])).length === 0) return [];
    const { ids, events } = this.escalateTx(nowMs, limit);
    this.feed.emit(events);
    return this.load(ids, SEE_ALL);
  }

  async latestCriteria(): Promise<StoredCriteria | undefined> {
    const r = this.db.prepare('SELECT revision, stored_at, stored_by, reason, doc FROM trigger_criteria ORDER BY revision DESC LIMIT 1').get() as CriteriaRow | undefined;
    return r && criteriaFromRow(r);
  }

  async latestCriteriaRevision(): Promise<number> {
    return this.db.prepare('SELECT COALESCE(MAX(revision), 0) FROM trigger_criteria').pluck().get() as number;
  }

  async saveCriteria(doc: Record<string, unknown>, by: string, reason: string, opts: { ifRevision?: number } = {}): Promise<StoredCriteria> {
    const storedAt = new Date().toISOString();
    const text = JSON.stringify(doc);
    // IMMEDIATE: the number is read and used under the write lock.
    const revision = this.db
      .transaction(() => {
        const latest = this.db.prepare('SELECT COALESCE(MAX(revision), 0) FROM trigger_criteria').pluck().get() as number;
        if (opts.ifRevision !== undefined && latest !== opts.ifRevision) {
          throw new ConflictError(`the trigger criteria changed meanwhile: revision ${latest} is in force, not ${opts.ifRevision}; reload and try again`, 'ifRevision');
        }
        this.db.prepare('INSERT INTO trigger_criteria (revision, stored_at, stored_by, reason, doc) VALUES (?, ?, ?, ?, ?)').run(latest + 1, storedAt, by, reason, text);
        return latest + 1;
      })
      .immediate();
    return { revision, storedAt, by, reason, doc: JSON.parse(text) as Record<string, unknown> };
  }
}
