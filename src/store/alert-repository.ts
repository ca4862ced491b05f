import { InvalidInputError } from '../domain/errors';
import { ACKNOWLEDGEABLE_STATES, ESCALATABLE_STATES, UNACKNOWLEDGED_STATES, type AlertState, type TriggerCriterionKind } from '../domain/guarantee';
import type { Visibility } from '../domain/identity';
import { decodeCursor, encodeCursor } from './cursor';
import { visibilityClause } from './releasability-sql';
import type { Page } from './repository';

/*
 * Guarantee alerts and the trigger criteria in force (issue 6).
 *
 * An alert's id is made from its criterion and the subject that triggered it, the same in every
 * process, and is the table's primary key: two processes that evaluate the same observation
 * insert the same row once. `raise` also coalesces: while an alert of the same criterion and
 * sector is unacknowledged and the new observations fall within its window, they are attached
 * to it instead. Every create, attach, acknowledgement and escalation records a change event in
 * its own transaction (entity `alert`).
 *
 * The criteria are stored whole, as numbered revisions (append-only, like agreements); the
 * latest is in force. With none stored, the shipped default file is in force (revision 0).
 */

export interface AlertAck {
  nation: string;
  /** Who acknowledged, as the audit log names actors (`user:<name>`, `token:<name>`). */
  by: string;
  userId: string | null;
  at: string;
  note: string | null;
}

export interface Alert {
  id: string;
  criterionId: string;
  criterionKind: TriggerCriterionKind;
  criterionName: string;
  /** Sector of the triggering observations; null outside every sector. */
  sector: string | null;
  state: AlertState;
  raisedAt: string;
  /** When it escalates unless every required nation has acknowledged. */
  escalateAt: string;
  escalatedAt: string | null;
  acknowledgedAt: string | null;
  updatedAt: string;
  /** observedAt of the earliest and the latest observation attached. */
  firstObservedAt: string;
  lastObservedAt: string;
  /** Matching observations made up to this instant coalesce into the alert while it is unacknowledged. */
  coalesceUntil: string;
  /** The triggering and attached observations, in the order they were attached (at most ALERT_IDS_SHOWN). */
  observationIds: string[];
  /** How many observations are attached, in all. */
  observationCount: number;
  summary: string;
  /** `REL TO <guarantor nations>`: who may see it (and the mechanism). */
  releasability: string;
  /** One acknowledgement is required from each of these nations. */
  requiredNations: string[];
  acks: AlertAck[];
  /** Numbers of the match (distance, count, threshold...), as the criterion reported them. */
  detail: Record<string, unknown>;
}

/** How many observation ids an alert answers with; `observationCount` counts them all. */
export const ALERT_IDS_SHOWN = 200;

export interface NewAlert {
  id: string;
  criterionId: string;
  criterionKind: TriggerCriterionKind;
  criterionName: string;
  /** With the criterion id, what names the alert in every process (the triggering observation's id). */
  triggerKey: string;
  coalesceKey: string;
  sector: string | null;
  raisedAtMs: number;
  escalateAtMs: number;
  firstObservedAtMs: number;
  lastObservedAtMs: number;
  coalesceMs: number;
  observationIds: string[];
  summary: string;
  releasability: string;
  requiredNations: string[];
  detail: Record<string, unknown>;
}

/**
 * `created`: a new alert; `attached`: the observations joined an unacknowledged alert of the same
 * criterion and sector; `unchanged`: the alert (made by another process) already held them all.
 */
export type RaiseOutcome = 'created' | 'attached' | 'unchanged';

export interface AlertQuery {
  /** Who reads: only alerts released to them (required, so no caller can forget). */
  visibility: Visibility;
  state?: AlertState | readonly AlertState[];
  limit: number;
  cursor?: string;
}

export interface NewAck {
  alertId: string;
  nation: string;
  by: string;
  userId: string | null;
  note: string | null;
  atMs: number;
}

