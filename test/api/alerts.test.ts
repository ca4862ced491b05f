import { createHmac } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COALITION_PRESET } from '../../src/domain/coalition';
import { SEE_ALL } from '../../src/domain/identity';
import type { TriggerCriteriaSetInput } from '../../src/domain/guarantee';
import { demoSectors } from '../../src/demo/demo-sectors';
import { buildApp } from '../../src/server/app';
import { AgreementService } from '../../src/services/agreement.service';
import { GuaranteeService } from '../../src/services/guarantee.service';
import { ObservationIngest } from '../../src/services/observation-ingest';
import type { AuditEntry } from '../../src/store/identity-repository';
import type { Store } from '../../src/store/repository';
import { openPostgresStore } from '../../src/store/postgres/postgres-store';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store';
import { createTestDatabase, inCi, pgTitle, probePostgres, shownUrl, type TestDatabase } from '../contract/postgres-test-db';
import { testUser } from '../support/auth';
import { observationInput } from '../support/factories';

/**
 * Guarantee triggers end to end, through HTTP, on a real app and SQLite file: the default
 * agreement in force, the demo sectors, real users of several nations with Bearer tokens, and a
 * real local HTTP server as the webhook's receiver.
 */

type AlertJson = {
  id: string;
  criterionId: string;
  criterionKind: string;
  sector: string | null;
  state: 'open' | 'acknowledged' | 'escalated';
  observationIds: string[];
  observationCount: number;
  releasability: string;
  requiredNations: string[];
  pendingNations: string[];
  canAck: boolean;
  acks: { nation: string; by: string; note: string | null }[];
  summary: string;
  escalatedAt: string | null;
};
type Headers = { authorization: string };
type Received = { path: string; headers: IncomingHttpHeaders; body: string; status: number };

const SECRET = 'test-webhook-secret-0123456789';
// Places judged under the default agreement (illustrative line, 15 km security zone per side).
const ZNPP = { lon: 34.585, lat: 47.5115 }; // protected site, inside the security zone, sector kherson
const IN_ZONE_DONETSK = { lon: 37.0, lat: 47.9 }; // a security-zone breach, sector donetsk
const ON_LINE_KHARKIV = [
  { lon: 37.63, lat: 49.71 },
  { lon: 37.64, lat: 49.7 },
  { lon: 37.635, lat: 49.705 },
];
const BEYOND_UKR = { lon: 37.28, lat: 49.71 }; // 23.7 km from the line on the UKR side, sector kharkiv

let app: FastifyInstance;
let store: Store;
let receiver: Server;
let receiverUrl = '';
const received: Received[] = [];
/** Answer 500 to this many more requests to /ok before answering 200. */
let failOk = 0;

let analyst: Headers;
let fra: Headers;
let gbr: Headers;
let deu: Headers;
let usaAdmin: Headers;
let cell: Headers;
let fraAnalyst: Headers;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const fail = req.url === '/fail' || (req.url === '/ok' && failOk > 0 && failOk--);
      const status = fail ? 500 : 200;
      received.push({ path: req.url ?? '', headers: req.headers, body, status });
      res.writeHead(status, { 'content-type': 'text/plain' }).end(fail ? 'no' : 'ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;

  store = openSqliteStore(join(mkdtempSync(join(tmpdir(), 'truceline-alerts-')), 'test.db'));
  await store.sectors.upsertMany(demoSectors());
  await new AgreementService(store).seedDefault();
  app = await buildApp({
    store,
    config: { maxBody: 10 * 1024 * 1024, web: false, logLevel: 'silent', alertWebhook: [`${receiverUrl}/ok`], alertWebhookSecret: SECRET },
    guarantee: { sweepMs: 100, webhook: { urls: [`${receiverUrl}/ok`, `${receiverUrl}/fail`], secret: SECRET, attempts: 3, backoffMs: 20 } },
  });
  analyst = (await testUser(store, { roles: ['analyst', 'monitor'] })).headers;
  fra = (await testUser(store, { nation: 'FRA', orgKind: 'nation', roles: ['liaison_officer'] })).headers;
  gbr = (await testUser(store, { nation: 'GBR', orgKind: 'nation', roles: ['liaison_officer'] })).headers;
  deu = (await testUser(store, { nation: 'DEU', orgKind: 'nation', roles: ['liaison_officer'] })).headers;
  usaAdmin = (await testUser(store, { nation: 'USA', orgKind: 'mechanism', roles: ['admin'] })).headers;
  cell = (await testUser(store, { nation: 'USA', orgKind: 'cell', roles: ['cell_officer'] })).headers;
  fraAnalyst = (await testUser(store, { nation: 'FRA', orgKind: 'nation', roles: ['analyst'] })).headers;
});

