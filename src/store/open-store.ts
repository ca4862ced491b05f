import type { Store } from './repository';
import { openSqliteStore } from './sqlite/sqlite-store';

/** `postgres://...` selects PostgreSQL; anything else is a SQLite file path. */
export async function openStore(db: string): Promise<Store> {
  if (/^postgres(ql)?:\/\//.test(db)) {
    const { openPostgresStore } = await import('./postgres/postgres-store');
    return openPostgresStore(db);
  }
  return openSqliteStore(db);
}
