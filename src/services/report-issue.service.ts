import { v7 as uuidv7 } from 'uuid';
import { canonicalJson, type DailyReport, type ReportAudience } from '../domain/daily-report';
import { NotFoundError, TrucelineError } from '../domain/errors';
import type { Actor, Visibility } from '../domain/identity';
import { allows } from '../domain/permissions';
import { AUDIENCE_LABEL, reportStep, type ReportState } from '../domain/report-approval';
import type { IssuedReport } from '../store/report-repository';
import type { Store } from '../store/repository';
import { actorLabel } from './auth';
import { dailyReport, mayRead } from './daily-report.service';

/** Drafts, steps and reads of issued reports; every step audited. Unpublished reports are for those who issue them. */
export class ReportIssuer {
  /** `checkpoint`: signs the transparency log's head, so an issued report cites what its inputs were. */
  constructor(
    private readonly store: Store,
    private readonly checkpoint?: () => Promise<{ treeSize: number; rootHash: Buffer; timestamp: string; keyId: string }>,
  ) {}

  async draft(by: Actor, visibility: Visibility, date: string, audience: ReportAudience): Promise<IssuedReport> {
    if (!mayRead(visibility, audience)) throw new TrucelineError(403, 'forbidden', 'Forbidden', `you may not see everything the ${audience} version holds`);
    const c = this.checkpoint ? await this.checkpoint() : null;
    const report = await dailyReport(this.store, date, audience);
    const issued = await this.store.reports.create(
      { id: uuidv7(), kind: 'daily', date, audience, number: report.number, releasability: AUDIENCE_LABEL[audience], createdAt: new Date().toISOString(), cites: c && { treeSize: c.treeSize, rootHash: c.rootHash.toString('base64'), timestamp: c.timestamp, keyId: c.keyId }, content: canonicalJson(report) },
      actorLabel(by),
    );
    await this.audit(by, 'report.draft', issued.id, { date, audience, number: report.number });
    return issued;
  }

  async step(by: Actor, visibility: Visibility, id: string, to: ReportState, reason: string | null): Promise<IssuedReport> {
    const r = await this.get(by, visibility, id);
    const decided = reportStep(r.state, to, by.type === 'user' ? by.roles : []);
    if ('refused' in decided) {
      if (decided.refused === 'illegal') throw new TrucelineError(409, 'illegal-transition', 'Illegal transition', `a ${r.state} report cannot become ${to}`, 'to');
      throw new TrucelineError(403, 'forbidden', 'Forbidden', `your role may not make a ${r.state} report ${to}`);
    }
    if (decided.step.reasonRequired && !reason) throw new TrucelineError(400, 'invalid-input', 'Invalid input', 'reason is required for this step', 'reason');
    if (!(await this.store.reports.move(id, r.version, r.state, to, new Date().toISOString(), actorLabel(by), reason)))
      throw new TrucelineError(409, 'conflict', 'Conflict', 'the report changed meanwhile; reload it', 'version');
    await this.audit(by, `report.${to}`, id, { from: r.state, reason });
    return this.get(by, visibility, id);
  }

  /** A report: published ones for every reader allowed its label; others only for those who issue reports. */
  async get(by: Actor, visibility: Visibility, id: string): Promise<IssuedReport> {
    const r = await this.store.reports.get(id, visibility);
    if (!r || (r.state !== 'published' && !allows(by, 'report.write'))) throw new NotFoundError('report', id);
    return r;
  }

  async list(by: Actor, visibility: Visibility, state: ReportState | undefined, limit: number): Promise<IssuedReport[]> {
    const issuer = allows(by, 'report.write');
    return this.store.reports.list({ visibility, state: issuer ? state : 'published', limit });
  }

  private audit(by: Actor, action: string, id: string, detail: Record<string, unknown>) {
    return this.store.audit.append({ id: uuidv7(), at: new Date().toISOString(), actor: actorLabel(by), action, entity: 'report', entityId: id, detail });
  }
}

export const contentOf = (r: IssuedReport): DailyReport => JSON.parse(r.content) as DailyReport;

const xml = (s: string) => s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);

/** An Atom feed of published public reports (RFC 4287). */
export function atomFeed(reports: IssuedReport[], base: string): string {
  const updated = reports[0]?.publishedAt ?? new Date(0).toISOString();
  const entries = reports
    .map((r) => {
      const c = contentOf(r);
      return `<entry><id>urn:uuid:${r.id}</id><title>Daily report ${xml(r.number)}</title><updated>${r.publishedAt}</updated><link rel="alternate" type="text/html" href="${xml(`${base}/api/reports/${r.id}/html`)}"/><summary>${c.violations.total.total} ceasefire violations recorded in the 24 hours to ${xml(c.period.to)}.</summary></entry>`;
    })
    .join('\n');
  return `<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom"><id>${xml(base)}/api/reports/feed.atom</id><title>Truceline: published reports</title><updated>${updated}</updated><link rel="self" href="${xml(base)}/api/reports/feed.atom"/><author><name>Truce monitoring mechanism</name></author>\n${entries}\n</feed>\n`;
}
