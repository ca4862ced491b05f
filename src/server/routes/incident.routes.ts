import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { IncidentService } from '../../services/incident.service';
import type { Caller } from '../../services/task.service';
import {
  AllegationCreateBody,
  AllegationLinkBody,
  AllegationListQuery,
  AllegationPage,
  AllegationParams,
  AllegationSchema,
  IncidentListQuery,
  IncidentPage,
  IncidentParams,
  IncidentSchema,
  IncidentTransitionBody,
  InvestigationBody,
  InvestigationResponse,
  MergeBody,
  SplitBody,
  SplitResponse,
} from '../incident.schemas';
import { ProblemSchema } from '../schemas';

const caller = (req: FastifyRequest): Caller => ({ actor: req.actor, visibility: req.visibility });
const problems = { 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema };

/** Verification: the incident queue, an incident's page, its workflow, merges, splits, investigations; allegations. */
export const incidentRoutes =
  (incidents: IncidentService): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      '/api/incidents',
      {
        config: { permission: 'incident.read' },
        schema: {
          summary: 'The verification queue: incidents released to you, filtered and sorted, paged',
          description: 'Age is the time since the event began. Default: oldest first.',
          tags: ['incidents'],
          querystring: IncidentListQuery,
          response: { 200: IncidentPage, 400: ProblemSchema, 401: ProblemSchema },
        },
      },
      async (req) => {
        const { state, kind, sector, observation, ...q } = req.query;
        return incidents.list(caller(req), {
          ...q,
          ...(observation ? { observationId: observation } : {}),
          ...(state ? { states: state } : {}),
          ...(kind ? { kinds: kind } : {}),
          ...(sector === undefined ? {} : { sector: sector === 'none' ? null : sector }),
        });
      },
    );

    app.get(
      '/api/incidents/:id',
      {
        config: { permission: 'incident.read' },
        schema: {
          summary: 'One incident: observations, origin estimate with its ellipse, allegations, investigations, history, and what you may do',
          description: 'An incident not released to you answers 404, as one that does not exist.',
          tags: ['incidents'],
          params: IncidentParams,
          response: { 200: IncidentSchema, 401: ProblemSchema, 404: ProblemSchema },
        },
      },
      async (req) => incidents.get(caller(req), req.params.id),
    );

    app.post(
      '/api/incidents/:id/transitions',
      {
        // The table names the permission of each row: verdicts and reopening are incident.review's.
        config: { permission: 'incident.write' },
        schema: {
          summary: 'Move an incident along the verification workflow',
          description:
            'Decided by the table in src/domain/verification-workflow.ts: 409 when there is no row from the current state to `to` (or ifVersion is stale), 403 when your role or a guard refuses (the two-nation rule: findings are confirmed by an analyst of another nation than the drafter; the review is a chief monitor\'s who neither drafted nor confirmed), 400 when a required reason or assessment is missing, 404 when the incident is not released to you. Every step goes to the history and the audit log.',
          tags: ['incidents'],
          params: IncidentParams,
          body: IncidentTransitionBody,
          response: { 200: IncidentSchema, ...problems },
        },
      },
      async (req) => incidents.transition(caller(req), req.params.id, req.body),
    );

    app.post(
      '/api/incidents/:id/merge',
      {
        config: { permission: 'incident.write' },
        schema: {
          summary: 'Merge another incident into this one (same event)',
          description: 'Both must be in a state whose observations may change (received, triaged, under investigation, access denied, reopened). The other becomes merged; its observations and allegations move here, each with who and why.',
          tags: ['incidents'],
          params: IncidentParams,
          body: MergeBody,
          response: { 200: IncidentSchema, ...problems },
        },
      },
      async (req) => incidents.merge(caller(req), req.params.id, req.body),
    );

    app.post(
      '/api/incidents/:id/split',
      {
        config: { permission: 'incident.write' },
        schema: {
          summary: 'Split observations off into a new incident (another event)',
          tags: ['incidents'],
          params: IncidentParams,
          body: SplitBody,
          response: { 201: SplitResponse, ...problems },
        },
      },
      async (req, reply) => {
        const r = await incidents.split(caller(req), req.params.id, req.body);
        return reply.code(201).header('location', `/api/incidents/${encodeURIComponent(r.created.id)}`).send(r);
      },
    );

    app.post(
      '/api/incidents/:id/investigations',
      {
        config: { permission: 'incident.write' },
        schema: {
          summary: 'Task a team to investigate the incident (a task of kind investigation linked to it)',
          description: 'Needs task.write as well. The task follows the tasking workflow (/api/tasks); the incident lists it.',
          tags: ['incidents'],
          params: IncidentParams,
          body: InvestigationBody,
          response: { 201: InvestigationResponse, ...problems },
        },
      },
      async (req, reply) => {
        const r = await incidents.investigate(caller(req), req.params.id, req.body);
        return reply.code(201).header('location', `/api/tasks/${encodeURIComponent(r.task.id)}`).send(r);
      },
    );

    app.post(
      '/api/allegations',
      {
        config: { permission: 'allegation.file' },
        schema: {
          summary: 'File an allegation: a claim that something happened (parties, partners, the public through the mechanism)',
          description:
            'Stored beside the monitors\' observations, never over them. Linked to the incident named, else to the nearest incident of its kind within the allegation windows (2 h, 10 km by default), else a new incident is opened from it. Label: default MECHANISM for the mechanism\'s users, "REL TO <your nation>" for others; it must be one you can read.',
          tags: ['allegations'],
          body: AllegationCreateBody,
          response: { 201: AllegationSchema, ...problems },
        },
      },
      async (req, reply) => {
        const a = await incidents.fileAllegation(caller(req), req.body);
        return reply.code(201).header('location', `/api/allegations/${encodeURIComponent(a.id)}`).send(a);
      },
    );

    app.get(
      '/api/allegations',
      {
        config: { permission: 'allegation.read' },
        schema: {
          summary: 'Allegations released to you, newest filed first',
          tags: ['allegations'],
          querystring: AllegationListQuery,
          response: { 200: AllegationPage, 400: ProblemSchema, 401: ProblemSchema },
        },
      },
      async (req) => {
        const { incident, source, ...q } = req.query;
        return incidents.listAllegations(caller(req), { ...q, ...(incident ? { incidentId: incident } : {}), ...(source ? { sourceKind: source } : {}) });
      },
    );

    app.get(
      '/api/allegations/:id',
      {
        config: { permission: 'allegation.read' },
        schema: {
          summary: 'One allegation',
          tags: ['allegations'],
          params: AllegationParams,
          response: { 200: AllegationSchema, 401: ProblemSchema, 404: ProblemSchema },
        },
      },
      async (req) => incidents.getAllegation(caller(req), req.params.id),
    );

    app.post(
      '/api/allegations/:id/link',
      {
        config: { permission: 'incident.write' },
        schema: {
          summary: 'Link an allegation to the incident it concerns (analysts)',
          tags: ['allegations'],
          params: AllegationParams,
          body: AllegationLinkBody,
          response: { 200: AllegationSchema, ...problems },
        },
      },
      async (req) => incidents.linkAllegation(caller(req), req.params.id, req.body),
    );
  };
