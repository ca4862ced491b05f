import type pg from 'pg';
import type { Visibility } from '../../domain/identity';
import type { ReportState } from '../../domain/report-approval';
import { visibilityClause } from '../releasability-sql';
import type { IssuedReport, ReportRepository } from '../report-repository';
import { REPORT_COLUMNS, reportsFromRows, type ReportEventRow, type ReportRow } from '../report-rows';
import { inTransaction } from './transaction';

export class PgReports implements ReportRepository {
  constructor(private readonly pool: pg.Pool) {}

  async create(r: Omit<IssuedReport, 'state' | 'version' | 'publishedAt' | 'history'>, by: string): Promise<IssuedReport> {
    await inTransaction(this.pool, async (c) => {
      await c.query(`INSERT INTO reports (${REPORT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, 'draft', 1, $7, NULL, $8, $9)`, [r.id, r.kind, r.date, r.audience, r.number, r.releasability, r.createdAt, r.cites ? JSON.stringify(r.cites) : null, r.content]);
      await c.query("INSERT INTO report_events (report_id, version, at, by_actor, from_state, to_state, reason) VALUES ($1, 1, $2, $3, NULL, 'draft', NULL)", [r.id, r.createdAt, by]);
    });
    return (await this.get(r.id, { all: true }))!;
  }

  async get(id: string, visibility: Visibility): Promise<IssuedReport | undefined> {
    return (await this.select('WHERE id = $1', [id], visibility, 1))[0];
  }

  async list(q: { visibility: Visibility; state?: ReportState; limit: number }): Promise<IssuedReport[]> {
    return q.state ? this.select('WHERE state = $1', [q.state], q.visibility, q.limit) : this.select('', [], q.visibility, q.limit);
  }

  async move(id: string, version: number, from: ReportState, to: ReportState, at: string, by: string, reason: string | null): Promise<boolean> {
    return inTransaction(this.pool, async (c) => {
      const r = await c.query(
        "UPDATE reports SET state = $1, version = version + 1, published_at = CASE WHEN $1 = 'published' THEN $2 ELSE published_at END WHERE id = $3 AND version = $4 AND state = $5",
        [to, at, id, version, from],
      );
      if (r.rowCount === 0) return false;
      await c.query('INSERT INTO report_events (report_id, version, at, by_actor, from_state, to_state, reason) VALUES ($1, $2, $3, $4, $5, $6, $7)', [id, version + 1, at, by, from, to, reason]);
      return true;
    });
  }

  private async select(where: string, params: unknown[], visibility: Visibility, limit: number): Promise<IssuedReport[]> {
    const all = [...params];
    const released = visibilityClause(visibility, 'releasability', (v) => {
      all.push(v);
      return `$${all.length}`;
    });
    const clause = released ? `${where ? `${where} AND` : 'WHERE'} ${released}` : where;
    all.push(limit);
    const rows = (await this.pool.query<ReportRow>(`SELECT ${REPORT_COLUMNS} FROM reports ${clause} ORDER BY report_date DESC, id DESC LIMIT $${all.length}`, all)).rows;
    if (!rows.length) return [];
    const events = (await this.pool.query<ReportEventRow>('SELECT * FROM report_events WHERE report_id = ANY($1::text[])', [rows.map((r) => r.id)])).rows;
    return reportsFromRows(rows, events);
  }
}
