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
      const back = await store.observations.get(s.observation.id);
      expect(back).toEqual(s.observation);
    });

    it('tells a duplicate from a conflicting reuse of an id, and overwrites nothing', async () => {
      const s = storedObservation();
      const changed = { ...s, observation: { ...s.observation, count: 7 }, contentHash: 'other' };
      expect(await store.observations.insertMany([s, s, changed])).toEqual(['created', 'duplicate', 'conflict']);
      expect((await store.observations.get(s.observation.id))?.count).toBe(1);
    });

    it('answers undefined for an unknown id', async () => {
      expect(await store.observations.get('no-such-' + uuidv7())).toBeUndefined();
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

      const all = await store.observations.list({ bbox, limit: 100 });
      expect(all.total).toBe(25);
      const times = all.items.map((o) => Date.parse(o.observedAt));
      expect(times).toEqual([...times].sort((a, b) => b - a));

      const window = await store.observations.list({ bbox, from: base + 2 * 3_600_000, to: base + 5 * 3_600_000, limit: 100 });
      expect(window.total).toBe(rows.filter((_, i) => i % 10 >= 2 && i % 10 < 5).length);

      const bursts = await store.observations.list({ bbox, kinds: ['burst'], limit: 100 });
      expect(bursts.items.every((o) => o.kind === 'burst')).toBe(true);
      expect(bursts.total).toBe(9);

      const sectorA = await store.observations.list({ bbox, sector: 'sector-a', limit: 100 });
      expect(sectorA.total).toBe(12);

      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.observations.list({ bbox, limit: 7, cursor });
        expect(page.total).toBe(25);
        seen.push(...page.items.map((o) => o.id));
        cursor = page.nextCursor ?? undefined;
        pages++;
      } while (cursor);
      expect(pages).toBe(4);
      expect(new Set(seen).size).toBe(25);
      expect(seen).toEqual(all.items.map((o) => o.id));
    });

    it('rejects a cursor it did not issue', async () => {
      await expect(store.observations.list({ limit: 10, cursor: 'not-a-cursor' })).rejects.toThrow(/cursor/);
    });

    it('iterates every matching observation in chunks', async () => {
      const lon0 = -170 + Math.random() * 10;
      const bbox: [number, number, number, number] = [lon0, 70, lon0 + 1, 71];
      await store.observations.insertMany(Array.from({ length: 12 }, (_, i) => storedObservation({ location: { lat: 70.5, lon: lon0 + i / 100 } })));
      const chunks: number[] = [];
      for await (const c of store.observations.iterate({ bbox }, 5)) chunks.push(c.length);
      expect(chunks).toEqual([5, 5, 2]);
    });

    it('keeps raw inputs byte for byte and lists quarantine records newest first', async () => {
      const rawId = uuidv7();
      const body = Buffer.from([0x7b, 0x00, 0xff, 0x22]);
      await store.inbox.storeRaw({ id: rawId, channel: 'http', receivedAt: new Date().toISOString(), contentType: 'application/json', size: 4, body, truncated: false });
      expect((await store.inbox.getRaw(rawId))?.body.equals(body)).toBe(true);
      const ids = [uuidv7(), uuidv7()];
      for (const id of ids)
        await store.inbox.quarantine({ id, rawId, channel: 'feed', receivedAt: new Date().toISOString(), reason: 'malformed JSON', field: 'location.lat', size: 4, excerpt: '{' });
      const page = await store.inbox.listQuarantine({ limit: 1, channel: 'feed' });
      expect(page.items[0]?.id).toBe(ids[1]);
      expect(page.items[0]).toMatchObject({ rawId, reason: 'malformed JSON', field: 'location.lat', size: 4 });
      const next = await store.inbox.listQuarantine({ limit: 1, channel: 'feed', cursor: page.nextCursor! });
      expect(next.items[0]?.id).toBe(ids[0]);
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
      expect(resumed).toEqual(mine);
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
  });
}
