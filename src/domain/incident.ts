import { z } from 'zod';
import { Location, type Observation, type ObservationKind } from './observation';
import { Releasability, canonicalReleasability } from './releasability';

/*
 * Incidents: what gets adjudicated. An incident groups the observations of one event (fusion,
 * src/domain/fusion.ts) and the allegations that concern it, and carries the assessment that the
 * verification workflow (src/domain/verification-workflow.ts) moves towards a verified finding.
 * Allegations are claims from a party, a partner or the public: stored beside the monitors'
 * observations, never over them.
 */

/**
 * What kind of event an incident is: the compatibility groups of fusion. Kinds of observation in
 * one group can be the same event (an explosion heard and the damage it did); kinds in different
 * groups never are (a weapon sighting is not the shelling next to it).
 */
export const INCIDENT_KINDS = ['fire', 'weapon_sighting', 'air_activity', 'mine', 'access_restriction', 'movement', 'other'] as const;
export type IncidentKind = (typeof INCIDENT_KINDS)[number];

export const INCIDENT_KIND_OF: Record<ObservationKind, IncidentKind> = {
  explosion: 'fire',
  projectile_in_flight: 'fire',
  muzzle_flash: 'fire',
  illumination_flare: 'fire',
  burst: 'fire',
  shot: 'fire',
  // Effects of fire, reported at the place it landed.
  damage: 'fire',
  casualty: 'fire',
  weapon_sighting: 'weapon_sighting',
  flight: 'air_activity',
  mine: 'mine',
  access_restriction: 'access_restriction',
  movement: 'movement',
  other: 'other',
};

export const INCIDENT_STATES = [
  'received',
  'triaged',
  'under_investigation',
  'findings',
  'review',
  'verified_violation',
  'verified_no_violation',
  'inconclusive',
  'merged',
  'rejected',
  'access_denied',
  'reopened',
] as const;
export type IncidentState = (typeof INCIDENT_STATES)[number];

export const FINDINGS = ['violation', 'no_violation', 'inconclusive'] as const;
export type Finding = (typeof FINDINGS)[number];
export const CONFIDENCES = ['low', 'medium', 'high'] as const;
export type Confidence = (typeof CONFIDENCES)[number];
export const confidenceRank = (c: Confidence): number => CONFIDENCES.indexOf(c);

const Nation = z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 3166-1 alpha-3 code');
const Instant = z.iso.datetime({ offset: true }).describe('ISO 8601 instant with offset, e.g. 2026-11-20T14:05:00+02:00');

export const Attribution = z
  .union([z.enum(['not_attributable', 'undetermined']), Nation])
  .describe('The party responsible (ISO 3166-1 alpha-3, e.g. RUS), `not_attributable`, or `undetermined`');
export type Attribution = z.infer<typeof Attribution>;
export const isPartyAttribution = (a: Attribution): boolean => a !== 'not_attributable' && a !== 'undetermined';

/** What an analyst drafts: the finding, whom it is attributed to, how sure, and why. */
export const AssessmentInput = z
  .object({
    finding: z.enum(FINDINGS).describe('violation | no_violation | inconclusive'),
    attribution: Attribution,
    confidence: z.enum(CONFIDENCES).describe('low | medium | high'),
    rationale: z.string().trim().min(1).max(20_000).describe('Why: the evidence weighed and how (required)'),
    provisionIds: z.array(z.string().min(1).max(64)).max(50).default([]).describe('Provisions of the agreement the finding is about (ids), if any'),
  })
  .strict()
  .superRefine((a, ctx) => {
    // A finding of no violation blames no one; an inconclusive one cannot name a party either
    // without saying more than it found.
    if (a.finding !== 'violation' && isPartyAttribution(a.attribution)) {
      ctx.addIssue({ code: 'custom', path: ['attribution'], message: `a finding of ${a.finding} cannot be attributed to a party; use not_attributable or undetermined` });
    }
  })
  .describe('The assessment of an incident');
export type AssessmentInput = z.input<typeof AssessmentInput>;
export type AssessmentData = z.output<typeof AssessmentInput>;

/** Who signed a step of the assessment: the nation is what the two-nation rule compares. */
export interface Signature {
  /** As the audit log names actors: `user:<name>`, `token:<name>`. */
  by: string;
  userId: string;
  nation: string;
  at: string;
}

export interface Assessment extends AssessmentData {
  draftedBy: Signature;
  /** The second analyst, of another nation (two-nation rule); null until confirmed. */
  confirmedBy: Signature | null;
  /** The chief monitor who reviewed it into a verified state; null until then. */
  reviewedBy: Signature | null;
}

