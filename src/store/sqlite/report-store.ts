import type Database from 'better-sqlite3';
import type { Visibility } from '../../domain/identity';
import type { ReportState } from '../../domain/report-approval';
import { visibilityClause } from '../releasability-sql';
import type { IssuedReport, ReportRepository } from '../report-repository';
import { REPORT_COLUMNS, reportsFromRows, type ReportEventRow, type ReportRow } from '../report-rows';

export class SqliteReports implements ReportRepository {
  constructor(private readonly db: Database.Database) {}

  async create(r: Omit<IssuedReport, 'state' | 'version' | 'publishedAt' | 'history'>, by: string): Promise<IssuedReport> {
    this.db.transaction(() => {
      this.db
        .prepare(`INSERT INTO reports (${REPORT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, 'draft', 1, ?, NULL, ?, ?)`)
        .run(r.id, r.kind, r.date, r.audience, r.number, r.releasability, r.createdAt, r.cites ? JSON.stringify(r.cites) : null, r.content);
      this.db.prepare('INSERT INTO report_events (report_id, version, at, by_actor, from_state, to_state, reason) VALUES (?, 1, ?, ?, NULL, ?, NULL)').run(r.id, r.createdAt, by, 'draft');
    })();
    return (await this.get(r.id, { all: true }))!;
  }

  async get(id: string, visibility: Visibility): Promise<IssuedReport | undefined> {
    return this.select('WHERE id = ?', [id], visibility, 1)[0];
  }

  async list(q: { visibility: Visibility; state?: ReportState; limit: number }): Promise<IssuedReport[]> {
    return q.state ? this.select('WHERE state = ?', [q.state], q.visibility, q.limit) : this.select('', [], q.visibility, q.limit);
  }

  async move(id: string, version: number, from: ReportState, to: ReportState, at: string, by: string, reason: string | null): Promise<boolean> {
    return this.db.transaction(() => {
      const r = this.db
        .prepare('UPDATE reports SET state = ?, version = version + 1, published_at = CASE WHEN ? = \'published\' THEN ? ELSE published_at END WHERE id = ? AND version = ? AND state = ?')
        .run(to, to, at, id, version, from);
      if (r.changes === 0) return false;
      this.db.prepare('INSERT INTO report_events (report_id, version, at, by_actor, from_state, to_state, reason) VALUES (?, ?, ?, ?, ?, ?, ?)').run(id, version + 1, at, by, from, to, reason);
      return true;
    })();
  }

  private select(where: string, params: unknown[], visibility: Visibility, limit: number): IssuedReport[] {
    const all = [...params];
    const released = visibilityClause(visibility, 'releasability', (v) => {
      all.push(v);
      return '?';
    });
    const clause = released ? `${where ? `${where} AND` : 'WHERE'} ${released}` : where;
    const rows = this.db.prepare(`SELECT ${REPORT_COLUMNS} FROM reports ${clause} ORDER BY report_date DESC, id DESC LIMIT ?`).all(...all, limit) as ReportRow[];
    if (!rows.length) return [];
    const events = this.db.prepare(`SELECT * FROM report_events WHERE report_id IN (${rows.map(() => '?').join(', ')})`).all(...rows.map((r) => r.id)) as ReportEventRow[];
    return reportsFromRows(rows, events);
  }
}
