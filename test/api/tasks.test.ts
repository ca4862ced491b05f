import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { v7 as uuidv7 } from 'uuid';
import type { Store } from '../../src/store/repository';
import { testApp } from '../support/app';
import { testUser } from '../support/auth';

/**
 * The tasking API through HTTP on a real app and SQLite file, with real users and tokens: who may
 * task, who sees which task, who may answer it, the workflow's refusals, the audit log and the
 * change feed.
 */

let app: FastifyInstance;
let store: Store;
let close: () => Promise<void>;
type Headers = { authorization: string };
/** A mechanism analyst: tasks, sees every REL TO. */
let tasker: Headers;
let frenchLiaison: { headers: Headers; username: string };
let britishLiaison: Headers;
let mechanismMonitor: Headers;
let frenchReadOnly: Headers;

beforeAll(async () => {
  let headers: Headers;
  // Bare: every request below names its caller, and the anonymous ones must stay anonymous.
  ({ app, store, close, headers } = await testApp({ anonymous: true }));
  tasker = headers;
  frenchLiaison = await testUser(store, { nation: 'FRA', orgKind: 'nation', roles: ['liaison_officer'] });
  britishLiaison = (await testUser(store, { nation: 'GBR', orgKind: 'nation', roles: ['liaison_officer'] })).headers;
  mechanismMonitor = (await testUser(store, { roles: ['monitor'] })).headers;
  frenchReadOnly = (await testUser(store, { nation: 'FRA', orgKind: 'nation', roles: ['liaison_officer'], scopes: ['read'] })).headers;
});
afterAll(() => close());

const send = (method: 'GET' | 'POST', url: string, headers?: Headers, payload?: unknown) =>
  app.inject({ method, url, headers: { ...headers, ...(payload === undefined ? {} : { 'content-type': 'application/json' }) }, ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }) });

const taskInput = (over: Record<string, unknown> = {}) => ({
  kind: 'patrol',
  title: 'Patrol the road to the bridge',
  description: 'Check whether the checkpoint lets civilians through',
  assignee: { nation: 'FRA', team: 'FRA patrol 2' },
  place: { type: 'Point', coordinates: [38.9, 48.6] },
  dueAt: '2026-11-26T06:00:00+02:00',
  ...over,
});

/** Creates a task as the tasker and answers its body. */
async function task(over: Record<string, unknown> = {}) {
  const res = await send('POST', '/api/tasks', tasker, taskInput(over));
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

const act = (id: string, action: string, headers: Headers, body?: unknown) => send('POST', `/api/tasks/${encodeURIComponent(id)}/${action}`, headers, body);

describe('tasks API: authentication and creation', () => {
  it('answers 401 to anonymous callers, writes whatever their body holds', async () => {
    for (const [method, url, body] of [
      ['POST', '/api/tasks', { nonsense: true }],
      ['POST', '/api/tasks', taskInput()],
      ['POST', `/api/tasks/${uuidv7()}/accept`, {}],
      ['GET', '/api/tasks', undefined],
    ] as const) {
      const res = await send(method, url, undefined, body);
      expect(res.statusCode, `${method} ${url}`).toBe(401);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    }
  });

  it('creates a task (201, location), open at version 1, released to its nation by default', async () => {
    const res = await send('POST', '/api/tasks', tasker, taskInput({ incidentId: 'incident-42' }));
    expect(res.statusCode).toBe(201);
    const t = res.json();
    expect(res.headers.location).toBe(`/api/tasks/${t.id}`);
    expect(t).toMatchObject({
      kind: 'patrol',
      state: 'open',
      version: 1,
      releasability: 'REL TO FRA',
      assignee: { nation: 'FRA', team: 'FRA patrol 2' },
      incidentId: 'incident-42',
      createdBy: expect.stringMatching(/^token:/),
      history: [{ version: 1, action: 'create', from: null, to: 'open', reason: null }],
      actions: ['accept', 'refuse', 'cancel'],
    });
    const got = await send('GET', res.headers.location as string, tasker);
    expect(got.statusCode).toBe(200);
    expect(got.json()).toEqual(t);
    const list = (await send('GET', '/api/tasks?incident=incident-42', tasker)).json();
    expect(list.items.map((x: { id: string }) => x.id)).toEqual([t.id]);
    expect(list.total).toBe(1);
  });

  it('keeps a client-supplied id and refuses it the second time (409)', async () => {
    const id = `site-a-${uuidv7()}`;
    expect((await task({ id })).id).toBe(id);
    const again = await send('POST', '/api/tasks', tasker, taskInput({ id }));
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ field: 'id' });
  });

  it.each([
    ['an unclosed polygon', { place: { type: 'Polygon', coordinates: [[[37, 48], [37.2, 48], [37.2, 48.2], [37, 48.2]]] } }, /^place/],
    ['a label its team could not see', { releasability: 'MECHANISM' }, /^releasability$/],
    ['an unknown kind', { kind: 'raid' }, /^kind$/],
    ['a due time without offset', { dueAt: '2026-11-26 06:00' }, /^dueAt$/],
  ])('answers 400 naming the field for %s', async (_what, over, field) => {
    const res = await send('POST', '/api/tasks', tasker, taskInput(over));
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().field).toMatch(field);
  });

  it('lets only task.write roles create tasks (403 for a liaison officer)', async () => {
    const res = await send('POST', '/api/tasks', frenchLiaison.headers, taskInput());
    expect(res.statusCode).toBe(403);
  });
});

