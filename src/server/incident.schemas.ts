import { z } from 'zod';
import {
  ALLEGATION_SOURCES,
  AllegationInput,
  AssessmentInput,
  AttachmentRef,
  Attribution,
  CONFIDENCES,
  FINDINGS,
  INCIDENT_EVENT_ACTIONS,
  INCIDENT_KINDS,
  INCIDENT_STATES,
} from '../domain/incident';
import { EXPLOSION_SUBKINDS, Location, OBSERVATION_KINDS, Observer, Source } from '../domain/observation';
import { Releasability } from '../domain/releasability';
import { TaskAssignee, TaskPlace } from '../domain/task';
import { INCIDENT_SORTS } from '../store/incident-repository';
import { TaskSchema } from './task.schemas';

/** Wire shapes of the verification API: incidents, their workflow, allegations. */

const Instant = z.iso.datetime({ offset: true });
const Position = z.tuple([z.number().describe('Longitude'), z.number().describe('Latitude')]).describe('[lon, lat], WGS84');

export const SignatureSchema = z
  .object({
    by: z.string().describe('Who: `user:<name>` or `token:<name>`'),
    userId: z.string().describe("The user's id"),
    nation: z.string().describe('Their nation (ISO 3166-1 alpha-3): what the two-nation rule compares'),
    at: z.string().describe('When (ISO 8601, UTC)'),
  })
  .describe('Who signed a step of the assessment, and when');

export const AssessmentSchema = z
  .object({
    finding: z.enum(FINDINGS).describe('violation | no_violation | inconclusive'),
    attribution: Attribution,
    confidence: z.enum(CONFIDENCES).describe('low | medium | high'),
    rationale: z.string().describe('Why'),
    provisionIds: z.array(z.string()).describe('Provisions of the agreement the finding is about'),
    draftedBy: SignatureSchema.describe('The analyst who drafted the findings'),
    confirmedBy: SignatureSchema.nullable().describe('The second analyst, of another nation, who confirmed them (two-nation rule); null until then'),
    reviewedBy: SignatureSchema.nullable().describe('The chief monitor who reviewed them into a verdict; null until then'),
  })
  .describe('The assessment of an incident: finding, attribution, confidence, rationale, and who signed it');

const Composition = z
  .object({
    kinds: z.record(z.string(), z.number().int()).describe('Observations per observation kind'),
    sources: z.record(z.string(), z.number().int()).describe('Observations per source kind (monitor, camera, uav...)'),
    sectors: z.record(z.string(), z.number().int()).describe("Observations per sector ('' for outside every sector)"),
  })
  .describe('What the incident is made of');

const headerShape = {
  id: z.string().describe('Incident id (UUIDv7)'),
  kind: z.enum(INCIDENT_KINDS).describe('fire | weapon_sighting | air_activity | mine | access_restriction | movement | other'),
  state: z.enum(INCIDENT_STATES).describe('Where it is in the verification workflow (src/domain/verification-workflow.ts)'),
  version: z.number().int().describe('One more per change; send it back as ifVersion to act only on what you saw'),
  sector: z.string().nullable().describe('The sector most of its observations are in; null outside every sector'),
  releasability: Releasability.describe('The most restrictive label of its observations (MECHANISM without any): whoever sees it may see each of them'),
  firstObservedAt: z.string().describe('When the event began: its first observation (or the claimed time)'),
  lastObservedAt: z.string().describe('When it ended: its last observation'),
  centroid: z.object({ lon: z.number(), lat: z.number() }).nullable().describe('Mean place of its observations; null when nothing says where'),
  bbox: z.tuple([z.number(), z.number(), z.number(), z.number()]).nullable().describe('[minLon, minLat, maxLon, maxLat] of its observations'),
  observationCount: z.number().int().describe('How many observations'),
  events: z.number().int().describe('Sum of their counts (one observation may record 48 explosions)'),
  allegationCount: z.number().int().describe('How many allegations are linked'),
  composition: Composition,
  assessment: AssessmentSchema.nullable().describe('The assessment in force; null before findings are drafted (or after they were returned)'),
  mergedInto: z.string().nullable().describe('For a merged incident: the one it was merged into'),
  mergedFrom: z.array(z.string()).describe('Incidents merged into this one'),
  createdAt: z.string().describe('When it was opened'),
  createdBy: z.string().describe('Who opened it: `system:fusion`, or a user (split, allegation)'),
  updatedAt: z.string().describe('When it last changed'),
};

