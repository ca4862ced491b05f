import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { TrucelineError } from '../domain/errors';

/** RFC 9457 problem details, as every error of the API is answered. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  /** The offending field, dotted path (e.g. `location.lat`, `observations.3.kind`). */
  field?: string;
  errors?: { field: string; message: string }[];
  [extra: string]: unknown;
}

export const PROBLEM_TYPE_BASE = 'https://truceline.org/problems/';

export function problemFromTruceline(e: TrucelineError, instance?: string): Problem {
  return {
    type: PROBLEM_TYPE_BASE + e.type,
    title: e.title,
    status: e.status,
    detail: e.message,
    ...(instance ? { instance } : {}),
    ...(e.field ? { field: e.field } : {}),
    ...(e.extra ?? {}),
  };
}

export function installProblemHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    let problem: Problem;
    if (err instanceof TrucelineError) {
      problem = problemFromTruceline(err, req.url);
    } else if (hasZodFastifySchemaValidationErrors(err)) {
      const where = err.validationContext ?? 'request';
      const errors = err.validation.map((v) => ({
        field: v.instancePath.replace(/^\//, '').replace(/\//g, '.') || where,
        message: v.message ?? 'is invalid',
      }));
      problem = {
        type: PROBLEM_TYPE_BASE + 'invalid-input',
        title: 'Invalid input',
        status: 400,
        detail: `${errors[0]!.field}: ${errors[0]!.message}`,
        instance: req.url,
        field: errors[0]!.field,
        errors,
      };
    } else if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      problem = { type: PROBLEM_TYPE_BASE + (err.code ?? 'bad-request').toLowerCase(), title: 'Bad request', status: err.statusCode, detail: err.message, instance: req.url };
    } else {
      req.log.error({ err }, 'unhandled error');
      problem = { type: PROBLEM_TYPE_BASE + 'internal', title: 'Internal error', status: 500, detail: 'The server failed to handle this request; it has been logged.', instance: req.url };
    }
    return sendProblem(reply, problem);
  });
  app.setNotFoundHandler((req, reply) =>
    sendProblem(reply, { type: PROBLEM_TYPE_BASE + 'not-found', title: 'Not found', status: 404, detail: `No route ${req.method} ${req.url.split('?')[0]}`, instance: req.url }),
  );
}

export function sendProblem(reply: FastifyReply, problem: Problem): FastifyReply {
  // Sent as a string: problem+json is not a content type Fastify serialises by itself.
  return reply.code(problem.status).type('application/problem+json').send(JSON.stringify(problem));
}
