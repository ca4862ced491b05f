import { SEE_ALL } from '../../src/domain/identity';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ChangeEvent, Store } from '../../src/store/repository';
import { LISTEN_APPLICATION_NAME, recordChanges } from '../../src/store/postgres/change-feed';
import { openPostgresStore } from '../../src/store/postgres/postgres-store';
import { storedObservation } from '../support/factories';
import { connectTo, createTestDatabase, inCi, pgTitle, probePostgres, shownUrl, type TestDatabase } from './postgres-test-db';
import { storeContract } from './store-contract';

const probe = await probePostgres();
const quiet = { log: () => undefined };

if (!probe.reachable && inCi) {
  describe('postgres contract', () => {
    it('has PostgreSQL to test against (required in CI)', () => {
      throw new Error(`PostgreSQL is not reachable at ${shownUrl} (${probe.reason}). CI runs scripts/ensure-services.sh first; set TRUCELINE_TEST_PG to point elsewhere.`);
    });
  });
}

/** A block with a database of its own, dropped afterwards. */
function withDatabase(title: string, body: (db: () => TestDatabase) => void): void {
  describe.skipIf(!probe.reachable)(pgTitle(title, probe), () => {
    let db: TestDatabase | undefined;
    beforeAll(async () => {
      db = await createTestDatabase();
    });
    afterAll(async () => {
      await db?.drop();
    });
    body(() => db!);
  });
}

withDatabase('postgres contract, PostGIS where installed', (db) => {
  storeContract('postgres', () => openPostgresStore(db().url, quiet));

  it('uses PostGIS when the server has it', async () => {
    const store = await openPostgresStore(db().url, quiet);
    try {
      const admin = await connectTo(db().url);
      const available = (await admin.query("SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'")).rowCount === 1;
      await admin.end();
      expect(store.description.includes('(PostGIS)')).toBe(available);
    } finally {
      await store.close();
    }
  });
});

// What a server without PostGIS gets: the same suite, the same results.
withDatabase('postgres contract, without PostGIS', (db) => {
  storeContract('postgres (lon/lat only)', () => openPostgresStore(db().url, { ...quiet, postgis: false }));
});