export const IncidentHeaderSchema = z.object(headerShape).describe('An incident as the queue lists it');

export const IncidentPage = z.object({
  items: z.array(IncidentHeaderSchema).describe('The incidents of this page, in the order asked for'),
  total: z.number().int().describe('How many incidents released to you match the filters'),
  nextCursor: z.string().nullable().describe('Cursor of the next page; null on the last'),
});

export const IncidentEventSchema = z
  .object({
    version: z.number().int().describe("The incident's version after this step"),
    at: z.string().describe('When (ISO 8601, UTC)'),
    by: z.string().describe('Who: `user:<name>`, `token:<name>`, `system:fusion`'),
    action: z.enum(INCIDENT_EVENT_ACTIONS).describe('create | transition | merge | merged_into | split | split_from | allegation_linked | allegation_unlinked | task_linked'),
    from: z.enum(INCIDENT_STATES).nullable().describe('State before'),
    to: z.enum(INCIDENT_STATES).describe('State after'),
    reason: z.string().nullable().describe('Why, as given'),
    detail: z.record(z.string(), z.unknown()).nullable().describe('What the step was about: the assessment drafted, the observations moved...'),
  })
  .describe('One decision about an incident');

export const IncidentObservationSchema = z
  .object({
    id: z.string(),
    kind: z.enum(OBSERVATION_KINDS),
    subkind: z.enum(EXPLOSION_SUBKINDS).optional(),
    observedAt: z.string(),
    observedUntil: z.string().optional(),
    location: Location,
    observer: Observer.optional(),
    count: z.number().int(),
    source: Source,
    sector: z.string().nullable(),
    releasability: Releasability,
    notes: z.string().optional(),
    addedAt: z.string().describe('When it joined the incident'),
    addedBy: z.string().describe('Who put it there: `system:fusion`, or the analyst of a merge or split'),
    reason: z.string().nullable().describe("The analyst's reason, for a merge or split"),
  })
  .describe('An observation of the incident');

export const EllipseSchema = z
  .object({
    semiMajorM: z.number().describe('Half the long axis, metres'),
    semiMinorM: z.number().describe('Half the short axis, metres'),
    orientationDeg: z.number().describe('Azimuth of the long axis, degrees clockwise from true north, [0, 180)'),
    sigma: z.number().describe('Size in standard deviations (2)'),
    probability: z.number().describe('Probability the true point lies inside (86.5% at 2 sigma)'),
  })
  .describe('Error ellipse of the origin estimate');

export const OriginSchema = z
  .object({
    lat: z.number(),
    lon: z.number(),
    ellipse: EllipseSchema,
    ellipseRing: z.array(Position).describe('The ellipse as a closed GeoJSON ring, to draw on the map'),
    residualRmsDeg: z.number().describe("Root mean square of the bearings' misses of the estimate, degrees"),
    warnings: z.array(z.string()).describe('E.g. lines meeting behind an observer, a bearing far off the others'),
    observationIds: z.array(z.string()).describe('The observations whose bearings it comes from'),
    bearingSigmaDeg: z.number().describe('The bearing error assumed, one standard deviation, degrees'),
  })
  .describe('Estimated point of origin from two or more observers\' bearings, least-squares, with its error ellipse');