/**
 * `recorded`: the nation's acknowledgement was stored, others are still awaited; `acknowledged`:
 * it was the last one; `already`: the nation had acknowledged (nothing changed); `not_required`:
 * the nation is not among the required ones (nothing stored).
 */
export type AckOutcome = 'recorded' | 'acknowledged' | 'already' | 'not_required';

export interface StoredCriteria {
  /** 1, 2, ... per store; 0: the shipped default, never stored. */
  revision: number;
  storedAt: string | null;
  by: string;
  reason: string;
  /** The criteria document as validated (TriggerCriteriaSet). */
  doc: Record<string, unknown>;
}

export interface AlertRepository {
  raise(alert: NewAlert): Promise<{ outcome: RaiseOutcome; alert: Alert; attached: string[] }>;
  /** undefined both for an unknown id and for an alert not released to the reader. */
  get(id: string, visibility: Visibility): Promise<Alert | undefined>;
  /** Newest first (raisedAt, then id), paged by an opaque cursor. */
  list(query: AlertQuery): Promise<Page<Alert>>;
  /** Records a nation's acknowledgement; undefined when the alert is unknown or not released to the reader. */
  acknowledge(ack: NewAck, visibility: Visibility): Promise<{ outcome: AckOutcome; alert: Alert } | undefined>;
  /** Escalates every open alert whose deadline is at or before `nowMs`; answers those this call escalated (each once, whichever process asks). */
  escalateDue(nowMs: number, limit?: number): Promise<Alert[]>;

  /** The criteria revision in force, undefined when none was stored. */
  latestCriteria(): Promise<StoredCriteria | undefined>;
  /** 0 when none is stored: a cheap check for a newer one. */
  latestCriteriaRevision(): Promise<number>;
  /** Appends a revision; with `ifRevision`, throws a ConflictError unless that one is still the latest. */
  saveCriteria(doc: Record<string, unknown>, by: string, reason: string, opts?: { ifRevision?: number }): Promise<StoredCriteria>;
}

/* Row mapping and query building shared by both stores (the SQL is the same on both engines). */

export const ALERT_COLUMNS =
  'id, criterion_id, criterion_kind, criterion_name, sector, state, raised_at_ms, escalate_at_ms, escalated_at_ms, acknowledged_at_ms, updated_at_ms, first_observed_ms, last_observed_ms, coalesce_until_ms, coalesce_ms, observation_count, summary, releasability, required_nations, detail';

export interface AlertRow {
  id: string;
  criterion_id: string;
  criterion_kind: TriggerCriterionKind;
  criterion_name: string;
  sector: string | null;
  state: AlertState;
  raised_at_ms: number;
  escalate_at_ms: number;
  escalated_at_ms: number | null;
  acknowledged_at_ms: number | null;
  updated_at_ms: number;
  first_observed_ms: number;
  last_observed_ms: number;
  coalesce_until_ms: number;
  coalesce_ms: number;
  observation_count: number;
  summary: string;
  releasability: string;
  required_nations: string;
  detail: string;
}

export interface AckRow {
  alert_id: string;
  nation: string;
  acked_by: string;
  user_id: string | null;
  at_ms: number;
  note: string | null;
}

export interface AlertObservationRow {
  alert_id: string;
  observation_id: string;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(Number(ms)).toISOString());

