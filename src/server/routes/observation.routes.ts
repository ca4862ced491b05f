import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { InvalidInputError, NotFoundError } from '../../domain/errors';
import type { ObservationIngest } from '../../services/observation-ingest';
import { settleRequestItems } from '../../services/inbox-outcomes';
import type { Store } from '../../store/repository';
import { sendProblem, PROBLEM_TYPE_BASE } from '../problem';
import { judgedObservation, judgedPage } from '../../services/judged-observations';
import { SEE_ALL } from '../../domain/identity';
import { Releasability } from '../../domain/releasability';
import { relabelObservation } from '../../services/relabel';
import { BatchResult, ObservationListQuery, ObservationPage, ObservationSchema, ProblemSchema, SubmitBody } from '../schemas';

/**
 * The body is validated item by item in the ingest service (a batch answers per item), so the
 * route's schema serves the OpenAPI document only.
 */
const documentOnly = () => (data: unknown) => ({ value: data });

export const observationRoutes =
  (store: Store, ingest: ObservationIngest): FastifyPluginAsyncZod =>
  async (app) => {
    app.post(
      '/api/observations',
      {
        config: { permission: 'observation.write' },
        validatorCompiler: documentOnly,
        schema: {
          summary: 'File one observation, or a batch as {"observations": [...]}',
          description:
            'Idempotent by id: the same id with the same content answers 200 and stores nothing; with different content 409 and overwrites nothing. A batch answers 200 when every item was stored or already present, 207 otherwise, with a status per item.',
          tags: ['observations'],
          body: SubmitBody,
          response: { 200: z.union([ObservationSchema, BatchResult]), 201: ObservationSchema, 207: BatchResult, 400: ProblemSchema, 409: ProblemSchema, 413: ProblemSchema },
        },
      },
      async (req, reply) => {
        const body = req.body as unknown;
        const isBatch = typeof body === 'object' && body !== null && !Array.isArray(body) && 'observations' in body;
        if (isBatch) {
          const list = (body as { observations: unknown }).observations;
          if (!Array.isArray(list) || list.length === 0) throw new InvalidInputError('observations', 'must be a non-empty array');
          if (list.length > 10_000) throw new InvalidInputError('observations', 'holds more than 10,000 items; split the batch');
          const results = await ingest.submit(list, { channel: 'http', rawId: req.rawId ?? null, pathPrefix: ['observations'] });
          await settleRequestItems(store, req, 'http', results);
          const tally = { created: 0, duplicate: 0, conflict: 0, invalid: 0 };
          for (const r of results) tally[r.status]++;
          const allStored = tally.conflict === 0 && tally.invalid === 0;
          return reply.code(allStored ? 200 : 207).send({ results, ...tally });
        }
        const [result] = await ingest.submit([body], { channel: 'http', rawId: req.rawId ?? null });
        await settleRequestItems(store, req, 'http', [result!]);
        if (result!.status === 'invalid' || result!.status === 'conflict') {
          const first = result!.errors![0]!;
          return sendProblem(reply, {
            type: PROBLEM_TYPE_BASE + (result!.status === 'invalid' ? 'invalid-input' : 'conflict'),
            title: result!.status === 'invalid' ? 'Invalid observation' : 'Conflict',
            status: result!.httpStatus,
            detail: `${first.field} ${first.message}`,
            instance: req.url,
            field: first.field,
            errors: result!.errors,
          });
        }
        // The filer's own record, echoed whatever label it carries.
        const stored = await judgedObservation(store, await store.observations.get(result!.id!, SEE_ALL));
        return reply.code(result!.httpStatus).header('location', `/api/observations/${encodeURIComponent(result!.id!)}`).send(stored!);
      },
    );

    app.get(
      '/api/observations',
      {
        config: { permission: 'observation.read' },
        schema: {
          summary: 'List observations, newest first, with filters and paging',
          tags: ['observations'],
          querystring: ObservationListQuery,
          response: { 200: ObservationPage, 400: ProblemSchema },
        },
      },
      async (req) => {
        const q = req.query;
        return judgedPage(store, await store.observations.list({
          visibility: req.visibility,
          bbox: q.bbox,
          from: q.from ? Date.parse(q.from) : undefined,
          to: q.to ? Date.parse(q.to) : undefined,
          kinds: q.kind,
          sector: q.sector,
          breach: q.breach,
          provision: q.provision,
          zone: q.zone,
          limit: q.limit,
          cursor: q.cursor,
        }));
      },
    );

    app.get(
      '/api/observations/:id',
      {
        config: { permission: 'observation.read' },
        schema: {
          summary: 'One observation',
          tags: ['observations'],
          params: z.object({ id: z.string().min(1).max(128) }),
          response: { 200: ObservationSchema, 404: ProblemSchema },
        },
      },
      async (req) => {
        const o = await judgedObservation(store, await store.observations.get(req.params.id, req.visibility));
        if (!o) throw new NotFoundError('observation', req.params.id);
        return o;
      },
    );

    app.put(
      '/api/observations/:id/releasability',
      {
        config: { permission: 'observation.relabel' },
        schema: {
          summary: 'Change who may see an observation (audited with the reason)',
          tags: ['observations'],
          params: z.object({ id: z.string().min(1).max(128) }),
          body: z.object({
            releasability: Releasability,
            reason: z.string().min(3).max(1000).describe('Why: kept in the audit log with the old and new label'),
          }),
          response: { 200: ObservationSchema, 400: ProblemSchema, 404: ProblemSchema },
        },
      },
      async (req) => {
        const o = await relabelObservation(store, req.actor, req.visibility, req.params.id, req.body.releasability, req.body.reason);
        return (await judgedObservation(store, o))!;
      },
    );
  };
