import { ConflictError, InvalidInputError, NotFoundError } from '../domain/errors';
import type { FusionPoint } from '../domain/fusion';
import type { Visibility } from '../domain/identity';
import {
  INCIDENT_KIND_OF,
  addToSummary,
  claimSummary,
  summaryOf,
  type Allegation,
  type AllegationSourceKind,
  type Assessment,
  type Incident,
  type IncidentEvent,
  type IncidentHeader,
  type IncidentKind,
  type IncidentState,
  type IncidentSummary,
  type NewIncident,
} from '../domain/incident';
import type { Observation } from '../domain/observation';
import { EDITABLE_STATES, isEditable } from '../domain/verification-workflow';
import { decodeCursor, encodeCursor } from './cursor';
import { visibilityClause } from './releasability-sql';
import type { ChangeEntity, ChangeOp, Page } from './repository';

/*
 * Incidents and allegations (issue 7). The logic of every read and write is written once, below,
 * as generators that yield SQL steps; the SQLite store drives them synchronously inside one
 * IMMEDIATE transaction, the PostgreSQL store asynchronously on one pooled connection. The SQL is
 * the same on both engines (`?` placeholders, numbered for PostgreSQL by its driver). Every read
 * takes the caller's visibility and filters in SQL.
 */

// ---- the repository contracts ----

/** An observation of an incident, with who put it there and why. */
export interface MemberObservation {
  observation: Observation;
  addedAt: string;
  /** `system:fusion`, or the analyst who merged or split it in. */
  addedBy: string;
  reason: string | null;
}

export const INCIDENT_SORTS = ['age', 'recent', 'sector', 'updated'] as const;
export type IncidentSort = (typeof INCIDENT_SORTS)[number];

export interface IncidentQuery {
  visibility: Visibility;
  states?: readonly IncidentState[];
  /** A sector id, or null for incidents outside every sector. */
  sector?: string | null;
  kinds?: readonly IncidentKind[];
  /** Only incidents of at least this many observations (corroborated: 2). */
  minObservations?: number;
  /** Only the incident holding this observation. */
  observationId?: string;
  /** Only incidents whose event began at or after / before these instants (epoch ms). */
  from?: number;
  to?: number;
  /** `age`: oldest event first (the queue); `recent`: newest first; `sector`: by sector, then oldest; `updated`: last changed first. */
  sort: IncidentSort;
  limit: number;
  cursor?: string;
}

/** New incidents fusion opens, each with its first observations. */
export interface FusionCreate {
  incident: NewIncident;
  observations: Observation[];
}

/** Observations fusion adds to an incident; opened as `fallback` if it may no longer take them. */
export interface FusionAttach {
  incidentId: string;
  observations: Observation[];
  fallback: NewIncident;
}

export interface FusionBatch {
  creates: FusionCreate[];
  attaches: FusionAttach[];
  /** Who: `system:fusion`, or the analyst of a regroup. */
  by: string;
  at: string;
  /** For the incidents' labels (meetReleasability). */
  coalitionMembers: readonly string[];
  /** The change-feed position this batch takes fusion to. */
  cursorSeq?: number;
}

export interface FusionResult {
  /** Each observation of the batch and the incident it is in now (another process may have put it elsewhere first). */
  incidentOf: Map<string, string>;
  created: string[];
  updated: string[];
  /** Attach targets that had left the editable states: their observations opened new incidents. */
  refused: string[];
}

/** A recent editable incident with its observations' places and times, for the fusion index. */
export interface FusionIncident {
  id: string;
  kind: IncidentKind;
  points: FusionPoint[];
}

export interface IncidentTransitionWrite {
  id: string;
  expectedVersion: number;
  from: IncidentState;
  to: IncidentState;
  assessment: Assessment | null;
  at: string;
  by: string;
  reason: string | null;
  detail: Record<string, unknown> | null;
}

export interface MergeWrite {
  survivorId: string;
  survivorVersion: number;
  otherId: string;
  otherVersion: number;
  at: string;
  by: string;
  reason: string;
  coalitionMembers: readonly string[];
}

export interface SplitWrite {
  id: string;
  expectedVersion: number;
  observationIds: string[];
  incident: NewIncident;
  at: string;
  by: string;
  reason: string;
  coalitionMembers: readonly string[];
}

export interface IncidentRepository {
  /** Stores a batch of fusion's decisions in one transaction (and moves its change-feed position). */
  fuse(batch: FusionBatch): Promise<FusionResult>;
  /** The change-feed position fusion has reached. */
  fusionCursor(): Promise<number>;
  /** Editable incidents (of a kind) whose last observation is in [fromMs, toMs), with their observations' places and times; those `known` holds are left out. */
  forFusion(fromMs: number, toMs: number, kind?: IncidentKind, known?: { has(id: string): boolean }): Promise<FusionIncident[]>;
  /** The observations with these ids (every label: fusion reads as the system), in no particular order; unknown ids are left out. */
  observationDocs(ids: readonly string[]): Promise<Observation[]>;
  /** Observations in no incident, from these sources, in (observedAt, id) order after the key given. */
  unassigned(q: { sourceKinds: readonly string[]; after?: { t: number; id: string }; limit: number }): Promise<Observation[]>;
  /** undefined both for an unknown id and for an incident not released to the reader. */
  get(id: string, visibility: Visibility): Promise<Incident | undefined>;
  /** Those of `ids` released to the reader, by id (the transparency log reads a batch of changes at once). */
  getMany(ids: readonly string[], visibility: Visibility): Promise<Map<string, Incident>>;
  list(q: IncidentQuery): Promise<Page<IncidentHeader>>;
  /** The incident's observations released to the reader, in time order. */
  members(id: string, visibility: Visibility): Promise<MemberObservation[]>;
  /**
   * Moves the incident and appends the step to its history in one transaction, if and only if
   * it is still at the expected version; otherwise stores nothing and throws a ConflictError.
   */
  transition(t: IncidentTransitionWrite): Promise<Incident>;
  /** `other` becomes merged into `survivor`: its observations and allegations move; both at their expected versions. */
  merge(m: MergeWrite): Promise<{ survivor: Incident; other: Incident }>;
  /** The observations named leave the incident for a new one. */
  split(s: SplitWrite): Promise<{ original: Incident; created: Incident }>;
  /** Records in the history that a task (an investigation) was created about the incident. */
  linkTask(w: { id: string; taskId: string; at: string; by: string }): Promise<Incident>;
  /** Recomputes the summaries (labels) of the incidents holding these observations (after a relabel); answers those that changed. */
  refresh(observationIds: readonly string[], coalitionMembers: readonly string[]): Promise<string[]>;
  /** Incidents (any state but merged) of a kind whose time and box come within the given ones: for linking an allegation. */
  candidates(q: { kind: IncidentKind; fromMs: number; toMs: number; bbox: [number, number, number, number] }): Promise<IncidentHeader[]>;
}