export function alertFromRow(r: AlertRow, acks: readonly AckRow[], observationIds: readonly string[]): Alert {
  return {
    id: r.id,
    criterionId: r.criterion_id,
    criterionKind: r.criterion_kind,
    criterionName: r.criterion_name,
    sector: r.sector,
    state: r.state,
    raisedAt: iso(r.raised_at_ms)!,
    escalateAt: iso(r.escalate_at_ms)!,
    escalatedAt: iso(r.escalated_at_ms),
    acknowledgedAt: iso(r.acknowledged_at_ms),
    updatedAt: iso(r.updated_at_ms)!,
    firstObservedAt: iso(r.first_observed_ms)!,
    lastObservedAt: iso(r.last_observed_ms)!,
    coalesceUntil: iso(r.coalesce_until_ms)!,
    observationIds: [...observationIds],
    observationCount: Number(r.observation_count),
    summary: r.summary,
    releasability: r.releasability,
    requiredNations: JSON.parse(r.required_nations) as string[],
    acks: acks.map((a) => ({ nation: a.nation, by: a.acked_by, userId: a.user_id, at: iso(a.at_ms)!, note: a.note })),
    detail: JSON.parse(r.detail) as Record<string, unknown>,
  };
}

/** The values of a new alert's row, in the order of ALERT_INSERT_COLUMNS. */
export const ALERT_INSERT_COLUMNS =
  'id, criterion_id, criterion_kind, criterion_name, trigger_key, coalesce_key, sector, state, raised_at_ms, escalate_at_ms, updated_at_ms, first_observed_ms, last_observed_ms, coalesce_ms, coalesce_until_ms, observation_count, summary, releasability, required_nations, detail';

export function alertInsertValues(a: NewAlert): unknown[] {
  return [
    a.id,
    a.criterionId,
    a.criterionKind,
    a.criterionName,
    a.triggerKey,
    a.coalesceKey,
    a.sector,
    'open',
    a.raisedAtMs,
    a.escalateAtMs,
    a.raisedAtMs,
    a.firstObservedAtMs,
    a.lastObservedAtMs,
    a.coalesceMs,
    a.lastObservedAtMs + a.coalesceMs,
    0,
    a.summary,
    a.releasability,
    JSON.stringify(a.requiredNations),
    JSON.stringify(a.detail),
  ];
}

const stateList = (states: readonly AlertState[]) => states.map((s) => `'${s}'`).join(', ');

/**
 * The unacknowledged alert of the same criterion and sector whose window the new observations
 * fall in: observed no later than its coalesceUntil, and no earlier than its first observation
 * less the coalescing span (a late arrival from just before it belongs to it too).
 */
export const COALESCE_TARGET_SQL = (p: (i: number) => string) =>
  `SELECT ${ALERT_COLUMNS} FROM alerts WHERE coalesce_key = ${p(1)} AND state IN (${stateList(UNACKNOWLEDGED_STATES)})
     AND coalesce_until_ms >= ${p(2)} AND first_observed_ms - coalesce_ms <= ${p(3)}
   ORDER BY raised_at_ms DESC, id DESC LIMIT 1`;

/** Attaching observations widens the alert's window to the new ones. */
export const ATTACH_SQL = (p: (i: number) => string) =>
  `UPDATE alerts SET observation_count = observation_count + ${p(1)},
     first_observed_ms = CASE WHEN first_observed_ms < ${p(2)} THEN first_observed_ms ELSE ${p(2)} END,
     last_observed_ms = CASE WHEN last_observed_ms > ${p(3)} THEN last_observed_ms ELSE ${p(3)} END,
     coalesce_until_ms = CASE WHEN coalesce_until_ms > ${p(3)} + coalesce_ms THEN coalesce_until_ms ELSE ${p(3)} + coalesce_ms END,
     updated_at_ms = ${p(4)}
   WHERE id = ${p(5)}`;

/** The transition to `acknowledged`, from the states the workflow table allows. */
export const COMPLETE_SQL = (p: (i: number) => string) =>
  `UPDATE alerts SET state = 'acknowledged', acknowledged_at_ms = ${p(1)}, updated_at_ms = ${p(1)} WHERE id = ${p(2)} AND state IN (${stateList(ACKNOWLEDGEABLE_STATES)})`;

