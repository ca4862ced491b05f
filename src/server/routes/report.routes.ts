import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { canonicalJson, REPORT_AUDIENCES } from '../../domain/daily-report';
import { NotFoundError } from '../../domain/errors';
import { dailyReportHtml } from '../../reports/daily-report.html';
import { dailyReport, mayRead } from '../../services/daily-report.service';
import type { Store } from '../../store/repository';

export const reportRoutes =
  (store: Store): FastifyPluginAsyncZod =>
  async (app) => {
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
            format: z.enum(['json', 'html']).default('json'),
          }),
        },
      },
      async (req, reply) => {
        const { audience, format } = req.query;
        if (!mayRead(req.visibility, audience)) throw new NotFoundError('report', `${req.params.date} (${audience})`);
        const r = await dailyReport(store, req.params.date, audience);
        return format === 'json' ? reply.type('application/json; charset=utf-8').send(canonicalJson(r)) : reply.type('text/html; charset=utf-8').send(dailyReportHtml(r));
      },
    );
  };