describe('tasks API: releasability', () => {
  it('shows a nation what is released to it, and nothing else exists for it (404, absent from lists)', async () => {
    const tag = `incident-${uuidv7()}`;
    const forGbr = await task({ assignee: { nation: 'GBR', team: 'GBR patrol' }, releasability: 'REL TO GBR', incidentId: tag });
    const forFra = await task({ releasability: 'REL TO FRA', incidentId: tag });
    const mechanismOnly = await task({ assignee: { nation: null, team: 'Team D-1' }, incidentId: tag });
    const coalition = await task({ assignee: { nation: null, team: 'Team D-2' }, releasability: 'COALITION', incidentId: tag });

    const fra = frenchLiaison.headers;
    expect((await send('GET', `/api/tasks/${forGbr.id}`, fra)).statusCode).toBe(404);
    expect((await send('GET', `/api/tasks/${mechanismOnly.id}`, fra)).statusCode).toBe(404);
    expect((await send('GET', `/api/tasks/${forFra.id}`, fra)).statusCode).toBe(200);
    const listed = (await send('GET', `/api/tasks?incident=${tag}`, fra)).json();
    expect(listed.items.map((t: { id: string }) => t.id).sort()).toEqual([forFra.id, coalition.id].sort());
    expect(listed.total).toBe(2);
    // Acting on a task not released to you: it does not exist (404), not "forbidden".
    const res = await act(forGbr.id, 'accept', fra);
    expect(res.statusCode).toBe(404);
    expect(res.body).not.toContain('GBR patrol');
    // The mechanism sees all four.
    expect((await send('GET', `/api/tasks?incident=${tag}`, tasker)).json().total).toBe(4);
  });
});

