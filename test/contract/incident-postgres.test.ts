import { afterAll, beforeAll, describe, it } from 'vitest';
import { openPostgresStore } from '../../src/store/postgres/postgres-store';
import { createTestDatabase, inCi, pgTitle, probePostgres, shownUrl, type TestDatabase } from './postgres-test-db';
import { incidentContract } from './incident-contract';

const probe = await probePostgres();

if (!probe.reachable && inCi) {
  describe('postgres incident contract', () => {
    it('has PostgreSQL to test against (required in CI)', () => {
      throw new Error(`PostgreSQL is not reachable at ${shownUrl} (${probe.reason}). CI runs scripts/ensure-services.sh first; set TRUCELINE_TEST_PG to point elsewhere.`);
    });
  });
}

describe.skipIf(!probe.reachable)(pgTitle('postgres incident contract', probe), () => {
  let db: TestDatabase | undefined;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });
  incidentContract('postgres', () => openPostgresStore(db!.url, { log: () => undefined }));
});
