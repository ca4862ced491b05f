import { ConflictError, InvalidInputError, TrucelineError, fieldErrors } from './errors';
import type { UserActor } from './identity';
import { AssessmentInput, type Assessment, type AssessmentInput as AssessmentInputType, type IncidentState, type Signature } from './incident';
import { allows, type Permission } from './permissions';

/*
 * The verification workflow as a table (architecture.md practice 4): from, to, permission, guard,
 * whether a reason must be given and what happens to the assessment. Nothing else decides whether
 * an incident may move. Adapted from domain.md section 6 (CTSAMVM's pipeline, the OSCE's
 * observed/corroborated split):
 *
 *   received -> triaged -> under_investigation -> findings -> review -> verified_violation
 *                                                                    | verified_no_violation
 *                                                                    | inconclusive
 *   side states: rejected, merged (by POST /merge only), access_denied, reopened (on new evidence)
 *
 * Findings are drafted by an analyst; a second analyst of a different nation confirms them (the
 * two-nation rule), which sends them to review; a chief monitor who neither drafted nor confirmed
 * them reviews them into a verified state. The rule is a guard on the nations recorded in the
 * assessment itself, so no role, not even admin, passes it alone.
 */

/** What the caller asks for besides the target state. */
export interface TransitionRequest {
  reason: string | null;
  assessment?: AssessmentInputType;
}

/** What a guard looks at: the incident's state and assessment. */
export interface WorkflowSubject {
  id: string;
  state: IncidentState;
  assessment: Assessment | null;
}

type Guard = (actor: UserActor, incident: WorkflowSubject) => string | null;

/**
 * `draft`: the request must carry an assessment, which replaces the current one (drafted by the
 * actor); `confirm` / `review`: the actor signs the current one; `keep`: unchanged; `clear`: the
 * current one is withdrawn (it stays in the history).
 */
export type AssessmentEffect = 'draft' | 'confirm' | 'review' | 'keep' | 'clear';

export interface IncidentTransition {
  from: IncidentState;
  to: IncidentState;
  /** The verb, for buttons and the audit log. */
  action: string;
  permission: Permission;
  guard?: Guard;
  reasonRequired: boolean;
  assessment: AssessmentEffect;
  /** `merge`: taken only by POST /api/incidents/:id/merge, which names the surviving incident. */
  via: 'transition' | 'merge';
}

/** States no transition leaves but `reopen` (merged: not even that; the survivor carries on). */
export const FINAL_STATES: readonly IncidentState[] = ['verified_violation', 'verified_no_violation', 'inconclusive', 'rejected', 'merged'];
/**
 * States in which an incident's observations may change (fusion attaches, merge, split): once
 * findings are drafted, the evidence they were drafted on is fixed until the incident is sent
 * back to investigation.
 */
export const EDITABLE_STATES: readonly IncidentState[] = ['received', 'triaged', 'under_investigation', 'access_denied', 'reopened'];
export const isEditable = (s: IncidentState): boolean => EDITABLE_STATES.includes(s);

const signed = (s: Signature | null | undefined, actor: UserActor) => !!s && s.userId === actor.id;

/** The two-nation rule: the confirming analyst is another person, of another nation, than the drafter. */
const secondNation: Guard = (actor, i) => {
  const d = i.assessment?.draftedBy;
  if (!d) return 'there is no drafted assessment to confirm';
  if (signed(d, actor)) return 'findings are confirmed by a second analyst, not by the one who drafted them';
  if (d.nation === actor.nation) return `two-nation rule: the findings were drafted by an analyst of ${d.nation}; they must be confirmed by an analyst of another nation`;
  return null;
};

/** The review is a third person's: a chief monitor who neither drafted nor confirmed the findings. */
const independentReview =
  (finding: Assessment['finding'] | null): Guard =>
  (actor, i) => {
    const a = i.assessment;
    if (!a || !a.confirmedBy) return 'the findings have not been confirmed';
    // The two-nation rule again, on the record itself: nothing that bypassed it reaches a verdict.
    if (a.confirmedBy.nation === a.draftedBy.nation || a.confirmedBy.userId === a.draftedBy.userId) return 'the findings were not confirmed by an analyst of another nation';
    if (signed(a.draftedBy, actor) || signed(a.confirmedBy, actor)) return 'the review is by a chief monitor who neither drafted nor confirmed the findings';
    if (finding && a.finding !== finding) return `the findings say ${a.finding.replace('_', ' ')}; return them for investigation to change that`;
    return null;
  };

