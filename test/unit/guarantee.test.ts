import { describe, expect, it } from 'vitest';
import { loadDefaultAgreement } from '../../src/agreement/default-agreement';
import { parseAgreement, type ParsedAgreement } from '../../src/domain/agreement';
import {
  ALERT_TRANSITIONS,
  BreachWindow,
  evaluateTriggers,
  guarantorReleasability,
  inForceFor,
  pendingNations,
  TriggerCriteriaSet,
  type IncidentSubject,
  type ObservationSubject,
  type RecentBreach,
  type TriggerCriteriaSetInput,
} from '../../src/domain/guarantee';
import { canSee, type Visibility } from '../../src/domain/identity';
import type { Assessment } from '../../src/domain/incident';
import { AgreementJudge, type Judgement } from '../../src/domain/rules';
import { alertIdFor, loadCriteriaFile, parseCriteria } from '../../src/services/guarantee.service';

/**
 * The guarantee trigger criteria and their evaluator: pure functions over the criteria, one
 * observation with its judgement, the recent breaches of its sector and the agreement.
 */

const agreement = loadDefaultAgreement();
const judge = new AgreementJudge(agreement);
const DAY = '2026-11-24';
const at = (hhmm: string) => `${DAY}T${hhmm}:00Z`;

type Obs = ObservationSubject['observation'];
const obs = (over: Partial<Obs> & { lon?: number; lat?: number } = {}): Obs & { location: { lon: number; lat: number } } => {
  const { lon = 37.63, lat = 49.71, ...rest } = over;
  return {
    id: `o-${Math.random().toString(36).slice(2)}`,
    kind: 'explosion',
    subkind: 'impact',
    observedAt: at('10:00'),
    receivedAt: at('10:01'),
    sector: 'kharkiv',
    count: 1,
    source: { kind: 'monitor' },
    location: { lon, lat },
    ...rest,
  };
};
/** The observation with the judgement the rules engine gives it under the default agreement. */
const subject = (o: ReturnType<typeof obs>, recent: RecentBreach[] = [], judgement?: Judgement | null): ObservationSubject => ({
  type: 'observation',
  observation: o,
  judgement: judgement === undefined ? judge.evaluate(o) : judgement,
  recent,
});
const set = (criteria: TriggerCriteriaSetInput['criteria'], over: Partial<TriggerCriteriaSetInput> = {}) => TriggerCriteriaSet.parse({ criteria, ...over });

const SITE = { kind: 'protected_site_impact', id: 'site', name: 'Impact at a protected site' } as const;
const CLUSTER = { kind: 'attack_cluster', id: 'cluster', name: 'Cluster', threshold: 3, windowHours: 1 } as const;
const BEYOND = { kind: 'fire_beyond_security_zone', id: 'beyond', name: 'Fire beyond the zone', marginM: 1000 } as const;

// Places judged under the default agreement (illustrative line, 15 km security zone per side).
const DFS = { lon: 37.8725, lat: 48.1125, sector: null }; // Donetsk Filtration Station: a protected site, 31 km from the line
const ON_LINE = { lon: 37.63, lat: 49.71 }; // Kupiansk: in the security zone, sector kharkiv
const BEYOND_UKR = { lon: 37.28, lat: 49.71 }; // 23.7 km from the line on the UKR side, sector kharkiv
const IN_ZONE_UKR = { lon: 37.43, lat: 49.71 }; // 13.6 km: inside the zone

const breach = (id: string, hhmm: string, over: Partial<RecentBreach> = {}): RecentBreach => ({
  observationId: id,
  observedAtMs: Date.parse(at(hhmm)),
  kind: 'explosion',
  sourceKind: 'monitor',
  events: 1,
  breachKinds: ['fire_in_security_zone'],
  ...over,
});