export const INCIDENT_EVENT_ACTIONS = ['create', 'transition', 'merge', 'merged_into', 'split', 'split_from', 'allegation_linked', 'allegation_unlinked', 'task_linked'] as const;
export type IncidentEventAction = (typeof INCIDENT_EVENT_ACTIONS)[number];

/** One step of an incident's life: who, when, why. Fusion adding an observation is not one (see the membership). */
export interface IncidentEvent {
  /** The incident's version after this step. */
  version: number;
  at: string;
  by: string;
  action: IncidentEventAction;
  from: IncidentState | null;
  to: IncidentState;
  reason: string | null;
  /** What the step was about: the assessment drafted, the incidents merged, the observations split off... */
  detail: Record<string, unknown> | null;
}

/**
 * What an incident's observations add up to, kept up to date as they join (fusion folds one
 * observation at a time; merge and split recompute it). Instants in epoch milliseconds.
 */
export interface IncidentSummary {
  kind: IncidentKind;
  sector: string | null;
  firstMs: number;
  lastMs: number;
  /** [minLon, minLat, maxLon, maxLat]; null when nothing says where (an allegation without a place). */
  bbox: [number, number, number, number] | null;
  /** Mean position of the observations (or the claimed place). */
  centroid: { lon: number; lat: number } | null;
  observationCount: number;
  /** Sum of the observations' `count` (one record may count 48 explosions). */
  events: number;
  /** The most restrictive label of the observations (meetReleasability); MECHANISM without any. */
  releasability: string;
  /** Observations per observation kind, per source kind, per sector ('' for outside every sector). */
  kinds: Record<string, number>;
  sources: Record<string, number>;
  sectors: Record<string, number>;
}

/** An incident as queues list it. */
export interface IncidentHeader {
  id: string;
  kind: IncidentKind;
  state: IncidentState;
  /** 1 at creation, one more per change (an observation joining, a transition): the optimistic-concurrency token. */
  version: number;
  sector: string | null;
  releasability: string;
  firstObservedAt: string;
  lastObservedAt: string;
  centroid: { lon: number; lat: number } | null;
  bbox: [number, number, number, number] | null;
  observationCount: number;
  events: number;
  allegationCount: number;
  composition: { kinds: Record<string, number>; sources: Record<string, number>; sectors: Record<string, number> };
  assessment: Assessment | null;
  mergedInto: string | null;
  mergedFrom: string[];
  createdAt: string;
  createdBy: string;
  updatedAt: string;
}

export interface Incident extends IncidentHeader {
  observationIds: string[];
  allegationIds: string[];
  /** Tasks (investigations) about it or about an incident merged into it. */
  taskIds: string[];
  /** Every decision, oldest first. */
  history: IncidentEvent[];
}

/** A new incident's identity; its summary comes from its first members. */
export interface NewIncident {
  id: string;
  createdAt: string;
  createdBy: string;
}

export const MECHANISM_LABEL = 'MECHANISM';

type Audience = { all: true } | { all: false; coalition: boolean; nations: Set<string> | null };

/**
 * Audiences beyond the mechanism (which sees every label): PUBLIC everyone; COALITION the cell
 * and the coalition nations; REL TO the nations named; MECHANISM nobody else.
 */
function audienceOf(label: string): Audience {
  if (label === 'PUBLIC') return { all: true };
  if (label === 'COALITION') return { all: false, coalition: true, nations: null };
  const m = /^REL TO (.*)$/.exec(label);
  if (m) return { all: false, coalition: false, nations: new Set(m[1]!.split(',').map((s) => s.trim()).filter(Boolean)) };
  return { all: false, coalition: false, nations: new Set() };
}

/**
 * The label whose audience is what both labels' audiences share, so that whoever may see an
 * incident may see every observation in it. COALITION and REL TO X meet in the coalition members
 * among X (the cell is left out: REL TO never reaches it by org); no one in common is MECHANISM.
 */
export function meetReleasability(a: string, b: string, coalitionMembers: readonly string[]): string {
  const x = audienceOf(canonicalReleasability(a));
  const y = audienceOf(canonicalReleasability(b));
  if (x.all) return canonicalReleasability(b);
  if (y.all) return canonicalReleasability(a);
  if (x.coalition && y.coalition) return 'COALITION';
  const members = new Set(coalitionMembers);
  const nationsOf = (u: Extract<Audience, { all: false }>): Set<string> => (u.coalition ? members : u.nations!);
  const shared = [...nationsOf(x)].filter((n) => nationsOf(y).has(n));
  return shared.length ? canonicalReleasability(`REL TO ${shared.join(', ')}`) : MECHANISM_LABEL;
}