const row = (
  from: IncidentState,
  to: IncidentState,
  action: string,
  permission: Permission,
  opts: { guard?: Guard; reason?: boolean; assessment?: AssessmentEffect; via?: 'merge' } = {},
): IncidentTransition => ({
  from,
  to,
  action,
  permission,
  ...(opts.guard ? { guard: opts.guard } : {}),
  reasonRequired: opts.reason ?? false,
  assessment: opts.assessment ?? 'keep',
  via: opts.via ?? 'transition',
});

export const INCIDENT_TRANSITIONS: readonly IncidentTransition[] = [
  row('received', 'triaged', 'triage', 'incident.write'),
  row('received', 'rejected', 'reject', 'incident.write', { reason: true }),
  row('received', 'merged', 'merge', 'incident.write', { reason: true, via: 'merge' }),

  row('triaged', 'under_investigation', 'investigate', 'incident.write'),
  // Drafting straight from the observations, when they settle it without a visit.
  row('triaged', 'findings', 'draft findings', 'incident.write', { assessment: 'draft' }),
  row('triaged', 'rejected', 'reject', 'incident.write', { reason: true }),
  row('triaged', 'merged', 'merge', 'incident.write', { reason: true, via: 'merge' }),

  row('under_investigation', 'findings', 'draft findings', 'incident.write', { assessment: 'draft' }),
  row('under_investigation', 'access_denied', 'record access denied', 'incident.write', { reason: true }),
  row('under_investigation', 'merged', 'merge', 'incident.write', { reason: true, via: 'merge' }),

  row('access_denied', 'under_investigation', 'investigate again', 'incident.write', { reason: true }),
  // What could be seen without access may still settle it, or make it inconclusive.
  row('access_denied', 'findings', 'draft findings', 'incident.write', { assessment: 'draft' }),
  row('access_denied', 'merged', 'merge', 'incident.write', { reason: true, via: 'merge' }),

  row('findings', 'review', 'confirm findings', 'incident.write', { guard: secondNation, assessment: 'confirm' }),
  row('findings', 'under_investigation', 'return for investigation', 'incident.write', { reason: true, assessment: 'clear' }),

  row('review', 'verified_violation', 'verify violation', 'incident.review', { guard: independentReview('violation'), assessment: 'review' }),
  row('review', 'verified_no_violation', 'verify no violation', 'incident.review', { guard: independentReview('no_violation'), assessment: 'review' }),
  row('review', 'inconclusive', 'close as inconclusive', 'incident.review', { guard: independentReview('inconclusive'), assessment: 'review' }),
  row('review', 'under_investigation', 'return for investigation', 'incident.review', { reason: true, assessment: 'clear' }),

  // On new evidence; the verdict stays in the history, and in the assessment until redrafted.
  row('verified_violation', 'reopened', 'reopen', 'incident.review', { reason: true }),
  row('verified_no_violation', 'reopened', 'reopen', 'incident.review', { reason: true }),
  row('inconclusive', 'reopened', 'reopen', 'incident.review', { reason: true }),
  row('rejected', 'reopened', 'reopen', 'incident.review', { reason: true }),

  row('reopened', 'triaged', 'triage', 'incident.write', { assessment: 'clear' }),
  row('reopened', 'under_investigation', 'investigate', 'incident.write', { assessment: 'clear' }),
  row('reopened', 'findings', 'draft findings', 'incident.write', { assessment: 'draft' }),
  row('reopened', 'merged', 'merge', 'incident.write', { reason: true, via: 'merge' }),
];

export function transitionRow(from: IncidentState, to: IncidentState): IncidentTransition | undefined {
  return INCIDENT_TRANSITIONS.find((t) => t.from === from && t.to === to);
}

const forbidden = (detail: string) => new TrucelineError(403, 'forbidden', 'Forbidden', detail);

