import type pg from 'pg';
import { ConflictError } from '../../domain/errors';
import type { ForceSettings } from '../../domain/force';
import type { Visibility } from '../../domain/identity';
import {
  FORCE_COLUMNS,
  FORCE_TABLES,
  docOf,
  fromRow,
  nationOf,
  type ForceKind,
  type ForceRecords,
  type ForceRepository,
  type ForceRow,
  type ForceWrite,
  type Stored,
} from '../force-repository';
import { visibilityClause } from '../releasability-sql';
import { inTransaction } from './transaction';

/** The force and the commitments register in PostgreSQL. */
export class PgForce implements ForceRepository {
  constructor(private readonly pool: pg.Pool) {}

  async put<K extends ForceKind>(kind: K, record: ForceRecords[K], write: ForceWrite): Promise<{ record: Stored<K>; created: boolean }> {
    const table = FORCE_TABLES[kind];
    return inTransaction(this.pool, async (client) => {
      const args = [record.id, record.releasability, nationOf(kind, record), write.at, write.by, docOf(record)];
      // The insert and the row lock in one statement: two concurrent first writes of one id
      // cannot both create it, and a write naming a version waits for the one before it.
      const inserted = await client.query(
        `INSERT INTO ${table} (id, releasability, nation, updated_at, updated_by, doc, version) VALUES ($1, $2, $3, $4, $5, $6, 1) ON CONFLICT (id) DO NOTHING`,
        args,
      );
      const created = inserted.rowCount === 1;
      if (created) {
        if (write.ifVersion !== undefined && write.ifVersion !== 0) {
          throw new ConflictError(`${kind} ${record.id} is at version 0, not ${write.ifVersion}; reload and try again`, 'ifVersion');
        }
      } else {
        const now = Number((await client.query<{ version: number }>(`SELECT version FROM ${table} WHERE id = $1 FOR UPDATE`, [record.id])).rows[0]!.version);
        if (write.ifVersion !== undefined && now !== write.ifVersion) {
          throw new ConflictError(`${kind} ${record.id} is at version ${now}, not ${write.ifVersion}; reload and try again`, 'ifVersion');
        }
        await client.query(`UPDATE ${table} SET releasability = $2, nation = $3, updated_at = $4, updated_by = $5, doc = $6, version = version + 1 WHERE id = $1`, args);
      }
      const row = (await client.query<ForceRow>(`SELECT ${FORCE_COLUMNS} FROM ${table} WHERE id = $1`, [record.id])).rows[0]!;
      return { record: fromRow<K>(row), created };
    });
  }

  async get<K extends ForceKind>(kind: K, id: string, visibility: Visibility): Promise<Stored<K> | undefined> {
    const params: unknown[] = [id];
    const visible = visibilityClause(visibility, 'releasability', (v) => `$${params.push(v)}`);
    const row = (await this.pool.query<ForceRow>(`SELECT ${FORCE_COLUMNS} FROM ${FORCE_TABLES[kind]} WHERE id = $1${visible ? ` AND ${visible}` : ''}`, params)).rows[0];
    return row && fromRow<K>(row);
  }

  async list<K extends ForceKind>(kind: K, q: { visibility: Visibility; nation?: string }): Promise<Stored<K>[]> {
    const params: unknown[] = [];
    const clauses: string[] = [];
    const visible = visibilityClause(q.visibility, 'releasability', (v) => `$${params.push(v)}`);
    if (visible) clauses.push(visible);
    if (q.nation !== undefined) clauses.push(`nation = $${params.push(q.nation)}`);
    const rows = (await this.pool.query<ForceRow>(`SELECT ${FORCE_COLUMNS} FROM ${FORCE_TABLES[kind]} ${clauses.length ? `WHERE ${clauses.join(' AND ')}` : ''} ORDER BY id`, params)).rows;
    return rows.map((r) => fromRow<K>(r));
  }

  async remove(kind: ForceKind, id: string, visibility: Visibility): Promise<boolean> {
    const params: unknown[] = [id];
    const visible = visibilityClause(visibility, 'releasability', (v) => `$${params.push(v)}`);
    return ((await this.pool.query(`DELETE FROM ${FORCE_TABLES[kind]} WHERE id = $1${visible ? ` AND ${visible}` : ''}`, params)).rowCount ?? 0) > 0;
  }

  async settings(): Promise<ForceSettings | undefined> {
    const row = (await this.pool.query<{ value: string }>(`SELECT value FROM force_settings WHERE key = 'force'`)).rows[0];
    return row && (JSON.parse(row.value) as ForceSettings);
  }

  async putSettings(s: ForceSettings, write: Omit<ForceWrite, 'ifVersion'>): Promise<void> {
    await this.pool.query(
      `INSERT INTO force_settings (key, value, updated_at, updated_by) VALUES ('force', $1, $2, $3)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
      [JSON.stringify(s), write.at, write.by],
    );
  }
}
