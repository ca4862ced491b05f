import type { ReportState } from '../domain/report-approval';
import type { IssuedReport } from './report-repository';

/** The row shapes both engines read back, and their mapping (the SQL differs, the records do not). */
export type ReportRow = {
  id: string;
  kind: 'daily';
  report_date: string;
  audience: string;
  number: string;
  releasability: string;
  state: ReportState;
  version: number;
  created_at: string;
  published_at: string | null;
  cites: string | null;
  content: string;
};
export type ReportEventRow = { report_id: string; version: number; at: string; by_actor: string; from_state: ReportState | null; to_state: ReportState; reason: string | null };

export const REPORT_COLUMNS = 'id, kind, report_date, audience, number, releasability, state, version, created_at, published_at, cites, content';

export function reportsFromRows(rows: ReportRow[], events: ReportEventRow[]): IssuedReport[] {
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    date: r.report_date,
    audience: r.audience,
    number: r.number,
    releasability: r.releasability,
    state: r.state,
    version: Number(r.version),
    createdAt: r.created_at,
    publishedAt: r.published_at,
    cites: r.cites ? (JSON.parse(r.cites) as IssuedReport['cites']) : null,
    content: r.content,
    history: events
      .filter((e) => e.report_id === r.id)
      .sort((a, b) => a.version - b.version)
      .map((e) => ({ version: Number(e.version), at: e.at, by: e.by_actor, from: e.from_state, to: e.to_state, reason: e.reason })),
  }));
}