export const AllegationSchema = z
  .object({
    id: z.string(),
    source: z.object({ kind: z.enum(ALLEGATION_SOURCES), name: z.string().optional() }).describe('Whose claim it is'),
    kind: z.enum(INCIDENT_KINDS).describe('What allegedly happened'),
    claimedAt: z.string(),
    claimedUntil: z.string().optional(),
    location: Location.optional(),
    place: z.string().optional(),
    accusedParty: z.string().optional().describe('The party the claim blames'),
    narrative: z.string(),
    casualties: z.object({ killed: z.number().int(), injured: z.number().int() }).optional(),
    attachments: z.array(AttachmentRef).describe('Evidence by SHA-256'),
    releasability: Releasability,
    incidentId: z.string().nullable().describe('The incident it is linked to, when that is released to you'),
    filedAt: z.string(),
    filedBy: z.string().describe('Who filed it: `user:<name>` or `token:<name>`'),
    filerId: z.string().nullable(),
    filerNation: z.string().nullable(),
    filerOrgKind: z.string().nullable(),
  })
  .describe('An allegation: a claim from a party, a partner or the public, stored beside the observations, never over them');

export const AllegationPage = z.object({
  items: z.array(AllegationSchema).describe('Newest filed first'),
  total: z.number().int(),
  nextCursor: z.string().nullable(),
});

const ActionSchema = z
  .object({
    to: z.enum(INCIDENT_STATES).describe('The state it leads to: POST /api/incidents/{id}/transitions {"to": ...}'),
    action: z.string().describe('The verb, for the button'),
    reasonRequired: z.boolean().describe('A reason must be given'),
    assessmentRequired: z.boolean().describe('An assessment must be drafted (finding, attribution, confidence, rationale)'),
    via: z.enum(['transition', 'merge']).describe('`merge`: taken by POST /api/incidents/{survivor}/merge with this incident as otherId'),
  })
  .describe('An action the workflow table offers you now');

export const IncidentSchema = z
  .object({
    ...headerShape,
    observationIds: z.array(z.string()).describe('Its observations released to you, in time order'),
    allegationIds: z.array(z.string()).describe('Its allegations released to you'),
    taskIds: z.array(z.string()).describe('Investigations (tasks) about it released to you'),
    history: z.array(IncidentEventSchema).describe('Every decision, oldest first'),
    observations: z.array(IncidentObservationSchema).describe('Its observations, for the map and the timeline'),
    hiddenObservations: z.number().int().describe('Observations not released to you (normally 0)'),
    origin: OriginSchema.nullable().describe('Point of origin from bearings, when two or more observers took one'),
    originNote: z.string().nullable().describe('Why there is no origin estimate'),
    allegations: z.array(AllegationSchema),
    tasks: z.array(TaskSchema),
    actions: z.array(ActionSchema).describe('Transitions you may take now'),
    refusedActions: z.array(ActionSchema.extend({ why: z.string().describe('Why not, e.g. the two-nation rule') })).describe('Transitions your role allows but a guard refuses now, with why'),
    can: z
      .object({
        merge: z.boolean().describe('You may merge another incident into this one'),
        split: z.boolean().describe('You may split observations off into a new incident'),
        task: z.boolean().describe('You may task an investigation'),
        linkAllegation: z.boolean().describe('You may link an allegation to it'),
      })
      .describe('Other actions you may take'),
  })
  .describe('An incident with its observations, origin estimate, allegations, investigations, history and your actions');

// ---- requests ----

const commaEnum = <T extends readonly [string, ...string[]]>(values: T, what: string) =>
  z
    .string()
    .regex(new RegExp(`^(${values.join('|')})(,(${values.join('|')}))*$`), `must be a comma-separated list of ${what}: ${values.join(', ')}`)
    .transform((s) => [...new Set(s.split(','))] as T[number][]);

export const IncidentListQuery = z.object({
  state: commaEnum(INCIDENT_STATES, 'states').optional().describe('Only incidents in these states, comma-separated, e.g. `received,triaged`'),
  sector: z.string().min(1).max(64).optional().describe('Only incidents of this sector; `none` for those outside every sector'),
  kind: commaEnum(INCIDENT_KINDS, 'incident kinds').optional().describe('Only incidents of these kinds, comma-separated'),
  observation: z.string().min(1).max(128).optional().describe('Only the incident holding this observation'),
  minObservations: z.coerce.number().int().min(1).max(1_000_000).optional().describe('Only incidents of at least this many observations (2: corroborated by more than one report)'),
  minAgeHours: z.coerce.number().min(0).max(100_000).optional().describe('Only events that began at least this many hours ago'),
  maxAgeHours: z.coerce.number().min(0).max(100_000).optional().describe('Only events that began at most this many hours ago'),
  sort: z.enum(INCIDENT_SORTS).default('age').describe('`age`: oldest event first (the queue); `recent`: newest first; `sector`: by sector, then oldest; `updated`: last changed first'),
  limit: z.coerce.number().int().min(1).max(500).default(100).describe('Page size, at most 500'),
  cursor: z.string().max(500).optional().describe('Opaque cursor from the previous page (same sort)'),
});

