import { z } from 'zod';
import { perSide, versionInForce, type ParsedAgreement } from './agreement';
import { EXPLOSION_SUBKINDS, FIRE_KINDS, OBSERVATION_KINDS, SOURCE_KINDS, type Observation } from './observation';
import { canonicalReleasability } from './releasability';
import { BREACH_KINDS, type BreachKind, type Judgement } from './rules';
import { CONFIDENCES, INCIDENT_KINDS, confidenceRank, isPartyAttribution, type Incident } from './incident';

/*
 * Guarantee triggers: when "a new attack" is established, the guarantor nations must be told
 * within seconds and each must acknowledge. The criteria are data (a JSON document, editable at
 * run time); the evaluation is a pure function of the criteria, the subject (an observation with
 * its judgement and the recent breaches of its sector) and the agreement, so every process on a
 * store reaches the same verdict on the same observation.
 *
 * A criterion kind is one member of the discriminated union TriggerCriterion, a subject is one
 * member of TriggerSubject (an observation as it is stored, or an incident as it is verified),
 * CRITERION_SUBJECT says which subject each kind is evaluated on, and EVALUATORS maps each kind
 * to its function; the compiler names every place left to handle a new one.
 */

const CriterionId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/, 'must be letters, digits and _ . : - (starting with a letter or digit)');

const common = {
  id: CriterionId.describe('Stable id of the criterion; alerts name it, and with the triggering key it makes the alert id'),
  name: z.string().min(1).max(200).describe('What the criterion stands for, as guarantors read it in an alert'),
  enabled: z.boolean().default(true).describe('A disabled criterion raises nothing'),
  sourceKinds: z
    .array(z.enum(SOURCE_KINDS))
    .min(1)
    .optional()
    .describe('Only observations from these sources count (default: every source)'),
  coalesceMinutes: z
    .number()
    .positive()
    .max(7 * 24 * 60)
    .optional()
    .describe(
      'While an alert of this criterion for the same sector is unacknowledged, a matching observation made up to this long after its latest one is attached to it instead of raising a new alert (default: 60; for a cluster, its window)',
    ),
};

export const ProtectedSiteImpactCriterion = z
  .object({
    kind: z.literal('protected_site_impact').describe('An observation whose latest judgement breaches an "impact at a protected site" provision'),
    ...common,
    sites: z.array(z.string().min(1).max(64)).min(1).optional().describe('Protected-site provision ids that count (default: every protected site)'),
  })
  .strict()
  .describe('Impact at a protected site');

export const AttackClusterCriterion = z
  .object({
    kind: z.literal('attack_cluster').describe('N breaching observations of attack kinds in one sector within T hours'),
    ...common,
    attackKinds: z
      .array(z.enum(OBSERVATION_KINDS))
      .min(1)
      .default([...FIRE_KINDS])
      .describe('Observation kinds that count as attacks (default: explosions, bursts, shots, muzzle flashes, projectiles in flight)'),
    breachKinds: z
      .array(z.enum(BREACH_KINDS))
      .min(1)
      .optional()
      .describe('Breach kinds that count (default: any breach the latest judgement finds)'),
    threshold: z.number().int().min(1).max(1_000_000).describe('N: how many (observations or events, see unit) trigger'),
    windowHours: z.number().positive().max(168).describe('T: the span, in hours, they must fall within (by observedAt)'),
    unit: z
      .enum(['observations', 'events'])
      .default('observations')
      .describe('`observations` counts records; `events` sums their `count` (one record may count 48 explosions)'),
  })
  .strict()
  .describe('A cluster of attacks in one sector');

export const FireBeyondSecurityZoneCriterion = z
  .object({
    kind: z
      .literal('fire_beyond_security_zone')
      .describe('Fire landing on a party’s side farther from the line than the security zone reaches there: a strike past the zone, not an exchange across it'),
    ...common,
    fireKinds: z.array(z.enum(OBSERVATION_KINDS)).min(1).default(['explosion']).describe('Observation kinds that count as fire landing (default: explosions)'),
    subkinds: z
      .array(z.enum(EXPLOSION_SUBKINDS))
      .min(1)
      .default(['impact', 'airburst', 'undetermined'])
      .describe('Explosion subkinds that count (default: all but outgoing: an outgoing round lands elsewhere); other kinds have none'),
    marginM: z.number().nonnegative().max(1_000_000).default(0).describe('How far beyond the zone’s edge, metres, the fire must land (absorbs location error)'),
  })
  .strict()
  .describe('Fire beyond the security zone');

