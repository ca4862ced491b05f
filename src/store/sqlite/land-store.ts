import type Database from 'better-sqlite3';
import { ConflictError, NotFoundError } from '../../domain/errors';
import type { Visibility } from '../../domain/identity';
import type { LandOption } from '../../domain/land-option';
import { landOptionFromRow, landVisibility, latestOfEach, type LandOptionRepository, type LandOptionRow } from '../land-repository';

/** Land options in SQLite: one row per version, never updated. */
export class SqliteLandOptions implements LandOptionRepository {
  private readonly insert: Database.Statement;
  private readonly latestVersion: Database.Statement;

  constructor(private readonly db: Database.Database) {
    this.insert = db.prepare('INSERT INTO land_options (id, version, releasability, status, created_at, doc) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(id, version) DO NOTHING');
    this.latestVersion = db.prepare('SELECT MAX(version) FROM land_options WHERE id = ?').pluck();
  }

  async create(o: LandOption): Promise<LandOption> {
    this.db
      .transaction(() => {
        if (this.latestVersion.get(o.id) != null) throw new ConflictError(`land option ${o.id} exists`, 'id');
        this.write(o);
      })
      .immediate();
    return o;
  }

  async append(o: LandOption): Promise<LandOption> {
    this.db
      .transaction(() => {
        const latest = this.latestVersion.get(o.id) as number | null;
        if (latest == null) throw new NotFoundError('land option', o.id);
        if (latest !== o.version - 1) throw new ConflictError(`land option ${o.id} is at version ${latest}, not ${o.version - 1}; reload and try again`, 'version');
        this.write(o);
      })
      .immediate();
    return o;
  }

  async get(id: string, visibility: Visibility, version?: number): Promise<LandOption | undefined> {
    const params: unknown[] = [id];
    const visible = landVisibility(visibility, params, () => '?');
    let sql = `SELECT doc FROM land_options WHERE id = ?${visible ? ` AND ${visible}` : ''}`;
    if (version !== undefined) {
      sql += ' AND version = ?';
      params.push(version);
    }
    const row = this.db.prepare(`${sql} ORDER BY version DESC LIMIT 1`).get(...params) as LandOptionRow | undefined;
    return row && landOptionFromRow(row);
  }

  async versions(id: string, visibility: Visibility): Promise<LandOption[]> {
    const params: unknown[] = [id];
    const visible = landVisibility(visibility, params, () => '?');
    const rows = this.db.prepare(`SELECT doc FROM land_options WHERE id = ?${visible ? ` AND ${visible}` : ''} ORDER BY version`).all(...params) as LandOptionRow[];
    return rows.map(landOptionFromRow);
  }

  async list(visibility: Visibility, limit: number): Promise<LandOption[]> {
    const params: unknown[] = [];
    const visible = landVisibility(visibility, params, () => '?');
    const rows = this.db.prepare(`SELECT doc FROM land_options ${visible ? `WHERE ${visible}` : ''} ORDER BY id, version`).all(...params) as LandOptionRow[];
    return latestOfEach(rows, limit);
  }

  private write(o: LandOption): void {
    const r = this.insert.run(o.id, o.version, o.releasability, o.status, o.createdAt, JSON.stringify(o));
    if (r.changes === 0) throw new ConflictError(`land option ${o.id} version ${o.version} exists`, 'version');
  }
}
