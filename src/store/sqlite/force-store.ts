import type Database from 'better-sqlite3';
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

/** The force and the commitments register in SQLite. */
export class SqliteForce implements ForceRepository {
  constructor(private readonly db: Database.Database) {}

  async put<K extends ForceKind>(kind: K, record: ForceRecords[K], write: ForceWrite): Promise<{ record: Stored<K>; created: boolean }> {
    const table = FORCE_TABLES[kind];
    return this.db
      .transaction(() => {
        const now = this.db.prepare(`SELECT version FROM ${table} WHERE id = ?`).pluck().get(record.id) as number | undefined;
        if (write.ifVersion !== undefined && (now ?? 0) !== write.ifVersion) {
          throw new ConflictError(`${kind} ${record.id} is at version ${now ?? 0}, not ${write.ifVersion}; reload and try again`, 'ifVersion');
        }
        const args = [record.releasability, nationOf(kind, record), write.at, write.by, docOf(record)];
        if (now === undefined) this.db.prepare(`INSERT INTO ${table} (releasability, nation, updated_at, updated_by, doc, version, id) VALUES (?, ?, ?, ?, ?, 1, ?)`).run(...args, record.id);
        else this.db.prepare(`UPDATE ${table} SET releasability = ?, nation = ?, updated_at = ?, updated_by = ?, doc = ?, version = version + 1 WHERE id = ?`).run(...args, record.id);
        const row = this.db.prepare(`SELECT ${FORCE_COLUMNS} FROM ${table} WHERE id = ?`).get(record.id) as ForceRow;
        return { record: fromRow<K>(row), created: now === undefined };
      })
      .immediate();
  }

  async get<K extends ForceKind>(kind: K, id: string, visibility: Visibility): Promise<Stored<K> | undefined> {
    const params: unknown[] = [id];
    const visible = this.visible(visibility, params);
    const row = this.db.prepare(`SELECT ${FORCE_COLUMNS} FROM ${FORCE_TABLES[kind]} WHERE id = ?${visible ? ` AND ${visible}` : ''}`).get(...params) as ForceRow | undefined;
    return row && fromRow<K>(row);
  }

  async list<K extends ForceKind>(kind: K, q: { visibility: Visibility; nation?: string }): Promise<Stored<K>[]> {
    const params: unknown[] = [];
    const clauses: string[] = [];
    const visible = this.visible(q.visibility, params);
    if (visible) clauses.push(visible);
    if (q.nation !== undefined) {
      params.push(q.nation);
      clauses.push('nation = ?');
    }
    const rows = this.db.prepare(`SELECT ${FORCE_COLUMNS} FROM ${FORCE_TABLES[kind]} ${clauses.length ? `WHERE ${clauses.join(' AND ')}` : ''} ORDER BY id`).all(...params) as ForceRow[];
    return rows.map((r) => fromRow<K>(r));
  }

  async remove(kind: ForceKind, id: string, visibility: Visibility): Promise<boolean> {
    const params: unknown[] = [id];
    const visible = this.visible(visibility, params);
    return this.db.prepare(`DELETE FROM ${FORCE_TABLES[kind]} WHERE id = ?${visible ? ` AND ${visible}` : ''}`).run(...params).changes > 0;
  }

  async settings(): Promise<ForceSettings | undefined> {
    const value = this.db.prepare(`SELECT value FROM force_settings WHERE key = 'force'`).pluck().get() as string | undefined;
    return value === undefined ? undefined : (JSON.parse(value) as ForceSettings);
  }

  async putSettings(s: ForceSettings, write: Omit<ForceWrite, 'ifVersion'>): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO force_settings (key, value, updated_at, updated_by) VALUES ('force', ?, ?, ?)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
      )
      .run(JSON.stringify(s), write.at, write.by);
  }

  private visible(v: Visibility, params: unknown[]): string | null {
    return visibilityClause(v, 'releasability', (value) => {
      params.push(value);
      return '?';
    });
  }
}
