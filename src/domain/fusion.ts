import { coversTime, type TimeRanges } from './time-ranges';
import { z } from 'zod';
import { ConflictError, InvalidInputError } from './errors';
import { INCIDENT_KINDS, INCIDENT_KIND_OF, observationSpan, type IncidentKind, type IncidentState } from './incident';
import { SOURCE_KINDS, type Observation } from './observation';
import { isEditable } from './verification-workflow';

/*
 * Fusion: observations of the same event become one incident. Ten posts hear the same shelling;
 * each records it with its own clock and its own idea of where it landed. Two observations are
 * of the same event when their kinds are compatible (one incident kind), their times are within
 * T minutes of each other and their places within D km, widened by how unsure each place is.
 * An incident grows by single linkage (a new observation joins the incident holding the closest
 * matching observation), bounded by how long and how wide one event can be.
 *
 * Fusion runs on every new observation, so the index below keeps recent incidents' observations
 * in time-and-place buckets: a new observation looks only at the few buckets around it, never at
 * the history.
 */

export const FusionWindow = z
  .object({
    minutes: z.number().positive().max(10_080).describe('T: observations at most this many minutes apart can be the same event'),
    km: z.number().positive().max(100).describe('D: observations at most this many km apart can be the same event (before accuracy widens it)'),
    maxSpanMinutes: z.number().positive().max(43_200).describe('One incident spans at most this long, first to last observation'),
    maxExtentKm: z.number().positive().max(500).describe('One incident spreads over at most this far (diagonal of its box)'),
  })
  .strict()
  .describe('The windows of one incident kind');
export type FusionWindow = z.infer<typeof FusionWindow>;

/**
 * Defaults from the monitors' practice: a shelling is heard within minutes by posts a few km
 * apart whose crater or sound-bearing positions differ by a km or two; a weapon sighting is seen
 * again within the hour at the same place; mines stay where they are for days. The fire window
 * (7 min, 1 km, widened by half the two accuracies) was the best F1 over the generated scenarios
 * of test/unit/fusion.test.ts among T of 5/7/10 min, D of 1/1.5/2 km and weights 0/0.5/1.
 */
export const DEFAULT_FUSION_WINDOWS: Record<IncidentKind, FusionWindow> = {
  fire: { minutes: 7, km: 1, maxSpanMinutes: 120, maxExtentKm: 6 },
  weapon_sighting: { minutes: 60, km: 1, maxSpanMinutes: 720, maxExtentKm: 3 },
  air_activity: { minutes: 15, km: 5, maxSpanMinutes: 120, maxExtentKm: 30 },
  mine: { minutes: 1440, km: 0.3, maxSpanMinutes: 10_080, maxExtentKm: 2 },
  access_restriction: { minutes: 60, km: 1, maxSpanMinutes: 720, maxExtentKm: 3 },
  movement: { minutes: 30, km: 3, maxSpanMinutes: 180, maxExtentKm: 20 },
  other: { minutes: 10, km: 1, maxSpanMinutes: 60, maxExtentKm: 3 },
};

export const FusionParams = z
  .object({
    windows: z
      .object(Object.fromEntries(INCIDENT_KINDS.map((k) => [k, FusionWindow.partial().optional()])) as Record<IncidentKind, z.ZodOptional<ReturnType<typeof FusionWindow.partial>>>)
      .strict()
      .default({})
      .transform((w) => Object.fromEntries(INCIDENT_KINDS.map((k) => [k, { ...DEFAULT_FUSION_WINDOWS[k], ...w[k] }])) as Record<IncidentKind, FusionWindow>)
      .describe('Windows per incident kind; what is not given keeps its default'),
    accuracyWeight: z
      .number()
      .min(0)
      .max(5)
      .default(0.5)
      .describe('D is widened by this times the two accuracies (accuracyM, km), at most doubled: two vague places may be one event'),
    sourceKinds: z
      .array(z.enum(SOURCE_KINDS))
      .default(SOURCE_KINDS.filter((k) => k !== 'osint'))
      .describe('Observations from these sources open and join incidents (default: all but OSINT imports, which would flood the queue with compiled history)'),
    keepHours: z.number().positive().max(720).default(6).describe('How far back (from the newest observation) incidents stay in memory; older ones are read from the store when a late observation needs them'),
    allegation: z
      .object({
        minutes: z.number().positive().max(10_080).default(120),
        km: z.number().positive().max(100).default(10),
      })
      .strict()
      .default({ minutes: 120, km: 10 })
      .describe('An allegation is linked to an incident of its kind whose time is within this many minutes of the claimed time and whose place within this many km of the claimed place'),
  })
  .strict()
  .describe('Tunable fusion parameters');