/** Alerts due to escalate (the states the workflow table allows), oldest deadline first. */
export const DUE_SQL = (p: (i: number) => string) =>
  `SELECT id FROM alerts WHERE state IN (${stateList(ESCALATABLE_STATES)}) AND escalate_at_ms <= ${p(1)} ORDER BY escalate_at_ms, id LIMIT ${p(2)}`;

export const ESCALATE_SQL = (p: (i: number) => string) =>
  `UPDATE alerts SET state = 'escalated', escalated_at_ms = ${p(1)}, updated_at_ms = ${p(1)} WHERE id = ${p(2)} AND state IN (${stateList(ESCALATABLE_STATES)})`;

/** WHERE of a list (visibility, state) and the cursor's extra clause; `p` pushes a value and answers its placeholder. */
export function alertListWhere(q: AlertQuery, p: (v: unknown) => string): { filter: string; page: string } {
  const clauses: string[] = [];
  const released = visibilityClause(q.visibility, 'releasability', p);
  if (released) clauses.push(released);
  const states = q.state === undefined ? [] : typeof q.state === 'string' ? [q.state] : [...q.state];
  if (states.length) clauses.push(`state IN (${states.map((s) => p(s)).join(', ')})`);
  const filter = clauses.length ? `WHERE ${clauses.join(' AND ')}` : '';
  let cursor = '';
  if (q.cursor !== undefined) {
    const k = decodeCursor(q.cursor);
    if (!k) throw new InvalidInputError('cursor', 'is not a cursor this API gave out');
    cursor = `(raised_at_ms < ${p(k.t)} OR (raised_at_ms = ${p(k.t)} AND id < ${p(k.id)}))`;
  }
  const all = cursor ? [...clauses, cursor] : clauses;
  return { filter, page: all.length ? `WHERE ${all.join(' AND ')}` : '' };
}

export const nextAlertCursor = (items: readonly Alert[], more: boolean): string | null => {
  const last = items[items.length - 1];
  return more && last ? encodeCursor({ t: Date.parse(last.raisedAt), id: last.id }) : null;
};

/** Acks and the first observation ids of the alerts named (one query each), with `IN (...)` placeholders from `p`. */
export const ACKS_SQL = (inList: string) => `SELECT alert_id, nation, acked_by, user_id, at_ms, note FROM alert_acks WHERE alert_id IN (${inList}) ORDER BY at_ms, nation`;
export const OBSERVATION_IDS_SQL = (inList: string) =>
  `SELECT alert_id, observation_id FROM (
     SELECT alert_id, observation_id, pos, ROW_NUMBER() OVER (PARTITION BY alert_id ORDER BY pos, observation_id) AS rn
     FROM alert_observations WHERE alert_id IN (${inList})) x
   WHERE rn <= ${ALERT_IDS_SHOWN} ORDER BY alert_id, pos, observation_id`;

/** Alerts from their rows and their children's rows, in the rows' order. */
export function assembleAlerts(rows: readonly AlertRow[], acks: readonly AckRow[], obs: readonly AlertObservationRow[]): Alert[] {
  const acksOf = new Map<string, AckRow[]>();
  for (const a of acks) acksOf.set(a.alert_id, [...(acksOf.get(a.alert_id) ?? []), a]);
  const idsOf = new Map<string, string[]>();
  for (const o of obs) {
    let l = idsOf.get(o.alert_id);
    if (!l) idsOf.set(o.alert_id, (l = []));
    l.push(o.observation_id);
  }
  return rows.map((r) => alertFromRow(r, acksOf.get(r.id) ?? [], idsOf.get(r.id) ?? []));
}

export interface CriteriaRow {
  revision: number;
  stored_at: string;
  stored_by: string;
  reason: string;
  doc: string;
}

export const criteriaFromRow = (r: CriteriaRow): StoredCriteria => ({
  revision: Number(r.revision),
  storedAt: r.stored_at,
  by: r.stored_by,
  reason: r.reason,
  doc: JSON.parse(r.doc) as Record<string, unknown>,
});
