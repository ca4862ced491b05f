import type pg from 'pg';
import { SqlAllegations, SqlIncidents, type Sql, type SqlDriver, type SqlStep } from '../incident-repository';
import { recordChanges } from './change-feed';
import { inTransaction } from './transaction';

/** `?` placeholders numbered for PostgreSQL (the shared SQL holds no `?` inside literals). */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/**
 * Runs the incident store's SQL steps (src/store/incident-repository.ts) on PostgreSQL: a write in
 * one transaction on one pooled connection (retried whole on a deadlock), rows to be changed
 * locked FOR UPDATE, its changes recorded as the last statements before COMMIT (see
 * change-feed.ts for why they must be last).
 */
class PgDriver implements SqlDriver {
  constructor(private readonly pool: pg.Pool) {}

  read<T>(gen: () => Sql<T>): Promise<T> {
    return this.drive(gen(), this.pool, null);
  }

  write<T>(gen: () => Sql<T>): Promise<T> {
    return inTransaction(this.pool, async (client) => {
      const pending: Extract<SqlStep, { op: 'change' }>[] = [];
      const result = await this.drive(gen(), client, pending);
      for (const c of pending) await recordChanges(client, c.entity, c.change, c.ids);
      return result;
    });
  }

  private async drive<T>(g: Sql<T>, db: pg.Pool | pg.PoolClient, pending: Extract<SqlStep, { op: 'change' }>[] | null): Promise<T> {
    let step = g.next();
    while (!step.done) {
      const s = step.value;
      let value: unknown;
      if (s.op === 'change') {
        if (!pending) throw new Error('a change outside a write');
        pending.push(s);
      } else if (s.op === 'all') value = (await db.query(numbered(s.sql) + (s.lock && pending ? ' FOR UPDATE' : ''), s.params)).rows;
      else value = (await db.query(numbered(s.sql), s.params)).rowCount ?? 0;
      step = g.next(value);
    }
    return step.value;
  }
}

/** Incidents and allegations on one PostgreSQL database. */
export function postgresIncidentStores(pool: pg.Pool): { incidents: SqlIncidents; allegations: SqlAllegations } {
  const driver = new PgDriver(pool);
  return { incidents: new SqlIncidents(driver), allegations: new SqlAllegations(driver) };
}
