import { SEE_ALL } from '../../src/domain/identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { defaultAgreementInput } from '../../src/agreement/default-agreement';
import { ILLUSTRATIVE_LINE_COORDS } from '../../src/demo/contact-line';
import type { AgreementInput } from '../../src/domain/agreement';
import type { Store } from '../../src/store/repository';
import { observationInput } from '../support/factories';
import { testApp } from '../support/app';

/**
 * The agreement API: import (whole documents, rejected whole with every problem named), the
 * judgement each new observation gets, the breach/provision/zone filters, amendments, map layers
 * and re-evaluation, on a real app and SQLite file.
 */

let app: FastifyInstance;
let store: Store;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ app, store, close } = await testApp());
});
afterAll(() => close());

const json = (method: 'GET' | 'POST', url: string, payload?: unknown) =>
  app.inject({ method, url, ...(payload === undefined ? {} : { payload: JSON.stringify(payload), headers: { 'content-type': 'application/json' } }) });

/** The agreement document with one change made by `edit` (a deep copy of the default). */
function edited(edit: (a: AgreementInput) => void): AgreementInput {
  const a = structuredClone(defaultAgreementInput());
  edit(a);
  return a;
}

const [lineLon, lineLat] = ILLUSTRATIVE_LINE_COORDS[40]!;
const FAR = { lat: 49.84, lon: 24.03 }; // Lviv: far from the line, every site and area

