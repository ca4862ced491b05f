import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { demoSectors } from '../../src/demo/demo-sectors';
import { SEE_ALL } from '../../src/domain/identity';
import { GEOD } from '../../src/geo/ellipsoid';
import { buildApp } from '../../src/server/app';
import { AgreementService } from '../../src/services/agreement.service';
import { seedDemo } from '../../src/services/demo-seed';
import { IncidentService } from '../../src/services/incident.service';
import { COALITION_PRESET } from '../../src/domain/coalition';
import { ObservationIngest } from '../../src/services/observation-ingest';
import type { Store } from '../../src/store/repository';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store';
import { testUser } from '../support/auth';
import { observationInput } from '../support/factories';

/**
 * Verification through HTTP on a real app and SQLite file, with real users of several nations:
 * observations fused into an incident as they are stored, its origin from the posts' bearings,
 * the workflow with the two-nation rule and the chief monitor's review, an investigation task,
 * allegations, merge and split, releasability, and the guarantee alert a verified violation
 * raises to the guarantor nations.
 */

type Headers = { authorization: string };
type Json = Record<string, unknown> & { id: string };

let app: FastifyInstance;
let store: Store;
let usaAnalyst: Headers;
let usaAnalyst2: Headers;
let fraAnalyst: Headers;
let gbrChief: Headers;
let monitor: Headers;
let fraLiaison: Headers;
let gbrLiaison: Headers;
let ukrParty: Headers;

beforeAll(async () => {
  store = openSqliteStore(join(mkdtempSync(join(tmpdir(), 'truceline-incidents-')), 'test.db'));
  await store.sectors.upsertMany(demoSectors());
  await new AgreementService(store).seedDefault();
  app = await buildApp({ store, config: { maxBody: 10 * 1024 * 1024, web: false, logLevel: 'silent' } });
  const mech = { orgKind: 'mechanism' as const };
  usaAnalyst = (await testUser(store, { ...mech, nation: 'USA', roles: ['analyst', 'monitor'] })).headers;
  usaAnalyst2 = (await testUser(store, { ...mech, nation: 'USA', roles: ['analyst'] })).headers;
  fraAnalyst = (await testUser(store, { ...mech, nation: 'FRA', roles: ['analyst'] })).headers;
  gbrChief = (await testUser(store, { ...mech, nation: 'GBR', roles: ['chief_monitor'] })).headers;
  monitor = (await testUser(store, { ...mech, nation: 'FIN', roles: ['monitor'] })).headers;
  fraLiaison = (await testUser(store, { nation: 'FRA', orgKind: 'nation', roles: ['liaison_officer'] })).headers;
  gbrLiaison = (await testUser(store, { nation: 'GBR', orgKind: 'nation', roles: ['liaison_officer'] })).headers;
  ukrParty = (await testUser(store, { nation: 'UKR', orgKind: 'party', roles: ['liaison_officer'] })).headers;
});

afterAll(async () => {
  await app?.close();
  await store?.close();
});

const send = (method: 'GET' | 'POST', url: string, headers?: Headers, payload?: unknown) =>
  app.inject({ method, url, headers: { ...headers, ...(payload === undefined ? {} : { 'content-type': 'application/json' }) }, ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }) });

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 5000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
/** A place `km` from `from` on azimuth `az`. */
const offset = (from: { lat: number; lon: number }, az: number, km: number) => {
  const r = GEOD.Direct(from.lat, from.lon, az, km * 1000);
  return { lat: r.lat2!, lon: r.lon2! };
};
const bearing = (from: { lat: number; lon: number }, to: { lat: number; lon: number }) => (GEOD.Inverse(from.lat, from.lon, to.lat, to.lon).azi1! + 360) % 360;

async function observe(over: Parameters<typeof observationInput>[0]): Promise<string> {
  const res = await send('POST', '/api/observations', usaAnalyst, observationInput(over));
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id;
}

