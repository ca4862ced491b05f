import type Database from 'better-sqlite3';
import type { SqliteStoreFeed } from './store-feed';
import type { ChangeEvent } from '../repository';
import { SqlAllegations, SqlIncidents, type Sql, type SqlDriver, type SqlStep } from '../incident-repository';


const STATEMENT_CACHE = 256;

/**
 * Runs the incident store's SQL steps (src/store/incident-repository.ts) synchronously: a write
 * in one IMMEDIATE transaction, its changes recorded last inside it and announced after commit.
 * Nothing awaits in between, so no other statement of this process can slip into the transaction.
 */
class SqliteDriver implements SqlDriver {
  private readonly statements = new Map<string, Database.Statement>();

  constructor(
    private readonly db: Database.Database,
    private readonly feed: SqliteStoreFeed,
  ) {}

  async read<T>(gen: () => Sql<T>): Promise<T> {
    return this.drive(gen(), null);
  }

  async write<T>(gen: () => Sql<T>): Promise<T> {
    const events: ChangeEvent[] = [];
    const result = this.db
      .transaction(() => {
        const pending: Extract<SqlStep, { op: 'change' }>[] = [];
        const r = this.drive(gen(), pending);
        const at = new Date().toISOString();
        for (const c of pending) for (const id of c.ids) events.push(this.feed.record(c.entity, c.change, id, at));
        return r;
      })
      .immediate();
    this.feed.emit(events);
    return result;
  }

  private drive<T>(g: Sql<T>, pending: Extract<SqlStep, { op: 'change' }>[] | null): T {
    let step = g.next();
    while (!step.done) {
      const s = step.value;
      let value: unknown;
      if (s.op === 'change') {
        if (!pending) throw new Error('a change outside a write');
        pending.push(s);
      } else if (s.op === 'all') value = this.statement(s.sql).all(...s.params);
      else value = this.statement(s.sql).run(...s.params).changes;
      step = g.next(value);
    }
    return step.value;
  }

  private statement(sql: string): Database.Statement {
    let st = this.statements.get(sql);
    if (st) return st;
    st = this.db.prepare(sql);
    if (this.statements.size >= STATEMENT_CACHE) this.statements.delete(this.statements.keys().next().value!);
    this.statements.set(sql, st);
    return st;
  }
}

/** Incidents and allegations on one SQLite database. */
export function sqliteIncidentStores(db: Database.Database, feed: SqliteStoreFeed): { incidents: SqlIncidents; allegations: SqlAllegations } {
  const driver = new SqliteDriver(db, feed);
  return { incidents: new SqlIncidents(driver), allegations: new SqlAllegations(driver) };
}
