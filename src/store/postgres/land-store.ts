import type pg from 'pg';
import { ConflictError, NotFoundError } from '../../domain/errors';
import type { Visibility } from '../../domain/identity';
import type { LandOption } from '../../domain/land-option';
import { landOptionFromRow, landVisibility, latestOfEach, type LandOptionRepository, type LandOptionRow } from '../land-repository';
import { inTransaction } from './transaction';

const INSERT = 'INSERT INTO land_options (id, version, releasability, status, created_at, doc) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id, version) DO NOTHING';

/**
 * Land options in PostgreSQL: one row per version, never updated. Two concurrent writers of the
 * same version both pass the version check; the primary key (id, version) lets one insert and
 * the other find nothing inserted, which is answered as a conflict.
 */
export class PgLandOptions implements LandOptionRepository {
  constructor(private readonly pool: pg.Pool) {}

  async create(o: LandOption): Promise<LandOption> {
    return inTransaction(this.pool, async (client) => {
      const exists = await client.query('SELECT 1 FROM land_options WHERE id = $1 LIMIT 1', [o.id]);
      if (exists.rowCount) throw new ConflictError(`land option ${o.id} exists`, 'id');
      await this.write(client, o);
      return o;
    });
  }

  async append(o: LandOption): Promise<LandOption> {
    return inTransaction(this.pool, async (client) => {
      const r = await client.query<{ v: number | null }>('SELECT MAX(version) AS v FROM land_options WHERE id = $1', [o.id]);
      const latest = r.rows[0]?.v ?? null;
      if (latest === null) throw new NotFoundError('land option', o.id);
      if (Number(latest) !== o.version - 1) throw new ConflictError(`land option ${o.id} is at version ${latest}, not ${o.version - 1}; reload and try again`, 'version');
      await this.write(client, o);
      return o;
    });
  }

  async get(id: string, visibility: Visibility, version?: number): Promise<LandOption | undefined> {
    const params: unknown[] = [id];
    const visible = landVisibility(visibility, params, (i) => `$${i}`);
    let sql = `SELECT doc FROM land_options WHERE id = $1${visible ? ` AND ${visible}` : ''}`;
    if (version !== undefined) {
      params.push(version);
      sql += ` AND version = $${params.length}`;
    }
    const r = await this.pool.query<LandOptionRow>(`${sql} ORDER BY version DESC LIMIT 1`, params);
    return r.rows[0] && landOptionFromRow(r.rows[0]);
  }

  async versions(id: string, visibility: Visibility): Promise<LandOption[]> {
    const params: unknown[] = [id];
    const visible = landVisibility(visibility, params, (i) => `$${i}`);
    const r = await this.pool.query<LandOptionRow>(`SELECT doc FROM land_options WHERE id = $1${visible ? ` AND ${visible}` : ''} ORDER BY version`, params);
    return r.rows.map(landOptionFromRow);
  }

  async list(visibility: Visibility, limit: number): Promise<LandOption[]> {
    const params: unknown[] = [];
    const visible = landVisibility(visibility, params, (i) => `$${i}`);
    const r = await this.pool.query<LandOptionRow>(`SELECT doc FROM land_options ${visible ? `WHERE ${visible}` : ''} ORDER BY id, version`, params);
    return latestOfEach(r.rows, limit);
  }

  private async write(client: pg.PoolClient, o: LandOption): Promise<void> {
    const r = await client.query(INSERT, [o.id, o.version, o.releasability, o.status, o.createdAt, JSON.stringify(o)]);
    if (r.rowCount === 0) throw new ConflictError(`land option ${o.id} version ${o.version} exists`, 'version');
  }
}