export interface AllegationQuery {
  visibility: Visibility;
  incidentId?: string;
  accusedParty?: string;
  sourceKind?: AllegationSourceKind;
  limit: number;
  cursor?: string;
}

/** Where a new allegation goes: an incident it concerns, or a new one opened from it. */
export type AllegationLink = { incidentId: string } | { create: NewIncident; summary: IncidentSummary };

export interface AllegationRepository {
  /** Stores the allegation and links it, in one transaction. ConflictError when the id exists; NotFoundError when the incident does not. */
  file(a: Allegation, link: AllegationLink): Promise<Allegation>;
  get(id: string, visibility: Visibility): Promise<Allegation | undefined>;
  /** Newest filed first, paged by an opaque cursor. */
  list(q: AllegationQuery): Promise<Page<Allegation>>;
  /** Links the allegation to another incident (both incidents' histories say so). */
  link(w: { allegationId: string; incidentId: string; at: string; by: string; reason: string }): Promise<Allegation>;
}

// ---- SQL steps, and how the drivers run them ----

export type SqlStep =
  | { op: 'all'; sql: string; params: unknown[]; lock?: boolean }
  | { op: 'run'; sql: string; params: unknown[] }
  | { op: 'change'; entity: ChangeEntity; change: ChangeOp; ids: string[] };
export type Sql<T> = Generator<SqlStep, T, unknown>;

/** Rows of a SELECT (or of a write with RETURNING). `lock`: PostgreSQL adds FOR UPDATE; SQLite's IMMEDIATE transaction holds the lock already. */
export function* all<R>(sql: string, params: unknown[] = [], lock = false): Sql<R[]> {
  return (yield { op: 'all', sql, params, lock }) as R[];
}
/** Rows changed. */
export function* run(sql: string, params: unknown[] = []): Sql<number> {
  return (yield { op: 'run', sql, params }) as number;
}
/** Recorded in the change feed at the end of the transaction (drivers keep them for last). */
export function* change(entity: ChangeEntity, op: ChangeOp, ids: readonly string[]): Sql<void> {
  if (ids.length) yield { op: 'change', entity, change: op, ids: [...new Set(ids)] };
}

const marks = (n: number) => Array.from({ length: n }, () => '?').join(', ');
function chunks<T>(xs: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}
const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

// ---- rows ----

export interface IncidentRow {
  id: string;
  kind: IncidentKind;
  state: IncidentState;
  version: number;
  releasability: string;
  allegation_count: number;
  summary: string;
  assessment: string | null;
  merged_into: string | null;
  merged_from: string;
  created_at: string;
  created_by: string;
  updated_ms: number;
  first_ms: number;
  sector: string | null;
}

const INCIDENT_COLUMNS =
  'id, kind, state, version, releasability, allegation_count, summary, assessment, merged_into, merged_from, created_at, created_by, updated_ms, first_ms, sector';

interface HistoryRow {
  incident_id: string;
  version: number;
  at: string;
  by_actor: string;
  action: IncidentEvent['action'];
  from_state: IncidentState | null;
  to_state: IncidentState;
  reason: string | null;
  detail: string | null;
}

const iso = (ms: number) => new Date(Number(ms)).toISOString();

export function headerFromRow(r: IncidentRow): IncidentHeader {
  const s = JSON.parse(r.summary) as IncidentSummary;
  return {
    id: r.id,
    kind: r.kind,
    state: r.state,
    version: Number(r.version),
    sector: s.sector,
    releasability: r.releasability,
    firstObservedAt: iso(s.firstMs),
    lastObservedAt: iso(s.lastMs),
    centroid: s.centroid,
    bbox: s.bbox,
    observationCount: s.observationCount,
    events: s.events,
    allegationCount: Number(r.allegation_count),
    composition: { kinds: s.kinds, sources: s.sources, sectors: s.sectors },
    assessment: r.assessment ? (JSON.parse(r.assessment) as Assessment) : null,
    mergedInto: r.merged_into,
    mergedFrom: JSON.parse(r.merged_from) as string[],
    createdAt: r.created_at,
    createdBy: r.created_by,
    updatedAt: iso(r.updated_ms),
  };
}

const eventFromRow = (r: HistoryRow): IncidentEvent => ({
  version: Number(r.version),
  at: r.at,
  by: r.by_actor,
  action: r.action,
  from: r.from_state,
  to: r.to_state,
  reason: r.reason,
  detail: r.detail ? (JSON.parse(r.detail) as Record<string, unknown>) : null,
});

/** The summary's columns, in the order of SUMMARY_SET. */
const summaryValues = (s: IncidentSummary): unknown[] => [
  s.kind,
  s.sector,
  s.releasability,
  s.firstMs,
  s.lastMs,
  s.bbox?.[0] ?? null,
  s.bbox?.[1] ?? null,
  s.bbox?.[2] ?? null,
  s.bbox?.[3] ?? null,
  s.centroid?.lon ?? null,
  s.centroid?.lat ?? null,
  s.observationCount,
  s.events,
  JSON.stringify(s),
];
const SUMMARY_SET =
  'kind = ?, sector = ?, releasability = ?, first_ms = ?, last_ms = ?, min_lon = ?, min_lat = ?, max_lon = ?, max_lat = ?, centroid_lon = ?, centroid_lat = ?, observation_count = ?, events = ?, summary = ?';

const INSERT_INCIDENT = `INSERT INTO incidents (id, kind, sector, releasability, first_ms, last_ms, min_lon, min_lat, max_lon, max_lat, centroid_lon, centroid_lat, observation_count, events, summary,
       state, version, allegation_count, assessment, merged_into, merged_from, created_at, created_by, updated_ms) VALUES `;
const INCIDENT_VALUES = `(?, ${marks(14)}, 'received', 1, ?, NULL, NULL, '[]', ?, ?, ?)`;
const incidentValues = (n: NewIncident, s: IncidentSummary, allegationCount: number): unknown[] => [
  n.id,
  ...summaryValues(s),
  allegationCount,
  n.createdAt,
  n.createdBy,
  Date.parse(n.createdAt),
];