export type FusionParams = z.output<typeof FusionParams>;
export type FusionParamsInput = z.input<typeof FusionParams>;
export const DEFAULT_FUSION_PARAMS: FusionParams = FusionParams.parse({});

/** What fusion needs of an observation. Instants in epoch ms. */
export interface FusionPoint {
  id: string;
  kind: IncidentKind;
  lon: number;
  lat: number;
  t0: number;
  t1: number;
  accuracyM: number;
}

export function pointOf(o: Pick<Observation, 'id' | 'kind' | 'location' | 'observedAt' | 'observedUntil'>): FusionPoint {
  const [t0, t1] = observationSpan(o);
  return { id: o.id, kind: INCIDENT_KIND_OF[o.kind], lon: o.location.lon, lat: o.location.lat, t0, t1, accuracyM: o.location.accuracyM ?? 0 };
}

const KM_PER_DEG = 111.32;
const RAD = Math.PI / 180;

/** Distance in km, equirectangular: within the few km fusion compares, far below the places' own error. */
export function approxKm(lon1: number, lat1: number, lon2: number, lat2: number): number {
  const x = (lon2 - lon1) * Math.cos(((lat1 + lat2) / 2) * RAD);
  return Math.hypot(x, lat2 - lat1) * KM_PER_DEG;
}

/**
 * Whether two observations can be the same event and how close they are: null when not; else a
 * score (0 for the same place and time, up to 2 at the edge of both windows) to prefer the closest.
 */
export function linkScore(a: FusionPoint, b: FusionPoint, w: FusionWindow, accuracyWeight: number): number | null {
  if (a.kind !== b.kind) return null;
  const tMs = w.minutes * 60_000;
  const gap = Math.max(0, Math.max(a.t0, b.t0) - Math.min(a.t1, b.t1));
  if (gap > tMs) return null;
  const reach = w.km + Math.min(w.km, (accuracyWeight * (a.accuracyM + b.accuracyM)) / 1000);
  const d = approxKm(a.lon, a.lat, b.lon, b.lat);
  if (d > reach) return null;
  return d / reach + gap / tMs;
}

interface Member {
  incidentId: string;
  point: FusionPoint;
}

interface Entry {
  id: string;
  kind: IncidentKind;
  firstMs: number;
  lastMs: number;
  bbox: [number, number, number, number];
  pointIds: string[];
}

interface TimeBucket {
  /** End of the bucket (epoch ms): pruned once everything that could reach it is older. */
  endMs: number;
  cells: Map<string, Member[]>;
}

/** The incident an observation would join, and how close it is. */
export interface FusionMatch {
  incidentId: string;
  score: number;
}

/** A long-lasting observation is filed in at most this many time buckets, spread over its span (matches in between may then be missed). */
const MAX_BUCKETS_PER_POINT = 64;

/**
 * Recent incidents' observations in buckets of (incident kind, time, place): time buckets of T,
 * square cells of 2D (the most any link reaches), so a match lies in the neighbouring buckets.
 * Buckets hold (incident, observation) entries; an entry is live while the observation still
 * belongs to that incident (`owner`), so a split or a merge never has to find stale entries.
 */
export class FusionIndex {
  private readonly entries = new Map<string, Entry>();
  private readonly owner = new Map<string, string>();
  private readonly buckets = new Map<string, TimeBucket>();

  constructor(readonly params: FusionParams) {}

  get size(): number {
    return this.entries.size;
  }

  has(incidentId: string): boolean {
    return this.entries.has(incidentId);
  }

  /** The incident an observation belongs to, while it is in the index. */
  incidentOf(pointId: string): string | undefined {
    return this.owner.get(pointId);
  }

  private geometry(kind: IncidentKind) {
    const w = this.params.windows[kind];
    const tMs = w.minutes * 60_000;
    const cellDeg = (2 * w.km) / KM_PER_DEG;
    return { w, tMs, cellDeg };
  }

  private file(incidentId: string, p: FusionPoint): void {
    const { tMs, cellDeg } = this.geometry(p.kind);
    const cell = `${Math.floor(p.lon / cellDeg)}|${Math.floor(p.lat / cellDeg)}`;
    const first = Math.floor(p.t0 / tMs);
    const last = Math.floor(p.t1 / tMs);
    const step = Math.max(1, Math.ceil((last - first + 1) / MAX_BUCKETS_PER_POINT));
    const slots: number[] = [];
    for (let tb = first; tb < last; tb += step) slots.push(tb);
    slots.push(last);
    for (const tb of slots) {
      const key = `${p.kind}|${tb}`;
      let b = this.buckets.get(key);
      if (!b) this.buckets.set(key, (b = { endMs: (tb + 1) * tMs, cells: new Map() }));
      let list = b.cells.get(cell);
      if (!list) b.cells.set(cell, (list = []));
      list.push({ incidentId, point: p });
    }
    this.owner.set(p.id, incidentId);
  }

