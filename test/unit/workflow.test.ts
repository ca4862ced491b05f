import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TrucelineError } from '../../src/domain/errors';
import type { Role, UserActor } from '../../src/domain/identity';
import { INCIDENT_STATES, type Assessment, type AssessmentInput, type IncidentState } from '../../src/domain/incident';
import { PERMISSIONS, allows } from '../../src/domain/permissions';
import {
  EDITABLE_STATES,
  FINAL_STATES,
  INCIDENT_TRANSITIONS,
  assessmentAfter,
  incidentActions,
  planIncidentTransition,
  signatureOf,
  transitionRow,
  type WorkflowSubject,
} from '../../src/domain/verification-workflow';

/**
 * The verification workflow table, by its shape and by random play: random sequences of actors
 * (analysts of several nations, chief monitors, an admin, people without the roles) asking for
 * random target states with or without reasons and assessments. Whatever the sequence, the
 * incident only ever moves along a row of the table, and nothing reaches review or a verdict
 * without a second analyst of another nation and a separate chief monitor.
 */

const user = (id: string, nation: string, roles: Role[], orgKind: UserActor['orgKind'] = 'mechanism'): UserActor => ({ type: 'user', id, username: id, nation, org: 'x', orgKind, roles });

const ACTORS: UserActor[] = [
  user('usa-analyst-1', 'USA', ['analyst']),
  user('usa-analyst-2', 'USA', ['analyst']),
  user('fra-analyst', 'FRA', ['analyst']),
  user('gbr-chief', 'GBR', ['chief_monitor']),
  user('usa-chief-analyst', 'USA', ['chief_monitor', 'analyst']),
  user('deu-admin', 'DEU', ['admin']),
  user('fin-monitor', 'FIN', ['monitor']),
  user('fra-liaison', 'FRA', ['liaison_officer'], 'nation'),
  user('ukr-party', 'UKR', ['liaison_officer'], 'party'),
];

const assessments: fc.Arbitrary<AssessmentInput> = fc.record({
  finding: fc.constantFrom('violation', 'no_violation', 'inconclusive'),
  attribution: fc.constantFrom('RUS', 'UKR', 'not_attributable', 'undetermined'),
  confidence: fc.constantFrom('low', 'medium', 'high'),
  rationale: fc.constantFrom('Crater analysis points north-east.', 'Two posts heard it.', ' '),
}) as fc.Arbitrary<AssessmentInput>;

/**
 * A command names its target either outright (any state, legal or not) or as the n-th row the
 * table offers from wherever the incident is by then: without the second, random play would
 * almost never get past findings, and the guards there would go untested.
 */
const command = (actors: readonly UserActor[]) =>
  fc.record({
    actor: fc.constantFrom(...actors),
    to: fc.oneof({ arbitrary: fc.constantFrom(...INCIDENT_STATES), weight: 1 }, { arbitrary: fc.nat({ max: 7 }), weight: 3 }),
    reason: fc.option(fc.constantFrom('new evidence', 'duplicate', '  '), { nil: null, freq: 3 }),
    assessment: fc.option(assessments, { nil: undefined, freq: 2 }),
  });

type Command = { actor: UserActor; to: IncidentState | number; reason: string | null; assessment?: AssessmentInput };

const targetOf = (state: IncidentState, to: IncidentState | number): IncidentState => {
  if (typeof to === 'string') return to;
  const offered = INCIDENT_TRANSITIONS.filter((t) => t.from === state).map((t) => t.to);
  return offered.length ? offered[to % offered.length]! : state;
};

interface Step {
  actor: UserActor;
  from: IncidentState;
  to: IncidentState;
  before: Assessment | null;
  after: Assessment | null;
}

/** Plays commands against one incident as the service would; answers the steps taken. */
function play(commands: readonly Command[]): { steps: Step[]; incident: WorkflowSubject } {
  const incident: WorkflowSubject = { id: 'inc-1', state: 'received', assessment: null };
  const steps: Step[] = [];
  let clock = Date.UTC(2026, 10, 24);
  for (const c of commands) {
    const request = { reason: c.reason, ...(c.assessment ? { assessment: c.assessment } : {}) };
    let after: Assessment | null;
    let row;
    try {
      row = planIncidentTransition(incident, targetOf(incident.state, c.to), c.actor, request);
      after = assessmentAfter(row, incident, request, signatureOf(c.actor, `user:${c.actor.username}`, new Date((clock += 1000)).toISOString()));
    } catch (err) {
      // Refusals are the table's: a domain error with a client status, nothing else; the incident is unchanged.
      if (!(err instanceof TrucelineError) || ![400, 403, 409].includes(err.status)) throw err;
      continue;
    }
    steps.push({ actor: c.actor, from: incident.state, to: row.to, before: incident.assessment, after });
    incident.state = row.to;
    incident.assessment = after;
  }
  return { steps, incident };
}