function* insertIncident(n: NewIncident, s: IncidentSummary, allegationCount = 0): Sql<boolean> {
  return (yield* run(`${INSERT_INCIDENT}${INCIDENT_VALUES} ON CONFLICT (id) DO NOTHING`, incidentValues(n, s, allegationCount))) === 1;
}

/** Many new incidents, a few statements for all (a burst of fusion opens hundreds at once); answers the ids inserted. */
function* insertIncidents(list: readonly { incident: NewIncident; summary: IncidentSummary }[]): Sql<Set<string>> {
  const inserted = new Set<string>();
  for (const chunk of chunks(list, 40)) {
    const rows = yield* all<{ id: string }>(
      `${INSERT_INCIDENT}${chunk.map(() => INCIDENT_VALUES).join(', ')} ON CONFLICT (id) DO NOTHING RETURNING id`,
      chunk.flatMap((c) => incidentValues(c.incident, c.summary, 0)),
    );
    for (const r of rows) inserted.add(r.id);
  }
  return inserted;
}

function* updateSummary(id: string, s: IncidentSummary, atMs: number): Sql<void> {
  yield* run(`UPDATE incidents SET ${SUMMARY_SET}, version = version + 1, updated_ms = ? WHERE id = ?`, [...summaryValues(s), atMs, id]);
}

function* appendHistory(id: string, e: IncidentEvent): Sql<void> {
  yield* run('INSERT INTO incident_history (incident_id, version, at, by_actor, action, from_state, to_state, reason, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)', [
    id,
    e.version,
    e.at,
    e.by,
    e.action,
    e.from,
    e.to,
    e.reason,
    e.detail ? JSON.stringify(e.detail) : null,
  ]);
}

function* rowsById(ids: readonly string[], lock = false): Sql<Map<string, IncidentRow>> {
  const out = new Map<string, IncidentRow>();
  for (const chunk of chunks([...ids].sort(), 500)) {
    for (const r of yield* all<IncidentRow>(`SELECT ${INCIDENT_COLUMNS} FROM incidents WHERE id IN (${marks(chunk.length)})`, chunk, lock)) out.set(r.id, r);
  }
  return out;
}

/** The current row, at the version expected, or a 404 / 409 saying why not. */
function* expectRow(id: string, version: number, lock = true): Sql<IncidentRow> {
  const row = (yield* rowsById([id], lock)).get(id);
  if (!row) throw new NotFoundError('incident', id);
  if (Number(row.version) !== version) throw new ConflictError(`incident ${id} changed meanwhile: it is ${row.state} at version ${row.version}, not ${version}; reload and try again`, 'ifVersion');
  return row;
}

function* memberDocs(incidentId: string): Sql<Observation[]> {
  const rows = yield* all<{ doc: string }>('SELECT o.doc FROM incident_observations m JOIN observations o ON o.id = m.observation_id WHERE m.incident_id = ?', [incidentId]);
  return rows.map((r) => JSON.parse(r.doc) as Observation);
}

const membershipValues = (incidentId: string, o: Observation, at: string, by: string, reason: string | null): unknown[] => {
  const t0 = Date.parse(o.observedAt);
  return [o.id, incidentId, t0, o.observedUntil ? Math.max(t0, Date.parse(o.observedUntil)) : t0, o.location.lon, o.location.lat, o.location.accuracyM ?? 0, o.kind, at, by, reason];
};

// ---- incidents ----

export function* fuseTx(b: FusionBatch): Sql<FusionResult> {
  const atMs = Date.parse(b.at);
  const refused: string[] = [];
  // The targets, locked: a transition committed since fusion decided may have fixed their observations.
  const targets = yield* rowsById(
    b.attaches.map((a) => a.incidentId),
    true,
  );
  const creates = [...b.creates];
  const attaches: FusionAttach[] = [];
  for (const a of b.attaches) {
    const t = targets.get(a.incidentId);
    if (t && isEditable(t.state)) attaches.push(a);
    else {
      refused.push(a.incidentId);
      creates.push({ incident: a.fallback, observations: a.observations });
    }
  }

  // Memberships first: an observation another process put somewhere already stays there.
  const wanted: { incidentId: string; o: Observation }[] = [
    ...creates.flatMap((c) => c.observations.map((o) => ({ incidentId: c.incident.id, o }))),
    ...attaches.flatMap((a) => a.observations.map((o) => ({ incidentId: a.incidentId, o }))),
  ].sort((x, y) => byId(x.o, y.o));
  const inserted = new Set<string>();
  for (const chunk of chunks(wanted, 80)) {
    const rows = yield* all<{ observation_id: string }>(
      `INSERT INTO incident_observations (observation_id, incident_id, observed_ms, until_ms, lon, lat, accuracy_m, kind, added_at, added_by, reason)
       VALUES ${chunk.map(() => `(${marks(11)})`).join(', ')} ON CONFLICT (observation_id) DO NOTHING RETURNING observation_id`,
      chunk.flatMap((w) => membershipValues(w.incidentId, w.o, b.at, b.by, null)),
    );
    for (const r of rows) inserted.add(r.observation_id);
  }

  const created: string[] = [];
  const updated: string[] = [];
  const folds = new Map<string, Observation[]>();
  const opening: { incident: NewIncident; summary: IncidentSummary; joined: Observation[] }[] = [];
  for (const c of creates) {
    const joined = c.observations.filter((o) => inserted.has(o.id));
    if (joined.length === 0) continue;
    let s = claimSummary(INCIDENT_KIND_OF[joined[0]!.kind], 0, 0, null);
    for (const o of joined) s = addToSummary(s, o, b.coalitionMembers);
    opening.push({ incident: c.incident, summary: s, joined });
  }
  const opened = yield* insertIncidents(opening);
  for (const o of opening) {
    if (opened.has(o.incident.id)) created.push(o.incident.id);
    // The same id opened by another process (ids follow the first observation): join it.
    else folds.set(o.incident.id, [...(folds.get(o.incident.id) ?? []), ...o.joined]);
  }
  for (const a of attaches) {
    const joined = a.observations.filter((o) => inserted.has(o.id));
    if (joined.length) folds.set(a.incidentId, [...(folds.get(a.incidentId) ?? []), ...joined]);
  }
  const toFold = yield* rowsById([...folds.keys()].filter((id) => !targets.has(id)), true);
  for (const [id, r] of targets) toFold.set(id, r);
  for (const [id, observations] of [...folds].sort(([x], [y]) => (x < y ? -1 : 1))) {
    const row = toFold.get(id);
    if (!row) continue;
    let s = JSON.parse(row.summary) as IncidentSummary;
    for (const o of observations) s = addToSummary(s, o, b.coalitionMembers);
    yield* updateSummary(id, s, atMs);
    updated.push(id);
  }

  const incidentOf = new Map<string, string>();
  for (const w of wanted) if (inserted.has(w.o.id)) incidentOf.set(w.o.id, w.incidentId);
  const elsewhere = wanted.filter((w) => !inserted.has(w.o.id)).map((w) => w.o.id);
  for (const chunk of chunks(elsewhere, 500)) {
    for (const r of yield* all<{ observation_id: string; incident_id: string }>(
      `SELECT observation_id, incident_id FROM incident_observations WHERE observation_id IN (${marks(chunk.length)})`,
      chunk,
    ))
      incidentOf.set(r.observation_id, r.incident_id);
  }
  if (b.cursorSeq !== undefined) yield* run('UPDATE fusion_cursor SET seq = ? WHERE id = 1 AND seq < ?', [b.cursorSeq, b.cursorSeq]);
  yield* change('incident', 'created', created);
  yield* change('incident', 'updated', updated);
  return { incidentOf, created, updated, refused };
}