  /** Puts an incident in the index (again: an entry already there is replaced). */
  add(incidentId: string, kind: IncidentKind, points: readonly FusionPoint[]): void {
    this.remove(incidentId);
    if (points.length === 0) return;
    const e: Entry = { id: incidentId, kind, firstMs: Infinity, lastMs: -Infinity, bbox: [Infinity, Infinity, -Infinity, -Infinity], pointIds: [] };
    this.entries.set(incidentId, e);
    for (const p of points) this.attach(incidentId, p);
  }

  /** One more observation of an incident in the index (ignored when the incident is not in it). */
  attach(incidentId: string, p: FusionPoint): void {
    const e = this.entries.get(incidentId);
    if (!e) return;
    const previous = this.owner.get(p.id);
    if (previous === incidentId) return;
    if (previous) this.detach(previous, p.id);
    e.firstMs = Math.min(e.firstMs, p.t0);
    e.lastMs = Math.max(e.lastMs, p.t1);
    e.bbox = [Math.min(e.bbox[0], p.lon), Math.min(e.bbox[1], p.lat), Math.max(e.bbox[2], p.lon), Math.max(e.bbox[3], p.lat)];
    e.pointIds.push(p.id);
    this.file(incidentId, p);
  }

  private detach(incidentId: string, pointId: string): void {
    const e = this.entries.get(incidentId);
    if (e) e.pointIds = e.pointIds.filter((id) => id !== pointId);
  }

  /** Takes an incident out (it left the editable states, was merged away, or is old). */
  remove(incidentId: string): void {
    const e = this.entries.get(incidentId);
    if (!e) return;
    for (const id of e.pointIds) if (this.owner.get(id) === incidentId) this.owner.delete(id);
    this.entries.delete(incidentId);
  }

  /** The best incident in the index for this observation, or null: it opens a new one. */
  match(p: FusionPoint): FusionMatch | null {
    const { w, tMs, cellDeg } = this.geometry(p.kind);
    const cy = Math.floor(p.lat / cellDeg);
    const cx = Math.floor(p.lon / cellDeg);
    const dx = Math.ceil(1 / Math.max(0.05, Math.cos(Math.min(89, Math.abs(p.lat) + 0.5) * RAD)));
    let best: FusionMatch | null = null;
    const checked = new Map<string, boolean>();
    for (let tb = Math.floor((p.t0 - tMs) / tMs); tb <= Math.floor((p.t1 + tMs) / tMs); tb++) {
      const b = this.buckets.get(`${p.kind}|${tb}`);
      if (!b) continue;
      for (let y = cy - 1; y <= cy + 1; y++) {
        for (let x = cx - dx; x <= cx + dx; x++) {
          const list = b.cells.get(`${x}|${y}`);
          if (!list) continue;
          for (const m of list) {
            if (this.owner.get(m.point.id) !== m.incidentId || m.point.id === p.id) continue;
            const score = linkScore(p, m.point, w, this.params.accuracyWeight);
            if (score === null || (best && score >= best.score && !(score === best.score && m.incidentId < best.incidentId))) continue;
            let fits = checked.get(m.incidentId);
            if (fits === undefined) checked.set(m.incidentId, (fits = this.fits(m.incidentId, p, w)));
            if (fits) best = { incidentId: m.incidentId, score };
          }
        }
      }
    }
    return best;
  }

  /**
   * Whether the incident would still be one event with the observation in it: within the limits
   * of span and extent. One an analyst's merge already made larger still takes a report next to
   * it, growing by at most one window (T, D) beyond its size.
   */
  private fits(incidentId: string, p: FusionPoint, w: FusionWindow): boolean {
    const e = this.entries.get(incidentId);
    if (!e) return false;
    const within = (now: number, after: number, limit: number, step: number) => after <= limit || (now > limit && after <= now + step);
    const span = Math.max(e.lastMs, p.t1) - Math.min(e.firstMs, p.t0);
    if (!within(e.lastMs - e.firstMs, span, w.maxSpanMinutes * 60_000, w.minutes * 60_000)) return false;
    const extent = approxKm(Math.min(e.bbox[0], p.lon), Math.min(e.bbox[1], p.lat), Math.max(e.bbox[2], p.lon), Math.max(e.bbox[3], p.lat));
    return within(approxKm(e.bbox[0], e.bbox[1], e.bbox[2], e.bbox[3]), extent, w.maxExtentKm, w.km);
  }

