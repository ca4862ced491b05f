import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CAPABILITIES, CAPABILITY_INFO } from '../../domain/force';
import { TrucelineError } from '../../domain/errors';
import type { AgreementService } from '../../services/agreement.service';
import { bundleToCsv, csvToBundle, ForceService, FORCE_INPUTS } from '../../services/force.service';
import type { Caller } from '../../services/task.service';
import { FORCE_KINDS, type ForceKind } from '../../store/force-repository';
import type { Store } from '../../store/repository';
import {
  ExportQuery,
  FORCE_PATHS,
  FORCE_RECORD_SCHEMAS,
  ForceGenerationSchema,
  ForceListQuery,
  ForceParams,
  ForceSettings,
  IfVersionQuery,
  ImportSummarySchema,
  NationParams,
  NationRecordSchema,
  UnitFeatureCollection,
} from '../force.schemas';
import { ProblemSchema } from '../schemas';

const caller = (req: FastifyRequest): Caller => ({ actor: req.actor, visibility: req.visibility });
const documentOnly = () => (data: unknown) => ({ value: data });

const NOUN: Record<ForceKind, string> = {
  requirement: 'requirement of the force',
  pledge: "nation's pledge",
  unit: 'unit',
  deployment: 'deployment of a unit',
  lead_nation: 'lead nation of a domain',
  document: 'document of the commitments register',
  commitment: 'commitment',
};

