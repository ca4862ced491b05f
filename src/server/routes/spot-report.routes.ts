import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { canonicalJson } from '../../domain/daily-report';
import { spotReportPdf } from '../../reports/daily-report.pdf';
import { spotReport, spotReportHtml } from '../../reports/spot-report';
import type { IncidentService } from '../../services/incident.service';
import { whereText } from '../../services/place-names';

/** Spot reports of single incidents, from their page, in the daily report's formats. */
export const spotReportRoutes =
  (incidents: IncidentService): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      '/api/incidents/:id/spot-report',
      {
        config: { permission: 'incident.read' },
        schema: {
          summary: 'A spot report of one incident (JSON, HTML or PDF), holding only what is released to you',
          description: 'An incident not released to you answers 404.',
          tags: ['reports'],
          params: z.object({ id: z.string().min(1).max(128) }),
          querystring: z.object({ format: z.enum(['json', 'html', 'pdf']).default('html') }),
        },
      },
      async (req, reply) => {
        const r = spotReport(await incidents.get({ actor: req.actor, visibility: req.visibility }, req.params.id), whereText);
        if (req.query.format === 'pdf') return reply.type('application/pdf').send(await spotReportPdf(r));
        if (req.query.format === 'json') return reply.type('application/json; charset=utf-8').send(canonicalJson(r));
        return reply.type('text/html; charset=utf-8').send(spotReportHtml(r));
      },
    );
  };
