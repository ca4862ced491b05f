import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { canonicalJson, REPORT_AUDIENCES } from '../../domain/daily-report';
import { NotFoundError } from '../../domain/errors';
import { dailyReportHtml } from '../../reports/daily-report.html';
import { dailyReportPdf } from '../../reports/daily-report.pdf';
import { AUDIENCE_VISIBILITY, dailyReport, mayRead } from '../../services/daily-report.service';
import type { Store } from '../../store/repository';
import { REPORT_STATES } from '../../domain/report-approval';
import { atomFeed, contentOf, ReportIssuer } from '../../services/report-issue.service';
import type { IssuedReport } from '../../store/report-repository';

const Issued = z.object({
  id: z.string(),
  kind: z.literal('daily'),
  date: z.string(),
  audience: z.string(),
  number: z.string().describe('NNN/YYYY'),
  releasability: z.string(),
  state: z.enum(REPORT_STATES),
  version: z.number().int(),
  createdAt: z.string(),
  publishedAt: z.string().nullable(),
  cites: z.object({ treeSize: z.number().int(), rootHash: z.string(), timestamp: z.string(), keyId: z.string() }).nullable().describe('The transparency-log checkpoint made for the draft (GET /api/log/checkpoints): its inputs can be checked against it'),
  history: z.array(z.object({ version: z.number().int(), at: z.string(), by: z.string(), from: z.enum(REPORT_STATES).nullable(), to: z.enum(REPORT_STATES), reason: z.string().nullable() })),
});
const meta = ({ content: _c, ...r }: IssuedReport) => r;

export const reportRoutes =
  (store: Store, checkpoint?: ConstructorParameters<typeof ReportIssuer>[1]): FastifyPluginAsyncZod =>
  async (app) => {
    const issuer = new ReportIssuer(store, checkpoint);
    app.post(
      '/api/reports',
      {
        config: { permission: 'report.write' },
        schema: {
          summary: 'Draft the daily report of a date for an audience: its content is frozen now, then reviewed, approved and published',
          tags: ['reports'],
          body: z.object({ date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD'), audience: z.enum(REPORT_AUDIENCES) }),
          response: { 201: Issued },
        },
      },
      async (req, reply) => reply.code(201).send(meta(await issuer.draft(req.actor, req.visibility, req.body.date, req.body.audience))),
    );
    app.post(
      '/api/reports/:id/steps',
      {
        config: { permission: 'report.write' },
        schema: {
          summary: 'Move a report on: draft → reviewed (analyst) → approved → published (chief monitor); back to draft with a reason',
          tags: ['reports'],
          params: z.object({ id: z.string().max(64) }),
          body: z.object({ to: z.enum(REPORT_STATES), reason: z.string().min(3).max(2000).optional() }),
          response: { 200: Issued },
        },
      },
      async (req) => meta(await issuer.step(req.actor, req.visibility, req.params.id, req.body.to, req.body.reason ?? null)),
    );
    app.get(
      '/api/reports',
      {
        config: { permission: 'report.read' },
        schema: {
          summary: 'Issued reports, newest date first: published ones for everyone they are released to (the public: PUBLIC ones, no login); every state for those who issue reports',
          tags: ['reports'],
          querystring: z.object({ state: z.enum(REPORT_STATES).optional(), limit: z.coerce.number().int().min(1).max(500).default(50) }),
          response: { 200: z.object({ items: z.array(Issued) }) },
        },
      },
      async (req) => ({ items: (await issuer.list(req.actor, req.visibility, req.query.state, req.query.limit)).map(meta) }),
    );
    app.get(
      '/api/reports/feed.atom',
      { config: { permission: 'report.read' }, schema: { summary: 'Atom feed of published public reports', tags: ['reports'] } },
      async (req, reply) => {
        const published = await issuer.list({ type: 'public' }, AUDIENCE_VISIBILITY.public, 'published', 50);
        return reply.type('application/atom+xml; charset=utf-8').send(atomFeed(published, `${req.protocol}://${req.host}`));
      },
    );
    app.get(
      '/api/reports/:id',
      { config: { permission: 'report.read' }, schema: { summary: 'An issued report: its record and content (JSON)', tags: ['reports'], params: z.object({ id: z.string().max(64) }) } },
      async (req) => {
        const r = await issuer.get(req.actor, req.visibility, req.params.id);
        return { ...meta(r), content: contentOf(r) };
      },
    );
    app.get(
      '/api/reports/:id/pdf',
      { config: { permission: 'report.read' }, schema: { summary: 'An issued report as PDF (DejaVu Sans embedded: Ukrainian names render and extract)', tags: ['reports'], params: z.object({ id: z.string().max(64) }) } },
      async (req, reply) => {
        const r = await issuer.get(req.actor, req.visibility, req.params.id);
        return reply.type('application/pdf').send(await dailyReportPdf(contentOf(r), r.cites));
      },
    );
    app.get(
      '/api/reports/:id/html',
      { config: { permission: 'report.read' }, schema: { summary: 'An issued report as an HTML page', tags: ['reports'], params: z.object({ id: z.string().max(64) }) } },
      async (req, reply) => {
        const r = await issuer.get(req.actor, req.visibility, req.params.id);
        return reply.type('text/html; charset=utf-8').send(dailyReportHtml(contentOf(r), r.cites));
      },
    );
    app.get(
      '/api/reports/daily/:date',
      {
        config: { permission: 'report.read' },
        schema: {
          summary: 'The daily report of a date for an audience (public without login), as JSON or HTML',
          description:
            'Built from the store for the period ending at the cut-off (19:30 Europe/Kyiv) of that date; only what the audience may see goes in. The same inputs give byte-identical JSON. A reader who may not see everything an audience may gets 404 for it.',
          tags: ['reports'],
          params: z.object({ date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD').describe('The report date') }),
          querystring: z.object({
            audience: z.enum(REPORT_AUDIENCES).default('public').describe('cell, parties or public'),
            format: z.enum(['json', 'html', 'pdf']).default('json'),
          }),
        },
      },
      async (req, reply) => {
        const { audience, format } = req.query;
        if (!mayRead(req.visibility, audience)) throw new NotFoundError('report', `${req.params.date} (${audience})`);
        const r = await dailyReport(store, req.params.date, audience);
        if (format === 'pdf') return reply.type('application/pdf').header('content-disposition', `inline; filename="daily-report-${req.params.date}.pdf"`).send(await dailyReportPdf(r));
        return format === 'json' ? reply.type('application/json; charset=utf-8').send(canonicalJson(r)) : reply.type('text/html; charset=utf-8').send(dailyReportHtml(r));
      },
    );
  };
