import pg from 'pg';
import type { Observation } from '../../domain/observation';
import { byIdsWhere, byIdWhere, observationWhere, pageOf, pageSelect, totalFromPage } from '../observation-filter';
import type { Visibility } from '../../domain/identity';
import type { InsertOutcome, ObservationQuery, ObservationRepository, Page, StoredObservation } from '../repository';
import { recordChanges } from './change-feed';
import { POINT_EXPR, type SpatialMode } from './migrate';
import { inTransaction } from './transaction';

// One statement per batch: the columns travel as arrays and ROWS FROM zips them back. The
// documents go as one JSON array of strings rather than a text[]: JSON.stringify is native, while
// pg quotes and escapes every element of a text[] in JavaScript, which was most of the client's
// time per batch for the long, quote-heavy documents.
const INSERT_SQL = `INSERT INTO observations (id, kind, observed_at_ms, lon, lat, sector, releasability, source_kind, content_hash, raw_id, received_at, doc)
  SELECT * FROM ROWS FROM (unnest($1::text[]), unnest($2::text[]), unnest($3::bigint[]), unnest($4::float8[]), unnest($5::float8[]), unnest($6::text[]),
    unnest($7::text[]), unnest($8::text[]), unnest($9::text[]), unnest($10::text[]), unnest($11::text[]), json_array_elements_text($12::json))
  ON CONFLICT (id) DO NOTHING RETURNING id`;

export class PgObservations implements ObservationRepository {
  constructor(
    private readonly pool: pg.Pool,
    private readonly spatial: SpatialMode,
  ) {}

  /**
   * Same outcomes as SQLite's one-row-at-a-time loop, computed for the whole batch at once: the
   * first occurrence of an id in the batch is offered to the table; any later occurrence in the
   * same batch compares with whatever is stored by then (the first one, if that was created).
   */
  async insertMany(items: StoredObservation[]): Promise<InsertOutcome[]> {
    if (items.length === 0) return [];
    const first = new Map<string, number>();
    items.forEach((it, i) => {
      if (!first.has(it.observation.id)) first.set(it.observation.id, i);
    });
    // Sorted by id so that two batches sharing ids lock them in the same order (no deadlock).
    const unique = [...first.values()].map((i) => items[i]!).sort((a, b) => (a.observation.id < b.observation.id ? -1 : 1));
    const columns = toColumns(unique);

    return inTransaction(this.pool, async (client) => {
      const inserted = await client.query<{ id: string }>({ name: 'truceline_obs_insert', text: INSERT_SQL, values: columns });
      const created = new Set(inserted.rows.map((r) => r.id));
      const stored = new Map<string, string>();
      if (created.size < unique.length) {
        const others = unique.map((s) => s.observation.id).filter((id) => !created.has(id));
        const r = await client.query<{ id: string; content_hash: string }>('SELECT id, content_hash FROM observations WHERE id = ANY($1::text[])', [others]);
        for (const row of r.rows) stored.set(row.id, row.content_hash);
      }
      const createdInOrder: string[] = [];
      const outcomes = items.map(({ observation: { id }, contentHash }, i): InsertOutcome => {
        const f = first.get(id)!;
        if (created.has(id)) {
          if (i === f) {
            createdInOrder.push(id);
            return 'created';
          }
          return items[f]!.contentHash === contentHash ? 'duplicate' : 'conflict';
        }
        return stored.get(id) === contentHash ? 'duplicate' : 'conflict';
      });
      await recordChanges(client, 'observation', 'created', createdInOrder);
      return outcomes;
    });
  }

  async get(id: string, visibility: Visibility): Promise<Observation | undefined> {
    const where = byIdWhere(id, visibility, (i) => `$${i}`);
    const r = await this.pool.query<{ doc: string }>(
      visibility.all ? { name: 'truceline_obs_get', text: 'SELECT doc FROM observations WHERE id = $1', values: [id] } : { text: `SELECT doc FROM observations ${where.sql}`, values: where.params },
    );
    const row = r.rows[0];
    return row ? (JSON.parse(row.doc) as Observation) : undefined;
  }