function checkInvariants(steps: readonly Step[]): void {
  for (const s of steps) {
    const row = transitionRow(s.from, s.to);
    // Only along a row of the table, and never into merged by a plain transition.
    expect(row, `${s.from} -> ${s.to}`).toBeDefined();
    expect(row!.via).toBe('transition');
    expect(s.to).not.toBe('merged');
    // Only by someone whose role the row's permission names.
    expect(allows(s.actor, row!.permission)).toBe(true);
    const a = s.after;
    if (s.to === 'findings') {
      expect(a?.draftedBy.userId).toBe(s.actor.id);
      expect(a?.confirmedBy).toBeNull();
    }
    if (s.to === 'review') {
      // The two-nation rule, on the record.
      expect(a?.confirmedBy?.userId).toBe(s.actor.id);
      expect(a!.confirmedBy!.nation).not.toBe(a!.draftedBy.nation);
      expect(a!.confirmedBy!.userId).not.toBe(a!.draftedBy.userId);
    }
    if (s.from === 'review' && ['verified_violation', 'verified_no_violation', 'inconclusive'].includes(s.to)) {
      expect(a?.reviewedBy?.userId).toBe(s.actor.id);
      expect(s.actor.roles.some((r) => r === 'chief_monitor' || r === 'admin')).toBe(true);
      expect([a!.draftedBy.userId, a!.confirmedBy!.userId]).not.toContain(s.actor.id);
      expect(a!.confirmedBy!.nation).not.toBe(a!.draftedBy.nation);
      expect(a!.finding).toBe({ verified_violation: 'violation', verified_no_violation: 'no_violation', inconclusive: 'inconclusive' }[s.to as string]);
    }
  }
}