describe('trigger criteria as data', () => {
  it('parses the shipped default file: three criteria, one of each kind', () => {
    const d = loadCriteriaFile();
    expect(d.criteria.map((c) => c.kind).sort()).toEqual(['attack_cluster', 'fire_beyond_security_zone', 'protected_site_impact', 'verified_violation']);
    expect(d.escalateAfterSeconds).toBe(300);
    expect(d.criteria.every((c) => c.enabled && !c.sourceKinds?.includes('osint'))).toBe(true);
  });

  it('rejects a duplicate id, an unknown kind and a missing threshold, naming the field', () => {
    expect(() => parseCriteria({ criteria: [SITE, SITE] })).toThrow(/criteria\.1\.id.*used twice/);
    expect(() => parseCriteria({ criteria: [{ ...SITE, kind: 'rumour' }] })).toThrow(/criteria\.0\.kind/);
    const { threshold: _t, ...noThreshold } = CLUSTER;
    expect(() => parseCriteria({ criteria: [noThreshold] })).toThrow(/criteria\.0\.threshold/);
    expect(() => parseCriteria({ criteria: [{ ...SITE, extra: 1 }] })).toThrow(/criteria\.0/);
  });

  it('applies the defaults: attack kinds are the fire kinds, outgoing fire does not land', () => {
    const s = set([CLUSTER, BEYOND]);
    expect(s.criteria[0]).toMatchObject({ attackKinds: ['explosion', 'burst', 'shot', 'muzzle_flash', 'projectile_in_flight'], unit: 'observations', enabled: true });
    expect(s.criteria[1]).toMatchObject({ fireKinds: ['explosion'], subkinds: ['impact', 'airburst', 'undetermined'] });
    expect(s).toMatchObject({ maxAgeHours: 24, escalateAfterSeconds: 300 });
  });
});

describe('in force', () => {
  const variant = (edit: Record<string, unknown>): ParsedAgreement => parseAgreement({ ...agreement.agreement, ...edit });

  it('only while the agreement is in force now and a version was in force at observedAt', () => {
    expect(inForceFor(agreement, at('10:00'))).toBe(true);
    expect(inForceFor(agreement, '2026-01-05T23:59:59Z')).toBe(false);
    expect(inForceFor(null, at('10:00'))).toBe(false);
    expect(inForceFor(variant({ status: 'signed', inForceFrom: null }), at('10:00'))).toBe(false);
    expect(inForceFor(variant({ status: 'suspended', endedAt: '2026-12-01T00:00:00Z' }), at('10:00'))).toBe(false);
  });

  it('raises nothing outside the in-force period, whatever the criteria', () => {
    const o = obs({ ...DFS, observedAt: '2026-01-05T12:00:00Z', receivedAt: '2026-01-05T12:01:00Z' });
    // The same breach, as a judgement would find it, before the agreement entered into force.
    const j = judge.evaluate({ ...o, observedAt: at('10:00') });
    expect(evaluateTriggers(set([SITE, BEYOND]), subject(o, [], j), { agreement })).toEqual([]);
    const inForce = obs({ ...DFS });
    expect(evaluateTriggers(set([SITE, BEYOND]), subject(inForce), { agreement }).map((m) => m.criterion.id)).toEqual(['site', 'beyond']);
    expect(evaluateTriggers(set([SITE]), subject(inForce), { agreement: variant({ status: 'terminated', endedAt: '2026-11-25T00:00:00Z' }) })).toEqual([]);
  });

  it('raises nothing for an observation received longer than maxAgeHours after it was made', () => {
    const late = obs({ ...DFS, observedAt: at('10:00'), receivedAt: '2026-11-25T11:00:00Z' });
    expect(evaluateTriggers(set([SITE]), subject(late), { agreement })).toEqual([]);
    expect(evaluateTriggers(set([SITE], { maxAgeHours: 48 }), subject(late), { agreement })).toHaveLength(1);
  });
});

describe('protected_site_impact', () => {
  it('matches an impact within a protected site, with the site and the distance', () => {
    const o = obs({ ...DFS });
    const [m] = evaluateTriggers(set([SITE]), subject(o), { agreement });
    expect(m).toMatchObject({ sector: null, coalesceKey: 'site|', triggerKey: o.id, observationIds: [o.id], coalesceMs: 3_600_000, detail: { sites: ['site-dfs'] } });
    expect(m!.summary).toMatch(/site-dfs.*outside every sector/);
  });

  it('ignores outgoing fire, other sites, other sources and disabled criteria', () => {
    expect(evaluateTriggers(set([SITE]), subject(obs({ ...DFS, subkind: 'outgoing' })), { agreement })).toEqual([]);
    expect(evaluateTriggers(set([{ ...SITE, sites: ['site-znpp'] }]), subject(obs({ ...DFS })), { agreement })).toEqual([]);
    expect(evaluateTriggers(set([{ ...SITE, sourceKinds: ['monitor'] }]), subject(obs({ ...DFS, source: { kind: 'osint' } })), { agreement })).toEqual([]);
    expect(evaluateTriggers(set([{ ...SITE, enabled: false }]), subject(obs({ ...DFS })), { agreement })).toEqual([]);
  });
});

