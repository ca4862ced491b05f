import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEE_ALL } from '../../src/domain/identity';
import { openPostgresStore } from '../../src/store/postgres/postgres-store';
import type { Store } from '../../src/store/repository';
import { logEntryOf, logReaderFor, TransparencyLog, verifyLog } from '../../src/services/transparency-log';
import { storedObservation } from '../support/factories';
import { connectTo, createTestDatabase, inCi, pgTitle, probePostgres, shownUrl, type TestDatabase } from './postgres-test-db';
import { logContract } from './log-contract';

const probe = await probePostgres();

if (!probe.reachable && inCi) {
  describe('postgres transparency log contract', () => {
    it('has PostgreSQL to test against (required in CI)', () => {
      throw new Error(`PostgreSQL is not reachable at ${shownUrl} (${probe.reason}). CI runs scripts/ensure-services.sh first; set TRUCELINE_TEST_PG to point elsewhere.`);
    });
  });
}

describe.skipIf(!probe.reachable)(pgTitle('postgres transparency log contract', probe), () => {
  let db: TestDatabase | undefined;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });
  logContract('postgres', () => openPostgresStore(db!.url, { log: () => undefined }));

  describe('two processes on one database', () => {
    let a: Store;
    let b: Store;
    beforeAll(async () => {
      // Two stores, two pools, two LISTEN connections: as two server processes would have.
      a = await openPostgresStore(db!.url, { log: () => undefined });
      b = await openPostgresStore(db!.url, { log: () => undefined });
    });
    afterAll(async () => {
      await a?.close();
      await b?.close();
    });

    const insert = async (store: Store, n: number) => {
      for (let i = 0; i < n; i += 5) {
        const items = Array.from({ length: Math.min(5, n - i) }, () => storedObservation());
        await store.observations.insertMany(items);
      }
    };

    it('two writers following one feed while both ingest make one dense log, each change once, in seq order', async () => {
      const la = new TransparencyLog(a, { chunk: 7, log: () => undefined });
      const lb = new TransparencyLog(b, { chunk: 3, log: () => undefined });
      await Promise.all([la.start(), lb.start()]);
      try {
        await Promise.all([insert(a, 60), insert(b, 60), insert(a, 20)]);
        await Promise.all([la.drain(), lb.drain()]);
        await Promise.all([la.drain(), lb.drain()]);
        expect(la.keyId).toBe(lb.keyId);
        const changes = await a.changes.since(0, 100_000);
        const entries = await a.log.range(0, 100_000);
        expect(entries.map((e) => e.index)).toEqual(entries.map((_, i) => i));
        expect(entries.map((e) => e.seq)).toEqual(changes.map((c) => c.seq));
        const [ca, cb] = await Promise.all([la.checkpoint(), lb.checkpoint()]);
        expect(ca.treeSize).toBe(entries.length);
        expect(cb.rootHash.equals(ca.rootHash)).toBe(true);
        const r = await verifyLog(b);
        expect(r.problems).toEqual([]);
      } finally {
        await Promise.all([la.stop(), lb.stop()]);
      }
    });

    it('the same changes appended at once through both stores are appended once', async () => {
      await insert(a, 15);
      const changes = await a.changes.since((await a.log.head()).position, 1000);
      const entries = await Promise.all(changes.map(async (c) => logEntryOf(c, await logReaderFor(c.entity)!(c.id, { store: a, visibility: SEE_ALL }))));
      const before = await a.log.head();
      const through = changes[changes.length - 1]!.seq;
      const results = await Promise.all([a.log.append(entries, through), b.log.append(entries.slice(0, 9), changes[8]!.seq), b.log.append(entries, through), a.log.append(entries.slice(4), through)]);
      expect(results.reduce((n, r) => n + r.appended, 0)).toBe(entries.length);
      const after = await b.log.head();
      expect(after).toEqual({ position: through, size: before.size + entries.length });
      expect((await b.log.range(before.size, 100)).map((e) => e.seq)).toEqual(changes.map((c) => c.seq));
    });

    it('refuses to update or delete log rows: rewriting history takes dropping a trigger', async () => {
      const c = await connectTo(db!.url);
      try {
        await expect(c.query("UPDATE log_entries SET data = '{}' WHERE leaf_index = 0")).rejects.toThrow(/append-only/);
        await expect(c.query('DELETE FROM log_entries WHERE leaf_index = 0')).rejects.toThrow(/append-only/);
        await expect(c.query('DELETE FROM log_nodes')).rejects.toThrow(/append-only/);
        await expect(c.query('UPDATE log_checkpoints SET tree_size = 0')).rejects.toThrow(/append-only/);
      } finally {
        await c.end();
      }
    });
  });
});