describe('agreements API', () => {
  it('has no agreement at first: 404 problem+json, observations are stored without a judgement', async () => {
    const res = await json('GET', '/api/agreements/current');
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect((await json('GET', '/api/agreements/current/layers')).statusCode).toBe(404);
    expect((await json('POST', '/api/agreements/reevaluate', {})).statusCode).toBe(404);
    const o = observationInput({ location: { lat: lineLat, lon: lineLon } });
    const posted = await json('POST', '/api/observations', o);
    expect(posted.statusCode).toBe(201);
    expect(posted.json().judgement).toBeNull();
  });

  it('imports the default agreement (201) and answers it as the agreement in force', async () => {
    const res = await json('POST', '/api/agreements', defaultAgreementInput());
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({ agreementId: 'minsk-pattern-default', reason: 'import', by: expect.stringMatching(/^token:u-/), versionInForceNow: 1 });
    const current = (await json('GET', '/api/agreements/current')).json();
    expect(current.revision).toBe(body.revision);
    expect(current.versions).toEqual([{ version: 1, effectiveFrom: '2026-01-06T00:00:00.000Z', effectiveUntil: null, note: expect.any(String) }]);
    expect(current.agreement.versions[0].provisions.withdrawal).toHaveLength(6);
    expect((await json('GET', '/api/agreements/revisions')).json().items[0]).toMatchObject({ revision: body.revision, reason: 'import' });
  });

  it.each([
    [
      'a self-intersecting no-fly area',
      (a: AgreementInput) => {
        a.versions[0]!.provisions.noFlyAreas![0]!.geometry = { type: 'Polygon', coordinates: [[[34, 47], [35, 48], [35, 47], [34, 48], [34, 47]]] };
      },
      'no-fly area "no-fly-znpp"',
      /self intersection/,
    ],
    [
      'an unclosed storage site ring',
      (a: AgreementInput) => {
        a.versions[0]!.provisions.storageSites![0]!.geometry = { type: 'Polygon', coordinates: [[[35.02, 48.4], [35.1, 48.4], [35.1, 48.45], [35.02, 48.45]]] };
      },
      'storage site "storage-ukr-1"',
      /unclosed/,
    ],
    [
      'coordinates out of range in a line',
      (a: AgreementInput) => {
        a.versions[0]!.provisions.lines![0]!.geometry = { type: 'LineString', coordinates: [[36.9, 50.3], [236.9, 95.2]] };
      },
      'line "illustrative-contact-line"',
      /out of range/,
    ],
    [
      'an unknown weapon class',
      (a: AgreementInput) => {
        a.versions[0]!.provisions.withdrawal![0]!.weaponClass = 'howitzers';
      },
      'withdrawal "PoM-2-artillery-100mm"',
      /unknown weapon class "howitzers"/,
    ],
  ])('rejects %s whole: 400 naming the feature and the problem; the agreement in force is unchanged', async (_what, edit, feature, message) => {
    const before = (await json('GET', '/api/agreements/current')).json();
    const res = await json('POST', '/api/agreements', edited(edit));
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    const problem = res.json();
    expect(problem.type).toBe('https://truceline.org/problems/invalid-agreement');
    expect(problem.detail).toContain(feature);
    expect(problem.problems).toEqual(expect.arrayContaining([expect.objectContaining({ feature, message: expect.stringMatching(message) })]));
    expect((await json('GET', '/api/agreements/current')).json()).toEqual(before);
  });

  it('rejects a document that is not an agreement at all, naming the fields', async () => {
    const res = await json('POST', '/api/agreements', { id: 'x', versions: [] });
    expect(res.statusCode).toBe(400);
    expect(res.json().problems.map((p: { field: string }) => p.field)).toEqual(expect.arrayContaining(['name', 'parties', 'status']));
  });

  it('judges an observation the moment it arrives, and answers the judgement with it', async () => {
    const gun = observationInput({ kind: 'weapon_sighting', subkind: undefined, location: { lat: lineLat, lon: lineLon }, weapon: { model: 'D-30', count: 2 } });
    const res = await json('POST', '/api/observations', gun);
    expect(res.statusCode).toBe(201);
    const j = res.json().judgement;
    expect(j).toMatchObject({ agreementId: 'minsk-pattern-default', version: 1, revision: expect.any(Number), zones: expect.arrayContaining(['Memo-2014-security-zone']) });
    expect(j.distanceToLineM).toBeLessThan(1);
    expect(j.weapon).toMatchObject({ weaponClass: 'artillery_ge_100mm', model: 'D-30' });
    expect(j.breaches).toEqual([expect.objectContaining({ provision: 'PoM-2-artillery-100mm', kind: 'withdrawal', requiredM: 25_000, weaponClass: 'artillery_ge_100mm', count: 2 })]);
    const far = observationInput({ location: FAR });
    const farRes = (await json('POST', '/api/observations', far)).json();
    expect(farRes.judgement).toMatchObject({ side: 'UKR', zones: [], breaches: [] });
    expect(farRes.judgement.distanceToLineM).toBeGreaterThan(500_000);
    // a batch is judged too, and GET answers the same judgement
    const batch = [observationInput({ location: { lat: lineLat, lon: lineLon } }), observationInput({ location: FAR })];
    expect((await json('POST', '/api/observations', { observations: batch })).statusCode).toBe(200);
    const got = (await json('GET', `/api/observations/${batch[0]!.id}`)).json();
    expect(got.judgement.breaches).toEqual([expect.objectContaining({ provision: 'Memo-2014-security-zone', kind: 'fire_in_security_zone', halfWidthM: 15_000 })]);
  });

  it('judges a re-posted observation that has no judgement yet (stored before any agreement)', async () => {
    const items = (await json('GET', '/api/observations?limit=5000')).json().items as { id: string; judgement: unknown }[];
    const unjudged = items.filter((o) => o.judgement === null);
    expect(unjudged.length).toBeGreaterThan(0);
    for (const o of unjudged) {
      const raw = await store.observations.get(o.id, SEE_ALL);
      const { sector: _s, receivedAt: _r, ...input } = raw!;
      expect((await json('POST', '/api/observations', input)).statusCode).toBe(200);
      expect((await json('GET', `/api/observations/${o.id}`)).json().judgement).not.toBeNull();
    }
  });

  it('filters observations by breach, provision and zone', async () => {
    const all = (await json('GET', '/api/observations?limit=5000')).json();
    const breaching = (await json('GET', '/api/observations?limit=5000&breach=true')).json();
    const clean = (await json('GET', '/api/observations?limit=5000&breach=false')).json();
    expect(breaching.total).toBeGreaterThan(0);
    expect(clean.total).toBeGreaterThan(0);
    expect(breaching.total + clean.total).toBe(all.total);
    expect(breaching.items.every((o: { judgement: { breaches: unknown[] } }) => o.judgement.breaches.length > 0)).toBe(true);
    expect(clean.items.every((o: { judgement: { breaches: unknown[] } | null }) => !o.judgement || o.judgement.breaches.length === 0)).toBe(true);
    const art = (await json('GET', '/api/observations?provision=PoM-2-artillery-100mm')).json();
    expect(art.total).toBe(1);
    expect(art.items[0].weapon.model).toBe('D-30');
    const zone = (await json('GET', '/api/observations?zone=Memo-2014-security-zone&breach=false')).json();
    expect(zone.items.every((o: { kind: string }) => !['explosion', 'burst', 'shot'].includes(o.kind))).toBe(true);
    expect((await json('GET', '/api/observations?breach=maybe')).statusCode).toBe(400);
  });

  it('draws the layers of the version in force: lines, zone edges, withdrawal lines, sites, areas', async () => {
    const res = await json('GET', '/api/agreements/current/layers');
    expect(res.statusCode).toBe(200);
    const fc = res.json();
    expect(fc).toMatchObject({ type: 'FeatureCollection', agreementId: 'minsk-pattern-default', version: 1 });
    const layers = new Set(fc.features.map((f: { properties: { layer: string } }) => f.properties.layer));
    for (const l of ['line', 'security_zone_edge', 'withdrawal_line', 'protected_site', 'no_fly_area', 'storage_site']) expect(layers, l).toContain(l);
    const line = fc.features.find((f: { properties: { layer: string } }) => f.properties.layer === 'line');
    expect(line.properties).toMatchObject({ role: 'contact', illustrative: true });
    const withdrawal = fc.features.filter((f: { properties: { layer: string } }) => f.properties.layer === 'withdrawal_line');
    expect(new Set(withdrawal.map((f: { properties: { weaponClass: string } }) => f.properties.weaponClass)).size).toBe(6);
    expect((await json('GET', '/api/agreements/current/layers?at=2025-01-01T00:00:00Z')).statusCode).toBe(404);
    expect((await json('GET', '/api/agreements/current/layers?at=yesterday')).statusCode).toBe(400);
  });

  it('amends the agreement, and re-evaluation re-judges a time range without touching the observations', async () => {
    const t0 = '2026-06-01T00:00:00Z';
    const inRange = Array.from({ length: 3 }, (_, i) =>
      observationInput({ kind: 'burst', subkind: undefined, observedAt: `2026-06-0${2 + i}T20:00:00Z`, location: { lat: lineLat, lon: lineLon } }),
    );
    const outOfRange = observationInput({ kind: 'burst', subkind: undefined, observedAt: '2026-05-20T20:00:00Z', location: { lat: lineLat, lon: lineLon } });
    await json('POST', '/api/observations', { observations: [...inRange, outOfRange] });
    const before = await Promise.all([...inRange, outOfRange].map((o) => store.observations.get(o.id, SEE_ALL)));
    for (const o of [...inRange, outOfRange]) expect((await json('GET', `/api/observations/${o.id}`)).json().judgement.breaches).toHaveLength(1);

    const revision = (await json('GET', '/api/agreements/current')).json().revision;
    const amended = await json('POST', '/api/agreements/current/amendments', { effectiveFrom: t0, note: 'Security zone lifted', provisions: { securityZone: null } });
    expect(amended.statusCode).toBe(201);
    expect(amended.json()).toMatchObject({ revision: revision + 1, reason: 'amendment', versionInForceNow: 2 });
    expect(amended.json().versions.map((v: { version: number; effectiveUntil: string | null }) => [v.version, v.effectiveUntil])).toEqual([
      [1, '2026-06-01T00:00:00.000Z'],
      [2, null],
    ]);
    // a stale amendment is refused
    const stale = await json('POST', '/api/agreements/current/amendments', { effectiveFrom: '2026-07-01T00:00:00Z', provisions: { securityZone: null }, ifRevision: revision });
    expect(stale.statusCode).toBe(409);
    // an amendment that does not come after the last version is rejected with the reason
    const early = await json('POST', '/api/agreements/current/amendments', { effectiveFrom: '2026-02-01T00:00:00Z', provisions: {} });
    expect(early.statusCode).toBe(400);
    expect(early.json().problems[0].message).toMatch(/increasing order/);

    // stored judgements stay as they were until re-evaluated
    expect((await json('GET', `/api/observations/${inRange[0]!.id}`)).json().judgement.revision).toBe(revision);
    const r = await json('POST', '/api/agreements/reevaluate', { from: t0, to: '2026-07-01T00:00:00Z' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ revision: revision + 1, observations: 3, inForce: 3, breaching: 0, changed: 3, from: '2026-06-01T00:00:00.000Z' });
    for (const o of inRange) {
      const j = (await json('GET', `/api/observations/${o.id}`)).json().judgement;
      expect(j).toMatchObject({ version: 2, revision: revision + 1, breaches: [] });
      expect((await store.judgements.history(o.id)).length).toBe(2);
    }
    // outside the range: still judged by the first revision
    expect((await json('GET', `/api/observations/${outOfRange.id}`)).json().judgement).toMatchObject({ version: 1, revision });
    // the raw observations are unchanged
    expect(await Promise.all([...inRange, outOfRange].map((o) => store.observations.get(o.id, SEE_ALL)))).toEqual(before);
    // re-evaluating again changes nothing but adds judgements
    const again = (await json('POST', '/api/agreements/reevaluate', { from: t0, to: '2026-07-01T00:00:00Z' })).json();
    expect(again).toMatchObject({ observations: 3, changed: 0 });
    expect((await store.judgements.history(inRange[0]!.id)).length).toBe(3);
    const audit = await store.audit.list({ entity: 'agreement', limit: 100 });
    expect(audit.items.map((e) => e.action)).toEqual(expect.arrayContaining(['agreement.import', 'agreement.amendment', 'agreement.reevaluate']));
  });

  it('documents the agreement routes and the judgement in the OpenAPI document', async () => {
    const doc = (await json('GET', '/api/openapi.json')).json();
    for (const p of ['/api/agreements', '/api/agreements/current', '/api/agreements/current/amendments', '/api/agreements/current/layers', '/api/agreements/reevaluate']) {
      expect(Object.keys(doc.paths)).toContain(p);
    }
    const params = doc.paths['/api/observations'].get.parameters.map((p: { name: string }) => p.name);
    expect(params).toEqual(expect.arrayContaining(['breach', 'provision', 'zone']));
    expect(JSON.stringify(doc.paths['/api/observations/{id}'].get.responses['200'])).toContain('distanceToLineM');
  });
});