describe('attack_cluster', () => {
  const o = (hhmm: string, over: Partial<Obs> = {}) => obs({ ...ON_LINE, observedAt: at(hhmm), receivedAt: at(hhmm), ...over });

  it('matches when the N-th breach of attack kinds in the sector falls within T hours', () => {
    const s = set([CLUSTER]);
    const two = [breach('a', '09:10'), breach('b', '09:40')];
    const third = o('10:00');
    const [m] = evaluateTriggers(s, subject(third, two), { agreement });
    expect(m).toMatchObject({ sector: 'kharkiv', coalesceKey: 'cluster|kharkiv', triggerKey: third.id, coalesceMs: 3_600_000, detail: { count: 3, threshold: 3 } });
    expect(m!.observationIds).toEqual(['a', 'b', third.id]);
    expect(m!.summary).toMatch(/3 breaching observations .* sector kharkiv within 1 h/);
    // Two breaches are not three; one outside the hour does not count.
    expect(evaluateTriggers(s, subject(third, [breach('b', '09:40')]), { agreement })).toEqual([]);
    expect(evaluateTriggers(s, subject(third, [breach('a', '08:59'), breach('b', '09:40')]), { agreement })).toEqual([]);
    // Exactly T apart counts (within T hours).
    expect(evaluateTriggers(s, subject(third, [breach('a', '09:00'), breach('b', '09:40')]), { agreement })).toHaveLength(1);
  });

  it('counts a late arrival into the window it belongs to, before or after the others', () => {
    const s = set([CLUSTER]);
    expect(evaluateTriggers(s, subject(o('09:30', { receivedAt: at('10:30') }), [breach('a', '09:10'), breach('b', '10:05')]), { agreement })).toHaveLength(1);
    // The window must hold the new observation: two breaches 3 h later do not make a cluster with it.
    expect(evaluateTriggers(s, subject(o('06:00'), [breach('a', '09:10'), breach('b', '09:20')]), { agreement })).toEqual([]);
  });

  it('counts only breaches of attack kinds (and of the breach kinds named), from the sources named, once each', () => {
    const s = set([{ ...CLUSTER, breachKinds: ['fire_in_security_zone'], sourceKinds: ['monitor', 'uav'] }]);
    const third = o('10:00');
    expect(evaluateTriggers(s, subject(third, [breach('a', '09:10', { kind: 'weapon_sighting' }), breach('b', '09:40')]), { agreement })).toEqual([]);
    expect(evaluateTriggers(s, subject(third, [breach('a', '09:10', { breachKinds: ['withdrawal'] }), breach('b', '09:40')]), { agreement })).toEqual([]);
    expect(evaluateTriggers(s, subject(third, [breach('a', '09:10', { sourceKind: 'osint' }), breach('b', '09:40')]), { agreement })).toEqual([]);
    expect(evaluateTriggers(s, subject(third, [breach('b', '09:40'), breach(third.id, '10:00')]), { agreement })).toEqual([]);
    expect(evaluateTriggers(s, subject(third, [breach('a', '09:10', { sourceKind: 'uav' }), breach('b', '09:40')]), { agreement })).toHaveLength(1);
  });

  it('sums events when the unit is events', () => {
    const s = set([{ ...CLUSTER, threshold: 50, unit: 'events' }]);
    expect(evaluateTriggers(s, subject(o('10:00', { count: 48 }), [breach('a', '09:30', { events: 2 })]), { agreement })[0]?.detail).toMatchObject({ count: 50 });
    expect(evaluateTriggers(s, subject(o('10:00', { count: 47 }), [breach('a', '09:30', { events: 2 })]), { agreement })).toEqual([]);
  });

  it('needs a sector, and the observation itself to be a breach', () => {
    const s = set([CLUSTER]);
    const two = [breach('a', '09:10'), breach('b', '09:40')];
    expect(evaluateTriggers(s, subject(o('10:00', { sector: null }), two), { agreement })).toEqual([]);
    expect(evaluateTriggers(s, subject(obs({ ...BEYOND_UKR, observedAt: at('10:00'), receivedAt: at('10:00') }), two), { agreement })).toEqual([]);
  });
});

