import { coversTime, earliest, missingRanges, rangesFrom, withRange, type TimeRanges } from '../domain/time-ranges';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { v7 as uuidv7 } from 'uuid';
import { InvalidInputError, NotFoundError, TrucelineError, fieldErrors } from '../domain/errors';
import { FusionIndex, FusionParams, checkMerge, checkSplit, pointOf, approxKm, type FusionParamsInput } from '../domain/fusion';
import { SEE_ALL, canSee, visibilityOf, type Actor, type CoalitionConfig, type UserActor } from '../domain/identity';
import {
  INCIDENT_KINDS,
  claimSummary,
  type Allegation,
  type AllegationData,
  type AssessmentInput,
  type Incident,
  type IncidentHeader,
  type IncidentKind,
  type IncidentState,
  type NewIncident,
} from '../domain/incident';
import type { Observation } from '../domain/observation';
import { estimateOrigin, ellipseRing, type OriginEstimate } from '../domain/origin';
import { allows } from '../domain/permissions';
import { canonicalReleasability } from '../domain/releasability';
import type { TaskData, TaskPlace } from '../domain/task';
import {
  assessmentAfter,
  incidentActions,
  isEditable,
  planIncidentTransition,
  signatureOf,
  type IncidentAction,
} from '../domain/verification-workflow';
import type { AllegationLink, FusionAttach, FusionCreate, FusionResult, IncidentSort, MemberObservation } from '../store/incident-repository';
import type { ChangeEvent, Page, Store } from '../store/repository';
import { actorLabel } from './auth';
import { TaskService, type Caller, type TaskView } from './task.service';

/** What verifying an incident may trigger (the guarantee service). */
export interface IncidentVerifiedHook {
  evaluateIncident(incident: Incident): Promise<unknown>;
}

/** Queued observations fusion holds in memory at most; beyond, it reads them back. */
const CARRY_MAX = 20_000;
/** Own incident changes awaiting their event, at most (a feed that dropped some must not grow this forever). */
const OWN_CHANGES_MAX = 100_000;

export interface IncidentServiceOptions {
  coalition: CoalitionConfig;
  /** Fusion windows and the rest (src/domain/fusion.ts FusionParams). */
  fusion?: FusionParamsInput;
  /** Group new observations as they are stored, following the change feed (default true). */
  follow?: boolean;
  /** Called once a transition made an incident a verified violation. */
  onVerified?: IncidentVerifiedHook;
  /** One standard deviation of a monitor's bearing, degrees (default 3). */
  bearingSigmaDeg?: number;
  log?: (msg: string) => void;
  now?: () => Date;
}

/** An observation of an incident as its page shows it. */
export type IncidentObservationView = Pick<Observation, 'id' | 'kind' | 'subkind' | 'observedAt' | 'observedUntil' | 'location' | 'observer' | 'count' | 'source' | 'sector' | 'releasability' | 'notes'> & {
  addedAt: string;
  addedBy: string;
  reason: string | null;
};

export interface OriginView {
  lat: number;
  lon: number;
  ellipse: OriginEstimate['ellipse'];
  /** The ellipse as a closed GeoJSON ring ([lon, lat]), for the map. */
  ellipseRing: [number, number][];
  residualRmsDeg: number;
  warnings: string[];
  /** The observations whose bearings it comes from. */
  observationIds: string[];
  bearingSigmaDeg: number;
}

/** An incident with what its page shows, cut to what the caller may see, and what they may do. */
export type IncidentView = Incident & {
  observations: IncidentObservationView[];
  /** Observations of the incident not released to the caller (normally none: the incident's label is the most restrictive of theirs). */
  hiddenObservations: number;
  origin: OriginView | null;
  /** Why there is no origin estimate, when there is none. */
  originNote: string | null;
  allegations: AllegationView[];
  tasks: TaskView[];
  actions: IncidentAction[];
  refusedActions: (IncidentAction & { why: string })[];
  can: { merge: boolean; split: boolean; task: boolean; linkAllegation: boolean };
};

/** An allegation as a caller sees it: the incident it is linked to only when that is released to them. */
export type AllegationView = Allegation;

export interface IncidentListInput {
  states?: IncidentState[];
  sector?: string | null;
  kinds?: IncidentKind[];
  minObservations?: number;
  observationId?: string;
  /** Event age bounds, hours before now. */
  minAgeHours?: number;
  maxAgeHours?: number;
  sort: IncidentSort;
  limit: number;
  cursor?: string;
}

export interface InvestigationInput {
  id?: string;
  title?: string;
  description?: string;
  assignee: TaskData['assignee'];
  place?: TaskPlace;
  dueAt: string;
  releasability?: string;
}