afterAll(async () => {
  await app?.close();
  await store?.close();
  await new Promise((resolve) => receiver?.close(resolve));
});

const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

async function file(place: { lon: number; lat: number }, over: Parameters<typeof observationInput>[0] = {}): Promise<{ id: string; judgement: { breaches: { kind: string }[] } | null }> {
  const res = await app.inject({ method: 'POST', url: '/api/observations', headers: analyst, payload: observationInput({ observedAt: ago(2), location: { ...place, accuracyM: 100 }, ...over }) });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

async function setCriteria(criteria: TriggerCriteriaSetInput['criteria'], over: Partial<TriggerCriteriaSetInput> = {}): Promise<void> {
  const res = await app.inject({ method: 'PUT', url: '/api/triggers', headers: cell, payload: { criteria: { maxAgeHours: 24, escalateAfterSeconds: 300, ...over, criteria } } });
  expect(res.statusCode, res.body).toBe(200);
}

async function alerts(headers: Headers, query = ''): Promise<AlertJson[]> {
  const res = await app.inject({ url: `/api/alerts?limit=500${query}`, headers });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().items;
}

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 5000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The alert of a criterion that holds an observation, once it exists (as the mechanism sees it). */
const alertWith = (criterionId: string, observationId: string) =>
  until(`an alert of ${criterionId} with ${observationId}`, async () => (await alerts(analyst)).find((a) => a.criterionId === criterionId && a.observationIds.includes(observationId)));

const auditOf = async (alertId: string): Promise<AuditEntry[]> => (await store.audit.list({ entity: 'alert', entityId: alertId, limit: 100 })).items;

describe('guarantee alerts API', () => {
  let siteAlert: AlertJson;

  it('raises exactly one alert for a triggering observation, coalesces the next one into it, and nothing for one that does not trigger', async () => {
    await setCriteria([{ kind: 'protected_site_impact', id: 'site-1', name: 'Impact at a protected site' }]);
    const quiet = await file(IN_ZONE_DONETSK);
    expect(quiet.judgement?.breaches.map((b) => b.kind)).toEqual(['fire_in_security_zone']);
    const hit = await file(ZNPP);
    expect(hit.judgement?.breaches.map((b) => b.kind)).toContain('impact_at_protected_site');

    siteAlert = await alertWith('site-1', hit.id);
    expect(siteAlert).toMatchObject({
      criterionKind: 'protected_site_impact',
      sector: 'kherson',
      state: 'open',
      observationIds: [hit.id],
      observationCount: 1,
      releasability: 'REL TO FRA, GBR',
      requiredNations: ['FRA', 'GBR'],
      pendingNations: ['FRA', 'GBR'],
      acks: [],
    });
    expect(siteAlert.summary).toMatch(/site-znpp/);
    // Evaluated in order: the observation before the triggering one raised nothing.
    const all = await alerts(analyst);
    expect(all.filter((a) => a.observationIds.includes(quiet.id))).toEqual([]);

    const again = await file(ZNPP, { observedAt: ago(1) });
    await until('the second impact attached', async () => (await alerts(analyst)).find((a) => a.id === siteAlert.id && a.observationCount === 2));
    const site = (await alerts(analyst)).filter((a) => a.criterionId === 'site-1');
    expect(site).toHaveLength(1);
    expect(site[0]!.observationIds).toEqual([hit.id, again.id]);

    const audit = await auditOf(siteAlert.id);
    expect(audit.filter((e) => e.action === 'alert.raised')).toHaveLength(1);
    expect(audit.find((e) => e.action === 'alert.raised')).toMatchObject({ actor: 'system', detail: { criterionId: 'site-1', observationIds: [hit.id] } });
    expect(audit.filter((e) => e.action === 'alert.coalesced')).toHaveLength(1);
  });

  it('shows the alert to French and British liaison officers and the mechanism; a German user gets 404 and an empty list', async () => {
    for (const h of [fra, gbr, analyst, usaAdmin]) {
      const res = await app.inject({ url: `/api/alerts/${siteAlert.id}`, headers: h });
      expect(res.statusCode).toBe(200);
      expect((await alerts(h)).map((a) => a.id)).toContain(siteAlert.id);
    }
    const one = await app.inject({ url: `/api/alerts/${siteAlert.id}`, headers: fra });
    expect(one.json()).toMatchObject({ canAck: true, pendingNations: ['FRA', 'GBR'] });
    expect((await app.inject({ url: `/api/alerts/${siteAlert.id}`, headers: analyst })).json().canAck).toBe(false);

    const hidden = await app.inject({ url: `/api/alerts/${siteAlert.id}`, headers: deu });
    expect(hidden.statusCode).toBe(404);
    expect(hidden.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(await alerts(deu)).toEqual([]);
    expect((await app.inject({ url: '/api/alerts' })).statusCode).toBe(401);
  });

  it('needs an acknowledgement from each guarantor nation; others cannot acknowledge; acknowledging twice changes nothing', async () => {
    const ack = (headers: Headers, note?: string) =>
      app.inject({ method: 'POST', url: `/api/alerts/${siteAlert.id}/ack`, headers, payload: note === undefined ? {} : { note } });

    expect((await ack(deu)).statusCode).toBe(404);
    const admin = await ack(usaAdmin);
    expect(admin.statusCode).toBe(403);
    expect(admin.json().type).toBe('https://truceline.org/problems/not-a-guarantor');
    expect((await ack(fraAnalyst)).statusCode).toBe(403);
    expect((await app.inject({ method: 'POST', url: `/api/alerts/${siteAlert.id}/ack`, payload: {} })).statusCode).toBe(401);

    const first = await ack(fra, 'Élysée informed');
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({ state: 'open', pendingNations: ['GBR'], canAck: false, acks: [{ nation: 'FRA', note: 'Élysée informed' }] });
    const twice = await ack(fra, 'again');
    expect(twice.statusCode).toBe(200);
    expect(twice.json().acks).toEqual([expect.objectContaining({ nation: 'FRA', note: 'Élysée informed' })]);
    // Without a body at all, as a plain button would post it.
    const second = await app.inject({ method: 'POST', url: `/api/alerts/${siteAlert.id}/ack`, headers: gbr });
    expect(second.statusCode, second.body).toBe(200);
    expect(second.json()).toMatchObject({ state: 'acknowledged', pendingNations: [], canAck: false });
    expect(second.json().acks.map((a: { nation: string }) => a.nation).sort()).toEqual(['FRA', 'GBR']);
    expect((await alerts(fra, '&state=open,escalated')).map((a) => a.id)).not.toContain(siteAlert.id);
    expect((await alerts(fra, '&state=acknowledged')).map((a) => a.id)).toContain(siteAlert.id);

    const audit = await auditOf(siteAlert.id);
    const acks = audit.filter((e) => e.action === 'alert.ack');
    expect(acks.map((e) => e.detail.nation).sort()).toEqual(['FRA', 'GBR']);
    expect(acks.every((e) => /^token:/.test(e.actor))).toBe(true);
    expect(audit.filter((e) => e.action === 'alert.acknowledged')).toHaveLength(1);
  });

  it('posts the alert to the webhook, signed; retries a 500; audits deliveries and failures', async () => {
    await app.inject({ method: 'GET', url: '/api/health' });
    const webhook = await until('the raised and acknowledged deliveries', async () => {
      const ok = received.filter((r) => r.path === '/ok' && r.status === 200 && JSON.parse(r.body).alert.id === siteAlert.id);
      return ok.length >= 2 && ok;
    });
    const raised = webhook.find((r) => JSON.parse(r.body).event === 'alert.raised')!;
    expect(raised.headers['content-type']).toBe('application/json');
    expect(raised.headers['x-truceline-event']).toBe('alert.raised');
    expect(raised.headers['x-truceline-signature']).toBe(`sha256=${createHmac('sha256', SECRET).update(raised.body).digest('hex')}`);
    expect(JSON.parse(raised.body).alert).toMatchObject({ id: siteAlert.id, releasability: 'REL TO FRA, GBR', requiredNations: ['FRA', 'GBR'] });
    expect(webhook.some((r) => JSON.parse(r.body).event === 'alert.acknowledged')).toBe(true);

    // A receiver answering 500 once: the delivery is retried and succeeds.
    failOk = 1;
    const before = received.length;
    await setCriteria([{ kind: 'protected_site_impact', id: 'site-webhook', name: 'Impact at a protected site' }]);
    const hit = await file(ZNPP);
    const alert = await alertWith('site-webhook', hit.id);
    await until('the retried delivery', async () => received.slice(before).some((r) => r.path === '/ok' && r.status === 200 && JSON.parse(r.body).alert.id === alert.id));
    const toOk = received.slice(before).filter((r) => r.path === '/ok' && JSON.parse(r.body).alert.id === alert.id);
    expect(toOk.map((r) => r.status)).toEqual([500, 200]);
    expect(toOk[0]!.headers['x-truceline-delivery']).toBe(toOk[1]!.headers['x-truceline-delivery']);
    const audit = await until('the delivery outcomes audited', async () => {
      const a = await auditOf(alert.id);
      return a.some((e) => e.action === 'alert.webhook.delivered') && a.some((e) => e.action === 'alert.webhook.failed') && a;
    });
    expect(audit.find((e) => e.action === 'alert.webhook.delivered')?.detail).toMatchObject({ url: `${receiverUrl}/ok`, event: 'alert.raised', status: 200, attempts: 2 });
    // The receiver that always fails: three attempts, then a failure on record.
    expect(audit.find((e) => e.action === 'alert.webhook.failed')?.detail).toMatchObject({ url: `${receiverUrl}/fail`, attempts: 3, errors: ['HTTP 500', 'HTTP 500', 'HTTP 500'] });
    expect(received.slice(before).filter((r) => r.path === '/fail' && JSON.parse(r.body).alert.id === alert.id)).toHaveLength(3);
  });

  it('raises a cluster alert on the N-th breach of attack kinds in one sector within T hours', async () => {
    await setCriteria([{ kind: 'attack_cluster', id: 'cluster-1', name: 'Cluster of attacks', threshold: 3, windowHours: 1 }]);
    const first = await file(ON_LINE_KHARKIV[0]!, { observedAt: ago(30) });
    const second = await file(ON_LINE_KHARKIV[1]!, { kind: 'burst', subkind: undefined, observedAt: ago(20) });
    // A sentinel that triggers nothing else would not tell us the two were evaluated; the third does.
    const third = await file(ON_LINE_KHARKIV[2]!, { observedAt: ago(10) });
    const alert = await alertWith('cluster-1', third.id);
    expect(alert).toMatchObject({ criterionKind: 'attack_cluster', sector: 'kharkiv', observationCount: 3 });
    expect(alert.observationIds.slice().sort()).toEqual([first.id, second.id, third.id].sort());
    expect((await alerts(analyst)).filter((a) => a.criterionId === 'cluster-1')).toHaveLength(1);
  });

  it('raises nothing for an observation made outside the period the agreement is in force', async () => {
    await setCriteria([{ kind: 'protected_site_impact', id: 'site-period', name: 'Impact at a protected site' }], { maxAgeHours: 24 * 366 });
    // The default agreement is in force from 2026-01-06T00:00:00Z.
    const before = await file(ZNPP, { observedAt: '2026-01-05T12:00:00Z' });
    expect(before.judgement).toBeNull();
    const after = await file(ZNPP, { observedAt: '2026-01-06T12:00:00Z' });
    const alert = await alertWith('site-period', after.id);
    expect(alert.observationIds).toEqual([after.id]);
    expect((await alerts(analyst)).filter((a) => a.observationIds.includes(before.id))).toEqual([]);
  });

  it('escalates an alert not acknowledged by every guarantor before the deadline: audited and posted again', async () => {
    await setCriteria([{ kind: 'fire_beyond_security_zone', id: 'beyond-1', name: 'Fire beyond the security zone' }], { escalateAfterSeconds: 1 });
    const hit = await file(BEYOND_UKR);
    const alert = await alertWith('beyond-1', hit.id);
    expect(alert.state).toBe('open');
    await app.inject({ method: 'POST', url: `/api/alerts/${alert.id}/ack`, headers: gbr, payload: {} });
    const escalated = await until('the escalation', async () => (await alerts(fra)).find((a) => a.id === alert.id && a.state === 'escalated'), 8000);
    expect(escalated).toMatchObject({ pendingNations: ['FRA'], canAck: true });
    expect(escalated.escalatedAt).not.toBeNull();
    const audit = await until('the escalation audited', async () => (await auditOf(alert.id)).find((e) => e.action === 'alert.escalated'));
    expect(audit).toMatchObject({ actor: 'system', detail: { pendingNations: ['FRA'], acks: ['GBR'] } });
    await until('the escalation posted', async () => received.some((r) => r.path === '/ok' && r.headers['x-truceline-event'] === 'alert.escalated' && JSON.parse(r.body).alert.id === alert.id));
    // France acknowledges late: the alert is acknowledged, the escalation stays on record.
    const late = await app.inject({ method: 'POST', url: `/api/alerts/${alert.id}/ack`, headers: fra, payload: { note: 'late' } });
    expect(late.json()).toMatchObject({ state: 'acknowledged', escalatedAt: escalated.escalatedAt });
  });
});

describe('trigger criteria API', () => {
  it('answers the criteria in force to cell officers and admins; others are refused', async () => {
    const res = await app.inject({ url: '/api/triggers', headers: cell });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ revision: expect.any(Number), by: expect.stringMatching(/^token:/), reason: 'update' });
    expect((await app.inject({ url: '/api/triggers', headers: usaAdmin })).statusCode).toBe(200);
    expect((await app.inject({ url: '/api/triggers', headers: fra })).statusCode).toBe(403);
    expect((await app.inject({ url: '/api/triggers' })).statusCode).toBe(401);
  });

  it('replaces them as a new revision, audited; refuses invalid documents naming the field, and stale revisions', async () => {
    const current = (await app.inject({ url: '/api/triggers', headers: cell })).json();
    const body = { criteria: { criteria: [{ kind: 'attack_cluster', id: 'cluster-x', name: 'Cluster', threshold: 5, windowHours: 2 }] }, ifRevision: current.revision };
    const bad = await app.inject({ method: 'PUT', url: '/api/triggers', headers: cell, payload: { criteria: { criteria: [{ kind: 'attack_cluster', id: 'c', name: 'C', threshold: 0, windowHours: 2 }] } } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().field).toBe('criteria.criteria.0.threshold');
    expect((await app.inject({ method: 'PUT', url: '/api/triggers', headers: fra, payload: body })).statusCode).toBe(403);

    const ok = await app.inject({ method: 'PUT', url: '/api/triggers', headers: cell, payload: body });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ revision: current.revision + 1, criteria: { maxAgeHours: 24, escalateAfterSeconds: 300, criteria: [{ id: 'cluster-x', unit: 'observations', enabled: true }] } });
    expect((await app.inject({ method: 'PUT', url: '/api/triggers', headers: cell, payload: body })).statusCode).toBe(409);
    const audit = (await store.audit.list({ entity: 'trigger_criteria', limit: 100 })).items;
    expect(audit.find((e) => e.entityId === String(current.revision + 1))).toMatchObject({ action: 'trigger.criteria.update', detail: { criteria: [{ id: 'cluster-x', kind: 'attack_cluster', enabled: true }] } });
  });

  it('starts from the shipped default file (revision 0) on a store with none stored', async () => {
    const fresh = openSqliteStore(join(mkdtempSync(join(tmpdir(), 'truceline-alerts-')), 'test.db'));
    const other = await buildApp({ store: fresh, config: { maxBody: 1024 * 1024, web: false, logLevel: 'silent' } });
    try {
      const res = await other.inject({ url: '/api/triggers', headers: (await testUser(fresh, { nation: 'USA', orgKind: 'cell', roles: ['cell_officer'] })).headers });
      expect(res.json()).toMatchObject({ revision: 0, storedAt: null, by: 'default', criteria: { escalateAfterSeconds: 300 } });
      expect(res.json().criteria.criteria).toHaveLength(4);
    } finally {
      await other.close();
      await fresh.close();
    }
  });
});