/** Why `actor` may not take `t` on `incident` now, or null when they may (permission, then guard). */
export function refusal(t: IncidentTransition, incident: WorkflowSubject, actor: UserActor): string | null {
  if (!allows(actor, t.permission)) return `${t.permission} is not granted to your role${actor.scopes ? ' or token scopes' : ''}`;
  return t.guard?.(actor, incident) ?? null;
}

/**
 * Finds the row from the incident's state to `to` and checks it for `actor`: 409 naming the state
 * when the table has no such row (or it is taken by another route), 403 when the actor may not,
 * 400 when a reason or an assessment is missing or one is given where none is taken.
 */
export function planIncidentTransition(incident: WorkflowSubject, to: IncidentState, actor: UserActor, request: TransitionRequest, via: 'transition' | 'merge' = 'transition'): IncidentTransition {
  const t = transitionRow(incident.state, to);
  if (!t) {
    const offered = INCIDENT_TRANSITIONS.filter((r) => r.from === incident.state && r.via === via).map((r) => r.to);
    throw new ConflictError(
      `incident ${incident.id} cannot go from ${incident.state} to ${to}${offered.length ? ` (from ${incident.state}: ${offered.join(', ')})` : `: ${incident.state} is final`}`,
      'to',
    );
  }
  if (t.via !== via) throw new ConflictError(`an incident becomes ${to} by ${t.via === 'merge' ? 'POST /api/incidents/{survivor}/merge' : 'POST /api/incidents/{id}/transitions'}`, 'to');
  const why = refusal(t, incident, actor);
  if (why) throw forbidden(why);
  if (t.reasonRequired && !request.reason?.trim()) throw new InvalidInputError('reason', `is required to ${t.action}`);
  if (t.assessment === 'draft' && !request.assessment) throw new InvalidInputError('assessment', `is required to ${t.action}: finding, attribution, confidence and rationale`);
  if (t.assessment !== 'draft' && request.assessment) throw new InvalidInputError('assessment', `is drafted only when moving to findings, not to ${to}`);
  if (request.assessment) {
    const parsed = AssessmentInput.safeParse(request.assessment);
    if (!parsed.success) {
      const [first] = fieldErrors(parsed.error.issues, ['assessment']);
      throw new InvalidInputError(first!.field, first!.message);
    }
  }
  return t;
}

/** The signature of `actor` at `at`. */
export const signatureOf = (actor: UserActor, by: string, at: string): Signature => ({ by, userId: actor.id, nation: actor.nation, at });

/** The assessment after taking `t` (pure): what the store writes with the new state. */
export function assessmentAfter(t: IncidentTransition, incident: WorkflowSubject, request: TransitionRequest, signature: Signature): Assessment | null {
  const current = incident.assessment;
  switch (t.assessment) {
    case 'draft':
      return { ...AssessmentInput.parse(request.assessment), draftedBy: signature, confirmedBy: null, reviewedBy: null };
    case 'confirm':
      return current && { ...current, confirmedBy: signature };
    case 'review':
      return current && { ...current, reviewedBy: signature };
    case 'clear':
      return null;
    case 'keep':
      return current;
  }
}

/** One action the caller may take now (the UI's buttons). */
export interface IncidentAction {
  to: IncidentState;
  action: string;
  reasonRequired: boolean;
  assessmentRequired: boolean;
  /** `merge`: POST /api/incidents/{survivor}/merge with this incident as otherId. */
  via: 'transition' | 'merge';
}

/** The actions the table offers from the incident's state to `actor`, and those it refuses with why (for disabled buttons). */
export function incidentActions(incident: WorkflowSubject, actor: UserActor): { allowed: IncidentAction[]; refused: (IncidentAction & { why: string })[] } {
  const allowed: IncidentAction[] = [];
  const refused: (IncidentAction & { why: string })[] = [];
  for (const t of INCIDENT_TRANSITIONS) {
    if (t.from !== incident.state) continue;
    const a: IncidentAction = { to: t.to, action: t.action, reasonRequired: t.reasonRequired, assessmentRequired: t.assessment === 'draft', via: t.via };
    // Those the role never allows are not offered at all; those a guard refuses are shown with why.
    if (!allows(actor, t.permission)) continue;
    const why = t.guard?.(actor, incident);
    if (why) refused.push({ ...a, why });
    else allowed.push(a);
  }
  return { allowed, refused };
}