/** The fusion parameters of a JSON file (none: the defaults), naming the offending field. */
export function loadFusionParams(file: string | undefined): FusionParamsInput {
  if (!file) return {};
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`fusion parameters file ${file}: ${(err as Error).message}`, { cause: err });
  }
  const r = FusionParams.safeParse(doc);
  if (!r.success) {
    const [first] = fieldErrors(r.error.issues);
    throw new Error(`fusion parameters file ${file}: ${first!.field} ${first!.message}`);
  }
  return doc as FusionParamsInput;
}

function userOf(actor: Actor): UserActor {
  // The route's permission lets no anonymous caller this far; this keeps the type honest.
  if (actor.type !== 'user') throw new TrucelineError(401, 'unauthenticated', 'Authentication required', 'log in or send an API token');
  return actor;
}

/**
 * A UUIDv7-shaped id for the incident an observation opens: its time is the observation's
 * receipt and the rest a hash of its id, so every process fusing the same observation opens the
 * same incident, and the store keeps one.
 */
export function incidentIdFor(observationId: string, atMs: number): string {
  const h = createHash('sha256').update(`incident\u0000${observationId}`).digest();
  const b = Buffer.alloc(16);
  b.writeUIntBE(Math.max(0, Math.min(atMs, 2 ** 48 - 1)), 0, 6);
  h.copy(b, 6, 0, 10);
  b[6] = (b[6]! & 0x0f) | 0x70;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const x = b.toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

const FUSION_ACTOR = 'system:fusion';
const BATCH = 500;
const RETRY_MS = 500;
const HOUR_MS = 3_600_000;

/**
 * Verification use cases (issue 7): fusion of new observations into incidents, the workflow
 * table's transitions with audit, analysts' merges and splits, investigations as tasks, and
 * allegations.
 *
 * Fusion follows the change feed (no ingest path changes, whatever channel an observation came
 * by) from a durable position, so what was stored while no server ran is grouped at start. Each
 * new observation looks only at the buckets of the in-memory index around it (recent editable
 * incidents); an observation older than the index reaches back loads the incidents of its time
 * from the store once. Decisions are written in batches, one transaction each.
 */
export class IncidentService {
  readonly params: FusionParams;
  private readonly index: FusionIndex;
  private readonly tasks: TaskService;
  /**
   * Per incident kind, the ranges of last-observation times within which the index holds every
   * editable incident of the store (and those this process opened since). Nothing for a kind:
   * none loaded yet.
   */
  private readonly loaded = new Map<IncidentKind, TimeRanges>();
  /** The ranges the batch being fused asked for, per kind: kept by the next prune. */
  private working = new Map<IncidentKind, TimeRanges>();
  private newestMs = 0;
  private queue: { seq: number; id: string; observation?: Observation }[] = [];
  private relabelled = new Set<string>();
  /**
   * Incidents changed by someone else than this fusion (an analyst's merge, split or transition in
   * this or another thread or process), to re-read into the index; and how many changes of each
   * incident this fusion wrote and has yet to hear of (those are not re-read).
   */
  private readonly foreign = new Set<string>();
  private readonly ownChanges = new Map<string, number>();
  private fusing = 0;
  private heldIncidentChanges: string[] = [];
  private draining: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private stopped = false;
  private readonly now: () => Date;

  constructor(
    private readonly store: Store,
    private readonly opts: IncidentServiceOptions,
  ) {
    this.params = FusionParams.parse(opts.fusion ?? {});
    this.index = new FusionIndex(this.params);
    this.tasks = new TaskService(store, opts.coalition);
    this.now = opts.now ?? (() => new Date());
  }

  // ---- fusion ----

  /** Follows the change feed (subscribed first, so nothing committed meanwhile is missed), then catches up from the stored position. */
  async start(): Promise<void> {
    this.stopped = false;
    if (this.opts.follow === false) return;
    this.unsubscribe = this.store.changes.subscribe((e) => this.onChange(e));
    const now = this.now().getTime();
    for (const kind of INCIDENT_KINDS) await this.ensure(kind, now - this.params.keepHours * HOUR_MS, Infinity);
    let seq = await this.store.incidents.fusionCursor();
    for (;;) {
      const batch = await this.store.changes.since(seq, 1000);
      for (const e of batch) this.onChange(e);
      if (batch.length < 1000) break;
      seq = batch[batch.length - 1]!.seq;
    }
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    clearTimeout(this.retryTimer);
    await this.draining;
    this.queue = [];
  }

  /** Resolves when every observation seen so far has been grouped (tests, benchmarks). */
  async idle(): Promise<void> {
    while (this.draining || ((this.queue.length || this.relabelled.size) && !this.stopped)) {
      await (this.draining ?? new Promise((r) => setTimeout(r, 10)));
    }
  }

  private onChange(e: ChangeEvent): void {
    if (this.stopped) return;
    if (e.entity === 'incident') {
      if (e.op === 'created' || e.op === 'updated') this.onIncidentChange(e.id);
      return;
    }
    if (e.entity !== 'observation') return;
    // The observation itself only while the queue is short: a long backlog is read back in batches.
    if (e.op === 'created') this.queue.push({ seq: e.seq, id: e.id, ...(e.observation && this.queue.length < CARRY_MAX ? { observation: e.observation } : {}) });
    else if (e.op === 'relabelled') this.relabelled.add(e.id);
    else return;
    this.kick();
  }

  private onIncidentChange(id: string): void {
    // While this fusion's own write is in flight its changes cannot be told apart yet: after it.
    if (this.fusing) {
      this.heldIncidentChanges.push(id);
      return;
    }
    const own = this.ownChanges.get(id);
    if (own) {
      if (own === 1) this.ownChanges.delete(id);
      else this.ownChanges.set(id, own - 1);
      return;
    }
    this.foreign.add(id);
    this.kick();
  }

  private kick(): void {
    if (this.draining || this.retryTimer || this.stopped || (this.queue.length === 0 && this.relabelled.size === 0 && this.foreign.size === 0)) return;
    this.draining = (async () => {
      // After the turn of the event loop that stored them: a burst is read as one batch.
      await new Promise((resolve) => setImmediate(resolve));
      while ((this.queue.length || this.relabelled.size || this.foreign.size) && !this.stopped) {
        const batch = this.queue.slice(0, BATCH);
        const relabelled = [...this.relabelled];
        const foreign = [...this.foreign];
        try {
          // Regroupings first: a report committed after a merge must find the merged incident.
          if (foreign.length) {
            await this.regrouped(foreign);
            for (const id of foreign) this.foreign.delete(id);
          }
          if (batch.length) {
            // Carried by the event where this process stored them; read back otherwise.
            const unread = batch.filter((b) => !b.observation).map((b) => b.id);
            const found = [...batch.flatMap((b) => b.observation ?? []), ...(unread.length ? await this.store.incidents.observationDocs(unread) : [])];
            await this.fuseObservations(found, { by: FUSION_ACTOR, cursorSeq: batch[batch.length - 1]!.seq });
            this.queue.splice(0, batch.length);
          }
          if (relabelled.length) {
            await this.store.incidents.refresh(relabelled, this.opts.coalition.members);
            for (const id of relabelled) this.relabelled.delete(id);
          }
        } catch (err) {
          // A failed read or write must not stop fusion: the batch is tried again once the store answers.
          this.opts.log?.(`incident fusion: ${batch.length} observations failed (${(err as Error).message}); retrying`);
          this.retryTimer = setTimeout(() => {
            this.retryTimer = undefined;
            this.kick();
          }, RETRY_MS);
          this.retryTimer.unref();
          break;
        }
      }
    })().finally(() => {
      this.draining = undefined;
      if (!this.retryTimer) this.kick();
    });
  }

  /**
   * Loads into the index the editable incidents of a kind that observations made between `tMin`
   * and `tMax` could join, where it does not hold them yet: those whose last observation is
   * within T before `tMin` to T plus the longest span after `tMax`.
   */
  private async ensure(kind: IncidentKind, tMin: number, tMax: number): Promise<void> {
    const w = this.params.windows[kind];
    const from = tMin - w.minutes * 60_000;
    const to = tMax + (w.minutes + w.maxSpanMinutes) * 60_000;
    const have = this.loaded.get(kind) ?? [];
    for (const [a, b] of missingRanges(have, from, to)) {
      for (const f of await this.store.incidents.forFusion(a, Math.min(b, Number.MAX_SAFE_INTEGER), kind, this.index)) if (!this.index.has(f.id)) this.index.add(f.id, f.kind, f.points);
    }
    this.loaded.set(kind, withRange(have, from, to));
    // Only once loaded: a failed read must not leave the range kept as if it were held.
    this.working.set(kind, withRange(this.working.get(kind) ?? [], from, to));
  }

  /**
   * Forgets, kind by kind, what no observation made within `keepHours` of the newest can join
   * (measured from the newest observation, not the clock: a replay of last week works the same).
   * A later observation older than that has its incidents loaded again from the store.
   */
  private prune(): void {
    const working = this.working;
    this.working = new Map();
    for (const [kind, range] of this.loaded) {
      const w = this.params.windows[kind];
      const before = this.newestMs - this.params.keepHours * HOUR_MS - w.minutes * 60_000;
      // Not for every batch: the scan is over the whole index.
      if (before - (earliest(range) ?? before) < w.minutes * 60_000) continue;
      // What the last batch worked in stays (a late batch's neighbours are the next one's).
      const keep = working.get(kind) ?? [];
      this.index.prune(kind, before, keep);
      this.loaded.set(kind, keep.reduce<TimeRanges>((r, [a, b]) => withRange(r, a, b), rangesFrom(range, before)));
    }
  }

  /**
   * Groups observations (in time order) into incidents: each joins the incident in the index it
   * is closest to, or opens one. Observations from sources fusion leaves out, and those already
   * in an incident, are passed over. Public for the regroup and for tests.
   */
  async fuseObservations(observations: readonly Observation[], opts: { by: string; cursorSeq?: number }): Promise<FusionResult> {
    const sources = new Set<string>(this.params.sourceKinds);
    const todo = observations.filter((o) => sources.has(o.source.kind) && this.index.incidentOf(o.id) === undefined).sort((a, b) => Date.parse(a.observedAt) - Date.parse(b.observedAt) || (a.id < b.id ? -1 : 1));
    const spans = new Map<IncidentKind, [number, number]>();
    for (const o of todo) {
      const p = pointOf(o);
      const s = spans.get(p.kind);
      spans.set(p.kind, s ? [Math.min(s[0], p.t0), Math.max(s[1], p.t1)] : [p.t0, p.t1]);
    }
    for (const [kind, [t0, t1]] of spans) await this.ensure(kind, t0, t1);
    const creates = new Map<string, FusionCreate>();
    const attaches = new Map<string, FusionAttach>();
    const planned = new Map<string, string>();
    const at = this.now().toISOString();
    for (const o of todo) {
      const p = pointOf(o);
      const m = this.index.match(p);
      const fallback: NewIncident = { id: incidentIdFor(o.id, Date.parse(o.receivedAt)), createdAt: at, createdBy: opts.by };
      if (m && creates.has(m.incidentId)) creates.get(m.incidentId)!.observations.push(o);
      else if (m) {
        const a = attaches.get(m.incidentId);
        if (a) a.observations.push(o);
        else attaches.set(m.incidentId, { incidentId: m.incidentId, observations: [o], fallback });
      } else {
        creates.set(fallback.id, { incident: fallback, observations: [o] });
        this.index.add(fallback.id, p.kind, [p]);
      }
      if (m) this.index.attach(m.incidentId, p);
      planned.set(o.id, m?.incidentId ?? fallback.id);
      this.newestMs = Math.max(this.newestMs, Math.min(p.t1, Date.now() + HOUR_MS));
    }
    if (todo.length === 0 && opts.cursorSeq === undefined) return { incidentOf: new Map(), created: [], updated: [], refused: [] };
    this.fusing++;
    let result: FusionResult;
    try {
      result = await this.store.incidents.fuse({
        creates: [...creates.values()],
        attaches: [...attaches.values()],
        by: opts.by,
        at,
        coalitionMembers: this.opts.coalition.members,
        ...(opts.cursorSeq === undefined ? {} : { cursorSeq: opts.cursorSeq }),
      });
    } finally {
      this.fusing--;
    }
    // Its own changes, heard now (SQLite: during the write) or later (PostgreSQL), are not re-read.
    if (this.ownChanges.size > OWN_CHANGES_MAX) this.ownChanges.clear();
    for (const id of [...result.created, ...result.updated]) this.ownChanges.set(id, (this.ownChanges.get(id) ?? 0) + 1);
    if (this.fusing === 0) for (const id of this.heldIncidentChanges.splice(0)) this.onIncidentChange(id);
    // What the store did where it differs from the plan: a target had left the editable states,
    // or another process had put an observation elsewhere first.
    for (const id of result.refused) this.index.remove(id);
    for (const o of todo) {
      const actual = result.incidentOf.get(o.id);
      if (!actual || actual === planned.get(o.id)) continue;
      const p = pointOf(o);
      if (this.index.has(actual)) this.index.attach(actual, p);
      else this.index.add(actual, p.kind, [p]);
    }
    this.prune();
    return result;
  }

  /**
   * Groups every observation that is in no incident yet, oldest first: once, for observations
   * stored before fusion existed or while it was off (`truceline incidents regroup`).
   */
  async regroup(opts: { by?: string; onProgress?: (done: number) => void } = {}): Promise<{ observations: number; created: number; updated: number }> {
    let after: { t: number; id: string } | undefined;
    let observations = 0;
    const created = new Set<string>();
    const updated = new Set<string>();
    for (;;) {
      const chunk = await this.store.incidents.unassigned({ sourceKinds: this.params.sourceKinds, ...(after ? { after } : {}), limit: 1000 });
      if (chunk.length === 0) break;
      const r = await this.fuseObservations(chunk, { by: opts.by ?? 'system:regroup' });
      for (const id of r.created) created.add(id);
      for (const id of r.updated) if (!created.has(id)) updated.add(id);
      observations += chunk.length;
      opts.onProgress?.(observations);
      const last = chunk[chunk.length - 1]!;
      after = { t: Date.parse(last.observedAt), id: last.id };
    }
    return { observations, created: created.size, updated: updated.size };
  }

  /** Re-reads into the index incidents someone else than this fusion changed (merged, split, moved between states). */
  private async regrouped(ids: readonly string[]): Promise<void> {
    const found = await this.store.incidents.getMany(ids, SEE_ALL);
    for (const id of ids) {
      const incident = found.get(id);
      if (incident) await this.reindex(incident);
      else this.index.remove(id);
    }
  }

  /** Puts an incident back in the index after its observations changed (merge, split) or it became editable again. */
  private async reindex(incident: Pick<Incident, 'id' | 'kind' | 'state' | 'lastObservedAt'>): Promise<void> {
    const range = this.loaded.get(incident.kind);
    const last = Date.parse(incident.lastObservedAt);
    if (!isEditable(incident.state) || !range || !coversTime(range, last)) {
      this.index.remove(incident.id);
      return;
    }
    const members = await this.store.incidents.members(incident.id, SEE_ALL);
    this.index.add(
      incident.id,
      incident.kind,
      members.map((m) => pointOf(m.observation)),
    );
  }

  // ---- reading ----

  async list(caller: Caller, q: IncidentListInput): Promise<Page<IncidentHeader>> {
    const now = this.now().getTime();
    return this.store.incidents.list({
      visibility: caller.visibility,
      sort: q.sort,
      limit: q.limit,
      ...(q.states?.length ? { states: q.states } : {}),
      ...(q.kinds?.length ? { kinds: q.kinds } : {}),
      ...(q.minObservations !== undefined ? { minObservations: q.minObservations } : {}),
      ...(q.observationId !== undefined ? { observationId: q.observationId } : {}),
      ...(q.sector !== undefined ? { sector: q.sector } : {}),
      ...(q.maxAgeHours !== undefined ? { from: now - q.maxAgeHours * HOUR_MS } : {}),
      ...(q.minAgeHours !== undefined ? { to: now - q.minAgeHours * HOUR_MS } : {}),
      ...(q.cursor !== undefined ? { cursor: q.cursor } : {}),
    });
  }

  async get(caller: Caller, id: string): Promise<IncidentView> {
    const incident = await this.store.incidents.get(id, caller.visibility);
    if (!incident) throw new NotFoundError('incident', id);
    return this.view(incident, caller);
  }

  /** The origin estimate from the bearings of the incident's observations, or why there is none. */
  originOf(members: readonly Observation[]): { origin: OriginView | null; note: string | null } {
    const sigma = this.opts.bearingSigmaDeg ?? 3;
    const bearings = members.filter((o) => o.observer?.bearingDeg !== undefined).map((o) => ({ id: o.id, lat: o.observer!.lat, lon: o.observer!.lon, bearingDeg: o.observer!.bearingDeg! }));
    if (bearings.length < 2) return { origin: null, note: `an origin needs bearings from two or more observers; this incident has ${bearings.length}` };
    const e = estimateOrigin(bearings, { sigmaDeg: sigma });
    if (!e) return { origin: null, note: 'the bearings do not cross: observers at one place, lines (nearly) parallel, or meeting out of any weapon\'s range' };
    return {
      origin: { lat: e.lat, lon: e.lon, ellipse: e.ellipse, ellipseRing: ellipseRing(e), residualRmsDeg: e.residualRmsDeg, warnings: e.warnings, observationIds: bearings.map((b) => b.id), bearingSigmaDeg: sigma },
      note: null,
    };
  }

  private async view(incident: Incident, caller: Caller): Promise<IncidentView> {
    const members: MemberObservation[] = await this.store.incidents.members(incident.id, caller.visibility);
    const allegations = incident.allegationIds.length ? (await this.store.allegations.list({ visibility: caller.visibility, incidentId: incident.id, limit: 500 })).items : [];
    const tasks = (await Promise.all(incident.taskIds.map((t) => this.tasks.get(caller, t).catch(() => undefined)))).filter((t): t is TaskView => t !== undefined);
    const { origin, note } = this.originOf(members.map((m) => m.observation));
    const user = caller.actor.type === 'user' ? caller.actor : null;
    const { allowed, refused } = user ? incidentActions(incident, user) : { allowed: [], refused: [] };
    const write = !!user && allows(user, 'incident.write');
    const visibleIds = new Set(members.map((m) => m.observation.id));
    return {
      ...incident,
      observationIds: incident.observationIds.filter((i) => visibleIds.has(i)),
      allegationIds: allegations.map((a) => a.id),
      taskIds: tasks.map((t) => t.id),
      observations: members.map(({ observation: o, addedAt, addedBy, reason }) => ({
        id: o.id,
        kind: o.kind,
        ...(o.subkind ? { subkind: o.subkind } : {}),
        observedAt: o.observedAt,
        ...(o.observedUntil ? { observedUntil: o.observedUntil } : {}),
        location: o.location,
        ...(o.observer ? { observer: o.observer } : {}),
        count: o.count,
        source: o.source,
        sector: o.sector,
        releasability: o.releasability,
        ...(o.notes ? { notes: o.notes } : {}),
        addedAt,
        addedBy,
        reason,
      })),
      hiddenObservations: incident.observationIds.length - members.length,
      origin,
      originNote: note,
      allegations: await Promise.all(allegations.map((a) => this.allegationView(a, caller))),
      tasks,
      actions: allowed,
      refusedActions: refused,
      can: {
        merge: write && isEditable(incident.state),
        split: write && isEditable(incident.state) && incident.observationIds.length > 1,
        task: write && allows(user!, 'task.write') && incident.state !== 'merged',
        linkAllegation: write && incident.state !== 'merged',
      },
    };
  }

  // ---- the workflow ----

  private async audit(by: string, action: string, entity: string, entityId: string, detail: Record<string, unknown>, at = this.now().toISOString()): Promise<void> {
    await this.store.audit.append({ id: uuidv7(), at, actor: by, action, entity, entityId, detail });
  }

  private async visible(caller: Caller, id: string, field?: string): Promise<Incident> {
    const incident = await this.store.incidents.get(id, caller.visibility);
    if (incident) return incident;
    const e = new NotFoundError('incident', id);
    throw field ? new TrucelineError(404, e.type, e.title, e.message, field) : e;
  }

  private static checkVersion(incident: Incident, ifVersion: number | undefined): void {
    if (ifVersion !== undefined && ifVersion !== incident.version) {
      throw new TrucelineError(409, 'conflict', 'Conflict', `incident ${incident.id} is at version ${incident.version} (${incident.state}), not ${ifVersion}; reload and try again`, 'ifVersion');
    }
  }

  /**
   * Moves an incident by the table. `ifVersion`: the version the caller saw; when it moved
   * meanwhile (a transition, an observation joining), 409 rather than acting on what they have
   * not seen. A move to verified violation is then evaluated against the guarantee criteria.
   */
  async transition(caller: Caller, id: string, input: { to: IncidentState; reason?: string | null; assessment?: AssessmentInput; ifVersion?: number }): Promise<IncidentView> {
    const actor = userOf(caller.actor);
    const incident = await this.visible(caller, id);
    IncidentService.checkVersion(incident, input.ifVersion);
    const reason = input.reason?.trim() || null;
    const request = { reason, ...(input.assessment ? { assessment: input.assessment } : {}) };
    const row = planIncidentTransition(incident, input.to, actor, request);
    const at = this.now().toISOString();
    const by = actorLabel(actor);
    const assessment = assessmentAfter(row, incident, request, signatureOf(actor, by, at));
    const detail: Record<string, unknown> = { action: row.action };
    if (row.assessment === 'draft') detail.assessment = assessment;
    if (row.assessment === 'confirm' || row.assessment === 'review') detail.signed = { as: row.assessment, nation: actor.nation };
    if (row.assessment === 'clear' && incident.assessment) detail.withdrawn = incident.assessment;
    const moved = await this.store.incidents.transition({ id, expectedVersion: incident.version, from: row.from, to: row.to, assessment, at, by, reason, detail });
    await this.audit(by, 'incident.transition', 'incident', id, { from: row.from, to: row.to, action: row.action, reason, version: moved.version, ...(row.assessment === 'draft' ? { assessment } : {}) }, at);
    if (isEditable(moved.state) !== isEditable(incident.state)) await this.reindex(moved);
    if (moved.state === 'verified_violation' && this.opts.onVerified) {
      try {
        await this.opts.onVerified.evaluateIncident(moved);
      } catch (err) {
        // The finding stands whatever the alerting does; the failure is loud.
        this.opts.log?.(`guarantee triggers: evaluating verified incident ${id} failed (${(err as Error).message})`);
      }
    }
    return this.view(moved, caller);
  }

  /** `otherId` is merged into `id` (its observations and allegations move; it becomes merged). */
  async merge(caller: Caller, id: string, input: { otherId: string; reason: string; ifVersion?: number }): Promise<IncidentView> {
    const actor = userOf(caller.actor);
    const survivor = await this.visible(caller, id);
    const other = await this.visible(caller, input.otherId, 'otherId');
    IncidentService.checkVersion(survivor, input.ifVersion);
    checkMerge(survivor, other);
    const reason = input.reason?.trim() ?? '';
    planIncidentTransition(other, 'merged', actor, { reason }, 'merge');
    const at = this.now().toISOString();
    const by = actorLabel(actor);
    const r = await this.store.incidents.merge({ survivorId: id, survivorVersion: survivor.version, otherId: other.id, otherVersion: other.version, at, by, reason, coalitionMembers: this.opts.coalition.members });
    await this.audit(by, 'incident.merge', 'incident', id, { otherId: other.id, reason, observationIds: other.observationIds, allegationIds: other.allegationIds }, at);
    this.index.remove(other.id);
    await this.reindex(r.survivor);
    return this.view(r.survivor, caller);
  }

  /** The observations named leave the incident for a new one (state received). */
  async split(caller: Caller, id: string, input: { observationIds: string[]; reason: string; ifVersion?: number }): Promise<{ original: IncidentView; created: IncidentView }> {
    const actor = userOf(caller.actor);
    const incident = await this.visible(caller, id);
    IncidentService.checkVersion(incident, input.ifVersion);
    const reason = input.reason?.trim();
    if (!reason) throw new InvalidInputError('reason', 'is required to split an incident');
    checkSplit(incident, incident.observationIds, input.observationIds);
    const at = this.now().toISOString();
    const by = actorLabel(actor);
    const r = await this.store.incidents.split({
      id,
      expectedVersion: incident.version,
      observationIds: input.observationIds,
      incident: { id: uuidv7(), createdAt: at, createdBy: by },
      at,
      by,
      reason,
      coalitionMembers: this.opts.coalition.members,
    });
    await this.audit(by, 'incident.split', 'incident', id, { newIncidentId: r.created.id, observationIds: input.observationIds, reason }, at);
    await this.reindex(r.original);
    await this.reindex(r.created);
    return { original: await this.view(r.original, caller), created: await this.view(r.created, caller) };
  }

  /** Tasks a team to investigate the incident (a task of kind investigation, linked to it). */
  async investigate(caller: Caller, id: string, input: InvestigationInput): Promise<{ task: TaskView; incident: IncidentView }> {
    const actor = userOf(caller.actor);
    if (!allows(actor, 'task.write')) throw new TrucelineError(403, 'forbidden', 'Forbidden', 'task.write is not granted to your role');
    const incident = await this.visible(caller, id);
    if (incident.state === 'merged') throw new TrucelineError(409, 'conflict', 'Conflict', `incident ${id} was merged into ${incident.mergedInto}; task that one`, 'id');
    const place: TaskPlace | undefined = input.place ?? (incident.centroid ? { type: 'Point', coordinates: [incident.centroid.lon, incident.centroid.lat] } : undefined);
    if (!place) throw new InvalidInputError('place', 'is required: the incident has no place to default to');
    const task = await this.tasks.create(caller, {
      ...(input.id ? { id: input.id } : {}),
      kind: 'investigation',
      title: input.title ?? `Investigate incident ${id.slice(0, 8)} (${incident.kind.replace('_', ' ')}${incident.sector ? `, ${incident.sector}` : ''})`,
      description: input.description ?? '',
      assignee: input.assignee,
      place,
      dueAt: input.dueAt,
      ...(input.releasability ? { releasability: input.releasability } : {}),
      incidentId: id,
    });
    const linked = await this.store.incidents.linkTask({ id, taskId: task.id, at: task.createdAt, by: actorLabel(actor) });
    return { task, incident: await this.view(linked, caller) };
  }

  // ---- allegations ----

  private async allegationView(a: Allegation, caller: Caller): Promise<AllegationView> {
    if (!a.incidentId || caller.visibility.all) return a;
    // The link says there is an incident; one not released to the caller does not exist for them.
    return (await this.store.incidents.get(a.incidentId, caller.visibility)) ? a : { ...a, incidentId: null };
  }

  /** The incident an allegation concerns: the nearest of its kind within the allegation windows, by time then place. */
  private async matchAllegation(data: AllegationData): Promise<string | null> {
    if (!data.location) return null;
    const { minutes, km } = this.params.allegation;
    const t0 = Date.parse(data.claimedAt);
    const t1 = data.claimedUntil ? Date.parse(data.claimedUntil) : t0;
    const dLat = km / 111.32;
    const dLon = km / (111.32 * Math.max(0.05, Math.cos((data.location.lat * Math.PI) / 180)));
    const { lon, lat } = data.location;
    const found = await this.store.incidents.candidates({ kind: data.kind, fromMs: t0 - minutes * 60_000, toMs: t1 + minutes * 60_000, bbox: [lon - dLon, lat - dLat, lon + dLon, lat + dLat] });
    let best: { id: string; d: number } | null = null;
    for (const i of found) {
      if (!i.centroid) continue;
      const d = approxKm(lon, lat, i.centroid.lon, i.centroid.lat);
      if (d <= km && (!best || d < best.d)) best = { id: i.id, d };
    }
    return best?.id ?? null;
  }

  async fileAllegation(caller: Caller, data: AllegationData): Promise<AllegationView> {
    const actor = userOf(caller.actor);
    const source = data.source ?? { kind: actor.orgKind === 'party' ? 'party' : 'public' };
    // A party speaks for itself: its users file the party's claims, not the public's or an NGO's.
    if (actor.orgKind === 'party' && source.kind !== 'party') throw new InvalidInputError('source.kind', 'must be party for a party\'s users');
    const label = canonicalReleasability(data.releasability ?? (actor.orgKind === 'mechanism' ? 'MECHANISM' : `REL TO ${actor.nation}`));
    if (!canSee(visibilityOf(actor, this.opts.coalition), label)) throw new InvalidInputError('releasability', `${label} is not released to you: you could not read what you filed; use e.g. "REL TO ${actor.nation}"`);
    let link: AllegationLink;
    if (data.incidentId) {
      let target = await this.visible(caller, data.incidentId, 'incidentId');
      // An allegation about an incident merged away concerns the one it was merged into.
      for (let hops = 0; target.state === 'merged' && target.mergedInto && hops < 10; hops++) target = await this.visible(caller, target.mergedInto, 'incidentId');
      link = { incidentId: target.id };
    } else {
      const matched = await this.matchAllegation(data);
      if (matched) link = { incidentId: matched };
      else {
        const t0 = Date.parse(data.claimedAt);
        link = {
          create: { id: uuidv7(), createdAt: this.now().toISOString(), createdBy: actorLabel(actor) },
          summary: claimSummary(data.kind, t0, data.claimedUntil ? Date.parse(data.claimedUntil) : t0, data.location ?? null),
        };
      }
    }
    const filedAt = this.now().toISOString();
    const a: Allegation = {
      id: data.id ?? uuidv7(),
      source: { kind: source.kind, ...(source.name ? { name: source.name } : {}) },
      kind: data.kind,
      claimedAt: data.claimedAt,
      ...(data.claimedUntil ? { claimedUntil: data.claimedUntil } : {}),
      ...(data.location ? { location: data.location } : {}),
      ...(data.place ? { place: data.place } : {}),
      ...(data.accusedParty ? { accusedParty: data.accusedParty } : {}),
      narrative: data.narrative,
      ...(data.casualties ? { casualties: data.casualties } : {}),
      attachments: data.attachments,
      releasability: label,
      incidentId: null,
      filedAt,
      filedBy: actorLabel(actor),
      filerId: actor.id,
      filerNation: actor.nation,
      filerOrgKind: actor.orgKind,
    };
    const stored = await this.store.allegations.file(a, link);
    await this.audit(a.filedBy, 'allegation.file', 'allegation', a.id, { incidentId: stored.incidentId, opened: 'create' in link, source: a.source, accusedParty: a.accusedParty ?? null, attachments: a.attachments.map((x) => x.sha256), releasability: label }, filedAt);
    return this.allegationView(stored, caller);
  }

  async getAllegation(caller: Caller, id: string): Promise<AllegationView> {
    const a = await this.store.allegations.get(id, caller.visibility);
    if (!a) throw new NotFoundError('allegation', id);
    return this.allegationView(a, caller);
  }

  async listAllegations(caller: Caller, q: { incidentId?: string; accusedParty?: string; sourceKind?: Allegation['source']['kind']; limit: number; cursor?: string }): Promise<Page<AllegationView>> {
    const page = await this.store.allegations.list({ ...q, visibility: caller.visibility });
    return { ...page, items: await Promise.all(page.items.map((a) => this.allegationView(a, caller))) };
  }

  /** An analyst links an allegation to the incident it concerns (both incidents' histories say so). */
  async linkAllegation(caller: Caller, id: string, input: { incidentId: string; reason: string }): Promise<AllegationView> {
    const actor = userOf(caller.actor);
    const a = await this.store.allegations.get(id, caller.visibility);
    if (!a) throw new NotFoundError('allegation', id);
    await this.visible(caller, input.incidentId, 'incidentId');
    const reason = input.reason?.trim();
    if (!reason) throw new InvalidInputError('reason', 'is required to link an allegation to another incident');
    const at = this.now().toISOString();
    const by = actorLabel(actor);
    const linked = await this.store.allegations.link({ allegationId: id, incidentId: input.incidentId, at, by, reason });
    await this.audit(by, 'allegation.link', 'allegation', id, { from: a.incidentId, to: input.incidentId, reason }, at);
    return this.allegationView(linked, caller);
  }
}
