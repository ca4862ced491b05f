import { canSee, SEE_ALL, visibilityOf, type Actor } from '../../src/domain/identity';
import { COALITION_PRESET } from '../../src/domain/coalition';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import type { ChangeEvent, Store } from '../../src/store/repository';
import { storedObservation } from '../support/factories';

/**
 * The contract every store passes, SQLite and PostgreSQL alike: identical tests, identical
 * results. Each test builds its own data (unique ids, its own area or time) so tests can share a
 * database and run in any order.
 */
export function storeContract(name: string, open: () => Promise<Store>): void {
  /** A change as the store keeps it: without the observation an in-process event may carry. */
  const asStored = ({ observation: _carried, ...e }: ChangeEvent): ChangeEvent => e;

  describe(`store contract: ${name}`, () => {
    let store: Store;
    beforeAll(async () => {
      store = await open();
    });
    afterAll(async () => {
      await store?.close();
    });

    it('stores an observation and reads it back unchanged', async () => {
      const s = storedObservation({ notes: 'Кратер біля школи', observedAt: '2026-11-20T14:05:00+02:00' }, 'donetsk');
      expect(await store.observations.insertMany([s])).toEqual(['created']);
      const back = await store.observations.get(s.observation.id, SEE_ALL);
      expect(back).toEqual(s.observation);
    });

    it('keeps awkward text in an observation exactly', async () => {
      const notes = 'NUL \u0000, lone \ud800 surrogate, "quotes", back\\slash \\u0000, tab\t, newline\n, ґ 💥 \u2028';
      const s = storedObservation({ notes, location: { lat: -33.3, lon: 151.2 } });
      await store.observations.insertMany([s]);
      expect((await store.observations.get(s.observation.id, SEE_ALL))?.notes).toBe(notes);
      const page = await store.observations.list({ visibility: SEE_ALL, bbox: [151.19, -33.31, 151.21, -33.29], limit: 100 });
      expect(page.items.find((o) => o.id === s.observation.id)).toEqual(s.observation);
    });

    it('tells a duplicate from a conflicting reuse of an id, and overwrites nothing', async () => {
      const s = storedObservation();
      const changed = { ...s, observation: { ...s.observation, count: 7 }, contentHash: 'other' };
      expect(await store.observations.insertMany([s, s, changed])).toEqual(['created', 'duplicate', 'conflict']);
      expect((await store.observations.get(s.observation.id, SEE_ALL))?.count).toBe(1);
    });

    it('decides repeats of an id within one batch in order, against what is stored by then', async () => {
      const s = storedObservation();
      const s2 = { ...s, observation: { ...s.observation, count: 2 }, contentHash: s.contentHash + '-2' };
      const live: ChangeEvent[] = [];
      const off = store.changes.subscribe((e) => live.push(e));
      expect(await store.observations.insertMany([s])).toEqual(['created']);
      const n = storedObservation();
      const n2 = { ...n, observation: { ...n.observation, count: 3 }, contentHash: n.contentHash + '-3' };
      const m = storedObservation();
      const m2 = { ...m, observation: { ...m.observation, count: 4 }, contentHash: m.contentHash + '-4' };
      expect(await store.observations.insertMany([s2, s, s2, n, n, n2, m2, m, m2])).toEqual([
        'conflict',
        'duplicate',
        'conflict',
        'created',
        'duplicate',
        'conflict',
        'created',
        'conflict',
        'duplicate',
      ]);
      expect(await store.observations.get(s.observation.id, SEE_ALL)).toEqual(s.observation);
      expect(await store.observations.get(n.observation.id, SEE_ALL)).toEqual(n.observation);
      expect(await store.observations.get(m.observation.id, SEE_ALL)).toEqual(m2.observation);
      const ids = [s, n, m].map((x) => x.observation.id);
      await vi.waitFor(() => expect(live.filter((e) => ids.includes(e.id))).toHaveLength(3), { timeout: 5000 });
      off();
      expect(live.filter((e) => ids.includes(e.id)).map((e) => e.id)).toEqual(ids);
    });

    it('creates an id once when concurrent batches offer it, and publishes every creation once, in seq order', async () => {
      const before = await store.changes.latest();
      const live: ChangeEvent[] = [];
      const off = store.changes.subscribe((e) => live.push(e));
      const shared = storedObservation();
      const batches = Array.from({ length: 12 }, (_, i) => [...Array.from({ length: 1 + i * 3 }, () => storedObservation()), shared]);
      const outcomes = await Promise.all(batches.map((b) => store.observations.insertMany(b)));
      expect(outcomes.map((o) => o[o.length - 1]).filter((x) => x === 'created')).toHaveLength(1);
      expect(outcomes.map((o) => o[o.length - 1]).filter((x) => x === 'duplicate')).toHaveLength(11);
      const ids = new Set(batches.flat().map((x) => x.observation.id));
      await vi.waitFor(() => expect(live.filter((e) => ids.has(e.id))).toHaveLength(ids.size), { timeout: 5000 });
      off();
      const mine = live.filter((e) => ids.has(e.id));
      expect(new Set(mine.map((e) => e.id)).size).toBe(ids.size);
      mine.forEach((e, i) => i > 0 && expect(e.seq).toBeGreaterThan(mine[i - 1]!.seq));
      expect((await store.changes.since(before, 100_000)).filter((e) => ids.has(e.id))).toEqual(mine.map(asStored));
      // An event delivered in the storing process may carry the observation: exactly as stored.
      for (const e of mine) if (e.observation) expect(e.observation).toEqual(await store.observations.get(e.id, SEE_ALL));
      for (const b of batches) {
        // Each batch's own creations keep their input order in the feed.
        const order = b.map((x) => x.observation.id).filter((id) => id !== shared.observation.id);
        expect(mine.map((e) => e.id).filter((id) => order.includes(id))).toEqual(order);
      }
    });

    it('resumes from any seq, exclusive, a limited number at a time', async () => {
      const before = await store.changes.latest();
      const batch = Array.from({ length: 5 }, () => storedObservation());
      await store.observations.insertMany(batch);
      const ids = batch.map((x) => x.observation.id);
      const all = (await store.changes.since(before, 100_000)).filter((e) => ids.includes(e.id));
      expect(all.map((e) => e.id)).toEqual(ids);
      const firstTwo = await store.changes.since(before, 2);
      expect(firstTwo).toHaveLength(2);
      expect(await store.changes.since(firstTwo[1]!.seq, 100_000)).toEqual(expect.arrayContaining(all.slice(2)));
      expect((await store.changes.since(all[4]!.seq, 100_000)).some((e) => ids.includes(e.id))).toBe(false);
      expect(await store.changes.latest()).toBeGreaterThanOrEqual(all[4]!.seq);
      expect(all.every((e) => !Number.isNaN(Date.parse(e.at)) && new Date(e.at).toISOString() === e.at)).toBe(true);
    });

    it('answers undefined for an unknown id', async () => {
      expect(await store.observations.get('no-such-' + uuidv7(), SEE_ALL)).toBeUndefined();
    });

    it('filters by bbox, time window, kind and sector, and pages newest first without gaps', async () => {
      // A private corner of the world so that other tests' rows never match.
      const lon0 = 10 + Math.random() * 100;
      const lat0 = -60 + Math.random() * 10;
      const bbox: [number, number, number, number] = [lon0, lat0, lon0 + 0.5, lat0 + 0.5];
      const base = Date.UTC(2026, 0, 1);
      const rows = Array.from({ length: 25 }, (_, i) =>
        storedObservation(
          {
            kind: i % 3 === 0 ? 'burst' : 'explosion',
            subkind: i % 3 === 0 ? undefined : 'impact',
            observedAt: new Date(base + (i % 10) * 3_600_000).toISOString(),
            location: { lat: lat0 + 0.01 * (i + 1), lon: lon0 + 0.01 * (i + 1) },
          },
          i % 2 ? 'sector-a' : 'sector-b',
        ),
      );
      const outside = storedObservation({ location: { lat: lat0 + 0.6, lon: lon0 + 0.6 }, observedAt: new Date(base).toISOString() });
      await store.observations.insertMany([...rows, outside]);

      const all = await store.observations.list({ visibility: SEE_ALL, bbox, limit: 100 });
      expect(all.total).toBe(25);
      const times = all.items.map((o) => Date.parse(o.observedAt));
      expect(times).toEqual([...times].sort((a, b) => b - a));

      const window = await store.observations.list({ visibility: SEE_ALL, bbox, from: base + 2 * 3_600_000, to: base + 5 * 3_600_000, limit: 100 });
      expect(window.total).toBe(rows.filter((_, i) => i % 10 >= 2 && i % 10 < 5).length);

      const bursts = await store.observations.list({ visibility: SEE_ALL, bbox, kinds: ['burst'], limit: 100 });
      expect(bursts.items.every((o) => o.kind === 'burst')).toBe(true);
      expect(bursts.total).toBe(9);

      const sectorA = await store.observations.list({ visibility: SEE_ALL, bbox, sector: 'sector-a', limit: 100 });
      expect(sectorA.total).toBe(12);

      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.observations.list({ visibility: SEE_ALL, bbox, limit: 7, cursor });
        expect(page.total).toBe(25);
        seen.push(...page.items.map((o) => o.id));
        cursor = page.nextCursor ?? undefined;
        pages++;
      } while (cursor);
      expect(pages).toBe(4);
      expect(new Set(seen).size).toBe(25);
      expect(seen).toEqual(all.items.map((o) => o.id));
    });

    it('orders equal instants by id, byte by byte, and pages across them', async () => {
      const lon0 = -100 + Math.random() * 50;
      const bbox: [number, number, number, number] = [lon0, -80, lon0 + 0.1, -79.9];
      const at = new Date(Date.UTC(2026, 2, 3, 4, 5, 6)).toISOString();
      // Case and punctuation order differently under a locale's collation than byte-wise.
      const suffix = uuidv7();
      const ids = ['Zulu', 'alpha', 'Alpha', '_under', '0zero', '~tilde', 'b.dot', 'B-dash'].map((p) => `${p}-${suffix}`);
      await store.observations.insertMany(ids.map((id) => storedObservation({ id, observedAt: at, location: { lat: -79.95, lon: lon0 + 0.05 } })));
      const expected = [...ids].sort((a, b) => (Buffer.compare(Buffer.from(b), Buffer.from(a))));
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.observations.list({ visibility: SEE_ALL, bbox, limit: 3, cursor });
        expect(page.total).toBe(ids.length);
        seen.push(...page.items.map((o) => o.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(seen).toEqual(expected);
    });

    it('treats the bbox as closed and exact, and the time window as [from, to)', async () => {
      const lon0 = Math.round(-60 + Math.random() * 40);
      const lat0 = 75.123456789;
      const [w, s, e, n] = [lon0 + 0.1, lat0, lon0 + 0.2, lat0 + 0.1];
      const bbox: [number, number, number, number] = [w, s, e, n];
      const t0 = Date.UTC(2026, 5, 1);
      const at = (ms: number) => new Date(ms).toISOString();
      const mk = (lon: number, lat: number, t = t0) => storedObservation({ location: { lon, lat }, observedAt: at(t) });
      const onEdges = [mk(w, s), mk(e, n), mk(w, n), mk(e, s), mk((w + e) / 2, s)];
      // Just outside, by far less than PostGIS's float4 bounding-box rounding.
      const justOut = [mk(w - 1e-9, (s + n) / 2), mk(e + 1e-9, (s + n) / 2), mk((w + e) / 2, s - 1e-9), mk((w + e) / 2, n + 1e-9)];
      const mid = (w + e) / 2;
      const timed = [mk(mid, lat0 + 0.05, t0 + 1000), mk(mid, lat0 + 0.05, t0 + 1999), mk(mid, lat0 + 0.05, t0 + 2000), mk(mid, lat0 + 0.05, t0 + 999)];
      await store.observations.insertMany([...onEdges, ...justOut, ...timed]);
      const inBox = await store.observations.list({ visibility: SEE_ALL, bbox, limit: 100 });
      expect(new Set(inBox.items.map((o) => o.id))).toEqual(new Set([...onEdges, ...timed].map((x) => x.observation.id)));
      expect(inBox.total).toBe(onEdges.length + timed.length);
      const window = await store.observations.list({ visibility: SEE_ALL, bbox, from: t0 + 1000, to: t0 + 2000, limit: 100 });
      expect(window.items.map((o) => o.id)).toEqual([timed[1]!, timed[0]!].map((x) => x.observation.id));
      expect(window.total).toBe(2);
      const point: [number, number, number, number] = [w, s, w, s];
      expect((await store.observations.list({ visibility: SEE_ALL, bbox: point, limit: 10 })).items.map((o) => o.id)).toEqual([onEdges[0]!.observation.id]);
    });

    it('reports the exact total whether or not the first page holds every match', async () => {
      const lon0 = 120 + Math.random() * 50;
      const bbox: [number, number, number, number] = [lon0, 60, lon0 + 0.2, 60.2];
      const rows = Array.from({ length: 6 }, (_, i) => storedObservation({ location: { lat: 60.1, lon: lon0 + 0.01 * (i + 1) } }));
      await store.observations.insertMany(rows);
      for (const limit of [5, 6, 7]) {
        const page = await store.observations.list({ visibility: SEE_ALL, bbox, limit });
        expect(page.total).toBe(6);
        expect(page.items).toHaveLength(Math.min(limit, 6));
        expect(page.nextCursor === null).toBe(limit >= 6);
        if (page.nextCursor) {
          const next = await store.observations.list({ visibility: SEE_ALL, bbox, limit, cursor: page.nextCursor });
          expect(next).toMatchObject({ total: 6, nextCursor: null });
          expect(next.items).toHaveLength(6 - limit);
        }
      }
    });

    it('answers an empty page for a filter nothing matches', async () => {
      const page = await store.observations.list({ visibility: SEE_ALL, bbox: [-179.99, -89.99, -179.98, -89.98], from: 0, to: 1, kinds: ['mine', 'casualty'], limit: 10 });
      expect(page).toEqual({ items: [], total: 0, nextCursor: null });
      const chunks: unknown[] = [];
      for await (const c of store.observations.iterate({ visibility: SEE_ALL, bbox: [-179.99, -89.99, -179.98, -89.98] })) chunks.push(c);
      expect(chunks).toEqual([]);
    });

    it('filters on several kinds at once, and on a time window alone', async () => {
      const t0 = Date.UTC(2031, 0, 1) + Math.floor(Math.random() * 1e9);
      const kinds = ['mine', 'casualty', 'damage', 'movement'] as const;
      const rows = kinds.map((kind, i) => storedObservation({ kind, subkind: undefined, observedAt: new Date(t0 + i).toISOString() }));
      await store.observations.insertMany(rows);
      const page = await store.observations.list({ visibility: SEE_ALL, from: t0, to: t0 + 4, kinds: ['mine', 'damage'], limit: 10 });
      expect(page.items.map((o) => o.kind)).toEqual(['damage', 'mine']);
      expect(page.total).toBe(2);
      const all = await store.observations.list({ visibility: SEE_ALL, from: t0, to: t0 + 4, limit: 10 });
      expect(all.items.map((o) => o.id)).toEqual(rows.map((r) => r.observation.id).reverse());
    });

    it('counts what it stores', async () => {
      const before = await store.observations.count();
      await store.observations.insertMany([storedObservation(), storedObservation()]);
      expect(await store.observations.count()).toBeGreaterThanOrEqual(before + 2);
    });

    it('rejects a cursor it did not issue', async () => {
      await expect(store.observations.list({ visibility: SEE_ALL, limit: 10, cursor: 'not-a-cursor' })).rejects.toThrow(/cursor/);
    });

    it('iterates every matching observation in chunks', async () => {
      const lon0 = -170 + Math.random() * 10;
      const bbox: [number, number, number, number] = [lon0, 70, lon0 + 1, 71];
      await store.observations.insertMany(Array.from({ length: 12 }, (_, i) => storedObservation({ location: { lat: 70.5, lon: lon0 + i / 100 } })));
      const chunks: number[] = [];
      for await (const c of store.observations.iterate({ visibility: SEE_ALL, bbox }, 5)) chunks.push(c.length);
      expect(chunks).toEqual([5, 5, 2]);
    });

    it('keeps raw inputs byte for byte and lists quarantine records newest first', async () => {
      const rawId = uuidv7();
      const body = Buffer.from([0x7b, 0x00, 0xff, 0x22]);
      await store.inbox.storeRaw({ id: rawId, channel: 'http', receivedAt: new Date().toISOString(), contentType: 'application/json', size: 4, body, truncated: false });
      expect((await store.inbox.getRaw(rawId))?.body.equals(body)).toBe(true);
      const truncated = { id: uuidv7(), channel: 'cot' as const, receivedAt: '2026-11-20T14:05:00+02:00', contentType: null, size: 1_000_000, body: Buffer.alloc(1024, 7), truncated: true, sender: 'user:monitor-7' };
      await store.inbox.storeRaw(truncated);
      expect(await store.inbox.getRaw(truncated.id)).toEqual(truncated);
      expect(await store.inbox.getRaw('no-such-' + uuidv7())).toBeUndefined();
      const ids = [uuidv7(), uuidv7()];
      for (const id of ids)
        await store.inbox.quarantine({ id, rawId, channel: 'feed', receivedAt: new Date().toISOString(), reason: 'malformed JSON', field: 'location.lat', size: 4, excerpt: '{' });
      const page = await store.inbox.listQuarantine({ limit: 1, channel: 'feed' });
      expect(page.items[0]?.id).toBe(ids[1]);
      expect(page.items[0]).toMatchObject({ rawId, reason: 'malformed JSON', field: 'location.lat', size: 4 });
      const next = await store.inbox.listQuarantine({ limit: 1, channel: 'feed', cursor: page.nextCursor! });
      expect(next.items[0]?.id).toBe(ids[0]);
    });

    it('keeps quarantine text exactly, NUL characters included', async () => {
      const record = {
        id: uuidv7(),
        rawId: null,
        channel: 'cli' as const,
        receivedAt: '2026-11-20T14:05:00.123+02:00',
        reason: 'malformed JSON: Unexpected token \u0000 in "\u0000\u0001ÿ" — Кратер 💥',
        field: 'a\u0000b',
        size: 3,
        excerpt: '\u0000\u0001\u0002{"x": "\u0000"} ✓',
      };
      await store.inbox.quarantine(record);
      const page = await store.inbox.listQuarantine({ limit: 1000, channel: 'cli' });
      expect(page.items.find((q) => q.id === record.id)).toEqual(record);
    });

    it('publishes one change per created observation, and resumes from a seq without gaps', async () => {
      const before = await store.changes.latest();
      const live: ChangeEvent[] = [];
      const off = store.changes.subscribe((e) => live.push(e));
      const a = storedObservation();
      const b = storedObservation();
      const ids = [a.observation.id, b.observation.id];
      await store.observations.insertMany([a, b, a]);
      await vi.waitFor(() => expect(live.filter((e) => ids.includes(e.id))).toHaveLength(2), { timeout: 5000 });
      off();
      const mine = live.filter((e) => ids.includes(e.id));
      expect(mine.map((e) => e.id)).toEqual(ids);
      expect(mine.every((e) => e.entity === 'observation' && e.op === 'created' && e.seq > before)).toBe(true);
      expect(mine[1]!.seq).toBeGreaterThan(mine[0]!.seq);
      const resumed = (await store.changes.since(before, 10_000)).filter((e) => ids.includes(e.id));
      expect(resumed).toEqual(mine.map(asStored));
      expect(await store.changes.latest()).toBeGreaterThanOrEqual(mine[1]!.seq);
    });

    it('upserts and lists sectors', async () => {
      const id = 'sector-' + uuidv7();
      const geometry = { type: 'Polygon' as const, coordinates: [[[30, 50], [31, 50], [31, 51], [30, 50]]] };
      await store.sectors.upsertMany([{ id, name: 'Old name', geometry }]);
      await store.sectors.upsertMany([{ id, name: 'New name', geometry }]);
      const found = (await store.sectors.list()).filter((s) => s.id === id);
      expect(found).toEqual([{ id, name: 'New name', geometry }]);
    });

    it('keeps users, sessions and API tokens, and refuses a second user of the same name', async () => {
      const username = 'u' + uuidv7().slice(-12);
      const user = {
        id: uuidv7(), username, passwordHash: '$argon2id$x', nation: 'FRA', org: 'France', orgKind: 'nation' as const,
        roles: ['liaison_officer' as const], createdAt: new Date().toISOString(), failedLogins: 0, lockedUntil: null, mustChangePassword: true,
      };
      expect(await store.identity.createUser(user)).toBe('created');
      expect(await store.identity.createUser({ ...user, id: uuidv7() })).toBe('exists');
      expect(await store.identity.userByName(username)).toEqual(user);
      await store.identity.setLoginState(user.id, 3, '2030-01-01T00:00:00.000Z');
      await store.identity.setPassword(user.id, '$argon2id$y', false);
      expect(await store.identity.userById(user.id)).toMatchObject({ failedLogins: 3, lockedUntil: '2030-01-01T00:00:00.000Z', passwordHash: '$argon2id$y', mustChangePassword: false });
      expect((await store.identity.listUsers()).some((u) => u.username === username)).toBe(true);

      const session = { idHash: 'h' + uuidv7(), userId: user.id, csrfToken: 'c', createdAt: 'a', expiresAt: 'b' };
      await store.identity.createSession(session);
      expect(await store.identity.sessionByHash(session.idHash)).toEqual(session);
      await store.identity.deleteSession(session.idHash);
      expect(await store.identity.sessionByHash(session.idHash)).toBeUndefined();

      const token = { id: uuidv7(), userId: user.id, name: 'feed', tokenHash: 't' + uuidv7(), scopes: ['read', 'write'], createdAt: 'now', revokedAt: null };
      await store.identity.createToken(token);
      expect(await store.identity.tokenByHash(token.tokenHash)).toEqual(token);
      expect(await store.identity.revokeToken(token.id, 'later')).toBe(true);
      expect(await store.identity.revokeToken(token.id, 'again')).toBe(false);
      expect((await store.identity.tokensOf(user.id))[0]?.revokedAt).toBe('later');
    });

    it('appends to the audit log and lists it newest first by entity', async () => {
      const entityId = uuidv7();
      const ids = [uuidv7(), uuidv7(), uuidv7()];
      for (const [i, id] of ids.entries())
        await store.audit.append({ id, at: new Date().toISOString(), actor: 'user:a', action: `step.${i}`, entity: 'observation', entityId, detail: { i, text: 'Авдіївка' } });
      const first = await store.audit.list({ entity: 'observation', entityId, limit: 2 });
      expect(first.items.map((e) => e.id)).toEqual([ids[2], ids[1]]);
      expect(first.items[0]!.detail).toEqual({ i: 2, text: 'Авдіївка' });
      const rest = await store.audit.list({ entity: 'observation', entityId, limit: 2, cursor: first.nextCursor! });
      expect(rest.items.map((e) => e.id)).toEqual([ids[0]]);
      expect(rest.nextCursor).toBeNull();
    });

    it('holds back in the query what a reader may not see: list, count, iterate, get, relabel', async () => {
      const labels = ['PUBLIC', 'COALITION', 'MECHANISM', 'REL TO FRA, GBR', 'REL TO GBR', 'REL TO USA, UKR'];
      const lon = 150 + Math.random();
      const items = labels.map((releasability, i) =>
        storedObservation({ releasability, location: { lon: lon + i * 0.001, lat: -60 }, observedAt: new Date(Date.UTC(2026, 9, 1, 0, i)).toISOString() }),
      );
      await store.observations.insertMany(items);
      const user = (nation: string, orgKind: 'mechanism' | 'cell' | 'nation' | 'party'): Actor => ({ type: 'user', id: nation, username: nation, nation, org: nation, orgKind, roles: ['liaison_officer'] });
      const readers: Actor[] = [{ type: 'public' }, user('FRA', 'nation'), user('GBR', 'nation'), user('UKR', 'nation'), user('RUS', 'party'), user('DEU', 'cell'), user('USA', 'mechanism')];
      const bbox: [number, number, number, number] = [lon - 0.0005, -60.001, lon + 0.01, -59.999];
      for (const actor of readers) {
        const visibility = visibilityOf(actor, COALITION_PRESET);
        const expected = items.filter((s) => canSee(visibility, s.observation.releasability)).map((s) => s.observation.id).sort();
        const page = await store.observations.list({ visibility, bbox, limit: 100 });
        expect(page.items.map((o) => o.id).sort(), JSON.stringify(actor)).toEqual(expected);
        expect(page.total).toBe(expected.length);
        const paged = await store.observations.list({ visibility, bbox, limit: 1 });
        expect(paged.total).toBe(expected.length);
        const all: string[] = [];
        for await (const chunk of store.observations.iterate({ visibility, bbox }, 2)) all.push(...chunk.map((o) => o.id));
        expect(all.sort()).toEqual(expected);
        for (const s of items) expect(!!(await store.observations.get(s.observation.id, visibility))).toBe(expected.includes(s.observation.id));
        // A batch read answers what one read per id answers (unknown ids and repeats included).
        const many = await store.observations.getMany([...items.map((s) => s.observation.id), 'no-such-id', items[0]!.observation.id], visibility);
        expect([...many.keys()].sort()).toEqual(expected);
        for (const id of expected) expect(many.get(id)).toEqual(await store.observations.get(id, visibility));
      }
      const chunked = Array.from({ length: 1200 }, (_, i) => storedObservation({ location: { lon: lon + 0.02, lat: -60 }, observedAt: new Date(Date.UTC(2026, 9, 2, 0, 0, i)).toISOString() }));
      await store.observations.insertMany(chunked);
      const got = await store.observations.getMany(chunked.map((s) => s.observation.id), SEE_ALL);
      expect(got.size).toBe(1200);
      expect(got.get(chunked[1100]!.observation.id)).toEqual(chunked[1100]!.observation);
      // The REL TO match is by whole nation code, not a substring of the list.
      const fra = visibilityOf(user('FRA', 'nation'), COALITION_PRESET);
      expect(await store.observations.get(items[4]!.observation.id, fra)).toBeUndefined();
      expect(labels.filter((l) => canSee(fra, l))).toEqual(['PUBLIC', 'COALITION', 'REL TO FRA, GBR']);
      const rus = visibilityOf(user('RUS', 'party'), COALITION_PRESET);
      expect(labels.filter((l) => canSee(rus, l))).toEqual(['PUBLIC']);

      // A report to both parties: REL TO labels naming every party, and no others.
      const bothParties = { all: false as const, labels: ['PUBLIC'], relToNation: null, anyRelTo: false, relToAllOf: ['RUS', 'UKR'] };
      const toBoth = storedObservation({ releasability: 'REL TO RUS, UKR', location: { lon: lon + 0.008, lat: -60 }, observedAt: new Date(Date.UTC(2026, 9, 1, 1)).toISOString() });
      await store.observations.insertMany([toBoth]);
      const partyIds = (await store.observations.list({ visibility: bothParties, bbox, limit: 100 })).items.map((o) => o.id).sort();
      expect(partyIds).toEqual([items[0]!.observation.id, toBoth.observation.id].sort());
      expect(canSee(bothParties, 'REL TO UKR')).toBe(false);

      // Relabelling: only a reader who sees the record can; it then follows the new label.
      const target = items[2]!.observation; // MECHANISM
      const seq = await store.changes.latest();
      expect(await store.observations.relabel(target.id, 'REL TO FRA', fra)).toBeUndefined();
      const after = await store.observations.relabel(target.id, 'REL TO FRA', SEE_ALL);
      expect(after).toEqual({ ...target, releasability: 'REL TO FRA' });
      expect(await store.observations.get(target.id, fra)).toEqual(after);
      expect(await store.observations.get(target.id, visibilityOf(user('GBR', 'nation'), COALITION_PRESET))).toBeUndefined();
      const events = (await store.changes.since(seq, 100)).filter((e) => e.id === target.id);
      expect(events.map((e) => [e.entity, e.op])).toEqual([['observation', 'relabelled']]);
    });

    it('keeps issued reports: frozen content, steps only from the version they were decided on, labels in the query', async () => {
      const id = uuidv7();
      const created = await store.reports.create({ id, kind: 'daily', date: '2026-03-10', audience: 'cell', number: '069/2026', releasability: 'COALITION', createdAt: '2026-03-10T18:00:00.000Z', cites: { treeSize: 12, rootHash: 'AAAA', timestamp: '2026-03-10T18:00:00.000Z', keyId: 'ab' }, content: '{"a":1}\n' }, 'user:analyst');
      expect(created).toMatchObject({ id, cites: { treeSize: 12, rootHash: 'AAAA' }, state: 'draft', version: 1, content: '{"a":1}\n', publishedAt: null, history: [{ version: 1, to: 'draft', by: 'user:analyst' }] });
      expect(await store.reports.move(id, 1, 'draft', 'reviewed', '2026-03-10T18:05:00.000Z', 'user:analyst', null)).toBe(true);
      // A second step decided on the same version finds it gone.
      expect(await store.reports.move(id, 1, 'draft', 'reviewed', '2026-03-10T18:06:00.000Z', 'user:other', null)).toBe(false);
      expect(await store.reports.move(id, 2, 'reviewed', 'approved', '2026-03-10T18:10:00.000Z', 'user:chief', null)).toBe(true);
      expect(await store.reports.move(id, 3, 'approved', 'published', '2026-03-10T18:20:00.000Z', 'user:chief', 'daily')).toBe(true);
      const back = await store.reports.get(id, SEE_ALL);
      expect(back).toMatchObject({ state: 'published', version: 4, publishedAt: '2026-03-10T18:20:00.000Z' });
      expect(back!.history.map((h) => [h.from, h.to, h.by])).toEqual([[null, 'draft', 'user:analyst'], ['draft', 'reviewed', 'user:analyst'], ['reviewed', 'approved', 'user:chief'], ['approved', 'published', 'user:chief']]);
      const pub = visibilityOf({ type: 'public' }, COALITION_PRESET);
      expect(await store.reports.get(id, pub)).toBeUndefined();
      expect((await store.reports.list({ visibility: pub, state: 'published', limit: 100 })).some((r) => r.id === id)).toBe(false);
      expect((await store.reports.list({ visibility: SEE_ALL, state: 'published', limit: 100 })).some((r) => r.id === id)).toBe(true);
    });
  });
}