/** The incident holding an observation, once fusion has put it in one. */
const incidentOf = (observationId: string, headers = usaAnalyst) =>
  until(`the incident of ${observationId}`, async () => {
    const res = await send('GET', `/api/incidents?observation=${observationId}`, headers);
    expect(res.statusCode, res.body).toBe(200);
    return (res.json().items as Json[])[0];
  });

const get = async (id: string, headers = usaAnalyst) => {
  const res = await send('GET', `/api/incidents/${id}`, headers);
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
};
const move = (id: string, headers: Headers, body: Record<string, unknown>) => send('POST', `/api/incidents/${id}/transitions`, headers, body);

// An impact in the security zone of sector donetsk, seen from two posts by bearing.
const EVENT = { lon: 37.0, lat: 47.9 };
const POST_A = offset(EVENT, 260, 9);
const POST_B = offset(EVENT, 200, 7);

describe('incidents API: fusion, origin, workflow, alert', () => {
  let incidentId = '';
  let obsA = '';
  let obsB = '';

  it('answers 401 to anonymous callers and 403 to roles the routes do not name', async () => {
    expect((await send('GET', '/api/incidents')).statusCode).toBe(401);
    expect((await send('POST', `/api/incidents/${uuidv7()}/transitions`, undefined, { to: 'triaged' })).statusCode).toBe(401);
    expect((await send('POST', '/api/allegations', undefined, { nonsense: true })).statusCode).toBe(401);
    expect((await send('POST', `/api/incidents/${uuidv7()}/transitions`, monitor, { to: 'triaged' })).statusCode).toBe(403);
  });

  it('fuses two posts\' reports of one impact into one incident and estimates its origin from their bearings', async () => {
    const t = ago(3);
    obsA = await observe({ observedAt: t, location: { ...offset(EVENT, 45, 0.3), accuracyM: 1500 }, observer: { ...POST_A, bearingDeg: bearing(POST_A, EVENT) } });
    obsB = await observe({ observedAt: ago(2), location: { ...offset(EVENT, 300, 0.4), accuracyM: 1500 }, observer: { ...POST_B, bearingDeg: bearing(POST_B, EVENT) } });
    const header = await incidentOf(obsA);
    incidentId = header.id;
    expect((await incidentOf(obsB)).id).toBe(incidentId);
    const i = await get(incidentId);
    expect(i).toMatchObject({
      kind: 'fire',
      state: 'received',
      sector: 'donetsk',
      releasability: 'MECHANISM',
      observationCount: 2,
      observationIds: [obsA, obsB],
      hiddenObservations: 0,
      originNote: null,
      history: [{ action: 'create', by: 'system:fusion', to: 'received' }],
      can: { merge: true, split: true, task: true, linkAllegation: true },
    });
    expect(i.observations.map((o: Json) => [o.id, o.addedBy])).toEqual([
      [obsA, 'system:fusion'],
      [obsB, 'system:fusion'],
    ]);
    // Exact bearings (rounded to the API's precision): the estimate sits on the event, its ellipse from ±3° at 7-9 km.
    const miss = GEOD.Inverse(i.origin.lat, i.origin.lon, EVENT.lat, EVENT.lon).s12!;
    expect(miss).toBeLessThan(5);
    expect(i.origin.ellipse).toMatchObject({ sigma: 2, probability: expect.closeTo(0.865, 3) });
    expect(i.origin.ellipse.semiMajorM).toBeGreaterThan(500);
    expect(i.origin.ellipse.semiMajorM).toBeLessThan(3000);
    expect(i.origin.ellipseRing.length).toBe(73);
    expect(i.origin.observationIds).toEqual([obsA, obsB]);
    expect(i.version).toBe(2); // opened by the first report, one more for the second
    expect(i.actions.map((a: Json) => `${a.to}/${a.via}`)).toEqual(['triaged/transition', 'rejected/transition', 'merged/merge']);
    expect(i.actions.find((a: Json) => a.to === 'rejected')).toMatchObject({ reasonRequired: true, assessmentRequired: false, via: 'transition' });
  });

  it('lists the queue for the caller, by state, sector and age', async () => {
    const q = async (query: string) => {
      const res = await send('GET', `/api/incidents?${query}`, usaAnalyst);
      expect(res.statusCode, res.body).toBe(200);
      return (res.json().items as Json[]).map((x) => x.id);
    };
    expect(await q('state=received&sector=donetsk&maxAgeHours=1')).toContain(incidentId);
    expect(await q('state=triaged,review')).not.toContain(incidentId);
    expect(await q('sector=none')).not.toContain(incidentId);
    expect(await q('minAgeHours=1')).not.toContain(incidentId);
    expect(await q('minObservations=2&sort=sector')).toContain(incidentId);
    const bad = await send('GET', '/api/incidents?state=verified', usaAnalyst);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().field).toMatch(/state/);
  });

  it('does not exist for a user it is not released to (404, absent from the queue)', async () => {
    expect((await send('GET', `/api/incidents/${incidentId}`, fraLiaison)).statusCode).toBe(404);
    const list = await send('GET', '/api/incidents?limit=500', fraLiaison);
    expect(list.statusCode).toBe(200);
    expect((list.json().items as Json[]).map((x) => x.id)).not.toContain(incidentId);
    expect((await move(incidentId, fraLiaison, { to: 'triaged' })).statusCode).toBe(403);
  });

  it('triages, tasks an investigation linked to the incident, and refuses what the table has no row for', async () => {
    expect((await move(incidentId, usaAnalyst, { to: 'verified_violation' })).statusCode).toBe(409);
    const stale = await move(incidentId, usaAnalyst, { to: 'triaged', ifVersion: 99 });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().field).toBe('ifVersion');
    const triaged = await move(incidentId, usaAnalyst, { to: 'triaged', ifVersion: 2 });
    expect(triaged.statusCode, triaged.body).toBe(200);
    const res = await send('POST', `/api/incidents/${incidentId}/investigations`, usaAnalyst, { assignee: { nation: null, team: 'Team D-2' }, dueAt: new Date(Date.now() + 24 * 3600_000).toISOString() });
    expect(res.statusCode, res.body).toBe(201);
    const { task, incident } = res.json();
    expect(task).toMatchObject({ kind: 'investigation', incidentId, state: 'open', place: { type: 'Point' } });
    expect(incident.taskIds).toEqual([task.id]);
    expect(incident.tasks[0]).toMatchObject({ id: task.id, title: expect.stringMatching(/^Investigate incident/) });
    expect(incident.history.at(-1)).toMatchObject({ action: 'task_linked', detail: { taskId: task.id } });
    expect((await move(incidentId, usaAnalyst, { to: 'under_investigation' })).statusCode).toBe(200);
  });

  it('drafts findings (an assessment is required, checked field by field)', async () => {
    const none = await move(incidentId, usaAnalyst, { to: 'findings' });
    expect(none.statusCode).toBe(400);
    expect(none.json().field).toBe('assessment');
    const blamed = await move(incidentId, usaAnalyst, { to: 'findings', assessment: { finding: 'no_violation', attribution: 'RUS', confidence: 'high', rationale: 'x' } });
    expect(blamed.statusCode).toBe(400);
    expect(blamed.json().field).toMatch(/attribution/);
    const res = await move(incidentId, usaAnalyst, {
      to: 'findings',
      assessment: { finding: 'violation', attribution: 'RUS', confidence: 'high', rationale: 'Crater analysis and two sound bearings point east of the line' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ state: 'findings', assessment: { finding: 'violation', attribution: 'RUS', draftedBy: { nation: 'USA' }, confirmedBy: null } });
  });

  it('refuses a second analyst of the same nation (two-nation rule), and says why', async () => {
    const view = await get(incidentId, usaAnalyst2);
    expect(view.refusedActions).toEqual([expect.objectContaining({ to: 'review', why: expect.stringMatching(/two-nation rule/) })]);
    const res = await move(incidentId, usaAnalyst2, { to: 'review' });
    expect(res.statusCode).toBe(403);
    expect(res.json().detail).toMatch(/two-nation rule.*USA/);
    expect((await move(incidentId, usaAnalyst, { to: 'review' })).statusCode).toBe(403);
  });

  it('lets an analyst of another nation confirm, and only a chief monitor review', async () => {
    const confirmed = await move(incidentId, fraAnalyst, { to: 'review' });
    expect(confirmed.statusCode, confirmed.body).toBe(200);
    expect(confirmed.json().assessment.confirmedBy).toMatchObject({ nation: 'FRA' });
    // An analyst may not give the verdict: the row names incident.review.
    const notChief = await move(incidentId, fraAnalyst, { to: 'verified_violation' });
    expect(notChief.statusCode).toBe(403);
    expect(notChief.json().detail).toMatch(/incident\.review/);
  });

  it('verifies the violation on the chief monitor\'s review, and raises the guarantee alert to the guarantors', async () => {
    const res = await move(incidentId, gbrChief, { to: 'verified_violation' });
    expect(res.statusCode, res.body).toBe(200);
    const i = res.json();
    expect(i).toMatchObject({ state: 'verified_violation', assessment: { reviewedBy: { nation: 'GBR' } }, actions: [{ to: 'reopened', reasonRequired: true }] });
    expect(i.history.filter((h: Json) => h.action === 'transition').map((h: Json) => `${h.from}->${h.to}`)).toEqual([
      'received->triaged',
      'triaged->under_investigation',
      'under_investigation->findings',
      'findings->review',
      'review->verified_violation',
    ]);
    const alerts = await send('GET', '/api/alerts?limit=500', gbrLiaison);
    expect(alerts.statusCode).toBe(200);
    const alert = (alerts.json().items as Json[]).find((a) => (a.detail as Json).incidentId === incidentId);
    expect(alert).toMatchObject({
      criterionKind: 'verified_violation',
      criterionId: 'verified-violation',
      sector: 'donetsk',
      releasability: 'REL TO FRA, GBR',
      requiredNations: ['FRA', 'GBR'],
      observationIds: [obsA, obsB],
      detail: { attribution: 'RUS', confidence: 'high', draftedBy: 'USA', confirmedBy: 'FRA' },
      canAck: true,
    });
    // Every step is in the audit log, with who and why.
    const audit = await store.audit.list({ entity: 'incident', entityId: incidentId, limit: 50 });
    expect(audit.items.filter((e) => e.action === 'incident.transition').map((e) => `${e.detail.from}->${e.detail.to}`)).toEqual(
      expect.arrayContaining(['received->triaged', 'findings->review', 'review->verified_violation']),
    );
  });

  it('raises nothing more when the incident is reopened and verified again', async () => {
    const before = (await send('GET', '/api/alerts?limit=500', gbrLiaison)).json().items.length;
    expect((await move(incidentId, gbrChief, { to: 'reopened' })).statusCode).toBe(400);
    expect((await move(incidentId, gbrChief, { to: 'reopened', reason: 'new crater photos' })).statusCode).toBe(200);
    expect((await move(incidentId, usaAnalyst, { to: 'findings', assessment: { finding: 'violation', attribution: 'RUS', confidence: 'high', rationale: 'Photos confirm' } })).statusCode).toBe(200);
    expect((await move(incidentId, fraAnalyst, { to: 'review' })).statusCode).toBe(200);
    expect((await move(incidentId, gbrChief, { to: 'verified_violation' })).statusCode).toBe(200);
    expect((await send('GET', '/api/alerts?limit=500', gbrLiaison)).json().items.length).toBe(before);
  });

  it('takes a party\'s allegation beside the observations and links it to the incident it concerns', async () => {
    const res = await send('POST', '/api/allegations', ukrParty, {
      claimedAt: ago(5),
      location: { ...offset(EVENT, 0, 1), accuracyM: 2000 },
      accusedParty: 'RUS',
      narrative: 'Artillery strike on the village from the east',
      attachments: [{ sha256: 'b'.repeat(64), name: 'crater.jpg', mediaType: 'image/jpeg' }],
    });
    expect(res.statusCode, res.body).toBe(201);
    const a = res.json();
    // The party sees its claim, not the mechanism's incident.
    expect(a).toMatchObject({ source: { kind: 'party' }, releasability: 'REL TO UKR', incidentId: null, filerNation: 'UKR' });
    expect((await send('GET', `/api/allegations/${a.id}`, ukrParty)).json().incidentId).toBeNull();
    expect((await send('GET', `/api/allegations/${a.id}`, fraLiaison)).statusCode).toBe(404);
    const seen = await send('GET', `/api/allegations/${a.id}`, usaAnalyst);
    expect(seen.json().incidentId).toBe(incidentId);
    const i = await get(incidentId);
    expect(i.allegations.map((x: Json) => x.id)).toEqual([a.id]);
    expect(i.observationCount).toBe(2); // never over the observations
    expect((await send('GET', `/api/allegations?incident=${incidentId}`, usaAnalyst)).json().items.map((x: Json) => x.id)).toEqual([a.id]);
    // A party speaks for itself.
    const asPublic = await send('POST', '/api/allegations', ukrParty, { source: { kind: 'public' }, claimedAt: ago(5), place: 'Kamianka', narrative: 'x' });
    expect(asPublic.statusCode).toBe(400);
    expect(asPublic.json().field).toBe('source.kind');
    const nowhere = await send('POST', '/api/allegations', ukrParty, { claimedAt: ago(5), narrative: 'x' });
    expect(nowhere.statusCode).toBe(400);
  });

  it('opens an incident from an allegation that matches none, and an analyst may link it elsewhere', async () => {
    const res = await send('POST', '/api/allegations', usaAnalyst, { source: { kind: 'ngo', name: 'Local NGO' }, kind: 'fire', claimedAt: ago(60 * 30), place: 'Road to Kamianka', narrative: 'Shots at a car' });
    expect(res.statusCode, res.body).toBe(201);
    const a = res.json();
    expect(a.releasability).toBe('MECHANISM');
    const opened = await get(a.incidentId);
    expect(opened).toMatchObject({ state: 'received', observationCount: 0, allegationIds: [a.id], history: [{ action: 'create', detail: { allegationId: a.id } }] });
    const linked = await send('POST', `/api/allegations/${a.id}/link`, usaAnalyst, { incidentId, reason: 'the same strike' });
    expect(linked.statusCode, linked.body).toBe(200);
    expect(linked.json().incidentId).toBe(incidentId);
    expect((await send('POST', `/api/allegations/${a.id}/link`, fraLiaison, { incidentId, reason: 'x' })).statusCode).toBe(403);
  });

  it('merges and splits through the workflow table, with who and why', async () => {
    const t = ago(40);
    const place = { lon: 37.2, lat: 47.95 };
    const o1 = await observe({ observedAt: t, location: { ...place, accuracyM: 100 } });
    const o2 = await observe({ observedAt: t, location: { ...offset(place, 90, 0.2), accuracyM: 100 }, kind: 'burst', subkind: undefined });
    const o3 = await observe({ observedAt: t, location: { ...offset(place, 90, 15), accuracyM: 100 } });
    const first = (await incidentOf(o1)).id;
    expect((await incidentOf(o2)).id).toBe(first);
    const second = (await incidentOf(o3)).id;
    expect(second).not.toBe(first);
    const split = await send('POST', `/api/incidents/${first}/split`, usaAnalyst, { observationIds: [o2], reason: 'small arms, another engagement' });
    expect(split.statusCode, split.body).toBe(201);
    const { original, created } = split.json();
    expect(original.observationIds).toEqual([o1]);
    expect(created).toMatchObject({ state: 'received', observationIds: [o2], createdBy: expect.stringMatching(/^token:/) });
    expect(created.observations[0]).toMatchObject({ reason: 'small arms, another engagement' });
    expect((await send('POST', `/api/incidents/${first}/split`, usaAnalyst, { observationIds: [o1], reason: 'x' })).statusCode).toBe(400);
    const merged = await send('POST', `/api/incidents/${first}/merge`, usaAnalyst, { otherId: second, reason: 'one barrage' });
    expect(merged.statusCode, merged.body).toBe(200);
    expect(merged.json()).toMatchObject({ observationIds: [o1, o3], mergedFrom: [second] });
    expect(await get(second)).toMatchObject({ state: 'merged', mergedInto: first, actions: [] });
    expect((await send('POST', `/api/incidents/${first}/merge`, usaAnalyst, { otherId: first, reason: 'x' })).statusCode).toBe(400);
    expect((await send('POST', `/api/incidents/${incidentId}/merge`, usaAnalyst, { otherId: first, reason: 'x' })).statusCode).toBe(409);
    expect((await move(first, usaAnalyst, { to: 'merged', reason: 'x' })).statusCode).toBe(409);
    // A new report of the barrage joins the survivor, not the merged one.
    const o4 = await observe({ observedAt: t, location: { ...offset(place, 0, 0.1), accuracyM: 100 } });
    expect((await incidentOf(o4)).id).toBe(first);
  });

  it('serves the OpenAPI document with the incident routes', async () => {
    const doc = (await send('GET', '/api/openapi.json')).json();
    for (const p of ['/api/incidents', '/api/incidents/{id}', '/api/incidents/{id}/transitions', '/api/incidents/{id}/merge', '/api/incidents/{id}/split', '/api/allegations']) expect(doc.paths[p], p).toBeDefined();
  });
});

