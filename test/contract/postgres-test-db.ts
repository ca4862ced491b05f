import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { pgClientConfig } from '../../src/store/postgres/postgres-store';

/**
 * PostgreSQL for tests: TRUCELINE_TEST_PG names a server and a database we may connect to in order
 * to create others. Every test file works in a database of its own, created for the run and
 * dropped afterwards, so runs never see each other's rows nor a developer's data.
 */
export const TEST_PG_URL = process.env.TRUCELINE_TEST_PG || 'postgres://127.0.0.1:5432/test';
const PREFIX = 'truceline_test_';
/** Databases left by runs that died before dropping theirs are removed after this long. */
const STALE_AFTER_S = 6 * 3600;

export const inCi = process.env.CI === 'true';

/** The URL with its password hidden, for messages. */
export const shownUrl = TEST_PG_URL.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');

/** Whether the test server answers; with the reason when not. */
export async function probePostgres(): Promise<{ reachable: boolean; reason: string }> {
  const client = new pg.Client({ ...pgClientConfig(TEST_PG_URL), connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return { reachable: true, reason: '' };
  } catch (err) {
    return { reachable: false, reason: (err as Error).message || String(err) };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * The title for a PostgreSQL-only block: says why it is skipped when it is. In CI an unreachable
 * PostgreSQL is a failure, not a skip: see `requirePostgresInCi`.
 */
export function pgTitle(what: string, probe: { reachable: boolean; reason: string }): string {
  return probe.reachable ? what : `${what} (skipped: PostgreSQL not reachable at ${shownUrl}: ${probe.reason}; set TRUCELINE_TEST_PG)`;
}

/** A client on the test database (not the pool of a store): for the tests' own SQL. */
export async function connectTo(url: string): Promise<pg.Client> {
  const client = new pg.Client(pgClientConfig(url));
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

async function withAdmin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client(pgClientConfig(TEST_PG_URL));
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `${PREFIX}${Math.floor(Date.now() / 1000)}_${randomBytes(4).toString('hex')}`;
  await withAdmin(async (c) => {
    const stale = await c.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [`${PREFIX}%`]);
    for (const { datname } of stale.rows) {
      const created = Number(/^truceline_test_(\d+)_/.exec(datname)?.[1]);
      if (created && Date.now() / 1000 - created > STALE_AFTER_S) await c.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`).catch(() => undefined);
    }
    await c.query(`CREATE DATABASE "${name}"`);
  });
  const u = new URL(TEST_PG_URL);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    name,
    drop: () => withAdmin(async (c) => void (await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`))),
  };
}