describe('verification workflow table: shape', () => {
  it('has one row per (from, to), names known permissions, and only the merge route enters merged', () => {
    const keys = INCIDENT_TRANSITIONS.map((t) => `${t.from}->${t.to}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const t of INCIDENT_TRANSITIONS) {
      expect(Object.keys(PERMISSIONS)).toContain(t.permission);
      expect(t.to === 'merged').toBe(t.via === 'merge');
      if (t.via === 'merge') expect(EDITABLE_STATES).toContain(t.from);
    }
    // Verdicts are the chief monitor's; confirming is guarded by the two-nation rule.
    for (const t of INCIDENT_TRANSITIONS.filter((r) => r.from === 'review')) expect(t.permission).toBe('incident.review');
    expect(transitionRow('findings', 'review')?.guard).toBeDefined();
    // No way into review but by confirming findings; no way to a verdict but from review.
    expect(INCIDENT_TRANSITIONS.filter((t) => t.to === 'review').map((t) => t.from)).toEqual(['findings']);
    for (const v of ['verified_violation', 'verified_no_violation', 'inconclusive'] as const) expect(INCIDENT_TRANSITIONS.filter((t) => t.to === v).map((t) => t.from)).toEqual(['review']);
  });

  it('reaches every state from received, and a final state from every state', () => {
    const next = (s: IncidentState) => INCIDENT_TRANSITIONS.filter((t) => t.from === s).map((t) => t.to);
    const reach = (from: IncidentState) => {
      const seen = new Set<IncidentState>([from]);
      const todo = [from];
      while (todo.length) {
        for (const n of next(todo.pop()!)) {
          if (seen.has(n)) continue;
          seen.add(n);
          todo.push(n);
        }
      }
      return seen;
    };
    expect([...reach('received')].sort()).toEqual([...INCIDENT_STATES].sort());
    for (const s of INCIDENT_STATES) expect([...reach(s)].some((x) => FINAL_STATES.includes(x)), s).toBe(true);
    expect(next('merged')).toEqual([]);
  });

  it('offers each caller the actions the table allows, and says why a guard refuses', () => {
    const drafted = play([
      { actor: ACTORS[0]!, to: 'triaged', reason: null },
      { actor: ACTORS[0]!, to: 'findings', reason: null, assessment: { finding: 'violation', attribution: 'RUS', confidence: 'high', rationale: 'Craters' } },
    ]).incident;
    expect(drafted.state).toBe('findings');
    const sameNation = incidentActions(drafted, ACTORS[1]!);
    expect(sameNation.allowed.map((a) => a.to)).toEqual(['under_investigation']);
    expect(sameNation.refused).toEqual([expect.objectContaining({ to: 'review', why: expect.stringMatching(/two-nation rule/) })]);
    expect(incidentActions(drafted, ACTORS[2]!).allowed.map((a) => a.to)).toEqual(['review', 'under_investigation']);
    expect(incidentActions(drafted, ACTORS[6]!)).toEqual({ allowed: [], refused: [] });
  });
});

describe('verification workflow table: random play', () => {
  it('never leaves the table, whatever actors ask for in whatever order', () => {
    fc.assert(
      fc.property(fc.array(command(ACTORS), { maxLength: 60 }), (commands) => {
        checkInvariants(play(commands).steps);
      }),
      { numRuns: 1000, seed: 20261124 },
    );
  });

  it('reaches verdicts often enough for the invariants to mean something', () => {
    let verdicts = 0;
    let confirmations = 0;
    fc.assert(
      fc.property(fc.array(command(ACTORS), { minLength: 20, maxLength: 60 }), (commands) => {
        const { steps } = play(commands);
        checkInvariants(steps);
        if (steps.some((s) => s.to === 'review')) confirmations++;
        if (steps.some((s) => s.from === 'review' && s.to !== 'under_investigation')) verdicts++;
      }),
      { numRuns: 1000, seed: 7 },
    );
    console.log(`workflow: of 1000 random plays, ${confirmations} had findings confirmed by a second nation and ${verdicts} reached a verdict`);
    expect(verdicts).toBeGreaterThan(20);
  });

  it('cannot reach review, nor any verdict, when every analyst is of one nation (two-nation rule)', () => {
    const oneNation = [user('a1', 'USA', ['analyst']), user('a2', 'USA', ['analyst']), user('c1', 'USA', ['chief_monitor', 'analyst']), user('adm', 'USA', ['admin'])];
    let drafted = 0;
    fc.assert(
      fc.property(fc.array(command(oneNation), { maxLength: 60 }), (commands) => {
        const { steps } = play(commands);
        checkInvariants(steps);
        if (steps.some((s) => s.to === 'findings')) drafted++;
        expect(steps.some((s) => s.to === 'review' || s.to.startsWith('verified') || s.to === 'inconclusive')).toBe(false);
      }),
      { numRuns: 1000, seed: 11 },
    );
    // Not vacuous: findings were drafted, and then stuck.
    expect(drafted).toBeGreaterThan(50);
  });

  it('cannot confirm one\'s own findings nor review findings one drafted or confirmed, even as admin', () => {
    const admin = user('adm', 'DEU', ['admin']);
    const fra = user('fra', 'FRA', ['analyst']);
    const draft = { finding: 'violation', attribution: 'RUS', confidence: 'medium', rationale: 'Two posts and a crater' } as const;
    const { incident } = play([
      { actor: admin, to: 'triaged', reason: null },
      { actor: admin, to: 'findings', reason: null, assessment: draft },
      { actor: admin, to: 'review', reason: null },
    ]);
    expect(incident.state).toBe('findings');
    const confirmed = play([
      { actor: admin, to: 'triaged', reason: null },
      { actor: admin, to: 'findings', reason: null, assessment: draft },
      { actor: fra, to: 'review', reason: null },
      { actor: admin, to: 'verified_violation', reason: null },
    ]).incident;
    expect(confirmed.state).toBe('review');
    // An assessment slipped into the confirmation is refused, not swapped in.
    expect(() => planIncidentTransition({ id: 'x', state: 'findings', assessment: confirmed.assessment }, 'review', user('gbr', 'GBR', ['analyst']), { reason: null, assessment: draft })).toThrow(
      /assessment/,
    );
  });

  it('refuses a verdict that is not the drafted finding, and requires reasons where the table says', () => {
    const { incident } = play([
      { actor: ACTORS[0]!, to: 'triaged', reason: null },
      { actor: ACTORS[0]!, to: 'findings', reason: null, assessment: { finding: 'no_violation', attribution: 'not_attributable', confidence: 'low', rationale: 'Outgoing only' } },
      { actor: ACTORS[2]!, to: 'review', reason: null },
    ]);
    expect(incident.state).toBe('review');
    expect(() => planIncidentTransition(incident, 'verified_violation', ACTORS[3]!, { reason: null })).toThrow(/findings say no violation/);
    expect(() => planIncidentTransition(incident, 'under_investigation', ACTORS[3]!, { reason: '' })).toThrow(/reason/);
    expect(planIncidentTransition(incident, 'verified_no_violation', ACTORS[3]!, { reason: null }).to).toBe('verified_no_violation');
    expect(() => planIncidentTransition(incident, 'merged', ACTORS[3]!, { reason: 'x' })).toThrow(/cannot go from review to merged/);
    expect(() => planIncidentTransition({ ...incident, state: 'received' }, 'merged', ACTORS[0]!, { reason: 'dup' })).toThrow(/merge/);
  });
});