describe('tasks API: the workflow', () => {
  it('lets the assigned nation accept and report done; each step is in the history and the audit log', async () => {
    const t = await task();
    const fra = frenchLiaison.headers;
    expect((await send('GET', `/api/tasks/${t.id}`, fra)).json().actions).toEqual(['accept', 'refuse']);
    const accepted = await act(t.id, 'accept', fra);
    expect(accepted.statusCode, accepted.body).toBe(200);
    expect(accepted.json()).toMatchObject({ state: 'accepted', version: 2, actions: ['done', 'refuse'] });
    const done = await act(t.id, 'done', fra, { reason: 'Checkpoint open; 40 civilians crossed in an hour' });
    expect(done.statusCode).toBe(200);
    expect(done.json().history.map((e: { action: string; by: string; reason: string | null }) => [e.action, e.by, e.reason])).toEqual([
      ['create', expect.stringMatching(/^token:/), null],
      ['accept', `token:${frenchLiaison.username}`, null],
      ['done', `token:${frenchLiaison.username}`, 'Checkpoint open; 40 civilians crossed in an hour'],
    ]);
    const audit = await store.audit.list({ entity: 'task', entityId: t.id, limit: 10 });
    expect(audit.items.map((e) => [e.action, e.actor, e.detail.from ?? null, e.detail.to ?? null]).reverse()).toEqual([
      ['task.create', expect.stringMatching(/^token:/), null, null],
      ['task.accept', `token:${frenchLiaison.username}`, 'open', 'accepted'],
      ['task.done', `token:${frenchLiaison.username}`, 'accepted', 'done'],
    ]);
  });

  it('answers 409 naming the state for a transition the table does not have', async () => {
    const t = await task();
    expect((await act(t.id, 'done', tasker)).json()).toMatchObject({ status: 409, field: 'state', detail: expect.stringContaining('it is open') });
    await act(t.id, 'accept', tasker);
    await act(t.id, 'done', tasker);
    const res = await act(t.id, 'accept', tasker);
    expect(res.statusCode).toBe(409);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.json().detail).toContain('it is done');
  });

  it('requires a reason to refuse (400 naming it), and keeps the reason', async () => {
    const t = await task();
    const fra = frenchLiaison.headers;
    for (const body of [undefined, {}, { reason: '  ' }]) {
      const res = await act(t.id, 'refuse', fra, body);
      expect(res.statusCode).toBe(400);
      expect(res.json().field).toBe('reason');
    }
    const refused = await act(t.id, 'refuse', fra, { reason: 'No vehicle until Friday' });
    expect(refused.statusCode).toBe(200);
    expect(refused.json()).toMatchObject({ state: 'refused', actions: [] });
    expect(refused.json().history.at(-1)).toMatchObject({ action: 'refuse', from: 'open', to: 'refused', reason: 'No vehicle until Friday' });
  });

  it('lets no other nation and no mechanism member without task.write answer a nation\'s task (403)', async () => {
    // COALITION: the British officer sees the task, so the refusal is 403, not 404.
    const t = await task({ releasability: 'COALITION' });
    const british = await act(t.id, 'accept', britishLiaison);
    expect(british.statusCode).toBe(403);
    expect(british.json().detail).toContain('FRA patrol 2');
    expect((await act(t.id, 'accept', mechanismMonitor)).statusCode).toBe(403);
    expect((await act(t.id, 'accept', frenchReadOnly)).statusCode).toBe(403);
    expect((await send('GET', `/api/tasks/${t.id}`, tasker)).json()).toMatchObject({ state: 'open', version: 1 });
  });

  it("lets the mechanism's members answer the mechanism's tasks", async () => {
    const t = await task({ assignee: { nation: null, team: 'Team D-1' } });
    expect(t.releasability).toBe('MECHANISM');
    expect((await act(t.id, 'accept', mechanismMonitor)).json()).toMatchObject({ state: 'accepted' });
  });

  it('lets a tasking officer cancel with a reason; a liaison officer may not (403)', async () => {
    const t = await task();
    expect((await act(t.id, 'cancel', frenchLiaison.headers, { reason: 'not needed' })).statusCode).toBe(403);
    expect((await act(t.id, 'cancel', tasker)).json().field).toBe('reason');
    const cancelled = await act(t.id, 'cancel', tasker, { reason: 'Overtaken by the UAV flight' });
    expect(cancelled.json()).toMatchObject({ state: 'cancelled', version: 2 });
  });

  it('acts only on the version the caller saw when it says which (ifVersion)', async () => {
    const t = await task();
    await act(t.id, 'accept', frenchLiaison.headers);
    const stale = await act(t.id, 'refuse', frenchLiaison.headers, { reason: 'cannot', ifVersion: 1 });
    expect(stale.statusCode).toBe(409);
    expect(stale.json()).toMatchObject({ field: 'ifVersion' });
    expect((await act(t.id, 'done', frenchLiaison.headers, { ifVersion: 2 })).json()).toMatchObject({ state: 'done', version: 3 });
  });

  it('records a change for the live stream on every create and transition', async () => {
    const before = await store.changes.latest();
    const t = await task();
    await act(t.id, 'accept', frenchLiaison.headers);
    await act(t.id, 'accept', frenchLiaison.headers); // refused: no change
    const mine = (await store.changes.since(before, 1000)).filter((e) => e.id === t.id).map((e) => [e.entity, e.op]);
    expect(mine).toEqual([
      ['task', 'created'],
      ['task', 'updated'],
    ]);
  });
});

describe('tasks API: lists', () => {
  it('filters by state, kind and assignee, newest first, with paging', async () => {
    const tag = `incident-${uuidv7()}`;
    const a = await task({ incidentId: tag });
    const b = await task({ incidentId: tag, kind: 'rfi', assignee: { nation: null, team: 'Analysis cell' } });
    const c = await task({ incidentId: tag, kind: 'investigation' });
    await act(c.id, 'accept', tasker);
    const ids = async (q: string) => (await send('GET', `/api/tasks?incident=${tag}&${q}`, tasker)).json().items.map((t: { id: string }) => t.id);
    expect(await ids('')).toEqual([c.id, b.id, a.id]);
    expect(await ids('assignee=mechanism')).toEqual([b.id]);
    expect(await ids('assignee=FRA&state=open')).toEqual([a.id]);
    expect(await ids('kind=investigation')).toEqual([c.id]);
    const first = (await send('GET', `/api/tasks?incident=${tag}&limit=2`, tasker)).json();
    expect(first.items).toHaveLength(2);
    const second = (await send('GET', `/api/tasks?incident=${tag}&limit=2&cursor=${first.nextCursor}`, tasker)).json();
    expect(second.items.map((t: { id: string }) => t.id)).toEqual([a.id]);
    expect(second.nextCursor).toBeNull();
    const bad = await send('GET', '/api/tasks?assignee=France', tasker);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().field).toMatch(/assignee/);
  });

  it('documents every task route in the OpenAPI document', async () => {
    const doc = (await send('GET', '/api/openapi.json')).json();
    expect(Object.keys(doc.paths).filter((p) => p.startsWith('/api/tasks')).sort()).toEqual(
      ['/api/tasks', '/api/tasks/{id}', '/api/tasks/{id}/accept', '/api/tasks/{id}/cancel', '/api/tasks/{id}/done', '/api/tasks/{id}/refuse'].sort(),
    );
    expect(doc.paths['/api/tasks'].post.requestBody.content['application/json'].schema.properties.place).toBeDefined();
  });
});
