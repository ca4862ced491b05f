import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { InvalidInputError, TrucelineError } from '../../domain/errors';
import { LandOptionInput, type LandOptionStatus } from '../../domain/land-option';
import { landComparisonPdf } from '../../services/land-pdf';
import { geometryFromGeoJson, geometryFromKml, LandService } from '../../services/land.service';
import type { Caller } from '../../services/task.service';
import type { Store } from '../../store/repository';
import {
  LandCompareBody,
  LandComparePdfQuery,
  LandCompareResponse,
  LandImportQuery,
  LandOptionCreateBody,
  LandOptionGetQuery,
  LandOptionList,
  LandOptionParams,
  LandOptionSchema,
  LandOptionVersionBody,
} from '../land.schemas';
import { ProblemSchema } from '../schemas';

const caller = (req: FastifyRequest): Caller => ({ actor: req.actor, visibility: req.visibility });
const documentOnly = () => (data: unknown) => ({ value: data });
const KML_TYPES = /^(application\/vnd\.google-earth\.kml\+xml|application\/xml|text\/xml|text\/plain)\b/i;

/** Land options: proposed demarcation lines, their versions, and their comparison. */
export const landRoutes =
  (store: Store, service = new LandService(store)): FastifyPluginAsyncZod =>
  async (app) => {
    const land = service;

    app.get(
      '/api/land/options',
      {
        config: { permission: 'land.read' },
        schema: { summary: "The land options released to you (each option's latest version you may see)", tags: ['land'], response: { 200: LandOptionList, 401: ProblemSchema } },
      },
      async (req) => ({ items: await land.list(caller(req)) }),
    );

    app.get(
      '/api/land/options/:id',
      {
        config: { permission: 'land.read' },
        schema: {
          summary: 'One land option (the latest version, or ?version=n)',
          description: 'An option not released to you answers 404, as one that does not exist.',
          tags: ['land'],
          params: LandOptionParams,
          querystring: LandOptionGetQuery,
          response: { 200: LandOptionSchema, 401: ProblemSchema, 404: ProblemSchema },
        },
      },
      async (req) => land.get(caller(req), req.params.id, req.query.version),
    );

    app.get(
      '/api/land/options/:id/versions',
      {
        config: { permission: 'land.read' },
        schema: {
          summary: 'Every version of a land option released to you, oldest first',
          tags: ['land'],
          params: LandOptionParams,
          response: { 200: LandOptionList, 401: ProblemSchema, 404: ProblemSchema },
        },
      },
      async (req) => ({ items: await land.versions(caller(req), req.params.id) }),
    );

    app.post(
      '/api/land/options',
      {
        config: { permission: 'land.write' },
        schema: {
          summary: 'Store a land option (version 1): a line, an area held on the option side, or both',
          description:
            'With only an area (e.g. a dated occupied-area polygon), the line is derived from it as `truceline agreement line-from-area` does. The label defaults to MECHANISM (drafts are sensitive); a label you could not see yourself is refused. An id already used answers 409.',
          tags: ['land'],
          body: LandOptionCreateBody,
          response: { 201: LandOptionSchema, 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema, 409: ProblemSchema },
        },
      },
      async (req, reply) => {
        const o = await land.create(caller(req), req.body);
        return reply.code(201).header('location', `/api/land/options/${encodeURIComponent(o.id)}`).send(o);
      },
    );

    app.put(
      '/api/land/options/:id',
      {
        config: { permission: 'land.write' },
        schema: {
          summary: 'Store the next version of a land option (the whole option again)',
          description: 'Append-only: the earlier versions stay readable. With ifVersion, a newer version stored meanwhile answers 409.',
          tags: ['land'],
          params: LandOptionParams,
          body: LandOptionVersionBody,
          response: { 200: LandOptionSchema, 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema },
        },
      },
      async (req) => {
        const { ifVersion, ...input } = req.body;
        return land.update(caller(req), req.params.id, input, ifVersion);
      },
    );

    app.post(
      '/api/land/import',
      {
        config: { permission: 'land.write', inbox: { channel: 'http', text: KML_TYPES } },
        validatorCompiler: documentOnly,
        schema: {
          summary: 'Import a land option from KML (application/vnd.google-earth.kml+xml) or GeoJSON (application/json)',
          description:
            'The body is stored raw first. Its lines become the option’s line and its polygons the area held on the option side. KML with a DOCTYPE or ENTITY declaration is refused (untrusted XML).',
          tags: ['land'],
          consumes: ['application/vnd.google-earth.kml+xml', 'application/json'],
          querystring: LandImportQuery,
          body: z.unknown().describe('KML document or GeoJSON'),
          response: { 201: LandOptionSchema, 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema, 415: ProblemSchema },
        },
      },
      async (req, reply) => {
        const kml = Buffer.isBuffer(req.body);
        const geometry = kml ? geometryFromKml((req.body as Buffer).toString('utf8')) : geometryFromGeoJson(req.body);
        const q = req.query;
        const parsed = LandOptionInput.safeParse({
          name: q.name ?? geometry.name ?? 'Imported option',
          date: q.date ?? new Date().toISOString().slice(0, 10),
          status: (q.status ?? 'draft') satisfies LandOptionStatus,
          ...(q.releasability ? { releasability: q.releasability } : {}),
          source: kml ? 'kml' : 'geojson',
          ...(geometry.line ? { line: geometry.line } : {}),
          ...(geometry.area ? { area: geometry.area } : {}),
        });
        if (!parsed.success) {
          const issue = parsed.error.issues[0]!;
          throw new InvalidInputError(issue.path.join('.') || 'body', issue.message);
        }
        const o = await land.create(caller(req), parsed.data);
        return reply.code(201).header('location', `/api/land/options/${encodeURIComponent(o.id)}`).send(o);
      },
    );

    app.post(
      '/api/land/compare',
      {
        config: { permission: 'land.read' },
        schema: {
          summary: 'Compare one to three options with a reference: area changing sides, settlements and people, zones, towns, infrastructure',
          description:
            'Each side is a stored option ({"id"}), the contact line of the agreement in force ({"current": true}, the default reference) or inline GeoJSON ({"line"} and/or {"area"}). Areas are geodesic on WGS84; the agreement’s security zone and withdrawal distances are applied around each new line.',
          tags: ['land'],
          body: LandCompareBody,
          response: { 200: LandCompareResponse, 400: ProblemSchema, 401: ProblemSchema, 404: ProblemSchema },
        },
      },
      async (req) => land.compare(caller(req), req.body),
    );

    app.get(
      '/api/land/compare.pdf',
      {
        config: { permission: 'land.read' },
        schema: {
          summary: 'The comparison of stored options as a PDF (map sketch, table, settlements)',
          tags: ['land'],
          querystring: LandComparePdfQuery,
          produces: ['application/pdf'],
          response: { 200: z.any().describe('application/pdf'), 400: ProblemSchema, 401: ProblemSchema, 404: ProblemSchema },
        },
      },
      async (req, reply) => {
        const ids = req.query.options.split(',').map((s) => s.trim()).filter(Boolean);
        if (ids.length < 1 || ids.length > 3) throw new TrucelineError(400, 'invalid-input', 'Invalid input', 'options: name one to three option ids', 'options');
        const result = await land.compare(caller(req), {
          ...(req.query.reference ? { reference: { id: req.query.reference } } : {}),
          options: ids.map((id) => ({ id })),
        });
        const pdf = await landComparisonPdf(result);
        return reply.type('application/pdf').header('content-disposition', 'attachment; filename="land-comparison.pdf"').send(pdf);
      },
    );
  };