export function* fusionCursorTx(): Sql<number> {
  const rows = yield* all<{ seq: number }>('SELECT seq FROM fusion_cursor WHERE id = 1');
  return Number(rows[0]?.seq ?? 0);
}

export function* forFusionTx(fromMs: number, toMs: number, kind?: IncidentKind, known?: { has(id: string): boolean }): Sql<FusionIncident[]> {
  // Ids first (the index alone): fusion mostly asks for the window it has just written to, whose
  // incidents it holds already; only the others are read with their observations.
  const heads = yield* all<{ id: string; kind: IncidentKind }>(
    `SELECT id, kind FROM incidents WHERE last_ms >= ? AND last_ms < ? AND state IN (${marks(EDITABLE_STATES.length)})${kind ? ' AND kind = ?' : ''}`,
    [fromMs, toMs, ...EDITABLE_STATES, ...(kind ? [kind] : [])],
  );
  const wanted = heads.filter((h) => !known?.has(h.id)).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const out = new Map<string, FusionIncident>();
  for (const h of wanted) out.set(h.id, { id: h.id, kind: h.kind, points: [] });
  for (const chunk of chunks(wanted.map((h) => h.id), 500)) {
    const rows = yield* all<{ incident_id: string; observation_id: string; obs_kind: Observation['kind']; observed_ms: number; until_ms: number; lon: number; lat: number; accuracy_m: number }>(
      `SELECT incident_id, observation_id, kind AS obs_kind, observed_ms, until_ms, lon, lat, accuracy_m
       FROM incident_observations WHERE incident_id IN (${marks(chunk.length)}) ORDER BY incident_id, observed_ms`,
      chunk,
    );
    for (const r of rows) {
      const f = out.get(r.incident_id)!;
      f.points.push({ id: r.observation_id, kind: INCIDENT_KIND_OF[r.obs_kind] ?? f.kind, lon: Number(r.lon), lat: Number(r.lat), t0: Number(r.observed_ms), t1: Number(r.until_ms), accuracyM: Number(r.accuracy_m) });
    }
  }
  return [...out.values()];
}

export function* observationDocsTx(ids: readonly string[]): Sql<Observation[]> {
  const out: Observation[] = [];
  for (const chunk of chunks([...new Set(ids)], 500)) {
    for (const r of yield* all<{ doc: string }>(`SELECT doc FROM observations WHERE id IN (${marks(chunk.length)})`, chunk)) out.push(JSON.parse(r.doc) as Observation);
  }
  return out;
}

export function* unassignedTx(q: { sourceKinds: readonly string[]; after?: { t: number; id: string }; limit: number }): Sql<Observation[]> {
  if (q.sourceKinds.length === 0) return [];
  const params: unknown[] = [...q.sourceKinds];
  let after = '';
  if (q.after) {
    after = 'AND o.observed_at_ms >= ? AND (o.observed_at_ms > ? OR o.id > ?)';
    params.push(q.after.t, q.after.t, q.after.id);
  }
  const rows = yield* all<{ doc: string }>(
    `SELECT o.doc FROM observations o LEFT JOIN incident_observations m ON m.observation_id = o.id
     WHERE m.observation_id IS NULL AND o.source_kind IN (${marks(q.sourceKinds.length)}) ${after}
     ORDER BY o.observed_at_ms, o.id LIMIT ?`,
    [...params, q.limit],
  );
  return rows.map((r) => JSON.parse(r.doc) as Observation);
}

const visibleWhere = (v: Visibility, column: string, params: unknown[]): string => {
  const clause = visibilityClause(v, column, (x) => {
    params.push(x);
    return '?';
  });
  return clause ? ` AND ${clause}` : '';
};

export function* loadIncidentTx(id: string, visibility: Visibility): Sql<Incident | undefined> {
  return (yield* loadIncidentsTx([id], visibility)).get(id);
}