withDatabase('postgres across processes', (db) => {
  const stores: Store[] = [];
  const open = async () => {
    const s = await openPostgresStore(db().url, quiet);
    stores.push(s);
    return s;
  };
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
  });

  it('migrates once when several processes start on an empty database at the same time', async () => {
    const [a, b, c] = await Promise.all([open(), open(), open()]);
    const admin = await connectTo(db().url);
    try {
      const versions = (await admin.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')).rows.map((r) => r.version);
      expect(versions).toEqual([...new Set(versions)]);
      expect(versions.length).toBeGreaterThanOrEqual(2);
    } finally {
      await admin.end();
    }
    expect([a, b, c].every((s) => s.kind === 'postgres')).toBe(true);
  });

  it("delivers one store's changes to another store's subscribers, with the record readable", async () => {
    const [a, b] = [await open(), await open()];
    const got: ChangeEvent[] = [];
    const off = b.changes.subscribe((e) => got.push(e));
    const s = storedObservation();
    await a.observations.insertMany([s]);
    await vi.waitFor(() => expect(got.map((e) => e.id)).toContain(s.observation.id), { timeout: 5000 });
    off();
    expect(await b.observations.get(s.observation.id, SEE_ALL)).toEqual(s.observation);
  });

  it('delivers the changes of concurrent writers in several processes exactly once and in seq order, everywhere', async () => {
    const writers = [await open(), await open()];
    const watchers = [await open(), writers[0]!];
    const before = await writers[0]!.changes.latest();
    const seen = watchers.map(() => [] as ChangeEvent[]);
    const offs = watchers.map((w, i) => w.changes.subscribe((e) => seen[i]!.push(e)));
    const shared = storedObservation();
    const batches = Array.from({ length: 24 }, (_, i) => [shared, ...Array.from({ length: 1 + (i % 7) * 5 }, () => storedObservation())]);
    const outcomes = await Promise.all(batches.map((b, i) => writers[i % 2]!.observations.insertMany(b)));
    const created = batches.flatMap((b, i) => b.filter((_, j) => outcomes[i]![j] === 'created').map((s) => s.observation.id));
    expect(outcomes.filter((o) => o[0] === 'created')).toHaveLength(1);
    expect(outcomes.every((o) => o[0] === 'created' || o[0] === 'duplicate')).toBe(true);
    await vi.waitFor(() => seen.forEach((s) => expect(s.filter((e) => e.seq > before).length).toBe(created.length)), { timeout: 10_000 });
    offs.forEach((off) => off());
    const replay = await writers[1]!.changes.since(before, 100_000);
    for (const s of seen) {
      const mine = s.filter((e) => e.seq > before);
      expect(mine).toEqual(replay);
      expect(new Set(mine.map((e) => e.id))).toEqual(new Set(created));
      mine.forEach((e, i) => i > 0 && expect(e.seq).toBeGreaterThan(mine[i - 1]!.seq));
    }
  });

  it('never lets a seq become visible while a lower one is still uncommitted', async () => {
    const store = await open();
    const got: ChangeEvent[] = [];
    const off = store.changes.subscribe((e) => got.push(e));
    const before = await store.changes.latest();
    // A writer that takes its seq and then dawdles before committing.
    const slow = await connectTo(db().url);
    const early = storedObservation();
    await slow.query('BEGIN');
    await slow.query('INSERT INTO observations (id, kind, observed_at_ms, lon, lat, releasability, source_kind, content_hash, received_at, doc) VALUES ($1, $2, $3, 0, 0, $4, $5, $6, $7, $8)', [
      early.observation.id,
      early.observation.kind,
      Date.parse(early.observation.observedAt),
      early.observation.releasability,
      early.observation.source.kind,
      early.contentHash,
      early.observation.receivedAt,
      JSON.stringify(early.observation),
    ]);
    await recordChanges(slow, 'observation', 'created', [early.observation.id]);
    // Meanwhile another writer commits its batch: it must not get ahead of the slow one.
    const late = storedObservation();
    let lateDone = false;
    const lateInsert = store.observations.insertMany([late]).then((r) => {
      lateDone = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(lateDone).toBe(false);
    expect(await store.changes.since(before, 10)).toEqual([]);
    expect(await store.changes.latest()).toBe(before);
    await slow.query('COMMIT');
    await slow.end();
    expect(await lateInsert).toEqual(['created']);
    await vi.waitFor(() => expect(got.filter((e) => e.seq > before).map((e) => e.id)).toEqual([early.observation.id, late.observation.id]), { timeout: 5000 });
    off();
    expect((await store.changes.since(before, 10)).map((e) => e.id)).toEqual([early.observation.id, late.observation.id]);
  });

  it('reopens a dropped LISTEN connection and delivers what was committed meanwhile', async () => {
    const [writer, reader] = [await open(), await open()];
    const got: ChangeEvent[] = [];
    const off = reader.changes.subscribe((e) => got.push(e));
    const admin = await connectTo(db().url);
    try {
      const killed = await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1', [
        LISTEN_APPLICATION_NAME,
      ]);
      expect(killed.rowCount).toBeGreaterThan(0);
    } finally {
      await admin.end();
    }
    const s = storedObservation();
    await writer.observations.insertMany([s]);
    await vi.waitFor(() => expect(got.map((e) => e.id)).toContain(s.observation.id), { timeout: 10_000 });
    const t = storedObservation();
    await writer.observations.insertMany([t]);
    await vi.waitFor(() => expect(got.map((e) => e.id)).toContain(t.observation.id), { timeout: 10_000 });
    off();
    expect(got.filter((e) => e.id === s.observation.id || e.id === t.observation.id)).toHaveLength(2);
  });
});