const bump = (r: Record<string, number>, key: string, by = 1): Record<string, number> => ({ ...r, [key]: (r[key] ?? 0) + by });

/** The key of the largest count; ties go to the smallest key, so every process picks the same. */
function majority(r: Record<string, number>): string | null {
  let best: string | null = null;
  for (const [k, n] of Object.entries(r)) if (best === null || n > r[best]! || (n === r[best]! && k < best)) best = k;
  return best;
}

const sectorKey = (s: string | null) => s ?? '';
const sectorOf = (sectors: Record<string, number>) => {
  const k = majority(sectors);
  return k === null || k === '' ? null : k;
};

/** The time an observation covers: observedAt to observedUntil (or the instant). */
export const observationSpan = (o: Pick<Observation, 'observedAt' | 'observedUntil'>): [number, number] => {
  const t0 = Date.parse(o.observedAt);
  return [t0, o.observedUntil ? Math.max(t0, Date.parse(o.observedUntil)) : t0];
};

/** The summary of an incident known only from a claim (an allegation): no observation yet. */
export function claimSummary(kind: IncidentKind, firstMs: number, lastMs: number, place: { lon: number; lat: number } | null): IncidentSummary {
  return {
    kind,
    sector: null,
    firstMs,
    lastMs,
    bbox: place ? [place.lon, place.lat, place.lon, place.lat] : null,
    centroid: place ? { lon: place.lon, lat: place.lat } : null,
    observationCount: 0,
    events: 0,
    releasability: MECHANISM_LABEL,
    kinds: {},
    sources: {},
    sectors: {},
  };
}

/** One more observation folded into a summary. An incident known only from a claim starts afresh from it, keeping its kind. */
export function addToSummary(s: IncidentSummary, o: Observation, coalitionMembers: readonly string[]): IncidentSummary {
  const [t0, t1] = observationSpan(o);
  const { lon, lat } = o.location;
  if (s.observationCount === 0) {
    const sectors = { [sectorKey(o.sector)]: 1 };
    return {
      kind: s.kind,
      sector: sectorOf(sectors),
      firstMs: t0,
      lastMs: t1,
      bbox: [lon, lat, lon, lat],
      centroid: { lon, lat },
      observationCount: 1,
      events: o.count,
      releasability: canonicalReleasability(o.releasability),
      kinds: { [o.kind]: 1 },
      sources: { [o.source.kind]: 1 },
      sectors,
    };
  }
  const n = s.observationCount;
  const b = s.bbox ?? [lon, lat, lon, lat];
  const c = s.centroid ?? { lon, lat };
  const sectors = bump(s.sectors, sectorKey(o.sector));
  return {
    kind: s.kind,
    sector: sectorOf(sectors),
    firstMs: Math.min(s.firstMs, t0),
    lastMs: Math.max(s.lastMs, t1),
    bbox: [Math.min(b[0], lon), Math.min(b[1], lat), Math.max(b[2], lon), Math.max(b[3], lat)],
    centroid: { lon: (c.lon * n + lon) / (n + 1), lat: (c.lat * n + lat) / (n + 1) },
    observationCount: n + 1,
    events: s.events + o.count,
    releasability: meetReleasability(s.releasability, o.releasability, coalitionMembers),
    kinds: bump(s.kinds, o.kind),
    sources: bump(s.sources, o.source.kind),
    sectors,
  };
}

/**
 * The summary of a set of observations, recomputed whole (after a merge, a split, a relabel).
 * `base` is the summary before: its kind is kept, and it stands when no observation is left
 * (an incident of allegations only).
 */
export function summaryOf(observations: readonly Observation[], coalitionMembers: readonly string[], base: IncidentSummary): IncidentSummary {
  if (observations.length === 0) return { ...base, observationCount: 0, events: 0, kinds: {}, sources: {}, sectors: {}, sector: null, releasability: MECHANISM_LABEL };
  let s = claimSummary(base.kind, 0, 0, null);
  for (const o of [...observations].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) s = addToSummary(s, o, coalitionMembers);
  return s;
}

