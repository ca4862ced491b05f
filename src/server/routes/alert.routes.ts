import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { GuaranteeService } from '../../services/guarantee.service';
import { AckBody, AlertListQuery, AlertPage, AlertParams, AlertSchema, CriteriaBody, CriteriaResponse } from '../alert.schemas';
import { ProblemSchema } from '../schemas';

/** Guarantee alerts (each guarantor nation acknowledges) and the trigger criteria that raise them. */
export const alertRoutes =
  (guarantee: GuaranteeService): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      '/api/alerts',
      {
        config: { permission: 'alert.read' },
        schema: {
          summary: 'List the guarantee alerts released to you, newest first',
          description: 'Alerts are released to the guarantor nations (and the mechanism); an alert not released to you is not listed.',
          tags: ['alerts'],
          querystring: AlertListQuery,
          response: { 200: AlertPage, 400: ProblemSchema, 401: ProblemSchema },
        },
      },
      async (req) => {
        const q = req.query;
        return guarantee.list(req.actor, { visibility: req.visibility, limit: q.limit, ...(q.state ? { state: q.state } : {}), ...(q.cursor ? { cursor: q.cursor } : {}) });
      },
    );

    app.get(
      '/api/alerts/:id',
      {
        config: { permission: 'alert.read' },
        schema: {
          summary: 'One guarantee alert, with its acknowledgements',
          description: 'An alert not released to you answers 404, as one that does not exist.',
          tags: ['alerts'],
          params: AlertParams,
          response: { 200: AlertSchema, 401: ProblemSchema, 404: ProblemSchema },
        },
      },
      async (req) => guarantee.get(req.actor, req.visibility, req.params.id),
    );

    app.post(
      '/api/alerts/:id/ack',
      {
        config: { permission: 'alert.ack' },
        schema: {
          summary: "Acknowledge an alert for your nation (a guarantor nation's liaison or cell officer)",
          description:
            'Each required nation acknowledges once; the alert becomes `acknowledged` when the last one does. Acknowledging again changes nothing and answers the alert. 404 when the alert is not released to you; 403 when it is but your nation is not among those that acknowledge.',
          tags: ['alerts'],
          params: AlertParams,
          body: AckBody.nullish(),
          response: { 200: AlertSchema, 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema },
        },
      },
      async (req) => guarantee.acknowledge(req.actor, req.visibility, req.params.id, req.body?.note || null),
    );

    app.get(
      '/api/triggers',
      {
        // No separate read permission: the criteria are the cell's configuration, read by those who edit it.
        config: { permission: 'trigger.admin' },
        schema: {
          summary: 'The guarantee trigger criteria in force',
          tags: ['alerts'],
          response: { 200: CriteriaResponse, 401: ProblemSchema, 403: ProblemSchema },
        },
      },
      async () => guarantee.criteria(),
    );

    app.put(
      '/api/triggers',
      {
        config: { permission: 'trigger.admin' },
        schema: {
          summary: 'Replace the guarantee trigger criteria (stored as a new revision, audited)',
          description: 'Takes effect for observations evaluated from then on, in every process on the store within a second. Alerts already raised keep what they were raised with.',
          tags: ['alerts'],
          body: CriteriaBody,
          response: { 200: CriteriaResponse, 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema, 409: ProblemSchema },
        },
      },
      async (req) => guarantee.updateCriteria(req.actor, req.body.criteria, req.body.ifRevision === undefined ? {} : { ifRevision: req.body.ifRevision }),
    );
  };