describe('fire_beyond_security_zone', () => {
  it('matches fire landing beyond the zone on a side, by more than the margin', () => {
    const o = obs({ ...BEYOND_UKR });
    const [m] = evaluateTriggers(set([BEYOND]), subject(o), { agreement });
    expect(m).toMatchObject({ sector: 'kharkiv', coalesceKey: 'beyond|kharkiv', detail: { side: 'UKR', halfWidthM: 15_000, zone: 'Memo-2014-security-zone' } });
    expect(m!.summary).toMatch(/UKR side, 23\.\d km from the line, beyond the 15\.0 km security zone/);
    expect(evaluateTriggers(set([{ ...BEYOND, marginM: 10_000 }]), subject(o), { agreement })).toEqual([]);
  });

  it('ignores fire inside the zone, outgoing fire, other kinds, and unjudged observations', () => {
    expect(evaluateTriggers(set([BEYOND]), subject(obs({ ...IN_ZONE_UKR })), { agreement })).toEqual([]);
    expect(evaluateTriggers(set([BEYOND]), subject(obs({ ...BEYOND_UKR, subkind: 'outgoing' })), { agreement })).toEqual([]);
    expect(evaluateTriggers(set([BEYOND]), subject(obs({ ...BEYOND_UKR, kind: 'burst', subkind: undefined })), { agreement })).toEqual([]);
    expect(evaluateTriggers(set([{ ...BEYOND, fireKinds: ['burst'] }]), subject(obs({ ...BEYOND_UKR, kind: 'burst', subkind: undefined })), { agreement })).toHaveLength(1);
    expect(evaluateTriggers(set([BEYOND]), subject(obs({ ...BEYOND_UKR }), [], null), { agreement })).toEqual([]);
  });
});

describe('verified_violation', () => {
  const VERIFIED = { kind: 'verified_violation', id: 'verified', name: 'Verified violation' } as const;
  const sign = (nation: string, by: string) => ({ by: `user:${by}`, userId: by, nation, at: at('12:00') });
  const incident = (over: Partial<IncidentSubject['incident']> = {}, assessment: Partial<Assessment> = {}): IncidentSubject => ({
    type: 'incident',
    incident: {
      id: 'inc-1',
      kind: 'fire',
      state: 'verified_violation',
      sector: 'kharkiv',
      firstObservedAt: at('10:00'),
      lastObservedAt: at('10:05'),
      createdAt: at('10:06'),
      observationIds: ['o-1', 'o-2'],
      composition: { kinds: { explosion: 2 }, sources: { monitor: 1, camera: 1 }, sectors: { kharkiv: 2 } },
      assessment: {
        finding: 'violation',
        attribution: 'RUS',
        confidence: 'high',
        rationale: 'Craters and two sound bearings',
        provisionIds: [],
        draftedBy: sign('USA', 'a'),
        confirmedBy: sign('FRA', 'b'),
        reviewedBy: sign('GBR', 'c'),
        ...assessment,
      },
      ...over,
    },
  });

  it('raises one alert per verified incident, named after it, never coalescing', () => {
    const [m, ...rest] = evaluateTriggers(set([VERIFIED, SITE]), incident(), { agreement });
    expect(rest).toEqual([]);
    expect(m).toMatchObject({
      triggerKey: 'incident:inc-1',
      coalesceKey: 'verified|incident:inc-1',
      sector: 'kharkiv',
      observationIds: ['o-1', 'o-2'],
      detail: { incidentId: 'inc-1', attribution: 'RUS', confidence: 'high', draftedBy: 'USA', confirmedBy: 'FRA' },
    });
    expect(m!.summary).toMatch(/verified as a violation attributed to RUS, confidence high, sector kharkiv/);
    // Observation criteria are not evaluated on incidents, nor this one on observations.
    expect(evaluateTriggers(set([VERIFIED]), subject(obs({ ...DFS })), { agreement })).toEqual([]);
  });

  it('filters by attribution, party, confidence, kind and source', () => {
    const met = (c: Partial<TriggerCriteriaSetInput['criteria'][number]>, s: IncidentSubject) => evaluateTriggers(set([{ ...VERIFIED, ...c } as never]), s, { agreement }).length === 1;
    expect(met({}, incident({}, { attribution: 'undetermined' }))).toBe(false);
    expect(met({ requireAttribution: false } as never, incident({}, { attribution: 'undetermined' }))).toBe(true);
    expect(met({ parties: ['UKR'] } as never, incident())).toBe(false);
    expect(met({ minConfidence: 'high' } as never, incident({}, { confidence: 'medium' }))).toBe(false);
    expect(met({ minConfidence: 'medium' } as never, incident({}, { confidence: 'medium' }))).toBe(true);
    expect(met({ incidentKinds: ['weapon_sighting'] } as never, incident())).toBe(false);
    expect(met({ sourceKinds: ['uav'] } as never, incident())).toBe(false);
    expect(met({ sourceKinds: ['camera'] } as never, incident())).toBe(true);
  });

  it('needs the verdict itself: a verified state, a finding of violation, a review; and the agreement in force at the time', () => {
    const met = (s: IncidentSubject) => evaluateTriggers(set([VERIFIED]), s, { agreement }).length === 1;
    expect(met(incident({ state: 'review' }))).toBe(false);
    expect(met(incident({}, { reviewedBy: null }))).toBe(false);
    expect(met(incident({ assessment: null }))).toBe(false);
    expect(met(incident({ firstObservedAt: '2020-01-01T00:00:00Z' }))).toBe(false);
    // Days after the event is still a finding of a new attack: no maxAgeHours for incidents.
    expect(met(incident({ createdAt: '2026-12-30T00:00:00Z' }))).toBe(true);
    expect(evaluateTriggers(set([VERIFIED]), incident(), { agreement: null })).toEqual([]);
  });
});