describe('several evaluators on one store', () => {
  it('raise one alert for one observation, however many services evaluate it', async () => {
    await setCriteria([{ kind: 'protected_site_impact', id: 'site-multi', name: 'Impact at a protected site' }]);
    const agreements = new AgreementService(store);
    // Two more services besides the app's own, as two more processes on the store would run.
    const services = [new GuaranteeService(store, agreements, { coalition: COALITION_PRESET }), new GuaranteeService(store, agreements, { coalition: COALITION_PRESET })];
    await Promise.all(services.map((s) => s.start()));
    try {
      const ingest = new ObservationIngest(store, agreements);
      const input = observationInput({ observedAt: ago(1), location: { ...ZNPP, accuracyM: 100 } });
      expect((await ingest.submit([input], { channel: 'cli', rawId: null }))[0]!.status).toBe('created');
      await Promise.all(services.map((s) => s.idle()));
      const alert = await alertWith('site-multi', input.id);
      expect((await alerts(analyst)).filter((a) => a.criterionId === 'site-multi')).toHaveLength(1);
      expect((await auditOf(alert.id)).filter((e) => e.action === 'alert.raised')).toHaveLength(1);
    } finally {
      await Promise.all(services.map((s) => s.stop()));
    }
  });
});

const probe = await probePostgres();