/** Whole incidents by id (those released to the reader): five queries per 500 ids, not five per incident. */
export function* loadIncidentsTx(ids: readonly string[], visibility: Visibility): Sql<Map<string, Incident>> {
  const out = new Map<string, Incident>();
  for (const chunk of chunks([...new Set(ids)], 500)) {
    const params: unknown[] = [...chunk];
    const visible = visibleWhere(visibility, 'releasability', params);
    const rows = yield* all<IncidentRow>(`SELECT ${INCIDENT_COLUMNS} FROM incidents WHERE id IN (${marks(chunk.length)})${visible}`, params);
    if (rows.length === 0) continue;
    const headers = rows.map(headerFromRow);
    const found = headers.map((h) => h.id);
    const group = <T>(list: readonly { key: string; value: T }[]): Map<string, T[]> => {
      const m = new Map<string, T[]>();
      for (const { key, value } of list) {
        const values = m.get(key);
        if (values) values.push(value);
        else m.set(key, [value]);
      }
      return m;
    };
    const observationIds = group(
      (yield* all<{ incident_id: string; observation_id: string }>(
        `SELECT incident_id, observation_id FROM incident_observations WHERE incident_id IN (${marks(found.length)}) ORDER BY incident_id, observed_ms, observation_id`,
        found,
      )).map((r) => ({ key: r.incident_id, value: r.observation_id })),
    );
    const allegationIds = group(
      (yield* all<{ incident_id: string; id: string }>(`SELECT incident_id, id FROM allegations WHERE incident_id IN (${marks(found.length)}) ORDER BY incident_id, filed_at_ms, id`, found)).map((r) => ({
        key: r.incident_id,
        value: r.id,
      })),
    );
    // Tasks about an incident include those about the incidents merged into it (which may be in
    // this batch too: an id can be about several incidents).
    const ownersOf = new Map<string, string[]>();
    for (const h of headers) for (const a of [h.id, ...h.mergedFrom]) ownersOf.set(a, [...(ownersOf.get(a) ?? []), h.id]);
    const tasks = new Map<string, { id: string; t: number }[]>();
    for (const part of chunks([...ownersOf.keys()], 500)) {
      for (const r of yield* all<{ incident_id: string; id: string; created_at_ms: number }>(`SELECT incident_id, id, created_at_ms FROM tasks WHERE incident_id IN (${marks(part.length)})`, part)) {
        for (const owner of ownersOf.get(r.incident_id)!) {
          const list = tasks.get(owner);
          if (list) list.push({ id: r.id, t: Number(r.created_at_ms) });
          else tasks.set(owner, [{ id: r.id, t: Number(r.created_at_ms) }]);
        }
      }
    }
    const taskIds = new Map([...tasks].map(([owner, list]) => [owner, list.sort((a, b) => a.t - b.t || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((x) => x.id)]));
    const history = group(
      (yield* all<HistoryRow>(`SELECT * FROM incident_history WHERE incident_id IN (${marks(found.length)}) ORDER BY incident_id, version`, found)).map((r) => ({ key: r.incident_id, value: eventFromRow(r) })),
    );
    for (const header of headers) {
      const events = history.get(header.id) ?? [];
      // Fusion opens incidents without a history row (one write less per new event): say it here.
      if (events[0]?.version !== 1) events.unshift({ version: 1, at: header.createdAt, by: header.createdBy, action: 'create', from: null, to: 'received', reason: null, detail: null });
      out.set(header.id, { ...header, observationIds: observationIds.get(header.id) ?? [], allegationIds: allegationIds.get(header.id) ?? [], taskIds: taskIds.get(header.id) ?? [], history: events });
    }
  }
  return out;
}

const SORTS: Record<IncidentQuery['sort'], { order: string; key: (r: IncidentRow) => [string, number, string]; after: string }> = {
  age: { order: 'first_ms ASC, id ASC', key: (r) => ['', Number(r.first_ms), r.id], after: '(first_ms > ? OR (first_ms = ? AND id > ?))' },
  recent: { order: 'first_ms DESC, id DESC', key: (r) => ['', Number(r.first_ms), r.id], after: '(first_ms < ? OR (first_ms = ? AND id < ?))' },
  updated: { order: 'updated_ms DESC, id DESC', key: (r) => ['', Number(r.updated_ms), r.id], after: '(updated_ms < ? OR (updated_ms = ? AND id < ?))' },
  sector: {
    order: "COALESCE(sector, '') ASC, first_ms ASC, id ASC",
    key: (r) => [r.sector ?? '', Number(r.first_ms), r.id],
    after: "(COALESCE(sector, '') > ? OR (COALESCE(sector, '') = ? AND (first_ms > ? OR (first_ms = ? AND id > ?))))",
  },
};

function listCursor(key: [string, number, string]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}
function parseListCursor(cursor: string): [string, number, string] {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 3 && typeof v[0] === 'string' && Number.isFinite(v[1]) && typeof v[2] === 'string') return v as [string, number, string];
  } catch {
    // fall through
  }
  throw new InvalidInputError('cursor', 'is not a cursor this server issued');
}

