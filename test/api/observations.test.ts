import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { observationInput } from '../support/factories';
import { testApp } from '../support/app';
import type { Store } from '../../src/store/repository';
import { demoSectors } from '../../src/demo/demo-sectors';

let app: FastifyInstance;
let store: Store;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ app, store, close } = await testApp({ maxBody: 64 * 1024 }));
  await store.sectors.upsertMany(demoSectors());
});
afterAll(() => close());

const post = (payload: unknown, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url: '/api/observations', payload: typeof payload === 'string' ? payload : JSON.stringify(payload), headers: { 'content-type': 'application/json', ...headers } });

const quarantine = async () => (await app.inject({ url: '/api/quarantine?limit=1000' })).json() as { items: { rawId: string; reason: string; field: string | null; size: number; excerpt: string }[]; total: number };

describe('POST /api/observations', () => {
  it('creates one observation (201), assigns its sector, and reads it back', async () => {
    const o = observationInput({ location: { lat: 48.3, lon: 37.85 } });
    const res = await post(o);
    expect(res.statusCode).toBe(201);
    expect(res.headers.location).toBe(`/api/observations/${o.id}`);
    expect(res.json()).toMatchObject({ id: o.id, kind: 'explosion', sector: 'donetsk', releasability: 'MECHANISM' });
    const back = await app.inject({ url: `/api/observations/${o.id}` });
    expect(back.statusCode).toBe(200);
    expect(back.json().notes).toBe(o.notes);
  });

  it('keeps an observation outside every sector, with sector null', async () => {
    const o = observationInput({ location: { lat: 50.45, lon: 30.52 } });
    const res = await post(o);
    expect(res.statusCode).toBe(201);
    expect(res.json().sector).toBeNull();
  });

  it('is idempotent: the same id and content answers 200 and stores nothing new', async () => {
    const o = observationInput();
    expect((await post(o)).statusCode).toBe(201);
    const before = await store.observations.count();
    // The same instant in another offset is the same content.
    const again = await post({ ...o, observedAt: new Date(Date.parse(o.observedAt)).toISOString().replace('Z', '+00:00') });
    expect(again.statusCode).toBe(200);
    expect(await store.observations.count()).toBe(before);
  });

  it('answers 409 to the same id with different content and overwrites nothing', async () => {
    const o = observationInput({ count: 3 });
    await post(o);
    const res = await post({ ...o, count: 4 });
    expect(res.statusCode).toBe(409);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.json()).toMatchObject({ status: 409, field: 'id' });
    expect((await app.inject({ url: `/api/observations/${o.id}` })).json().count).toBe(3);
  });

  it('answers 400 problem+json naming the bad field, and quarantines the input', async () => {
    const o = observationInput({ location: { lat: 91, lon: 37 } });
    const res = await post(o);
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    const p = res.json();
    expect(p).toMatchObject({ status: 400, field: 'location.lat' });
    expect(p.type).toMatch(/invalid-input$/);
    expect(p.detail).toMatch(/location\.lat/);
    const q = await quarantine();
    expect(q.items.some((i) => i.field === 'location.lat' && i.excerpt.includes(o.id))).toBe(true);
  });

  it('names unknown fields and explosion-only subkinds', async () => {
    const unknown = await post({ ...observationInput(), colour: 'red' });
    expect(unknown.json().field).toBe('colour');
    const sub = await post(observationInput({ kind: 'burst', subkind: 'impact' }));
    expect(sub.json().field).toBe('subkind');
    const offsetless = await post(observationInput({ observedAt: '2026-11-20T12:00:00' }));
    expect(offsetless.json().field).toBe('observedAt');
  });

  it('answers 400 to malformed JSON and keeps the raw body in the quarantine', async () => {
    const body = '{"id": "x", "kind": "explosion",,,';
    const res = await post(body);
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    const rawId = res.json().rawId as string;
    const q = await quarantine();
    const rec = q.items.find((i) => i.rawId === rawId);
    expect(rec?.reason).toMatch(/malformed JSON/);
    expect(rec?.excerpt).toBe(body);
    expect((await store.inbox.getRaw(rawId))?.body.toString()).toBe(body);
  });

  it('answers 413 to a body over the limit and quarantines its size and first kilobyte', async () => {
    const big = JSON.stringify({ observations: Array.from({ length: 400 }, () => observationInput({ notes: 'x'.repeat(200) })) });
    expect(big.length).toBeGreaterThan(64 * 1024);
    const res = await post(big);
    expect(res.statusCode).toBe(413);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    const q = await quarantine();
    const rec = q.items.find((i) => i.rawId === res.json().rawId);
    expect(rec?.size).toBe(Buffer.byteLength(big));
    expect(rec?.excerpt).toBe(big.slice(0, 1024));
    expect(rec?.reason).toMatch(/exceeds the limit/);
  });

  it('answers 415 to a non-JSON content type, keeping the body', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/observations', payload: '<event/>', headers: { 'content-type': 'application/xml' } });
    expect(res.statusCode).toBe(415);
    expect((await store.inbox.getRaw(res.json().rawId))?.body.toString()).toBe('<event/>');
  });

  it('answers a batch with a status per item; re-posting it creates no duplicates', async () => {
    const good = [observationInput(), observationInput(), observationInput()];
    const bad = { ...observationInput(), kind: 'rumour' };
    const batch = { observations: [...good, bad] };
    const first = await post(batch);
    expect(first.statusCode).toBe(207);
    const r = first.json();
    expect(r).toMatchObject({ created: 3, duplicate: 0, conflict: 0, invalid: 1 });
    expect(r.results.map((x: { httpStatus: number }) => x.httpStatus)).toEqual([201, 201, 201, 400]);
    expect(r.results[3].errors[0].field).toBe('observations.3.kind');
    const count = await store.observations.count();
    const again = await post({ observations: good });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ created: 0, duplicate: 3 });
    expect(await store.observations.count()).toBe(count);
  });

  it('treats a repeated id inside one batch as two posts in a row', async () => {
    const o = observationInput();
    const res = await post({ observations: [o, o, { ...o, count: 9 }] });
    expect(res.json().results.map((x: { status: string }) => x.status)).toEqual(['created', 'duplicate', 'conflict']);
  });

  it('rejects an empty batch naming the field', async () => {
    const res = await post({ observations: [] });
    expect(res.statusCode).toBe(400);
    expect(res.json().field).toBe('observations');
  });
});

