import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { NotFoundError } from '../../domain/errors';
import type { Actor } from '../../domain/identity';
import type { AgreementService, AgreementState } from '../../services/agreement.service';
import { actorLabel } from '../../services/auth';
import { versionInForce } from '../../domain/agreement';
import { AmendmentBody, CurrentAgreement, ImportBody, LayersQuery, LayersResponse, ReevaluateBody, ReevaluateResponse, RevisionSchema } from '../agreement.schemas';
import { ProblemSchema } from '../schemas';

/** The agreement document is validated by parseAgreement (every feature and problem named, 400 invalid-agreement); the schema documents it. */
const documentOnly = () => (data: unknown) => ({ value: data });

/** Who made the request, for the record (the API has no login yet: `api`). */
const by = (req: FastifyRequest): string => {
  const actor = (req as { actor?: Actor }).actor;
  return actor && actor.type !== 'public' ? actorLabel(actor) : 'api';
};

const summary = (s: AgreementState) => ({
  revision: s.revision.revision,
  agreementId: s.revision.agreementId,
  storedAt: s.revision.storedAt,
  by: s.revision.by,
  reason: s.revision.reason,
  versions: s.parsed.versions.map((v, i) => ({
    version: v.version,
    effectiveFrom: v.effectiveFrom,
    effectiveUntil: v.effectiveUntil,
    note: s.parsed.agreement.versions[i]?.note ?? null,
  })),
  versionInForceNow: versionInForce(s.parsed, new Date())?.version ?? null,
  agreement: s.revision.doc as unknown as Record<string, unknown>,
});

export const agreementRoutes =
  (agreements: AgreementService): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      '/api/agreements/current',
      {
        config: { permission: 'agreement.read' },
        schema: {
          summary: 'The agreement in force: the whole document, its versions and the stored revision',
          tags: ['agreements'],
          response: { 200: CurrentAgreement, 404: ProblemSchema },
        },
      },
      async () => {
        const s = await agreements.current();
        if (!s) throw new NotFoundError('agreement', 'in force (none stored yet)');
        return summary(s);
      },
    );

    app.get(
      '/api/agreements/revisions',
      {
        config: { permission: 'agreement.read' },
        schema: {
          summary: 'Every stored revision of the agreement, newest first (the first is in force)',
          tags: ['agreements'],
          response: { 200: z.object({ items: z.array(RevisionSchema) }) },
        },
      },
      async () => ({ items: await agreements.revisions() }),
    );

    app.post(
      '/api/agreements',
      {
        config: { permission: 'agreement.write' },
        validatorCompiler: documentOnly,
        schema: {
          summary: 'Import a whole agreement (it replaces the one in force as a new revision)',
          description:
            'The file format of `truceline agreement import` (src/agreement/README.md). An invalid geometry (self-intersection, unclosed ring, coordinates out of range, wrong nesting), an unknown weapon class or party, or any other problem rejects the whole document: 400 `invalid-agreement` with `problems` naming each feature and problem; the agreement in force is unchanged. Observations are not re-judged by themselves: call POST /api/agreements/reevaluate.',
          tags: ['agreements'],
          body: ImportBody,
          response: { 201: CurrentAgreement, 400: ProblemSchema, 409: ProblemSchema },
        },
      },
      async (req, reply) => reply.code(201).send(summary(await agreements.importAgreement(by(req), req.body))),
    );

    app.post(
      '/api/agreements/current/amendments',
      {
        config: { permission: 'agreement.write' },
        schema: {
          summary: 'Amend the agreement in force: a new version from effectiveFrom replacing the provisions given',
          description:
            'Stored as a new revision of the whole agreement. Observations made from effectiveFrom on are judged by the new version; call POST /api/agreements/reevaluate to re-judge those already stored.',
          tags: ['agreements'],
          body: AmendmentBody,
          response: { 201: CurrentAgreement, 400: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema },
        },
      },
      async (req, reply) => {
        const { ifRevision, ...amendment } = req.body;
        return reply.code(201).send(summary(await agreements.amend(by(req), amendment, ifRevision === undefined ? {} : { ifRevision })));
      },
    );

    app.get(
      '/api/agreements/current/layers',
      {
        config: { permission: 'agreement.read' },
        schema: {
          summary: 'Map layers (GeoJSON) of the agreement version in force at an instant: lines, zone edges, withdrawal lines, sites, areas',
          tags: ['agreements'],
          querystring: LayersQuery,
          response: { 200: LayersResponse, 400: ProblemSchema, 404: ProblemSchema },
        },
      },
      async (req) => {
        const at = req.query.at ? new Date(req.query.at) : new Date();
        const r = await agreements.layers(at);
        if (!r) throw new NotFoundError('agreement version', `in force at ${at.toISOString()}`);
        return {
          type: 'FeatureCollection' as const,
          agreementId: r.state.revision.agreementId,
          revision: r.state.revision.revision,
          version: r.version.version,
          effectiveFrom: r.version.effectiveFrom,
          effectiveUntil: r.version.effectiveUntil,
          features: r.layers.features as unknown as z.infer<typeof LayersResponse>['features'],
        };
      },
    );

    app.post(
      '/api/agreements/reevaluate',
      {
        config: { permission: 'agreement.write' },
        schema: {
          summary: 'Re-judge the observations of a time range with the agreement in force',
          description: 'Each observation observed in [from, to) gets a new judgement; the raw observations are never changed. Answers counts.',
          tags: ['agreements'],
          body: ReevaluateBody,
          response: { 200: ReevaluateResponse, 400: ProblemSchema, 404: ProblemSchema },
        },
      },
      async (req) =>
        agreements.reevaluate(by(req), {
          ...(req.body.from ? { from: Date.parse(req.body.from) } : {}),
          ...(req.body.to ? { to: Date.parse(req.body.to) } : {}),
        }),
    );
  };