/**
 * A finding rather than a sighting: an incident the verification workflow brought to "verified
 * violation" (drafted, confirmed by an analyst of another nation, reviewed by a chief monitor).
 * Each verified incident raises its own alert; nothing coalesces into it.
 */
export const VerifiedViolationCriterion = z
  .object({
    kind: z.literal('verified_violation').describe('An incident verified as a violation, attributed to a party'),
    id: common.id,
    name: common.name,
    enabled: common.enabled,
    sourceKinds: z
      .array(z.enum(SOURCE_KINDS))
      .min(1)
      .optional()
      .describe('Only incidents with at least one observation from these sources (default: any incident, allegations and investigations included)'),
    requireAttribution: z.boolean().default(true).describe('Only findings that attribute the violation to a party (not `not_attributable` or `undetermined`)'),
    parties: z
      .array(z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 3166-1 alpha-3 code'))
      .min(1)
      .optional()
      .describe('Only violations attributed to these parties (default: any)'),
    minConfidence: z.enum(CONFIDENCES).default('low').describe('Only findings of at least this confidence: low, medium, high'),
    incidentKinds: z.array(z.enum(INCIDENT_KINDS)).min(1).optional().describe('Only incidents of these kinds (default: any), e.g. ["fire"]'),
  })
  .strict()
  .describe('A verified violation');

/** Every criterion kind. */
export const TriggerCriterion = z
  .discriminatedUnion('kind', [ProtectedSiteImpactCriterion, AttackClusterCriterion, FireBeyondSecurityZoneCriterion, VerifiedViolationCriterion])
  .describe('One criterion of "a new attack"');
export type TriggerCriterion = z.output<typeof TriggerCriterion>;
export type TriggerCriterionKind = TriggerCriterion['kind'];
export const TRIGGER_CRITERION_KINDS = ['protected_site_impact', 'attack_cluster', 'fire_beyond_security_zone', 'verified_violation'] as const satisfies readonly TriggerCriterionKind[];

export const TriggerCriteriaSet = z
  .object({
    description: z.string().max(2000).optional().describe('Free text: why the criteria are what they are'),
    maxAgeHours: z
      .number()
      .positive()
      .max(24 * 366)
      .default(24)
      .describe('An observation received more than this long after it was made never triggers (a backfill or a late import is not a new attack)'),
    escalateAfterSeconds: z
      .number()
      .int()
      .min(1)
      .max(7 * 86_400)
      .default(300)
      .describe('An alert not acknowledged by every guarantor nation this long after it was raised is escalated'),
    criteria: z.array(TriggerCriterion).max(100).describe('The criteria; an observation may meet several'),
  })
  .strict()
  .superRefine((s, ctx) => {
    const seen = new Set<string>();
    s.criteria.forEach((c, i) => {
      if (seen.has(c.id)) ctx.addIssue({ code: 'custom', path: ['criteria', i, 'id'], message: `criterion id "${c.id}" is used twice` });
      seen.add(c.id);
    });
  })
  .describe('The guarantee trigger criteria in force');
export type TriggerCriteriaSet = z.output<typeof TriggerCriteriaSet>;
export type TriggerCriteriaSetInput = z.input<typeof TriggerCriteriaSet>;

/** A breaching observation of a sector, as the sliding windows keep it. */
export interface RecentBreach {
  observationId: string;
  observedAtMs: number;
  kind: string;
  sourceKind: string;
  /** The observation's `count` (events it records). */
  events: number;
  breachKinds: readonly BreachKind[];
}

/** What an observation criterion looks at. */
export interface ObservationSubject {
  type: 'observation';
  observation: Pick<Observation, 'id' | 'kind' | 'subkind' | 'observedAt' | 'receivedAt' | 'sector' | 'count' | 'source'>;
  /** Its latest judgement; null: judged outside every version in force, or not judged. */
  judgement: Judgement | null;
  /** Breaching observations of its sector around its time (it may be among them); empty outside every sector. */
  recent: readonly RecentBreach[];
}

/** What an incident criterion looks at: the incident as the verifying transition left it. */
export interface IncidentSubject {
  type: 'incident';
  incident: Pick<Incident, 'id' | 'kind' | 'state' | 'sector' | 'firstObservedAt' | 'lastObservedAt' | 'createdAt' | 'assessment' | 'observationIds' | 'composition'>;
}

/** What criteria are evaluated on. */
export type TriggerSubject = ObservationSubject | IncidentSubject;

/** Which subject each criterion kind is evaluated on. */
export const CRITERION_SUBJECT = {
  protected_site_impact: 'observation',
  attack_cluster: 'observation',
  fire_beyond_security_zone: 'observation',
  verified_violation: 'incident',
} as const satisfies Record<TriggerCriterionKind, TriggerSubject['type']>;
type SubjectOf<K extends TriggerCriterionKind> = Extract<TriggerSubject, { type: (typeof CRITERION_SUBJECT)[K] }>;

export interface TriggerContext {
  /** The agreement as stored (the latest revision), or null when none is. */
  agreement: ParsedAgreement | null;
}

/** One criterion met by one subject: what an alert is raised (or coalesced) from. */
export interface TriggerMatch {
  criterion: TriggerCriterion;
  sector: string | null;
  /** Alerts with the same key coalesce while unacknowledged: the criterion and the sector. */
  coalesceKey: string;
  /** The subject that met the criterion; with the criterion id it names the alert, the same in every process. */
  triggerKey: string;
  /** The observations that make the match (the cluster's, or the one). */
  observationIds: string[];
  firstObservedAtMs: number;
  lastObservedAtMs: number;
  coalesceMs: number;
  summary: string;
  detail: Record<string, unknown>;
}

const HOUR_MS = 3_600_000;
const DEFAULT_COALESCE_MS = HOUR_MS;
/** A cluster's match names at most this many observations; the alert counts them all as more attach. */
const MAX_CLUSTER_IDS = 500;

export const coalesceKeyOf = (criterionId: string, sector: string | null): string => `${criterionId}|${sector ?? ''}`;

/**
 * Whether the agreement is in force for an observation: it is in force now (status `in_force`)
 * and a version of it was in force when the observation was made. A suspended or terminated
 * agreement triggers nothing, not even for fire from before it ended.
 */
export function inForceFor(agreement: ParsedAgreement | null, observedAt: string): boolean {
  return !!agreement && agreement.agreement.status === 'in_force' && versionInForce(agreement, observedAt) !== null;
}

/** The guarantor nations' label: they see the alert (and the mechanism, as for every REL TO). */
export function guarantorReleasability(guarantors: readonly string[]): string {
  return guarantors.length ? canonicalReleasability(`REL TO ${guarantors.join(', ')}`) : 'MECHANISM';
}

const sectorText = (sector: string | null) => (sector ? `sector ${sector}` : 'outside every sector');
const when = (ms: number) => new Date(ms).toISOString().replace(/:\d\d\.\d{3}Z$/, 'Z');

type Evaluator<C extends TriggerCriterion, S extends TriggerSubject = ObservationSubject> = (criterion: C, subject: S, context: TriggerContext) => TriggerMatch | null;

/** Filters every observation criterion applies before its own test. */
function observationAdmitted(c: TriggerCriterion, s: ObservationSubject): boolean {
  return !c.sourceKinds || c.sourceKinds.includes(s.observation.source.kind);
}

/** The criteria evaluated on observations, which may coalesce. */
type ObservationCriterion = Exclude<TriggerCriterion, { kind: 'verified_violation' }>;

const single = (c: ObservationCriterion, s: ObservationSubject, summary: string, detail: Record<string, unknown>): TriggerMatch => {
  const t = Date.parse(s.observation.observedAt);
  return {
    criterion: c,
    sector: s.observation.sector,
    coalesceKey: coalesceKeyOf(c.id, s.observation.sector),
    triggerKey: s.observation.id,
    observationIds: [s.observation.id],
    firstObservedAtMs: t,
    lastObservedAtMs: t,
    coalesceMs: c.coalesceMinutes !== undefined ? c.coalesceMinutes * 60_000 : DEFAULT_COALESCE_MS,
    summary,
    detail,
  };
};

const protectedSiteImpact: Evaluator<z.output<typeof ProtectedSiteImpactCriterion>> = (c, s) => {
  const hits = (s.judgement?.breaches ?? []).filter((b) => b.kind === 'impact_at_protected_site' && (!c.sites || c.sites.includes(b.provision)));
  if (hits.length === 0) return null;
  const o = s.observation;
  const sites = [...new Set(hits.map((b) => b.provision))];
  const nearest = Math.min(...hits.map((b) => b.distanceM ?? Infinity));
  return single(
    c,
    s,
    `${c.name}: ${o.kind}${o.subkind ? ` (${o.subkind})` : ''} within protected site ${sites.join(', ')}` +
      `${Number.isFinite(nearest) ? ` (${(nearest / 1000).toFixed(1)} km from its centre)` : ''}, ${sectorText(o.sector)}, at ${when(Date.parse(o.observedAt))}`,
    { sites, distanceM: Number.isFinite(nearest) ? nearest : null },
  );
};

/**
 * Counts the breaches the criterion counts in the best window of length T that holds the
 * subject's time t. The candidates lie in [t − T, t + T], sorted; a window starting at an entry
 * at or before t is the only kind that matters (starting between entries never adds one). Stops
 * at the first window that reaches the threshold, so the work is about the threshold, not the
 * size of the sector's history.
 */
const attackCluster: Evaluator<z.output<typeof AttackClusterCriterion>> = (c, s) => {
  const o = s.observation;
  const j = s.judgement;
  if (!o.sector || !j || !c.attackKinds.includes(o.kind as never)) return null;
  const counts = (kinds: readonly BreachKind[]) => (c.breachKinds ? kinds.some((k) => c.breachKinds!.includes(k)) : kinds.length > 0);
  if (!counts(j.breaches.map((b) => b.kind))) return null;
  const t = Date.parse(o.observedAt);
  const span = c.windowHours * HOUR_MS;
  const weight = (events: number) => (c.unit === 'events' ? Math.max(1, events) : 1);
  const entries: { id: string; t: number; w: number }[] = [{ id: o.id, t, w: weight(o.count) }];
  for (const r of s.recent) {
    if (r.observationId === o.id || r.observedAtMs < t - span || r.observedAtMs > t + span) continue;
    if (!c.attackKinds.includes(r.kind as never) || !counts(r.breachKinds)) continue;
    if (c.sourceKinds && !c.sourceKinds.includes(r.sourceKind as never)) continue;
    entries.push({ id: r.observationId, t: r.observedAtMs, w: weight(r.events) });
  }
  entries.sort((a, b) => a.t - b.t || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  let sum = 0;
  let hi = 0;
  for (let lo = 0; lo < entries.length && entries[lo]!.t <= t; lo++) {
    if (hi < lo) {
      hi = lo;
      sum = 0;
    }
    while (hi < entries.length && entries[hi]!.t <= entries[lo]!.t + span) sum += entries[hi++]!.w;
    // The window [entries[lo].t, entries[lo].t + T] holds t because entries[lo].t >= t − T.
    if (sum >= c.threshold) {
      const inWindow = entries.slice(lo, hi);
      return {
        criterion: c,
        sector: o.sector,
        coalesceKey: coalesceKeyOf(c.id, o.sector),
        triggerKey: o.id,
        observationIds: inWindow.slice(-MAX_CLUSTER_IDS).map((e) => e.id),
        firstObservedAtMs: inWindow[0]!.t,
        lastObservedAtMs: inWindow[inWindow.length - 1]!.t,
        coalesceMs: c.coalesceMinutes !== undefined ? c.coalesceMinutes * 60_000 : span,
        summary: `${c.name}: ${sum} ${c.unit === 'events' ? 'events' : 'breaching observations'} of attack kinds in ${sectorText(o.sector)} within ${c.windowHours} h (threshold ${c.threshold}), ${when(inWindow[0]!.t)} to ${when(inWindow[inWindow.length - 1]!.t)}`,
        detail: { count: sum, threshold: c.threshold, windowHours: c.windowHours, unit: c.unit },
      };
    }
    sum -= entries[lo]!.w;
  }
  return null;
};

const fireBeyondSecurityZone: Evaluator<z.output<typeof FireBeyondSecurityZoneCriterion>> = (c, s, ctx) => {
  const o = s.observation;
  const j = s.judgement;
  if (!j || !j.side || !c.fireKinds.includes(o.kind as never)) return null;
  if (o.kind === 'explosion' && !c.subkinds.includes((o.subkind ?? 'undetermined') as never)) return null;
  // The zone as the version that judged the observation drew it on that side of the line.
  const version = ctx.agreement?.versions.find((v) => v.version === j.version && v.agreementId === j.agreementId);
  if (!version) return null;
  const zone = version.provisions.securityZone;
  const halfWidth = zone ? perSide(zone.halfWidthM, j.side) : undefined;
  if (!zone || halfWidth === undefined || j.zones.includes(zone.id)) return null;
  // The judgement measures to the contact line; a margin is applied only when the zone is drawn from it.
  const fromContact = !zone.line || zone.line === version.provisions.contactLine;
  if (c.marginM > 0 && fromContact && !(j.distanceToLineM > halfWidth + c.marginM)) return null;
  return single(
    c,
    s,
    `${c.name}: ${o.kind}${o.subkind ? ` (${o.subkind})` : ''} on the ${j.side} side, ${(j.distanceToLineM / 1000).toFixed(1)} km from the line, beyond the ${(halfWidth / 1000).toFixed(1)} km security zone, ${sectorText(o.sector)}, at ${when(Date.parse(o.observedAt))}`,
    { side: j.side, distanceToLineM: j.distanceToLineM, halfWidthM: halfWidth, zone: zone.id },
  );
};

/** A verified violation meeting the criterion's filters: one alert of its own, named after the incident. */
const verifiedViolation: Evaluator<z.output<typeof VerifiedViolationCriterion>, IncidentSubject> = (c, s) => {
  const i = s.incident;
  const a = i.assessment;
  if (i.state !== 'verified_violation' || !a || a.finding !== 'violation' || !a.reviewedBy) return null;
  if (c.requireAttribution && !isPartyAttribution(a.attribution)) return null;
  if (c.parties && !c.parties.includes(a.attribution)) return null;
  if (confidenceRank(a.confidence) < confidenceRank(c.minConfidence)) return null;
  if (c.incidentKinds && !c.incidentKinds.includes(i.kind)) return null;
  if (c.sourceKinds && !c.sourceKinds.some((k) => (i.composition.sources[k] ?? 0) > 0)) return null;
  const first = Date.parse(i.firstObservedAt);
  const last = Date.parse(i.lastObservedAt);
  const attribution = isPartyAttribution(a.attribution) ? `attributed to ${a.attribution}` : a.attribution.replace('_', ' ');
  return {
    criterion: c,
    sector: i.sector,
    coalesceKey: coalesceKeyOf(c.id, `incident:${i.id}`),
    triggerKey: `incident:${i.id}`,
    observationIds: i.observationIds.slice(0, MAX_CLUSTER_IDS),
    firstObservedAtMs: first,
    lastObservedAtMs: last,
    coalesceMs: 0,
    summary: `${c.name}: incident ${i.id} (${i.kind.replace('_', ' ')}) verified as a violation ${attribution}, confidence ${a.confidence}, ${sectorText(i.sector)}, at ${when(first)}`,
    detail: {
      incidentId: i.id,
      finding: a.finding,
      attribution: a.attribution,
      confidence: a.confidence,
      provisionIds: a.provisionIds,
      draftedBy: a.draftedBy.nation,
      confirmedBy: a.confirmedBy?.nation ?? null,
      reviewedBy: a.reviewedBy.by,
      reviewedAt: a.reviewedBy.at,
    },
  };
};

const EVALUATORS: { [K in TriggerCriterionKind]: Evaluator<Extract<TriggerCriterion, { kind: K }>, SubjectOf<K>> } = {
  protected_site_impact: protectedSiteImpact,
  attack_cluster: attackCluster,
  fire_beyond_security_zone: fireBeyondSecurityZone,
  verified_violation: verifiedViolation,
};

/**
 * The criteria a subject meets. Nothing is met while the agreement is not in force for the
 * subject's time, nor by an observation received longer than `maxAgeHours` after it was made (a
 * verification takes as long as it takes: a finding days later is still of a new attack). Pure:
 * the same inputs give the same matches in every process.
 */
export function evaluateTriggers(set: TriggerCriteriaSet, subject: TriggerSubject, context: TriggerContext): TriggerMatch[] {
  if (!inForceFor(context.agreement, subject.type === 'observation' ? subject.observation.observedAt : subject.incident.firstObservedAt)) return [];
  if (subject.type === 'observation' && Date.parse(subject.observation.receivedAt) - Date.parse(subject.observation.observedAt) > set.maxAgeHours * HOUR_MS) return [];
  const out: TriggerMatch[] = [];
  for (const c of set.criteria) {
    if (!c.enabled || CRITERION_SUBJECT[c.kind] !== subject.type) continue;
    if (subject.type === 'observation' && !observationAdmitted(c, subject)) continue;
    const m = (EVALUATORS[c.kind] as Evaluator<TriggerCriterion, TriggerSubject>)(c, subject, context);
    if (m) out.push(m);
  }
  return out;
}

/** The longest span any cluster criterion looks back (0 when there is none), for the windows to keep. */
export function clusterSpanMs(set: TriggerCriteriaSet): number {
  let span = 0;
  for (const c of set.criteria) if (c.kind === 'attack_cluster' && c.enabled) span = Math.max(span, c.windowHours * HOUR_MS);
  return span;
}

/** Whether any enabled cluster criterion could count this breaching observation (so the windows need keep only those). */
export function clusterMayCount(set: TriggerCriteriaSet, kind: string): boolean {
  return set.criteria.some((c) => c.kind === 'attack_cluster' && c.enabled && c.attackKinds.includes(kind as never));
}

/**
 * The recent breaching observations of one sector, sorted by observedAt. Insertion keeps the
 * order (late arrivals go to their place); `prune` drops what no evaluation can reach any more.
 */
export class BreachWindow {
  private items: RecentBreach[] = [];
  private readonly ids = new Set<string>();

  get size(): number {
    return this.items.length;
  }

  add(b: RecentBreach): void {
    if (this.ids.has(b.observationId)) return;
    this.ids.add(b.observationId);
    const a = this.items;
    if (a.length === 0 || a[a.length - 1]!.observedAtMs <= b.observedAtMs) {
      a.push(b);
      return;
    }
    let lo = 0;
    let hi = a.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (a[mid]!.observedAtMs <= b.observedAtMs) lo = mid + 1;
      else hi = mid;
    }
    a.splice(lo, 0, b);
  }

  /** Entries with observedAt in [fromMs, toMs]. */
  between(fromMs: number, toMs: number): RecentBreach[] {
    const a = this.items;
    let lo = 0;
    let hi = a.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (a[mid]!.observedAtMs < fromMs) lo = mid + 1;
      else hi = mid;
    }
    const out: RecentBreach[] = [];
    for (let i = lo; i < a.length && a[i]!.observedAtMs <= toMs; i++) out.push(a[i]!);
    return out;
  }

  /** Drops entries observed before `beforeMs`. */
  prune(beforeMs: number): void {
    let n = 0;
    while (n < this.items.length && this.items[n]!.observedAtMs < beforeMs) this.ids.delete(this.items[n++]!.observationId);
    if (n) this.items = this.items.slice(n);
  }
}