  async getMany(ids: readonly string[], visibility: Visibility): Promise<Map<string, Observation>> {
    const out = new Map<string, Observation>();
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += 500) {
      const part = unique.slice(i, i + 500);
      // SEE_ALL (the followers of the change feed): one array parameter, a single prepared plan.
      const where = byIdsWhere(part, visibility, (n) => `$${n}`);
      const r = await this.pool.query<{ doc: string }>(
        visibility.all ? { name: 'truceline_obs_get_many', text: 'SELECT doc FROM observations WHERE id = ANY($1::text[])', values: [part] } : { text: `SELECT doc FROM observations ${where.sql}`, values: where.params },
      );
      for (const row of r.rows) {
        const o = JSON.parse(row.doc) as Observation;
        out.set(o.id, o);
      }
    }
    return out;
  }

  async relabel(id: string, releasability: string, visibility: Visibility): Promise<Observation | undefined> {
    const where = byIdWhere(id, visibility, (i) => `$${i}`);
    return inTransaction(this.pool, async (client) => {
      const r = await client.query<{ doc: string }>(`SELECT doc FROM observations ${where.sql} FOR UPDATE`, where.params);
      const row = r.rows[0];
      if (!row) return undefined;
      const o: Observation = { ...(JSON.parse(row.doc) as Observation), releasability };
      await client.query('UPDATE observations SET releasability = $2, doc = $3 WHERE id = $1', [id, releasability, JSON.stringify(o)]);
      await recordChanges(client, 'observation', 'relabelled', [id]);
      return o;
    });
  }

  async list(q: ObservationQuery): Promise<Page<Observation>> {
    return this.page(q, true);
  }

  async *iterate(q: Omit<ObservationQuery, 'limit' | 'cursor'>, chunk = 1000): AsyncIterable<Observation[]> {
    let cursor: string | undefined;
    do {
      const page = await this.page({ ...q, limit: chunk, cursor }, false);
      if (page.items.length) yield page.items;
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }

  async count(): Promise<number> {
    const r = await this.pool.query<{ n: number }>('SELECT count(*) AS n FROM observations');
    return Number(r.rows[0]!.n);
  }

  async dailyTotals(q: Parameters<ObservationRepository['dailyTotals']>[0]): Promise<{ day: string; sector: string | null; total: number }[]> {
    const { filter } = observationWhere(q, (i) => `$${i}`);
    const n = filter.params.length;
    const where = `${filter.sql ? `${filter.sql} AND` : 'WHERE'} source_kind = ANY($${n + 1}::text[])`;
    const r = await this.pool.query<{ day: string; sector: string | null; total: string }>(
      `SELECT to_char(to_timestamp(observed_at_ms / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, sector, SUM(COALESCE((doc::json->>'count')::int, 1)) AS total
       FROM observations ${where} GROUP BY 1, 2 ORDER BY 1, 2`,
      [...filter.params, q.sourceKinds],
    );
    return r.rows.map((row) => ({ day: row.day, sector: row.sector, total: Number(row.total) }));
  }

  private async page(q: ObservationQuery, withTotal: boolean): Promise<Page<Observation>> {
    // The GiST index only for the first page of a box without a time bound: there it finds a
    // small area's few rows among millions directly. Not with a time bound: the (time, lon, lat)
    // btree is several times faster for windows of days, and the planner cannot tell, because it
    // takes the point's `&&` and the exact lon/lat comparisons for independent conditions,
    // underestimates the rows tenfold and picks a bitmap AND of both indexes (measured: 30 ms
    // instead of 8 ms, and no index-only count). Not for later pages and exports either: keyset
    // paging wants the btree's order, not every match of the box fetched and sorted per page.
    const useGist = this.spatial === 'postgis' && q.from === undefined && q.to === undefined && q.cursor === undefined && withTotal;
    const { filter, page } = observationWhere(
      q,
      (i) => `$${i}`,
      useGist ? { bboxPrefilter: ([w, s, e, n], p) => `${POINT_EXPR} && ST_MakeEnvelope(${p(w)}, ${p(s)}, ${p(e)}, ${p(n)}, 4326)` } : {},
    );
    const pageQuery = () => queryDocs(this.pool, pageSelect(page.sql, `$${page.params.length + 1}`), [...page.params, q.limit + 1]);
    const countQuery = () => this.pool.query<{ n: number }>(`SELECT count(*) AS n FROM observations ${filter.sql}`, filter.params).then((r) => Number(r.rows[0]!.n));
    if (!withTotal) return pageOf(await pageQuery(), q.limit, -1);
    if (q.cursor !== undefined) {
      // A later page always needs the count: both side by side on two pooled connections.
      const [docs, total] = await Promise.all([pageQuery(), countQuery()]);
      return pageOf(docs, q.limit, total);
    }
    const docs = await pageQuery();
    return pageOf(docs, q.limit, totalFromPage(q, docs.length) ? docs.length : await countQuery());
  }
}

/**
 * A page query's documents, each parsed as its row arrives: parsing
 * overlaps with the server still producing and sending rows, instead of waiting for the whole
 * result first. Measured on map pages of a few thousand rows: about 40% less time.
 */
async function queryDocs(pool: pg.Pool, text: string, values: unknown[]): Promise<Observation[]> {
  const client = await pool.connect();
  try {
    return await new Promise<Observation[]>((resolve, reject) => {
      const docs: Observation[] = [];
      let failed: unknown;
      const query = new pg.Query({ text, values, rowMode: 'array' } as pg.QueryArrayConfig);
      query.on('row', ([doc]: [string]) => {
        try {
          docs.push(JSON.parse(doc) as Observation);
        } catch (err) {
          failed ??= err;
        }
      });
      query.on('error', reject);
      query.on('end', () => (failed ? reject(failed) : resolve(docs)));
      client.query(query);
    });
  } finally {
    client.release();
  }
}

function toColumns(items: StoredObservation[]): unknown[] {
  const n = items.length;
  const cols: unknown[][] = Array.from({ length: 12 }, () => new Array<unknown>(n));
  items.forEach(({ observation: o, contentHash, rawId }, i) => {
    cols[0]![i] = o.id;
    cols[1]![i] = o.kind;
    cols[2]![i] = Date.parse(o.observedAt); // pageOf relies on this: the cursor is read back from the document
    cols[3]![i] = o.location.lon;
    cols[4]![i] = o.location.lat;
    cols[5]![i] = o.sector;
    cols[6]![i] = o.releasability;
    cols[7]![i] = o.source.kind;
    cols[8]![i] = contentHash;
    cols[9]![i] = rawId;
    cols[10]![i] = o.receivedAt;
    cols[11]![i] = JSON.stringify(o);
  });
  return [...cols.slice(0, 11), JSON.stringify(cols[11])];
}
