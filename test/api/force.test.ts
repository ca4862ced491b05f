import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { lineFromAreaFile } from '../../src/agreement/line-from-area';
import { ExactPolyline } from '../../src/geo/geodesic';
import { AgreementService } from '../../src/services/agreement.service';
import { seedForce } from '../../src/services/force-seed';
import type { Store } from '../../src/store/repository';
import { DEEPSTATE_20260822, HAVE_SHARED, SHARED_NOTE } from '../geo/shared-data';
import { testApp } from '../support/app';
import { testUser } from '../support/auth';

type Headers = { authorization: string };

describe('force and commitments API', () => {
  let app: FastifyInstance;
  let store: Store;
  let close: () => Promise<void>;
  let cell: Headers;
  let fra: Headers;
  let deu: Headers;
  let party: Headers;

  beforeAll(async () => {
    ({ app, store, close } = await testApp({ anonymous: true }));
    await new AgreementService(store).seedDefault();
    cell = (await testUser(store, { roles: ['cell_officer'], orgKind: 'cell', nation: 'FRA' })).headers;
    fra = (await testUser(store, { roles: ['liaison_officer'], orgKind: 'nation', nation: 'FRA' })).headers;
    deu = (await testUser(store, { roles: ['liaison_officer'], orgKind: 'nation', nation: 'DEU' })).headers;
    party = (await testUser(store, { roles: ['liaison_officer'], orgKind: 'party', nation: 'RUS' })).headers;
  });
  afterAll(() => close?.());

  const call = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, headers?: Headers, payload?: unknown) =>
    app.inject({ method, url, ...(headers ? { headers } : {}), ...(payload === undefined ? {} : { payload: payload as object }) });

  it('creates, reads, replaces and removes records; cell officers write, others read, the public gets 401', async () => {
    const body = { nation: 'NLD', capability: 'isr', troops: 120, quantity: 2, status: 'pledged', caveats: ['No flights east of the Dnipro'] };
    expect((await call('POST', '/api/force/pledges', undefined, body)).statusCode).toBe(401);
    expect((await call('GET', '/api/force/pledges')).statusCode).toBe(401);
    expect((await call('POST', '/api/force/pledges', fra, body)).statusCode).toBe(403);
    const created = await call('POST', '/api/force/pledges', cell, body);
    expect(created.statusCode).toBe(201);
    const p = created.json();
    expect(p).toMatchObject({ ...body, releasability: 'COALITION', version: 1, readinessDate: null, note: '' });
    expect(created.headers.location).toBe(`/api/force/pledges/${p.id}`);
    expect((await call('GET', `/api/force/pledges/${p.id}`, fra)).json()).toEqual(p);
    const replaced = await call('PUT', `/api/force/pledges/${p.id}?ifVersion=1`, cell, { ...body, status: 'deployed' });
    expect(replaced.statusCode).toBe(200);
    expect(replaced.json()).toMatchObject({ status: 'deployed', version: 2 });
    expect((await call('PUT', `/api/force/pledges/${p.id}?ifVersion=1`, cell, body)).statusCode).toBe(409);
    expect((await call('POST', '/api/force/pledges', cell, { ...body, id: p.id })).statusCode).toBe(409);
    const bad = await call('POST', '/api/force/pledges', cell, { ...body, troops: -1 });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors?.[0]?.field ?? bad.json().field).toMatch(/troops/);
    expect((await call('DELETE', `/api/force/pledges/${p.id}`, cell)).statusCode).toBe(204);
    expect((await call('GET', `/api/force/pledges/${p.id}`, cell)).statusCode).toBe(404);
    const audit = await store.audit.list({ entity: 'force.pledge', entityId: p.id, limit: 10 });
    expect(audit.items.map((e) => e.action).sort()).toEqual(['force.pledge.create', 'force.pledge.delete', 'force.pledge.update']);
  });

  it('answers only what is released to the reader: absent from lists, 404 on read, hidden from the party', async () => {
    const rel = (await call('POST', '/api/force/pledges', cell, { nation: 'FRA', capability: 'medical', troops: 50, quantity: 1, status: 'pledged', releasability: 'REL TO GBR,FRA' })).json();
    expect(rel.releasability).toBe('REL TO FRA, GBR');
    expect((await call('GET', `/api/force/pledges/${rel.id}`, fra)).statusCode).toBe(200);
    expect((await call('GET', `/api/force/pledges/${rel.id}`, deu)).statusCode).toBe(404);
    expect((await call('GET', '/api/force/pledges?nation=FRA', deu)).json().map((x: { id: string }) => x.id)).not.toContain(rel.id);
    const coal = (await call('POST', '/api/force/pledges', cell, { nation: 'DEU', capability: 'logistics', troops: 10, quantity: 1, status: 'pledged' })).json();
    expect((await call('GET', `/api/force/pledges/${coal.id}`, party)).statusCode).toBe(404);
    expect((await call('GET', '/api/force/export?kind=pledge', party)).json()).toEqual({ pledges: [] });
    // A writer cannot overwrite a record that does not exist for them.
    const other = await testUser(store, { roles: ['cell_officer'], orgKind: 'nation', nation: 'DEU' });
    expect((await call('PUT', `/api/force/pledges/${rel.id}`, other.headers, { nation: 'FRA', capability: 'medical', troops: 1, quantity: 1, status: 'pledged' })).statusCode).toBe(409);
  });

  it('checks references: a deployment names a unit, a commitment a document and its versions', async () => {
    const dep = await call('POST', '/api/force/deployments', cell, { unitId: 'nope', location: { type: 'Point', coordinates: [30, 50] }, from: '2026-11-01T00:00:00Z' });
    expect(dep.statusCode).toBe(400);
    expect(dep.json().field).toBe('unitId');
    const doc = (await call('POST', '/api/force/documents', cell, { kind: 'statement', title: 'T', versions: [{ id: 'final', stage: 'final', date: '2026-01-06' }] })).json();
    const c = await call('POST', '/api/force/commitments', cell, { documentId: doc.id, nation: 'USA', what: 'x', status: 'proposed', wordings: [{ versionId: 'draft', text: 'x' }] });
    expect(c.statusCode).toBe(400);
    expect(c.json().field).toBe('wordings.0.versionId');
  });

});

