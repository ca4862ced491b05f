import { afterAll, beforeAll, describe, it } from 'vitest';
import { openPostgresStore } from '../../src/store/postgres/postgres-store';
import { createTestDatabase, inCi, pgTitle, probePostgres, shownUrl, type TestDatabase } from './postgres-test-db';
import { ingestContract } from './ingest-contract';

const probe = await probePostgres();

if (!probe.reachable && inCi) {
  describe('postgres ingest contract', () => {
    it('has PostgreSQL to test against (required in CI)', () => {
      throw new Error(`PostgreSQL is not reachable at ${shownUrl} (${probe.reason}).`);
    });
  });
}

describe.skipIf(!probe.reachable)(pgTitle('postgres ingest contract', probe), () => {
  let db: TestDatabase | undefined;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });
  ingestContract('postgres', () => openPostgresStore(db!.url, { log: () => undefined, postgis: false }));
});
