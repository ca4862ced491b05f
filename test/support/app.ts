import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/server/app';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store';
import type { Store } from '../../src/store/repository';
import { testUser } from './auth';

/**
 * A real app on a real SQLite file in a fresh temporary folder, with a mechanism analyst's API
 * token in `headers` (sees and files everything but admin-only records).
 */
export async function testApp(opts: { maxBody?: number } = {}): Promise<{ app: FastifyInstance; store: Store; headers: { authorization: string }; close: () => Promise<void> }> {
  const store = openSqliteStore(join(mkdtempSync(join(tmpdir(), 'truceline-api-')), 'test.db'));
  const app = await buildApp({ store, config: { maxBody: opts.maxBody ?? 10 * 1024 * 1024, web: false, logLevel: 'silent' } });
  const { headers } = await testUser(store, { roles: ['analyst', 'monitor'] });
  return {
    app,
    store,
    headers,
    close: async () => {
      await app.close();
      await store.close();
    },
  };
}