describe('the demo week', () => {
  it('is grouped once by a regroup of a store that had no fusion (the CLI\'s `incidents regroup`)', async () => {
    const s = openSqliteStore(join(mkdtempSync(join(tmpdir(), 'truceline-incidents-regroup-')), 'test.db'));
    try {
      const agreements = new AgreementService(s);
      const { created } = await seedDemo(s, new ObservationIngest(s, agreements));
      const service = new IncidentService(s, { coalition: COALITION_PRESET, follow: false });
      const first = await service.regroup();
      expect(first.observations).toBe(created);
      expect(first.created).toBeGreaterThan(100);
      expect((await s.incidents.list({ visibility: SEE_ALL, sort: 'age', limit: 1 })).total).toBe(first.created);
      // Every observation is in exactly one incident, and a second run finds nothing left to group.
      const { items } = await s.incidents.list({ visibility: SEE_ALL, sort: 'age', limit: 500 });
      expect(items.every((i) => i.observationCount >= 1 && i.createdBy === 'system:regroup')).toBe(true);
      expect(await new IncidentService(s, { coalition: COALITION_PRESET, follow: false }).regroup()).toEqual({ observations: 0, created: 0, updated: 0 });
    } finally {
      await s.close();
    }
  });

  it('is grouped into incidents when the server starts on a store seeded before it', async () => {
    const s = openSqliteStore(join(mkdtempSync(join(tmpdir(), 'truceline-incidents-demo-')), 'test.db'));
    try {
      const agreements = new AgreementService(s);
      await agreements.seedDefault();
      const { created } = await seedDemo(s, new ObservationIngest(s, agreements));
      const a = await buildApp({ store: s, agreements, config: { maxBody: 1024 * 1024, web: false, logLevel: 'silent' } });
      try {
        const headers = (await testUser(s, { orgKind: 'mechanism', roles: ['analyst'] })).headers;
        const total = await until(
          'the demo week grouped',
          async () => {
            const page = (await a.inject({ url: '/api/incidents?limit=1', headers })).json();
            const grouped = (await s.incidents.unassigned({ sourceKinds: ['monitor', 'camera', 'uav', 'sensor'], limit: 1 })).length === 0;
            return grouped && page.total;
          },
          20_000,
        );
        expect(total).toBeGreaterThan(100);
        expect(total).toBeLessThanOrEqual(created);
        expect((await s.incidents.list({ visibility: SEE_ALL, sort: 'age', limit: 1 })).total).toBe(total);
        console.log(`demo week: ${created} observations -> ${total} incidents`);
      } finally {
        await a.close();
      }
    } finally {
      await s.close();
    }
  });
});
