import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';

const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

/**
 * Key of the session advisory lock that serialises schema work: two processes starting at once
 * on an empty database would otherwise both try to create the same tables. Advisory locks are
 * per database, so separate databases never wait on each other. ("trucelin" in ASCII.)
 */
const MIGRATION_LOCK = 0x7472_7563_656c_696en;

export type SpatialMode = 'postgis' | 'lonlat';

/**
 * Applies the numbered, forward-only migrations in ./migrations that this database has not seen,
 * each in its own transaction, then sets up the optional PostGIS index. All of it under one
 * advisory lock; a process that waits finds the work done and applies nothing.
 */
export async function migrate(client: pg.ClientBase, log: (msg: string) => void, postgis = true): Promise<SpatialMode> {
  await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK.toString()]);
  try {
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const applied = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
    const files = readdirSync(MIGRATIONS_DIR)
      .filter((f) => /^\d+_.*\.sql$/.test(f))
      .sort();
    for (const file of files) {
      const version = Number.parseInt(file, 10);
      if (applied.has(version)) continue;
      const sql = readFileSync(join(MIGRATIONS_DIR, file), 'utf8');
      await client.query('BEGIN');
      try {
        await client.query(sql);
        await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [version, file]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw new Error(`PostgreSQL migration ${file} failed: ${(err as Error).message}`, { cause: err });
      }
    }
    return postgis ? await ensureSpatial(client, log) : 'lonlat';
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK.toString()]);
  }
}

/** The point of an observation as PostGIS sees it; the GiST index is on exactly this expression. */
export const POINT_EXPR = 'ST_SetSRID(ST_MakePoint(lon, lat), 4326)';

/**
 * PostGIS is optional: where the extension can be created (or already is), observations get a
 * GiST index on their point, which the bbox filter uses as a coarse pre-filter (`&&` compares
 * float4 boxes rounded outwards); elsewhere the store filters on the lon/lat columns alone.
 * Results are identical either way, because the exact lon/lat comparison is always applied too.
 *
 * An expression index rather than a stored geometry column: nothing to write per row beyond the
 * index, and adding it later (PostGIS installed after the data) needs no table rewrite.
 *
 * This is not a numbered migration on purpose: whether it can run depends on the server's
 * packages and the role's rights, not on the schema version, and it must happen later when
 * PostGIS is installed afterwards. It is idempotent.
 */
async function ensureSpatial(client: pg.ClientBase, log: (msg: string) => void): Promise<SpatialMode> {
  const installed = (await client.query("SELECT 1 FROM pg_extension WHERE extname = 'postgis'")).rowCount === 1;
  if (!installed) {
    try {
      // In a transaction so that a failure leaves nothing half-created.
      await client.query('BEGIN');
      await client.query('CREATE EXTENSION IF NOT EXISTS postgis');
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK');
      log(`PostGIS unavailable (${(err as Error).message}); spatial filters use the lon/lat columns`);
      return 'lonlat';
    }
  }
  try {
    await client.query(`CREATE INDEX IF NOT EXISTS observations_geom ON observations USING gist ((${POINT_EXPR}))`);
    return 'postgis';
  } catch (err) {
    log(`PostGIS is installed but the spatial index could not be set up (${(err as Error).message}); spatial filters use the lon/lat columns`);
    return 'lonlat';
  }
}