describe('force and commitments API, with the illustrative seed', () => {
  let app: FastifyInstance;
  let store: Store;
  let close: () => Promise<void>;
  let analyst: Headers;
  let cell: Headers;
  let deu: Headers;
  let party: Headers;
  const call = (method: 'GET' | 'POST', url: string, headers?: Headers) => app.inject({ method, url, ...(headers ? { headers } : {}) });

  beforeAll(async () => {
    ({ app, store, close, headers: analyst } = await testApp({ anonymous: true }));
    await new AgreementService(store).seedDefault();
    expect(await seedForce(store)).toBeGreaterThan(70);
    cell = (await testUser(store, { roles: ['cell_officer'], orgKind: 'cell', nation: 'FRA' })).headers;
    deu = (await testUser(store, { roles: ['liaison_officer'], orgKind: 'nation', nation: 'DEU' })).headers;
    party = (await testUser(store, { roles: ['liaison_officer'], orgKind: 'party', nation: 'RUS' })).headers;
  });
  afterAll(() => close?.());

  {

    it('the force-generation table sums pledges by capability and nation and shows the gaps', async () => {
      const g = (await call('GET', '/api/force/generation', deu)).json();
      const land = g.byCapability.find((r: { key: string }) => r.key === 'land_brigade');
      expect(land.requiredTroops).toBe(15_000);
      expect(land.troopGap).toBeGreaterThan(0);
      expect(g.byNation.find((r: { key: string }) => r.key === 'FRA').pledgedTroops).toBeGreaterThanOrEqual(5000);
      expect(g.byNation.length).toBeGreaterThanOrEqual(35);
      expect(g.capabilities).toHaveLength(9);
    });

    it('flags the deployment too close to the line, and draws units with their symbols', async () => {
      const deps = (await call('GET', '/api/force/deployments', deu)).json();
      const flagged = deps.filter((d: { check: { flagged: boolean } }) => d.check.flagged);
      expect(flagged.map((d: { id: string }) => d.id)).toEqual(['demo-dep-est-eng']);
      expect(flagged[0].check.reasons[0]).toMatch(/km from the contact line/);
      const map = (await call('GET', '/api/force/map', deu)).json();
      expect(map.features).toHaveLength(6);
      const est = map.features.find((f: { properties: { unitId: string } }) => f.properties.unitId === 'demo-unit-est-eng');
      expect(est.properties).toMatchObject({ sidc: 'SFGPUCE----E---', source: 'deployment', flagged: true });
    });

    it("shows a unit at its TAK position report when it sends one (to readers of the mechanism's TAK picture)", async () => {
      const now = new Date();
      await store.ingest.tak.append([
        {
          kind: 'position',
          subject: 'ANDROID-EST-ENG-1',
          time: now.toISOString(),
          stale: new Date(now.getTime() + 600_000).toISOString(),
          rawId: null,
          receivedAt: now.toISOString(),
          doc: { type: 'position', uid: 'ANDROID-EST-ENG-1', callsign: 'EST ENG', cotType: 'a-f-G-U-C', lat: 48.9, lon: 32.0, time: now.toISOString(), stale: new Date(now.getTime() + 600_000).toISOString() },
        },
      ]);
      const live = (await call('GET', '/api/force/map', analyst)).json().features.find((f: { properties: { unitId: string } }) => f.properties.unitId === 'demo-unit-est-eng');
      expect(live.geometry.coordinates).toEqual([32.0, 48.9]);
      expect(live.properties).toMatchObject({ source: 'tak', flagged: false });
      // A nation's officer does not see the mechanism's TAK picture: the deployment stands.
      const seen = (await call('GET', '/api/force/map', deu)).json().features.find((f: { properties: { unitId: string } }) => f.properties.unitId === 'demo-unit-est-eng');
      expect(seen.properties.source).toBe('deployment');
    });

    it("answers what a nation committed and delivered, and the dropped U.S. commitment with its draft wording", async () => {
      const fraRecord = (await call('GET', '/api/force/nations/FRA', deu)).json();
      expect(fraRecord.committedTroops).toBe(5450);
      expect(fraRecord.deliveredTroops).toBe(200);
      const usa = (await call('GET', '/api/force/nations/USA', deu)).json();
      const dropped = usa.commitments.find((c: { fate: string }) => c.fate === 'dropped');
      expect(dropped).toMatchObject({ id: 'demo-commitment-usa-support', final: null, illustrative: true });
      expect(dropped.draft.text).toMatch(/in case of a new attack/);
      expect(usa.commitments.find((c: { id: string }) => c.id === 'demo-commitment-usa-monitoring').fate).toBe('reworded');
    });

    it('exports as CSV and JSON and imports both back into an empty store to the same records', async () => {
      const json = (await call('GET', '/api/force/export', cell)).json();
      const csv = await call('GET', '/api/force/export?format=csv', cell);
      expect(csv.headers['content-type']).toMatch(/text\/csv/);
      expect(csv.body.split('\r\n')[0]).toMatch(/^entity,id,/);
      for (const [name, payload, type] of [
        ['csv', csv.body, 'text/csv'],
        ['json', JSON.stringify(json), 'application/json'],
      ] as const) {
        const other = await testApp({ anonymous: true });
        try {
          const h = (await testUser(other.store, { roles: ['cell_officer'], orgKind: 'cell', nation: 'FRA' })).headers;
          const imported = await other.app.inject({ method: 'POST', url: '/api/force/import', headers: { ...h, 'content-type': type }, payload });
          expect(imported.statusCode, `${name}: ${imported.body}`).toBe(200);
          expect(imported.json().created).toBe(Object.values(json).filter(Array.isArray).flat().length);
          const again = await other.app.inject({ method: 'POST', url: '/api/force/import', headers: { ...h, 'content-type': type }, payload });
          expect(again.json()).toMatchObject({ created: 0, updated: 0 });
          expect((await other.app.inject({ url: '/api/force/export', headers: h })).json(), name).toEqual(json);
        } finally {
          await other.close();
        }
      }
    });

    it('an import with a bad record stores nothing and lists every problem', async () => {
      const other = await testApp({ anonymous: true });
      try {
        const h = (await testUser(other.store, { roles: ['cell_officer'], orgKind: 'cell' })).headers;
        const res = await other.app.inject({
          method: 'POST',
          url: '/api/force/import',
          headers: h,
          payload: { pledges: [{ nation: 'FRA', capability: 'isr', troops: 1, quantity: 1, status: 'pledged' }, { nation: 'fr', capability: 'isr', troops: 1, quantity: 1, status: 'maybe' }] },
        });
        expect(res.statusCode).toBe(400);
        expect(res.json().problems.map((p: { field: string }) => p.field).sort()).toEqual(['pledges.1.nation', 'pledges.1.status']);
        expect(await other.store.force.list('pledge', { visibility: { all: true } })).toEqual([]);
      } finally {
        await other.close();
      }
    });

    it('documents every route in the OpenAPI document', async () => {
      const doc = (await call('GET', '/api/openapi.json')).json();
      for (const p of ['/api/force/pledges', '/api/force/pledges/{id}', '/api/force/generation', '/api/force/map', '/api/force/nations/{nation}', '/api/force/import', '/api/force/export', '/api/force/commitments']) {
        expect(doc.paths[p], p).toBeDefined();
      }
    });

    it('the party to the ceasefire sees none of the COALITION register', async () => {
      expect((await call('GET', '/api/force/generation', party)).json().total.pledges).toBe(0);
      expect((await call('GET', '/api/force/map', party)).json().features).toEqual([]);
    });
  }
});

