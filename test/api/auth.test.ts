/**
 * Authentication over HTTP (issue 6): what stays public, 401 before the body is read, login with
 * a session cookie, CSRF on cookie writes, token scopes and revocation, lockout, the audit trail.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_FAILED_LOGINS } from '../../src/services/auth';
import { testApp } from '../support/app';
import { testUser } from '../support/auth';
import { observationInput } from '../support/factories';

let t: Awaited<ReturnType<typeof testApp>>;
beforeAll(async () => {
  t = await testApp({ anonymous: true });
});
afterAll(async () => {
  await t?.close();
});

const cookiesOf = (res: { headers: Record<string, unknown> }): Record<string, string> => {
  const raw = res.headers['set-cookie'];
  const list = Array.isArray(raw) ? raw : raw ? [String(raw)] : [];
  return Object.fromEntries(list.map((c: string) => c.split(';')[0]!.split('=') as [string, string]));
};

describe('public routes', () => {
  it('health, the OpenAPI document and the docs page answer without login', async () => {
    expect((await t.app.inject({ url: '/api/health' })).statusCode).toBe(200);
    const doc = await t.app.inject({ url: '/api/openapi.json' });
    expect(doc.statusCode).toBe(200);
    expect(Object.keys(doc.json().paths)).toEqual(expect.arrayContaining(['/api/auth/login', '/api/observations/{id}/releasability', '/api/tasks', '/api/alerts']));
    expect([200, 302]).toContain((await t.app.inject({ url: '/api/docs' })).statusCode);
    expect((await t.app.inject({ url: '/api/agreements/revisions' })).statusCode).toBe(200);
  });

  it('the public reads PUBLIC observations only', async () => {
    const { headers } = await testUser(t.store);
    const pub = observationInput({ releasability: 'PUBLIC' });
    const mech = observationInput({ releasability: 'MECHANISM' });
    for (const o of [pub, mech]) expect((await t.app.inject({ method: 'POST', url: '/api/observations', headers, payload: o })).statusCode).toBe(201);
    expect((await t.app.inject({ url: `/api/observations/${pub.id}` })).statusCode).toBe(200);
    expect((await t.app.inject({ url: `/api/observations/${mech.id}` })).statusCode).toBe(404);
  });

  it('non-public reads answer 401 to the public', async () => {
    for (const url of ['/api/quarantine', '/api/inbox/stats', '/api/positions', '/api/chat', '/api/tasks', '/api/alerts', '/api/audit', '/api/auth/me'])
      expect((await t.app.inject({ url })).statusCode, url).toBe(401);
  });
});

describe('writes', () => {
  it('an anonymous write answers 401 whatever its body holds: valid, invalid, not JSON, huge', async () => {
    const bodies: { payload: string; type: string }[] = [
      { payload: JSON.stringify(observationInput()), type: 'application/json' },
      { payload: '{"kind": 42}', type: 'application/json' },
      { payload: '<not json', type: 'text/plain' },
      { payload: JSON.stringify({ observations: Array.from({ length: 2000 }, () => observationInput()) }), type: 'application/json' },
    ];
    for (const b of bodies) {
      const res = await t.app.inject({ method: 'POST', url: '/api/observations', payload: b.payload, headers: { 'content-type': b.type } });
      expect(res.statusCode).toBe(401);
      expect(res.headers['content-type']).toMatch(/problem\+json/);
    }
    for (const [method, url] of [['POST', '/api/import/acled'], ['POST', '/api/agreements'], ['POST', '/api/tasks'], ['PUT', '/api/observations/x/releasability']] as const)
      expect((await t.app.inject({ method, url, payload: 'x', headers: { 'content-type': 'text/csv' } })).statusCode, url).toBe(401);
  });

  it('an unknown, malformed or revoked token answers 401; a read-only token cannot write (403)', async () => {
    const o = () => ({ method: 'POST' as const, url: '/api/observations', payload: observationInput() });
    expect((await t.app.inject({ ...o(), headers: { authorization: 'Bearer tl_nope' } })).statusCode).toBe(401);
    expect((await t.app.inject({ ...o(), headers: { authorization: 'Basic abc' } })).statusCode).toBe(401);
    const reader = await testUser(t.store, { scopes: ['read'] });
    expect((await t.app.inject({ ...o(), headers: reader.headers })).statusCode).toBe(403);
    expect((await t.app.inject({ url: '/api/observations', headers: reader.headers })).statusCode).toBe(200);
    const writer = await testUser(t.store, { scopes: ['write'] });
    expect((await t.app.inject({ ...o(), headers: writer.headers })).statusCode).toBe(201);
    const mine = await t.app.inject({ method: 'POST', url: '/api/tokens', headers: writer.headers, payload: { name: 'script', scopes: ['read'] } });
    expect(mine.statusCode).toBe(201);
    const { id, token } = mine.json() as { id: string; token: string };
    expect((await t.app.inject({ url: '/api/observations', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'DELETE', url: `/api/tokens/${id}`, headers: writer.headers })).statusCode).toBe(204);
    expect((await t.app.inject({ url: '/api/observations', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(401);
  });

  it('a role without the permission gets 403: a liaison officer cannot file, a monitor cannot relabel', async () => {
    const liaison = await testUser(t.store, { nation: 'FRA', orgKind: 'nation', roles: ['liaison_officer'] });
    expect((await t.app.inject({ method: 'POST', url: '/api/observations', headers: liaison.headers, payload: observationInput() })).statusCode).toBe(403);
    const monitor = await testUser(t.store, { roles: ['monitor'] });
    const o = observationInput();
    await t.app.inject({ method: 'POST', url: '/api/observations', headers: monitor.headers, payload: o });
    const relabel = await t.app.inject({ method: 'PUT', url: `/api/observations/${o.id}/releasability`, headers: monitor.headers, payload: { releasability: 'PUBLIC', reason: 'cleared for release' } });
    expect(relabel.statusCode).toBe(403);
  });
});

describe('sessions', () => {
  it('logs in with a password: HttpOnly SameSite session cookie; wrong credentials 401', async () => {
    await testUser(t.store, { username: 'gbr-officer', nation: 'GBR', orgKind: 'nation', roles: ['liaison_officer'], password: 'a long enough passphrase' });
    const wrong = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'gbr-officer', password: 'not it at all' } });
    expect(wrong.statusCode).toBe(401);
    const nobody = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'nobody-here', password: 'whatever it is' } });
    expect(nobody.statusCode).toBe(401);
    const ok = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'gbr-officer', password: 'a long enough passphrase' } });
    expect(ok.statusCode).toBe(200);
    const setCookie = ([] as string[]).concat(ok.headers['set-cookie'] as string[]);
    const session = setCookie.find((c) => c.startsWith('truceline_session='))!;
    expect(session).toMatch(/HttpOnly/);
    expect(session).toMatch(/SameSite=Strict/);
    expect(session).toMatch(/Secure/);
    const cookies = cookiesOf(ok);
    const me = await t.app.inject({ url: '/api/auth/me', cookies });
    expect(me.json()).toMatchObject({ username: 'gbr-officer', nation: 'GBR', roles: ['liaison_officer'] });
  });

  it('cookie-authenticated writes need the CSRF token (double submit); token writes do not', async () => {
    await testUser(t.store, { username: 'mech-analyst', roles: ['analyst'], password: 'another long passphrase' });
    const login = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'mech-analyst', password: 'another long passphrase' } });
    const cookies = cookiesOf(login);
    const csrf = (login.json() as { csrfToken: string }).csrfToken;
    expect(cookies.truceline_csrf).toBe(csrf);
    const post = (headers: Record<string, string>) => t.app.inject({ method: 'POST', url: '/api/observations', cookies, headers, payload: observationInput() });
    const none = await post({});
    expect(none.statusCode).toBe(403);
    expect(none.json()).toMatchObject({ type: expect.stringMatching(/csrf$/) });
    expect((await post({ 'x-csrf-token': 'forged' })).statusCode).toBe(403);
    expect((await post({ 'x-csrf-token': csrf })).statusCode).toBe(201);
    // Reads need no CSRF token.
    expect((await t.app.inject({ url: '/api/observations', cookies })).statusCode).toBe(200);
    // Logged out: the cookie no longer works.
    expect((await t.app.inject({ method: 'POST', url: '/api/auth/logout', cookies, headers: { 'x-csrf-token': csrf } })).statusCode).toBe(204);
    expect((await t.app.inject({ url: '/api/auth/me', cookies })).statusCode).toBe(401);
  });

  it(`locks an account after ${MAX_FAILED_LOGINS} failed logins, even for the right password, and audits it`, async () => {
    await testUser(t.store, { username: 'ukr-officer', nation: 'UKR', orgKind: 'nation', roles: ['liaison_officer'], password: 'correct horse battery' });
    for (let i = 0; i < MAX_FAILED_LOGINS; i++)
      expect((await t.app.inject({ method: 'POST', url: '/api/auth/login', remoteAddress: '10.9.0.1', payload: { username: 'ukr-officer', password: `wrong guess ${i}` } })).statusCode).toBe(401);
    const locked = await t.app.inject({ method: 'POST', url: '/api/auth/login', remoteAddress: '10.9.0.1', payload: { username: 'ukr-officer', password: 'correct horse battery' } });
    expect(locked.statusCode).toBe(401);
    expect(locked.json().detail).toMatch(/locked/);
    const admin = await testUser(t.store, { roles: ['admin'] });
    const audit = (await t.app.inject({ url: '/api/audit?entity=user&limit=1000', headers: admin.headers })).json() as { items: { action: string; actor: string }[] };
    expect(audit.items.filter((e) => e.actor === 'user:ukr-officer').map((e) => e.action)).toEqual(expect.arrayContaining(['login.failed', 'login.locked', 'login.refused_locked']));
  });

  it('rate-limits login attempts from one address (429)', async () => {
    let last = 0;
    for (let i = 0; i < 40 && last !== 429; i++)
      last = (await t.app.inject({ method: 'POST', url: '/api/auth/login', remoteAddress: '10.9.9.9', payload: { username: `someone-${i}`, password: 'x' } })).statusCode;
    expect(last).toBe(429);
  });
});

describe('relabelling', () => {
  it('an analyst changes a label with a reason; the audit keeps old and new; readers follow the new label', async () => {
    const analyst = await testUser(t.store, { roles: ['analyst'] });
    const fra = await testUser(t.store, { nation: 'FRA', orgKind: 'nation', roles: ['liaison_officer'] });
    const o = observationInput({ releasability: 'MECHANISM' });
    await t.app.inject({ method: 'POST', url: '/api/observations', headers: analyst.headers, payload: o });
    expect((await t.app.inject({ url: `/api/observations/${o.id}`, headers: fra.headers })).statusCode).toBe(404);
    const bad = await t.app.inject({ method: 'PUT', url: `/api/observations/${o.id}/releasability`, headers: analyst.headers, payload: { releasability: 'REL TO france', reason: 'x' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().field).toMatch(/releasability|reason/);
    const res = await t.app.inject({ method: 'PUT', url: `/api/observations/${o.id}/releasability`, headers: analyst.headers, payload: { releasability: 'REL TO GBR,FRA', reason: 'shared with the force leads' } });
    expect(res.statusCode).toBe(200);
    expect(res.json().releasability).toBe('REL TO FRA, GBR');
    expect((await t.app.inject({ url: `/api/observations/${o.id}`, headers: fra.headers })).json().releasability).toBe('REL TO FRA, GBR');
    // FRA cannot relabel (no permission), and an unknown id answers 404 to the analyst.
    expect((await t.app.inject({ method: 'PUT', url: `/api/observations/nope-${o.id}/releasability`, headers: analyst.headers, payload: { releasability: 'PUBLIC', reason: 'release' } })).statusCode).toBe(404);
    const admin = await testUser(t.store, { roles: ['admin'] });
    const audit = (await t.app.inject({ url: `/api/audit?entity=observation&entityId=${o.id}`, headers: admin.headers })).json() as { items: { action: string; detail: Record<string, unknown> }[] };
    expect(audit.items).toHaveLength(1);
    expect(audit.items[0]).toMatchObject({ action: 'observation.relabel', detail: { from: 'MECHANISM', to: 'REL TO FRA, GBR', reason: 'shared with the force leads' } });
  });

  it('the raw inbox names who sent each input, even one that was quarantined', async () => {
    const monitor = await testUser(t.store, { username: 'sender-check', roles: ['monitor'] });
    const res = await t.app.inject({ method: 'POST', url: '/api/observations', headers: { ...monitor.headers, 'content-type': 'application/json' }, payload: '{"kind": "explosion", broken' });
    expect(res.statusCode).toBe(400);
    const q = (await t.store.inbox.listQuarantine({ limit: 1, channel: 'http' })).items[0]!;
    expect((await t.store.inbox.getRaw(q.rawId!))?.sender).toBe('token:sender-check');
  });
});