/** Alert states: `open` until every guarantor nation acknowledged; `escalated` when the deadline passed first. */
export const ALERT_STATES = ['open', 'acknowledged', 'escalated'] as const;
export type AlertState = (typeof ALERT_STATES)[number];

/**
 * The alert workflow as a table (architecture.md, practice 4): from, to, on what. The stores
 * apply exactly these transitions in their conditional updates; nothing else moves an alert.
 */
export const ALERT_TRANSITIONS = [
  { from: 'open', to: 'acknowledged', on: 'last required nation acknowledged' },
  { from: 'escalated', to: 'acknowledged', on: 'last required nation acknowledged' },
  { from: 'open', to: 'escalated', on: 'escalation deadline passed with a nation still to acknowledge' },
] as const satisfies readonly { from: AlertState; to: AlertState; on: string }[];

/** States an acknowledgement can complete; an acknowledged alert takes no more. */
export const ACKNOWLEDGEABLE_STATES: readonly AlertState[] = ALERT_TRANSITIONS.filter((t) => t.to === 'acknowledged').map((t) => t.from);
/** States that escalate when the deadline passes. */
export const ESCALATABLE_STATES: readonly AlertState[] = ALERT_TRANSITIONS.filter((t) => t.to === 'escalated').map((t) => t.from);
/** States in which matching observations coalesce into the alert. */
export const UNACKNOWLEDGED_STATES: readonly AlertState[] = ['open', 'escalated'];

/** The nations still to acknowledge. */
export const pendingNations = (required: readonly string[], acked: readonly string[]): string[] => required.filter((n) => !acked.includes(n));