  /**
   * Forgets the incidents of a kind whose last observation is before `beforeMs`, and that kind's
   * buckets ending before it, except those within `keep` (the window a late batch is working in):
   * after this the index matches observations of that kind made at `beforeMs` + T or later, and
   * within `keep`, as before.
   */
  prune(kind: IncidentKind, beforeMs: number, keep: TimeRanges = []): void {
    // A kept incident keeps the buckets of all its observations, its earliest included: a late
    // report next to its first observation must still find it.
    let keptFrom = Infinity;
    for (const e of [...this.entries.values()]) {
      if (e.kind !== kind || e.lastMs >= beforeMs) continue;
      if (coversTime(keep, e.lastMs)) keptFrom = Math.min(keptFrom, e.firstMs);
      else this.remove(e.id);
    }
    const prefix = `${kind}|`;
    for (const [key, b] of this.buckets) if (key.startsWith(prefix) && b.endMs < beforeMs && b.endMs <= keptFrom) this.buckets.delete(key);
  }
}

/**
 * Groups observations in the order given (as they would arrive), the way the service does on
 * ingest: each joins the best incident in the index or opens one. Answers observation id ->
 * group id (the id of the observation that opened the group). For tests and what-if tuning.
 */
export function fuseSequence(points: readonly FusionPoint[], params: FusionParams = DEFAULT_FUSION_PARAMS): Map<string, string> {
  const index = new FusionIndex(params);
  const out = new Map<string, string>();
  for (const p of points) {
    const m = index.match(p);
    if (m) {
      index.attach(m.incidentId, p);
      out.set(p.id, m.incidentId);
    } else {
      index.add(p.id, p.kind, [p]);
      out.set(p.id, p.id);
    }
  }
  return out;
}

/**
 * Pairwise precision and recall of a grouping against the truth: of the pairs grouped together,
 * how many are one event (precision); of the pairs that are one event, how many were grouped
 * together (recall). With no pair on a side, that side scores 1.
 */
export function pairwiseScores(predicted: ReadonlyMap<string, string>, truth: ReadonlyMap<string, string>): { precision: number; recall: number; f1: number; predictedPairs: number; truePairs: number } {
  const pairs = (n: number) => (n * (n - 1)) / 2;
  const count = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  const byPred = new Map<string, number>();
  const byTrue = new Map<string, number>();
  const byBoth = new Map<string, number>();
  for (const [id, g] of predicted) {
    const t = truth.get(id);
    if (t === undefined) continue;
    count(byPred, g);
    count(byTrue, t);
    count(byBoth, `${g}\u0000${t}`);
  }
  let tp = 0;
  let pp = 0;
  let tt = 0;
  for (const n of byBoth.values()) tp += pairs(n);
  for (const n of byPred.values()) pp += pairs(n);
  for (const n of byTrue.values()) tt += pairs(n);
  const precision = pp === 0 ? 1 : tp / pp;
  const recall = tt === 0 ? 1 : tp / tt;
  return { precision, recall, f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall), predictedPairs: pp, truePairs: tt };
}

/** Checks an analyst's merge of `other` into `survivor` (the workflow table checks `other`'s move to merged). */
export function checkMerge(survivor: { id: string; state: IncidentState }, other: { id: string; state: IncidentState }): void {
  if (survivor.id === other.id) throw new InvalidInputError('otherId', 'must name another incident');
  if (!isEditable(survivor.state)) throw new ConflictError(`incident ${survivor.id} is ${survivor.state}: its observations are fixed; return it for investigation or reopen it first`, 'state');
}

/** Checks an analyst's split of `observationIds` out of an incident into a new one. */
export function checkSplit(incident: { id: string; state: IncidentState }, members: readonly string[], observationIds: readonly string[]): void {
  if (!isEditable(incident.state)) throw new ConflictError(`incident ${incident.id} is ${incident.state}: its observations are fixed; return it for investigation or reopen it first`, 'state');
  const have = new Set(members);
  const stranger = observationIds.find((id) => !have.has(id));
  if (stranger !== undefined) throw new InvalidInputError('observationIds', `${stranger} is not an observation of incident ${incident.id}`);
  if (new Set(observationIds).size >= have.size) throw new InvalidInputError('observationIds', 'must leave at least one observation in the incident');
}