/** The multinational force and the commitments register. */
export const forceRoutes =
  (store: Store, agreements: AgreementService): FastifyPluginAsyncZod =>
  async (app) => {
    const force = new ForceService(store, agreements);

    // Deployments come with the stand-off rule checked; commitments with their fate and delivery.
    const listOf = (c: Caller, kind: ForceKind, nation?: string): Promise<unknown[]> =>
      kind === 'deployment' ? force.deployments(c) : kind === 'commitment' ? force.commitments(c, nation) : force.list(c, kind, nation);
    const oneOf = async (c: Caller, kind: ForceKind, id: string): Promise<unknown> => {
      const r = await force.get(c, kind, id);
      if (kind === 'deployment') return (await force.deployments(c)).find((d) => d.id === id) ?? r;
      if (kind === 'commitment') return (await force.commitments(c)).find((x) => x.id === id) ?? r;
      return r;
    };

    for (const kind of FORCE_KINDS) {
      const path = `/api/force/${FORCE_PATHS[kind]}`;
      const Record = FORCE_RECORD_SCHEMAS[kind] as z.ZodType;
      const Input = FORCE_INPUTS[kind] as z.ZodType;
      const tags = [kind === 'document' || kind === 'commitment' ? 'commitments' : 'force'];

      app.get(
        path,
        {
          config: { permission: 'force.read' },
          schema: {
            summary: `List every ${NOUN[kind]} released to you, by id`,
            tags,
            querystring: ForceListQuery,
            response: { 200: z.array(Record), 401: ProblemSchema },
          },
        },
        async (req) => listOf(caller(req), kind, req.query.nation),
      );

      app.get(
        `${path}/:id`,
        {
          config: { permission: 'force.read' },
          schema: { summary: `One ${NOUN[kind]}`, description: 'One not released to you answers 404, as one that does not exist.', tags, params: ForceParams, response: { 200: Record, 401: ProblemSchema, 404: ProblemSchema } },
        },
        async (req) => oneOf(caller(req), kind, req.params.id),
      );

      app.post(
        path,
        {
          config: { permission: 'force.write' },
          schema: {
            summary: `Add a ${NOUN[kind]}`,
            description: 'The label defaults to COALITION. A client-supplied id is kept as given; one already used answers 409.',
            tags,
            body: Input,
            response: { 201: Record, 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema, 409: ProblemSchema },
          },
        },
        async (req, reply) => {
          const { record } = await force.put(caller(req), kind, req.body as never, { ifVersion: 0 });
          return reply.code(201).header('location', `${path}/${encodeURIComponent(record.id)}`).send(await oneOf(caller(req), kind, record.id));
        },
      );

      app.put(
        `${path}/:id`,
        {
          config: { permission: 'force.write' },
          schema: {
            summary: `Create or replace a ${NOUN[kind]}`,
            description: 'The id in the path wins. With ?ifVersion=N the write applies only while the record is at version N (409 otherwise).',
            tags,
            params: ForceParams,
            querystring: IfVersionQuery,
            body: Input,
            response: { 200: Record, 201: Record, 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema, 409: ProblemSchema },
          },
        },
        async (req, reply) => {
          const body = { ...(req.body as object), id: req.params.id };
          const { created } = await force.put(caller(req), kind, body as never, req.query.ifVersion === undefined ? {} : { ifVersion: req.query.ifVersion });
          return reply.code(created ? 201 : 200).send(await oneOf(caller(req), kind, req.params.id));
        },
      );

      app.delete(
        `${path}/:id`,
        {
          config: { permission: 'force.write' },
          schema: { summary: `Remove a ${NOUN[kind]}`, tags, params: ForceParams, response: { 204: z.null().describe('Removed'), 401: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema } },
        },
        async (req, reply) => {
          await force.remove(caller(req), kind, req.params.id);
          return reply.code(204).send(null);
        },
      );
    }

    app.get(
      '/api/force/generation',
      {
        config: { permission: 'force.read' },
        schema: { summary: 'The force-generation table: required vs pledged vs deployed, by capability and by nation, with gaps', tags: ['force'], response: { 200: ForceGenerationSchema, 401: ProblemSchema } },
      },
      async (req) => ({ ...(await force.generation(caller(req))), capabilities: CAPABILITIES.map((id) => ({ id, ...CAPABILITY_INFO[id] })) }),
    );

    app.get(
      '/api/force/map',
      {
        config: { permission: 'force.read' },
        schema: {
          summary: 'Units where they are now: at their TAK position report when they send one, else at their current deployment; flagged when too close to the line',
          tags: ['force'],
          response: { 200: UnitFeatureCollection, 401: ProblemSchema },
        },
      },
      async (req) => force.unitFeatures(caller(req)),
    );

    app.get(
      '/api/force/nations/:nation',
      {
        config: { permission: 'force.read' },
        schema: { summary: 'What a nation committed, and what it has delivered', tags: ['commitments'], params: NationParams, response: { 200: NationRecordSchema, 400: ProblemSchema, 401: ProblemSchema } },
      },
      async (req) => force.nation(caller(req), req.params.nation),
    );

    app.get(
      '/api/force/settings',
      { config: { permission: 'force.read' }, schema: { summary: "The force's stand-off rule", tags: ['force'], response: { 200: ForceSettings, 401: ProblemSchema } } },
      async () => force.settings(),
    );

    app.put(
      '/api/force/settings',
      {
        config: { permission: 'force.write' },
        schema: { summary: "Set the force's stand-off rule (audited)", tags: ['force'], body: ForceSettings, response: { 200: ForceSettings, 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema } },
      },
      async (req) => force.putSettings(caller(req), req.body),
    );

    app.get(
      '/api/force/export',
      {
        config: { permission: 'force.read' },
        schema: {
          summary: 'Export the force and the commitments register released to you, as JSON or CSV',
          description: 'What it answers imports again (POST /api/force/import) to the same ids, changing nothing.',
          tags: ['force'],
          querystring: ExportQuery,
          produces: ['application/json', 'text/csv'],
        },
      },
      async (req, reply) => {
        const bundle = await force.exportBundle(caller(req), req.query.kind ? [req.query.kind] : FORCE_KINDS);
        if (req.query.format === 'csv') {
          const { settings: _s, ...records } = bundle;
          return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="force.csv"').send(bundleToCsv(records));
        }
        return reply.type('application/json').send(bundle);
      },
    );

    app.post(
      '/api/force/import',
      {
        config: { permission: 'force.write', inbox: { channel: 'http', text: /^(text\/csv|application\/csv)\b/i } },
        validatorCompiler: documentOnly,
        schema: {
          summary: 'Import the force and the commitments register (JSON bundle or CSV)',
          description:
            'JSON: {requirements, pledges, units, deployments, leadNations, documents, commitments, settings}, each an array of records as their POST takes them. CSV (text/csv): as the export writes it. Every record is validated first: any problem answers 400 listing them all, and nothing is stored. Records are upserted by id; one equal to what is stored is counted unchanged.',
          tags: ['force'],
          consumes: ['application/json', 'text/csv'],
          body: z.unknown().describe('A JSON bundle or a CSV'),
          response: { 200: ImportSummarySchema, 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema },
        },
      },
      async (req) => {
        const body = Buffer.isBuffer(req.body) ? csvToBundle(req.body) : req.body;
        if (body === undefined) throw new TrucelineError(400, 'invalid-input', 'Invalid input', 'send a JSON bundle or a CSV', '(body)');
        return force.importBundle(caller(req), body);
      },
    );
  };