if (!probe.reachable && inCi) {
  describe('guarantee triggers on one PostgreSQL store from two processes', () => {
    it('has PostgreSQL to test against (required in CI)', () => {
      throw new Error(`PostgreSQL is not reachable at ${shownUrl} (${probe.reason}). CI runs scripts/ensure-services.sh first; set TRUCELINE_TEST_PG to point elsewhere.`);
    });
  });
}

describe.skipIf(!probe.reachable)(pgTitle('guarantee triggers on one PostgreSQL store from two processes', probe), () => {
  let db: TestDatabase | undefined;
  const stores: Store[] = [];
  const services: GuaranteeService[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    // Two stores on one database: two pools and two LISTEN connections, as two server processes have.
    for (let i = 0; i < 2; i++) stores.push(await openPostgresStore(db.url, { log: () => undefined }));
    await stores[0]!.sectors.upsertMany(demoSectors());
    await new AgreementService(stores[0]!).seedDefault();
    await stores[0]!.alerts.saveCriteria(
      { maxAgeHours: 24, escalateAfterSeconds: 1, criteria: [{ kind: 'protected_site_impact', id: 'site-pg', name: 'Impact at a protected site', enabled: true }] },
      'test',
      'update',
    );
    for (const s of stores) {
      const g = new GuaranteeService(s, new AgreementService(s), { coalition: COALITION_PRESET, sweepMs: 100 });
      await g.start();
      services.push(g);
    }
  });

  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
    await Promise.all(stores.map((s) => s.close()));
    await db?.drop();
  });

  it('raise one alert for a burst of triggering observations, coalesce the rest, and escalate it once', async () => {
    const [a] = stores as [Store, Store];
    const ingest = new ObservationIngest(a, new AgreementService(a));
    const inputs = Array.from({ length: 4 }, (_, i) => observationInput({ observedAt: ago(4 - i), location: { ...ZNPP, accuracyM: 100 } }));
    // One alone, then the others as a batch: both processes see every one through the change feed.
    await ingest.submit(inputs.slice(0, 1), { channel: 'cli', rawId: null });
    await ingest.submit(inputs.slice(1), { channel: 'cli', rawId: null });
    const alert = await until(
      'the alert with every observation',
      async () => (await a.alerts.list({ visibility: SEE_ALL, limit: 100 })).items.find((x) => x.observationCount === inputs.length),
      10_000,
    );
    // Attached in the order each was evaluated, which may differ between the processes.
    expect(alert.observationIds.slice().sort()).toEqual(inputs.map((o) => o.id).sort());
    const escalated = await until('the escalation', async () => (await a.alerts.get(alert.id, SEE_ALL))?.state === 'escalated', 10_000);
    expect(escalated).toBe(true);
    await new Promise((r) => setTimeout(r, 500)); // both sweeps have run again meanwhile
    await Promise.all(services.map((s) => s.idle()));
    expect((await a.alerts.list({ visibility: SEE_ALL, limit: 100 })).items).toHaveLength(1);
    const audit = (await a.audit.list({ entity: 'alert', entityId: alert.id, limit: 100 })).items;
    expect(audit.filter((e) => e.action === 'alert.raised')).toHaveLength(1);
    expect(audit.filter((e) => e.action === 'alert.escalated')).toHaveLength(1);
  });
});
