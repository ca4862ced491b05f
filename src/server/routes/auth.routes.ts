import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import '@fastify/cookie';
import { z } from 'zod';
import { ORG_KINDS, ROLES } from '../../domain/identity';
import { TOKEN_SCOPES } from '../../domain/permissions';
import { actorLabel, type AuthService } from '../../services/auth';
import type { AuditRepository } from '../../store/identity-repository';
import { CSRF_COOKIE, SESSION_COOKIE } from '../auth';
import { ProblemSchema } from '../schemas';
import { NotFoundError } from '../../domain/errors';

const Me = z.object({
  username: z.string(),
  nation: z.string(),
  org: z.string(),
  orgKind: z.enum(ORG_KINDS),
  roles: z.array(z.enum(ROLES)),
  mustChangePassword: z.boolean(),
  csrfToken: z.string().optional().describe('Echo in the x-csrf-token header on cookie-authenticated writes'),
});

export const authRoutes =
  (auth: AuthService, audit: AuditRepository, cookieSecure: boolean): FastifyPluginAsyncZod =>
  async (app) => {
    const cookieOptions = { path: '/', httpOnly: true, sameSite: 'strict' as const, secure: cookieSecure };

    app.post(
      '/api/auth/login',
      {
        schema: {
          summary: 'Log in with a password; sets an HttpOnly session cookie and answers the CSRF token',
          tags: ['auth'],
          body: z.object({ username: z.string().min(1).max(64), password: z.string().min(1).max(1024) }),
          response: { 200: Me, 401: ProblemSchema, 429: ProblemSchema },
        },
      },
      async (req, reply) => {
        const { sessionId, csrfToken, user } = await auth.login(req.body.username, req.body.password, req.ip);
        reply.setCookie(SESSION_COOKIE, sessionId, { ...cookieOptions, maxAge: 12 * 3600 });
        // Readable by the page's script (not HttpOnly) so it can echo it: double-submit CSRF.
        reply.setCookie(CSRF_COOKIE, csrfToken, { ...cookieOptions, httpOnly: false, maxAge: 12 * 3600 });
        return { username: user.username, nation: user.nation, org: user.org, orgKind: user.orgKind, roles: user.roles, mustChangePassword: user.mustChangePassword, csrfToken };
      },
    );

    app.post(
      '/api/auth/logout',
      { config: { permission: 'token.self', beforePasswordChange: true }, schema: { summary: 'End the session', tags: ['auth'] } },
      async (req, reply) => {
        const sid = req.cookies[SESSION_COOKIE];
        if (sid) await auth.logout(sid);
        reply.clearCookie(SESSION_COOKIE, { path: '/' }).clearCookie(CSRF_COOKIE, { path: '/' });
        return reply.code(204).send();
      },
    );

    app.get(
      '/api/auth/me',
      { config: { permission: 'token.self', beforePasswordChange: true }, schema: { summary: 'Who am I', tags: ['auth'], response: { 200: Me, 401: ProblemSchema } } },
      async (req) => {
        const a = req.actor;
        if (a.type !== 'user') throw new Error('unreachable: permission checked');
        const sid = req.cookies[SESSION_COOKIE];
        const session = sid && !a.scopes ? await auth.sessionActor(sid) : null;
        return { username: a.username, nation: a.nation, org: a.org, orgKind: a.orgKind, roles: a.roles, mustChangePassword: session?.mustChangePassword ?? false, csrfToken: req.sessionCsrf };
      },
    );

    app.get(
      '/api/auth/session',
      {
        schema: {
          summary: 'Who am I, for the web page: the user, or null for the public (never 401, so a page can ask first)',
          tags: ['auth'],
          response: { 200: z.object({ user: Me.nullable() }) },
        },
      },
      async (req) => {
        const a = req.actor;
        if (a.type !== 'user') return { user: null };
        const sid = req.cookies[SESSION_COOKIE];
        const session = sid && !a.scopes ? await auth.sessionActor(sid) : null;
        return { user: { username: a.username, nation: a.nation, org: a.org, orgKind: a.orgKind, roles: a.roles, mustChangePassword: session?.mustChangePassword ?? false, csrfToken: req.sessionCsrf } };
      },
    );

    app.post(
      '/api/auth/password',
      {
        config: { permission: 'token.self', beforePasswordChange: true },
        schema: {
          summary: 'Change your password (required first for a one-time password)',
          tags: ['auth'],
          body: z.object({ currentPassword: z.string().min(1).max(1024), newPassword: z.string().min(12).max(1024) }),
        },
      },
      async (req, reply) => {
        if (req.actor.type !== 'user') throw new Error('unreachable');
        await auth.changePassword(req.actor, req.body.currentPassword, req.body.newPassword);
        return reply.code(204).send();
      },
    );

    app.post(
      '/api/tokens',
      {
        config: { permission: 'token.self' },
        schema: {
          summary: 'Create an API token for yourself (shown once)',
          tags: ['auth'],
          body: z.object({ name: z.string().min(1).max(100), scopes: z.array(z.enum(TOKEN_SCOPES)).min(1) }),
          response: { 201: z.object({ id: z.string(), token: z.string() }) },
        },
      },
      async (req, reply) => {
        if (req.actor.type !== 'user') throw new Error('unreachable');
        const t = await auth.createToken(req.actor.username, req.body.scopes, req.body.name, actorLabel(req.actor));
        return reply.code(201).send(t);
      },
    );

    app.delete(
      '/api/tokens/:id',
      { config: { permission: 'token.self' }, schema: { summary: 'Revoke an API token', tags: ['auth'], params: z.object({ id: z.string().max(64) }) } },
      async (req, reply) => {
        if (!(await auth.revokeToken(req.params.id, req.actor))) throw new NotFoundError('token', req.params.id);
        return reply.code(204).send();
      },
    );

    app.get(
      '/api/audit',
      {
        config: { permission: 'audit.read' },
        schema: {
          summary: 'The audit log, newest first',
          tags: ['auth'],
          querystring: z.object({ entity: z.string().max(64).optional(), entityId: z.string().max(128).optional(), limit: z.coerce.number().int().min(1).max(1000).default(100), cursor: z.string().max(64).optional() }),
        },
      },
      async (req) => audit.list(req.query),
    );
  };