/** The kind most of these observations are (ties in INCIDENT_KINDS order). */
export function kindOfObservations(kinds: readonly ObservationKind[]): IncidentKind {
  const counts = new Map<IncidentKind, number>();
  for (const k of kinds) counts.set(INCIDENT_KIND_OF[k], (counts.get(INCIDENT_KIND_OF[k]) ?? 0) + 1);
  let best: IncidentKind = 'other';
  let n = -1;
  for (const k of INCIDENT_KINDS) if ((counts.get(k) ?? 0) > n) [best, n] = [k, counts.get(k) ?? 0];
  return best;
}

// ---- allegations ----

export const ALLEGATION_SOURCES = ['party', 'public', 'ngo', 'media', 'partner', 'jccc'] as const;
export type AllegationSourceKind = (typeof ALLEGATION_SOURCES)[number];

export const AttachmentRef = z
  .object({
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/, 'must be the SHA-256 of the file, 64 lowercase hex digits')
      .describe('SHA-256 of the file: evidence is stored, and found, by its content hash'),
    name: z.string().max(255).optional().describe('File name as the filer gave it'),
    mediaType: z.string().max(100).optional().describe('e.g. image/jpeg, video/mp4, application/pdf'),
  })
  .strict()
  .describe('A photo, video or document attached to the allegation, by content hash');
export type AttachmentRef = z.infer<typeof AttachmentRef>;

/** What a party, a partner, the public (through the mechanism) files. */
export const AllegationInput = z
  .object({
    id: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')
      .optional()
      .describe('Client-supplied globally unique id (kept as given); the server makes a UUIDv7 when absent'),
    source: z
      .object({
        kind: z.enum(ALLEGATION_SOURCES).describe('Who claims it: party, public, ngo, media, partner, jccc'),
        name: z.string().trim().max(200).optional().describe('Who exactly, e.g. "General Staff of the Armed Forces of Ukraine", "village council of Kamianka"'),
      })
      .strict()
      .optional()
      .describe('Whose claim this is; default: a party for a party\'s user, else the public'),
    kind: z.enum(INCIDENT_KINDS).default('fire').describe('What allegedly happened (an incident kind)'),
    claimedAt: Instant.describe('When it allegedly happened (ISO 8601 instant with offset)'),
    claimedUntil: Instant.optional().describe('When it allegedly ended, for events that lasted'),
    location: Location.optional().describe('Where it allegedly happened (WGS84), when the claim says'),
    place: z.string().trim().max(200).optional().describe('The place as the claim names it, e.g. "Kamianka, near the school"'),
    accusedParty: Nation.optional().describe('The party the claim blames (ISO 3166-1 alpha-3)'),
    narrative: z.string().trim().min(1).max(20_000).describe('The claim in the filer\'s words'),
    casualties: z
      .object({
        killed: z.number().int().min(0).max(100_000).default(0),
        injured: z.number().int().min(0).max(100_000).default(0),
      })
      .strict()
      .optional()
      .describe('Casualties claimed'),
    attachments: z.array(AttachmentRef).max(100).default([]).describe('Evidence attached, by SHA-256'),
    releasability: Releasability.optional().describe('Who may see it; default MECHANISM for the mechanism\'s users, "REL TO <filer\'s nation>" for others (the filer always sees what they filed)'),
    incidentId: z.string().min(1).max(128).optional().describe('The incident it concerns, when the filer knows it (else the server links it to a matching incident, or opens one)'),
  })
  .strict()
  .superRefine((a, ctx) => {
    if (a.claimedUntil && Date.parse(a.claimedUntil) < Date.parse(a.claimedAt)) ctx.addIssue({ code: 'custom', path: ['claimedUntil'], message: 'must not be before claimedAt' });
    if (!a.location && !a.place) ctx.addIssue({ code: 'custom', path: ['location'], message: 'or place is required: say where it allegedly happened' });
  })
  .describe('An allegation: a claim that something happened');
export type AllegationInput = z.input<typeof AllegationInput>;
export type AllegationData = z.output<typeof AllegationInput>;

/** An allegation as stored. Its content never changes; only the incident it is linked to may. */
export interface Allegation {
  id: string;
  source: { kind: AllegationSourceKind; name?: string };
  kind: IncidentKind;
  claimedAt: string;
  claimedUntil?: string;
  location?: { lat: number; lon: number; accuracyM?: number };
  place?: string;
  accusedParty?: string;
  narrative: string;
  casualties?: { killed: number; injured: number };
  attachments: AttachmentRef[];
  releasability: string;
  incidentId: string | null;
  filedAt: string;
  filedBy: string;
  filerId: string | null;
  filerNation: string | null;
  filerOrgKind: string | null;
}