export const IncidentParams = z.object({ id: z.string().min(1).max(128).describe('Incident id') });

export const IncidentTransitionBody = z
  .object({
    to: z.enum(INCIDENT_STATES).describe('The state to move to; the table (src/domain/verification-workflow.ts) says whether you may'),
    reason: z.string().max(4000).nullable().optional().describe('Why: required where the table says (reject, access denied, return, reopen)'),
    assessment: AssessmentInput.optional().describe('Required when moving to findings: finding, attribution, confidence, rationale'),
    ifVersion: z.number().int().positive().optional().describe('Refuse (409) unless the incident is still at this version'),
  })
  .strict()
  .describe('A step of the verification workflow');

export const MergeBody = z
  .object({
    otherId: z.string().min(1).max(128).describe('The incident merged into this one: its observations and allegations move here, and it becomes merged'),
    reason: z.string().trim().min(1).max(4000).describe('Why they are one event'),
    ifVersion: z.number().int().positive().optional().describe('Refuse (409) unless this incident is still at this version'),
  })
  .strict()
  .describe('Merge another incident into this one');

export const SplitBody = z
  .object({
    observationIds: z.array(z.string().min(1).max(128)).min(1).max(10_000).describe('The observations that leave for a new incident; at least one must stay'),
    reason: z.string().trim().min(1).max(4000).describe('Why they are another event'),
    ifVersion: z.number().int().positive().optional().describe('Refuse (409) unless the incident is still at this version'),
  })
  .strict()
  .describe('Split observations off into a new incident');

export const SplitResponse = z.object({
  original: IncidentSchema.describe('The incident split, as it is now'),
  created: IncidentSchema.describe('The new incident (state received)'),
});

export const InvestigationBody = z
  .object({
    id: z.string().min(1).max(128).regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces').optional().describe('Client-supplied task id'),
    title: z.string().trim().min(1).max(200).optional().describe('Default: "Investigate incident <id> (<kind>, <sector>)"'),
    description: z.string().max(10_000).optional().describe('What to look for, whom to ask'),
    assignee: TaskAssignee,
    place: TaskPlace.optional().describe("Where; default: the incident's centroid"),
    dueAt: Instant.describe('When it is due (a 24-hour "immediate verification" or longer)'),
    releasability: Releasability.optional().describe("Who may see the task; default as for every task (MECHANISM, or REL TO the team's nation)"),
  })
  .strict()
  .describe('Task a team to investigate the incident');

export const InvestigationResponse = z.object({ task: TaskSchema, incident: IncidentSchema });

export const AllegationCreateBody = AllegationInput;

export const AllegationParams = z.object({ id: z.string().min(1).max(128).describe('Allegation id') });

export const AllegationListQuery = z.object({
  incident: z.string().min(1).max(128).optional().describe('Only allegations linked to this incident'),
  accusedParty: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 3166-1 alpha-3 code').optional().describe('Only allegations blaming this party'),
  source: z.enum(ALLEGATION_SOURCES).optional().describe('Only allegations from this kind of source'),
  limit: z.coerce.number().int().min(1).max(500).default(100).describe('Page size, at most 500'),
  cursor: z.string().max(500).optional().describe('Opaque cursor from the previous page'),
});

export const AllegationLinkBody = z
  .object({
    incidentId: z.string().min(1).max(128).describe('The incident the allegation concerns'),
    reason: z.string().trim().min(1).max(4000).describe('Why'),
  })
  .strict()
  .describe('Link an allegation to another incident');