describe.skipIf(!HAVE_SHARED)(`the deployment rule against the DeepState line of 2026-08-22${SHARED_NOTE}`, () => {
  let app: FastifyInstance;
  let store: Store;
  let close: () => Promise<void>;
  let cell: Headers;
  let line: ExactPolyline;

  beforeAll(async () => {
    ({ app, store, close } = await testApp({ anonymous: true }));
    const agreements = new AgreementService(store);
    await agreements.seedDefault();
    const derived = lineFromAreaFile(DEEPSTATE_20260822);
    await agreements.amendWithLine('test', derived, { effectiveFrom: '2026-08-22T00:00:00Z', note: 'DeepState 2026-08-22' });
    line = new ExactPolyline(derived.parts.map((p) => p.coordinates));
    cell = (await testUser(store, { roles: ['cell_officer'], orgKind: 'cell' })).headers;
  }, 60_000);
  afterAll(() => close?.());

  it('flags a camp at Orikhiv (on the line) and not one in Kyiv; the distance is the exact geodesic one', async () => {
    const unit = (await app.inject({ method: 'POST', url: '/api/force/units', headers: cell, payload: { name: 'U', nation: 'EST', capability: 'engineering', type: 'Engineers', size: 120, echelon: 'company', sidc: 'SFGPUCE----E---' } })).json();
    const place = async (lon: number, lat: number, minKm?: number) => {
      if (minKm !== undefined) await app.inject({ method: 'PUT', url: '/api/force/settings', headers: cell, payload: { minDistanceToLineM: minKm * 1000, keepOutOfSecurityZone: true } });
      const d = (await app.inject({ method: 'POST', url: '/api/force/deployments', headers: cell, payload: { unitId: unit.id, location: { type: 'Point', coordinates: [lon, lat] }, from: '2026-09-01T00:00:00Z' } })).json();
      return d.check as { flagged: boolean; distanceToLineM: number; agreementRevision: number };
    };
    const orikhiv = await place(35.785, 47.567, 30);
    expect(orikhiv.flagged).toBe(true);
    expect(orikhiv.agreementRevision).toBe(2);
    expect(Math.abs(orikhiv.distanceToLineM - line.distance(35.785, 47.567).distanceM)).toBeLessThan(1);
    const kyiv = await place(30.52, 50.45);
    expect(kyiv.flagged).toBe(false);
    expect(Math.abs(kyiv.distanceToLineM - line.distance(30.52, 50.45).distanceM)).toBeLessThan(1);
    // N is the force's setting: a camp in Zaporizhzhia city passes at 10 km and is flagged at 100 km.
    const zap = line.distance(35.14, 47.84).distanceM;
    expect((await place(35.14, 47.84, 10)).flagged).toBe(zap < 10_000);
    expect((await place(35.14, 47.84, 100)).flagged).toBe(true);
  });
});