export function* listIncidentsTx(q: IncidentQuery): Sql<Page<IncidentHeader>> {
  const build = (withCursor: boolean) => {
    const params: unknown[] = [];
    const clauses: string[] = [];
    const visible = visibilityClause(q.visibility, 'releasability', (x) => {
      params.push(x);
      return '?';
    });
    if (visible) clauses.push(visible);
    if (q.states?.length) {
      clauses.push(`state IN (${marks(q.states.length)})`);
      params.push(...q.states);
    }
    if (q.kinds?.length) {
      clauses.push(`kind IN (${marks(q.kinds.length)})`);
      params.push(...q.kinds);
    }
    if (q.observationId !== undefined) {
      clauses.push('id IN (SELECT incident_id FROM incident_observations WHERE observation_id = ?)');
      params.push(q.observationId);
    }
    if (q.minObservations !== undefined) {
      clauses.push('observation_count >= ?');
      params.push(q.minObservations);
    }
    if (q.sector === null) clauses.push('sector IS NULL');
    else if (q.sector !== undefined) {
      clauses.push('sector = ?');
      params.push(q.sector);
    }
    if (q.from !== undefined) {
      clauses.push('first_ms >= ?');
      params.push(q.from);
    }
    if (q.to !== undefined) {
      clauses.push('first_ms < ?');
      params.push(q.to);
    }
    if (withCursor && q.cursor !== undefined) {
      const [s, t, id] = parseListCursor(q.cursor);
      clauses.push(SORTS[q.sort].after);
      params.push(...(q.sort === 'sector' ? [s, s, t, t, id] : [t, t, id]));
    }
    return { sql: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
  };
  const page = build(true);
  const rows = yield* all<IncidentRow>(`SELECT ${INCIDENT_COLUMNS} FROM incidents ${page.sql} ORDER BY ${SORTS[q.sort].order} LIMIT ?`, [...page.params, q.limit + 1]);
  const more = rows.length > q.limit;
  const kept = rows.slice(0, q.limit);
  let total = kept.length;
  if (more || q.cursor !== undefined) {
    const filter = build(false);
    total = Number((yield* all<{ n: number }>(`SELECT COUNT(*) AS n FROM incidents ${filter.sql}`, filter.params))[0]!.n);
  }
  const last = kept[kept.length - 1];
  return { items: kept.map(headerFromRow), total, nextCursor: more && last ? listCursor(SORTS[q.sort].key(last)) : null };
}

export function* membersTx(id: string, visibility: Visibility): Sql<MemberObservation[]> {
  const params: unknown[] = [id];
  const visible = visibleWhere(visibility, 'o.releasability', params);
  const rows = yield* all<{ doc: string; added_at: string; added_by: string; reason: string | null }>(
    `SELECT o.doc, m.added_at, m.added_by, m.reason FROM incident_observations m JOIN observations o ON o.id = m.observation_id
     WHERE m.incident_id = ?${visible} ORDER BY m.observed_ms, m.observation_id`,
    params,
  );
  return rows.map((r) => ({ observation: JSON.parse(r.doc) as Observation, addedAt: r.added_at, addedBy: r.added_by, reason: r.reason }));
}

export function* transitionTx(t: IncidentTransitionWrite): Sql<Incident> {
  // The version (and state) it was decided on, checked by the write itself: of two concurrent
  // transitions from one version, the second finds nothing to update.
  const moved = yield* run('UPDATE incidents SET state = ?, assessment = ?, version = version + 1, updated_ms = ? WHERE id = ? AND version = ? AND state = ?', [
    t.to,
    t.assessment ? JSON.stringify(t.assessment) : null,
    Date.parse(t.at),
    t.id,
    t.expectedVersion,
    t.from,
  ]);
  if (moved === 0) {
    const [now] = yield* all<{ state: string; version: number }>('SELECT state, version FROM incidents WHERE id = ?', [t.id]);
    if (!now) throw new NotFoundError('incident', t.id);
    throw new ConflictError(`incident ${t.id} changed meanwhile: it is ${now.state} (version ${now.version}, not ${t.expectedVersion}); reload and try again`, 'ifVersion');
  }
  yield* appendHistory(t.id, { version: t.expectedVersion + 1, at: t.at, by: t.by, action: 'transition', from: t.from, to: t.to, reason: t.reason, detail: t.detail });
  yield* change('incident', 'updated', [t.id]);
  return (yield* loadIncidentTx(t.id, { all: true }))!;
}

export function* mergeTx(m: MergeWrite): Sql<{ survivor: Incident; other: Incident }> {
  const atMs = Date.parse(m.at);
  // Locked in id order, so two merges of the same pair never wait on each other crosswise.
  const rows = yield* rowsById([m.survivorId, m.otherId], true);
  const check = (id: string, version: number) => {
    const r = rows.get(id);
    if (!r) throw new NotFoundError('incident', id);
    if (Number(r.version) !== version) throw new ConflictError(`incident ${id} changed meanwhile: it is ${r.state} at version ${r.version}, not ${version}; reload and try again`, 'ifVersion');
    return r;
  };
  const survivor = check(m.survivorId, m.survivorVersion);
  const other = check(m.otherId, m.otherVersion);
  const moved = yield* all<{ observation_id: string }>('SELECT observation_id FROM incident_observations WHERE incident_id = ? ORDER BY observation_id', [m.otherId]);
  yield* run('UPDATE incident_observations SET incident_id = ?, added_at = ?, added_by = ?, reason = ? WHERE incident_id = ?', [m.survivorId, m.at, m.by, m.reason, m.otherId]);
  const allegations = yield* all<{ id: string }>('SELECT id FROM allegations WHERE incident_id = ? ORDER BY id', [m.otherId]);
  yield* run('UPDATE allegations SET incident_id = ? WHERE incident_id = ?', [m.survivorId, m.otherId]);

  const base = JSON.parse(survivor.summary) as IncidentSummary;
  const otherSummary = JSON.parse(other.summary) as IncidentSummary;
  const docs = yield* memberDocs(m.survivorId);
  let s = summaryOf(docs, m.coalitionMembers, base);
  // Incidents of allegations only keep the span of their claims.
  if (docs.length === 0) s = { ...s, firstMs: Math.min(base.firstMs, otherSummary.firstMs), lastMs: Math.max(base.lastMs, otherSummary.lastMs), bbox: s.bbox ?? otherSummary.bbox, centroid: s.centroid ?? otherSummary.centroid };
  const mergedFrom = [...(JSON.parse(survivor.merged_from) as string[]), m.otherId, ...(JSON.parse(other.merged_from) as string[])];
  yield* run(`UPDATE incidents SET ${SUMMARY_SET}, merged_from = ?, allegation_count = allegation_count + ?, version = version + 1, updated_ms = ? WHERE id = ?`, [
    ...summaryValues(s),
    JSON.stringify(mergedFrom),
    allegations.length,
    atMs,
    m.survivorId,
  ]);
  yield* run("UPDATE incidents SET state = 'merged', merged_into = ?, allegation_count = 0, version = version + 1, updated_ms = ? WHERE id = ?", [m.survivorId, atMs, m.otherId]);
  const detail = { observationIds: moved.map((r) => r.observation_id), allegationIds: allegations.map((r) => r.id) };
  yield* appendHistory(m.survivorId, {
    version: m.survivorVersion + 1,
    at: m.at,
    by: m.by,
    action: 'merge',
    from: survivor.state,
    to: survivor.state,
    reason: m.reason,
    detail: { otherId: m.otherId, ...detail },
  });
  yield* appendHistory(m.otherId, { version: m.otherVersion + 1, at: m.at, by: m.by, action: 'merged_into', from: other.state, to: 'merged', reason: m.reason, detail: { survivorId: m.survivorId, ...detail } });
  yield* change('incident', 'updated', [m.survivorId, m.otherId]);
  yield* change('allegation', 'updated', detail.allegationIds);
  return { survivor: (yield* loadIncidentTx(m.survivorId, { all: true }))!, other: (yield* loadIncidentTx(m.otherId, { all: true }))! };
}

export function* splitTx(w: SplitWrite): Sql<{ original: Incident; created: Incident }> {
  const row = yield* expectRow(w.id, w.expectedVersion);
  if (!isEditable(row.state)) throw new ConflictError(`incident ${w.id} is ${row.state}: its observations are fixed`, 'state');
  const ids = [...new Set(w.observationIds)].sort();
  const docs = yield* memberDocs(w.id);
  const leaving = docs.filter((o) => ids.includes(o.id));
  const staying = docs.filter((o) => !ids.includes(o.id));
  if (leaving.length !== ids.length) throw new ConflictError(`some of the observations named are no longer in incident ${w.id}; reload and try again`, 'observationIds');
  if (staying.length === 0) throw new InvalidInputError('observationIds', 'must leave at least one observation in the incident');
  const base = JSON.parse(row.summary) as IncidentSummary;
  const atMs = Date.parse(w.at);
  if (!(yield* insertIncident(w.incident, summaryOf(leaving, w.coalitionMembers, claimSummary(base.kind, 0, 0, null))))) throw new ConflictError(`incident ${w.incident.id} exists`, 'id');
  for (const chunk of chunks(ids, 500)) {
    yield* run(`UPDATE incident_observations SET incident_id = ?, added_at = ?, added_by = ?, reason = ? WHERE incident_id = ? AND observation_id IN (${marks(chunk.length)})`, [
      w.incident.id,
      w.at,
      w.by,
      w.reason,
      w.id,
      ...chunk,
    ]);
  }
  yield* updateSummary(w.id, summaryOf(staying, w.coalitionMembers, base), atMs);
  yield* appendHistory(w.id, { version: w.expectedVersion + 1, at: w.at, by: w.by, action: 'split', from: row.state, to: row.state, reason: w.reason, detail: { newIncidentId: w.incident.id, observationIds: ids } });
  yield* appendHistory(w.incident.id, { version: 1, at: w.at, by: w.by, action: 'split_from', from: null, to: 'received', reason: w.reason, detail: { fromIncidentId: w.id, observationIds: ids } });
  yield* change('incident', 'updated', [w.id]);
  yield* change('incident', 'created', [w.incident.id]);
  return { original: (yield* loadIncidentTx(w.id, { all: true }))!, created: (yield* loadIncidentTx(w.incident.id, { all: true }))! };
}

/** A history step that leaves the state as it is (a task or an allegation linked). */
function* noteTx(id: string, at: string, by: string, action: IncidentEvent['action'], detail: Record<string, unknown>, extraSet = ''): Sql<void> {
  const row = (yield* rowsById([id], true)).get(id);
  if (!row) throw new NotFoundError('incident', id);
  yield* run(`UPDATE incidents SET version = version + 1, updated_ms = ?${extraSet} WHERE id = ?`, [Date.parse(at), id]);
  yield* appendHistory(id, { version: Number(row.version) + 1, at, by, action, from: row.state, to: row.state, reason: null, detail });
  yield* change('incident', 'updated', [id]);
}

export function* linkTaskTx(w: { id: string; taskId: string; at: string; by: string }): Sql<Incident> {
  yield* noteTx(w.id, w.at, w.by, 'task_linked', { taskId: w.taskId });
  return (yield* loadIncidentTx(w.id, { all: true }))!;
}

export function* refreshTx(observationIds: readonly string[], coalitionMembers: readonly string[]): Sql<string[]> {
  const ids = new Set<string>();
  for (const chunk of chunks([...observationIds], 500)) {
    for (const r of yield* all<{ incident_id: string }>(`SELECT DISTINCT incident_id FROM incident_observations WHERE observation_id IN (${marks(chunk.length)})`, chunk)) ids.add(r.incident_id);
  }
  const rows = yield* rowsById([...ids], true);
  const changed: string[] = [];
  for (const [id, row] of [...rows].sort(([x], [y]) => (x < y ? -1 : 1))) {
    const before = JSON.parse(row.summary) as IncidentSummary;
    const after = summaryOf(yield* memberDocs(id), coalitionMembers, before);
    if (JSON.stringify(after) === JSON.stringify(before)) continue;
    yield* updateSummary(id, after, Date.now());
    changed.push(id);
  }
  yield* change('incident', 'relabelled', changed);
  return changed;
}

export function* candidatesTx(q: { kind: IncidentKind; fromMs: number; toMs: number; bbox: [number, number, number, number] }): Sql<IncidentHeader[]> {
  const [minLon, minLat, maxLon, maxLat] = q.bbox;
  const rows = yield* all<IncidentRow>(
    `SELECT ${INCIDENT_COLUMNS} FROM incidents
     WHERE kind = ? AND state <> 'merged' AND last_ms >= ? AND first_ms <= ? AND max_lon >= ? AND min_lon <= ? AND max_lat >= ? AND min_lat <= ?
     ORDER BY first_ms, id LIMIT 100`,
    [q.kind, q.fromMs, q.toMs, minLon, maxLon, minLat, maxLat],
  );
  return rows.map(headerFromRow);
}

// ---- allegations ----

interface AllegationRow {
  id: string;
  incident_id: string | null;
  filed_at_ms: number;
  releasability: string;
  doc: string;
}

const allegationFromRow = (r: AllegationRow): Allegation => ({ ...(JSON.parse(r.doc) as Omit<Allegation, 'incidentId'>), releasability: r.releasability, incidentId: r.incident_id });

/** What never changes of an allegation: everything but its link. */
const allegationDoc = (a: Allegation): string => {
  const { incidentId: _incidentId, ...rest } = a;
  return JSON.stringify(rest);
};

export function* fileAllegationTx(a: Allegation, link: AllegationLink): Sql<Allegation> {
  const incidentId = 'incidentId' in link ? link.incidentId : link.create.id;
  if ('create' in link) {
    if (!(yield* insertIncident(link.create, link.summary, 1))) throw new ConflictError(`incident ${link.create.id} exists`, 'id');
    yield* appendHistory(link.create.id, { version: 1, at: a.filedAt, by: a.filedBy, action: 'create', from: null, to: 'received', reason: null, detail: { allegationId: a.id } });
  }
  const inserted = yield* run(
    `INSERT INTO allegations (id, incident_id, filed_at_ms, claimed_ms, lon, lat, releasability, accused_party, source_kind, filer_nation, doc)
     VALUES (${marks(11)}) ON CONFLICT (id) DO NOTHING`,
    [a.id, incidentId, Date.parse(a.filedAt), Date.parse(a.claimedAt), a.location?.lon ?? null, a.location?.lat ?? null, a.releasability, a.accusedParty ?? null, a.source.kind, a.filerNation, allegationDoc({ ...a, incidentId })],
  );
  if (inserted === 0) throw new ConflictError(`allegation ${a.id} exists`, 'id');
  if ('create' in link) yield* change('incident', 'created', [incidentId]);
  else yield* noteTx(incidentId, a.filedAt, a.filedBy, 'allegation_linked', { allegationId: a.id }, ', allegation_count = allegation_count + 1');
  yield* change('allegation', 'created', [a.id]);
  return { ...a, incidentId };
}

export function* getAllegationTx(id: string, visibility: Visibility): Sql<Allegation | undefined> {
  const params: unknown[] = [id];
  const visible = visibleWhere(visibility, 'releasability', params);
  const [row] = yield* all<AllegationRow>(`SELECT id, incident_id, filed_at_ms, releasability, doc FROM allegations WHERE id = ?${visible}`, params);
  return row && allegationFromRow(row);
}

export function* listAllegationsTx(q: AllegationQuery): Sql<Page<Allegation>> {
  const build = (withCursor: boolean) => {
    const params: unknown[] = [];
    const clauses: string[] = [];
    const visible = visibilityClause(q.visibility, 'releasability', (x) => {
      params.push(x);
      return '?';
    });
    if (visible) clauses.push(visible);
    const where = (clause: string, value: unknown) => {
      clauses.push(clause);
      params.push(value);
    };
    if (q.incidentId !== undefined) where('incident_id = ?', q.incidentId);
    if (q.accusedParty !== undefined) where('accused_party = ?', q.accusedParty);
    if (q.sourceKind !== undefined) where('source_kind = ?', q.sourceKind);
    if (withCursor && q.cursor !== undefined) {
      const k = decodeCursor(q.cursor);
      if (!k) throw new InvalidInputError('cursor', 'is not a cursor this server issued');
      clauses.push('(filed_at_ms < ? OR (filed_at_ms = ? AND id < ?))');
      params.push(k.t, k.t, k.id);
    }
    return { sql: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
  };
  const page = build(true);
  const rows = yield* all<AllegationRow>(`SELECT id, incident_id, filed_at_ms, releasability, doc FROM allegations ${page.sql} ORDER BY filed_at_ms DESC, id DESC LIMIT ?`, [
    ...page.params,
    q.limit + 1,
  ]);
  const more = rows.length > q.limit;
  const kept = rows.slice(0, q.limit);
  let total = kept.length;
  if (more || q.cursor !== undefined) {
    const filter = build(false);
    total = Number((yield* all<{ n: number }>(`SELECT COUNT(*) AS n FROM allegations ${filter.sql}`, filter.params))[0]!.n);
  }
  const last = kept[kept.length - 1];
  return { items: kept.map(allegationFromRow), total, nextCursor: more && last ? encodeCursor({ t: Number(last.filed_at_ms), id: last.id }) : null };
}

export function* linkAllegationTx(w: { allegationId: string; incidentId: string; at: string; by: string; reason: string }): Sql<Allegation> {
  const [row] = yield* all<AllegationRow>('SELECT id, incident_id, filed_at_ms, releasability, doc FROM allegations WHERE id = ?', [w.allegationId], true);
  if (!row) throw new NotFoundError('allegation', w.allegationId);
  if (row.incident_id === w.incidentId) return allegationFromRow(row);
  const target = (yield* rowsById([w.incidentId])).get(w.incidentId);
  if (!target) throw new NotFoundError('incident', w.incidentId);
  if (target.state === 'merged') throw new ConflictError(`incident ${w.incidentId} was merged into ${target.merged_into}; link to that one`, 'incidentId');
  yield* run('UPDATE allegations SET incident_id = ? WHERE id = ?', [w.incidentId, w.allegationId]);
  if (row.incident_id) yield* noteTx(row.incident_id, w.at, w.by, 'allegation_unlinked', { allegationId: w.allegationId, to: w.incidentId, reason: w.reason }, ', allegation_count = allegation_count - 1');
  yield* noteTx(w.incidentId, w.at, w.by, 'allegation_linked', { allegationId: w.allegationId, from: row.incident_id, reason: w.reason }, ', allegation_count = allegation_count + 1');
  yield* change('allegation', 'updated', [w.allegationId]);
  return { ...allegationFromRow(row), incidentId: w.incidentId };
}

/** Both repositories over a driver: `read` runs a generator outside a transaction, `write` inside one. */
export interface SqlDriver {
  read<T>(gen: () => Sql<T>): Promise<T>;
  write<T>(gen: () => Sql<T>): Promise<T>;
}

export class SqlIncidents implements IncidentRepository {
  constructor(private readonly d: SqlDriver) {}
  fuse(b: FusionBatch) {
    return this.d.write(() => fuseTx(b));
  }
  fusionCursor() {
    return this.d.read(() => fusionCursorTx());
  }
  forFusion(fromMs: number, toMs: number, kind?: IncidentKind, known?: { has(id: string): boolean }) {
    return this.d.read(() => forFusionTx(fromMs, toMs, kind, known));
  }
  observationDocs(ids: readonly string[]) {
    return this.d.read(() => observationDocsTx(ids));
  }
  unassigned(q: { sourceKinds: readonly string[]; after?: { t: number; id: string }; limit: number }) {
    return this.d.read(() => unassignedTx(q));
  }
  get(id: string, visibility: Visibility) {
    return this.d.read(() => loadIncidentTx(id, visibility));
  }
  getMany(ids: readonly string[], visibility: Visibility) {
    return this.d.read(() => loadIncidentsTx(ids, visibility));
  }
  list(q: IncidentQuery) {
    return this.d.read(() => listIncidentsTx(q));
  }
  members(id: string, visibility: Visibility) {
    return this.d.read(() => membersTx(id, visibility));
  }
  transition(t: IncidentTransitionWrite) {
    return this.d.write(() => transitionTx(t));
  }
  merge(m: MergeWrite) {
    return this.d.write(() => mergeTx(m));
  }
  split(s: SplitWrite) {
    return this.d.write(() => splitTx(s));
  }
  linkTask(w: { id: string; taskId: string; at: string; by: string }) {
    return this.d.write(() => linkTaskTx(w));
  }
  refresh(observationIds: readonly string[], coalitionMembers: readonly string[]) {
    return this.d.write(() => refreshTx(observationIds, coalitionMembers));
  }
  candidates(q: { kind: IncidentKind; fromMs: number; toMs: number; bbox: [number, number, number, number] }) {
    return this.d.read(() => candidatesTx(q));
  }
}

export class SqlAllegations implements AllegationRepository {
  constructor(private readonly d: SqlDriver) {}
  file(a: Allegation, link: AllegationLink) {
    return this.d.write(() => fileAllegationTx(a, link));
  }
  get(id: string, visibility: Visibility) {
    return this.d.read(() => getAllegationTx(id, visibility));
  }
  list(q: AllegationQuery) {
    return this.d.read(() => listAllegationsTx(q));
  }
  link(w: { allegationId: string; incidentId: string; at: string; by: string; reason: string }) {
    return this.d.write(() => linkAllegationTx(w));
  }
}