describe('BreachWindow', () => {
  it('keeps breaches sorted by observedAt, once each, and drops the old ones', () => {
    const w = new BreachWindow();
    for (const [id, t] of [['c', '10:30'], ['a', '09:00'], ['b', '10:00'], ['a', '09:00'], ['d', '11:00']] as const) w.add(breach(id, t));
    expect(w.size).toBe(4);
    expect(w.between(Date.parse(at('09:30')), Date.parse(at('10:30'))).map((b) => b.observationId)).toEqual(['b', 'c']);
    w.prune(Date.parse(at('10:15')));
    expect(w.between(0, Infinity).map((b) => b.observationId)).toEqual(['c', 'd']);
    w.add(breach('a', '09:00'));
    expect(w.size).toBe(3);
  });
});

describe('alerts', () => {
  it('are released to the guarantor nations and the mechanism only', () => {
    const label = guarantorReleasability(['GBR', 'FRA']);
    expect(label).toBe('REL TO FRA, GBR');
    const nation = (n: string): Visibility => ({ all: false, labels: ['PUBLIC', 'COALITION'], relToNation: n, anyRelTo: false });
    expect(canSee(nation('FRA'), label)).toBe(true);
    expect(canSee(nation('GBR'), label)).toBe(true);
    expect(canSee(nation('DEU'), label)).toBe(false);
    expect(canSee({ all: false, labels: ['PUBLIC', 'COALITION', 'MECHANISM'], relToNation: 'USA', anyRelTo: true }, label)).toBe(true);
    expect(guarantorReleasability([])).toBe('MECHANISM');
  });

  it('have an id made of the criterion and the trigger: the same in every process, UUIDv7-shaped, time-ordered', () => {
    const t = Date.parse(at('10:00'));
    const id = alertIdFor('site', 'obs-1', t);
    expect(id).toBe(alertIdFor('site', 'obs-1', t));
    expect(id).not.toBe(alertIdFor('site', 'obs-2', t));
    expect(id).not.toBe(alertIdFor('beyond', 'obs-1', t));
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(alertIdFor('site', 'obs-1', t + 1) > id).toBe(true);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(t);
  });

  it('follow the workflow table: acknowledged only when every nation has, escalated only from open', () => {
    expect(pendingNations(['FRA', 'GBR'], ['GBR'])).toEqual(['FRA']);
    expect(pendingNations(['FRA', 'GBR'], ['GBR', 'FRA'])).toEqual([]);
    expect(ALERT_TRANSITIONS.filter((x) => x.to === 'escalated').map((x) => x.from)).toEqual(['open']);
    expect((ALERT_TRANSITIONS as readonly { from: string }[]).some((x) => x.from === 'acknowledged')).toBe(false);
  });
});
