import type { Visibility } from '../domain/identity';
import type { ReportState } from '../domain/report-approval';

export interface IssuedReport {
  id: string;
  kind: 'daily';
  date: string;
  audience: string;
  number: string;
  releasability: string;
  state: ReportState;
  version: number;
  createdAt: string;
  publishedAt: string | null;
  /** The transparency-log checkpoint made for the draft: its inputs can be checked against it. */
  cites: { treeSize: number; rootHash: string; timestamp: string; keyId: string } | null;
  /** The report's canonical JSON, frozen when drafted. */
  content: string;
  history: { version: number; at: string; by: string; from: ReportState | null; to: ReportState; reason: string | null }[];
}

export interface ReportRepository {
  create(r: Omit<IssuedReport, 'state' | 'version' | 'publishedAt' | 'history'>, by: string): Promise<IssuedReport>;
  get(id: string, visibility: Visibility): Promise<IssuedReport | undefined>;
  /** Newest report date first. */
  list(q: { visibility: Visibility; state?: ReportState; limit: number }): Promise<IssuedReport[]>;
  /** Applies a step decided on `version`; false when the report moved on meanwhile (nothing written). */
  move(id: string, version: number, from: ReportState, to: ReportState, at: string, by: string, reason: string | null): Promise<boolean>;
}