describe('GET /api/observations', () => {
  it('filters by bbox, time, kind and sector and pages with a cursor', async () => {
    const lon = 20.1;
    const lat = 49.1;
    const items = Array.from({ length: 12 }, (_, i) =>
      observationInput({
        kind: i < 4 ? 'burst' : 'explosion',
        subkind: i < 4 ? undefined : 'impact',
        observedAt: new Date(Date.UTC(2026, 5, 1, i)).toISOString(),
        location: { lat: lat + i / 1000, lon: lon + i / 1000 },
      }),
    );
    await post({ observations: items });
    const bbox = `${lon - 0.01},${lat - 0.01},${lon + 0.1},${lat + 0.1}`;
    const all = (await app.inject({ url: `/api/observations?bbox=${bbox}` })).json();
    expect(all.total).toBe(12);
    const bursts = (await app.inject({ url: `/api/observations?bbox=${bbox}&kind=burst` })).json();
    expect(bursts.total).toBe(4);
    const win = (await app.inject({ url: `/api/observations?bbox=${bbox}&from=2026-06-01T02:00:00Z&to=2026-06-01T05:00:00%2B00:00` })).json();
    expect(win.items.map((o: { observedAt: string }) => o.observedAt)).toEqual([4, 3, 2].map((h) => new Date(Date.UTC(2026, 5, 1, h)).toISOString()));

    const ids: string[] = [];
    let url = `/api/observations?bbox=${bbox}&limit=5`;
    for (;;) {
      const page = (await app.inject({ url })).json();
      ids.push(...page.items.map((o: { id: string }) => o.id));
      if (!page.nextCursor) break;
      url = `/api/observations?bbox=${bbox}&limit=5&cursor=${encodeURIComponent(page.nextCursor)}`;
    }
    expect(ids).toHaveLength(12);
    expect(new Set(ids).size).toBe(12);
  });

  it('filters by sector', async () => {
    const o = observationInput({ location: { lat: 47.6, lon: 36.2 } });
    await post(o);
    const res = (await app.inject({ url: '/api/observations?sector=zaporizhzhia&limit=5000' })).json();
    expect(res.items.some((x: { id: string }) => x.id === o.id)).toBe(true);
    expect(res.items.every((x: { sector: string }) => x.sector === 'zaporizhzhia')).toBe(true);
  });

  it.each([
    ['bbox=1,2,3', 'bbox'],
    ['kind=explosion,rumour', 'kind'],
    ['limit=5001', 'limit'],
    ['from=yesterday', 'from'],
    ['cursor=garbage', 'cursor'],
  ])('answers 400 problem+json naming %s', async (qs, field) => {
    const res = await app.inject({ url: `/api/observations?${qs}` });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.json().field).toBe(field);
  });

  it('answers 404 problem+json for an unknown id', async () => {
    const res = await app.inject({ url: '/api/observations/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
  });
});

describe('documents and health', () => {
  it('serves health, the OpenAPI document generated from the zod schemas, and the docs page', async () => {
    expect((await app.inject({ url: '/api/health' })).json()).toMatchObject({ status: 'ok', store: 'sqlite' });
    const doc = (await app.inject({ url: '/api/openapi.json' })).json();
    expect(doc.openapi).toMatch(/^3\./);
    const list = doc.paths['/api/observations'].get;
    expect(list.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['bbox', 'from', 'to', 'kind', 'sector', 'limit', 'cursor']));
    expect(JSON.stringify(doc.paths['/api/observations'].post.requestBody)).toContain('projectile_in_flight');
    const docs = await app.inject({ url: '/api/docs' });
    expect([200, 302]).toContain(docs.statusCode);
  });

  it('lists sectors as GeoJSON', async () => {
    const fc = (await app.inject({ url: '/api/sectors' })).json();
    expect(fc.type).toBe('FeatureCollection');
    expect(fc.features.map((f: { id: string }) => f.id)).toContain('donetsk');
  });
});
