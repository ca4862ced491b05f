import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { buildApp, type AppDeps } from '../../src/server/app';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store';
import type { Store } from '../../src/store/repository';
import { testUser } from './auth';

/** A mechanism analyst and chief monitor: sees every label, files, imports, amends agreements. */
export const ANALYST = { roles: ['analyst', 'chief_monitor', 'monitor'] as const, orgKind: 'mechanism' as const };

/**
 * Makes `app.inject` send the given token unless a request sets its own `authorization`
 * header. For tests whose subject is not authentication (ingest, agreements...): the route's
 * permission check still runs on every request. Auth tests use the bare app.
 */
export function injectAs(app: FastifyInstance, headers: { authorization: string }): FastifyInstance {
  const inject = app.inject.bind(app);
  app.inject = ((opts: InjectOptions | string) => {
    const o: InjectOptions = typeof opts === 'string' ? { url: opts } : opts;
    return inject({ ...o, headers: { ...headers, ...(o.headers ?? {}) } });
  }) as FastifyInstance['inject'];
  return app;
}

/**
 * A real app on a real SQLite file in a fresh temporary folder. Requests through `app.inject`
 * carry a mechanism analyst's API token (`headers`) unless `anonymous` is set.
 */
export async function testApp(opts: { maxBody?: number; anonymous?: boolean; deps?: Partial<AppDeps> } = {}): Promise<{
  app: FastifyInstance;
  store: Store;
  headers: { authorization: string };
  close: () => Promise<void>;
}> {
  const store = openSqliteStore(join(mkdtempSync(join(tmpdir(), 'truceline-api-')), 'test.db'));
  const app = await buildApp({ store, config: { maxBody: opts.maxBody ?? 10 * 1024 * 1024, web: false, logLevel: 'silent' }, ...opts.deps });
  const { headers } = await testUser(store, { roles: [...ANALYST.roles], orgKind: ANALYST.orgKind });
  return {
    app: opts.anonymous ? app : injectAs(app, headers),
    store,
    headers,
    close: async () => {
      await app.close();
      await store.close();
    },
  };
}
