import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import '@fastify/cookie';
import { TrucelineError } from '../domain/errors';
import { PUBLIC_ACTOR, visibilityOf, type Actor, type CoalitionConfig, type Visibility } from '../domain/identity';
import { allows, type Permission } from '../domain/permissions';
import { AuthError, safeEqual, type AuthService } from '../services/auth';

export const SESSION_COOKIE = 'truceline_session';
export const CSRF_COOKIE = 'truceline_csrf';
export const CSRF_HEADER = 'x-csrf-token';

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor;
    /** What the actor may read: every repository read takes it (releasability in the query). */
    visibility: Visibility;
    /** Set when the actor came from a session cookie: writes must echo this token. */
    sessionCsrf?: string;
  }
  interface FastifyContextConfig {
    /** The permission this route needs; a route without one is public. */
    permission?: Permission;
    /** Reachable while the user must still change a one-time password. */
    beforePasswordChange?: boolean;
    /** The route authenticates by its own credential (a partner feed's token), not a user's. */
    ownCredential?: boolean;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Resolves the actor (Bearer token or session cookie) and checks the route's permission in
 * onRequest, before the body is read: an anonymous write answers 401 whatever it holds.
 */
export function installAuth(app: FastifyInstance, auth: AuthService, coalition: CoalitionConfig): void {
  app.decorateRequest('actor', null as never);
  app.decorateRequest('visibility', null as never);
  app.addHook('onRequest', async (req: FastifyRequest, _reply: FastifyReply) => {
    req.actor = PUBLIC_ACTOR;
    req.visibility = visibilityOf(PUBLIC_ACTOR, coalition);
    const config = req.routeOptions.config;
    if (config?.ownCredential) return;
    let mustChangePassword = false;
    const header = req.headers.authorization;
    if (header) {
      const m = /^Bearer\s+(\S+)$/i.exec(header);
      const actor = m ? await auth.tokenActor(m[1]!) : null;
      if (!actor) throw new AuthError('the API token is unknown, revoked or malformed');
      req.actor = actor;
    } else {
      const sessionId = req.cookies?.[SESSION_COOKIE];
      const session = sessionId ? await auth.sessionActor(sessionId) : null;
      if (session) {
        req.actor = session.actor;
        req.sessionCsrf = session.csrfToken;
        mustChangePassword = session.mustChangePassword;
      }
    }

    req.visibility = visibilityOf(req.actor, coalition);
    const permission = config?.permission;
    if (!permission) return;
    if (!allows(req.actor, permission)) {
      if (req.actor.type === 'public') throw new AuthError('log in (POST /api/auth/login) or send an API token (Authorization: Bearer ...)');
      throw new TrucelineError(403, 'forbidden', 'Forbidden', `${permission} is not granted to your role${req.actor.scopes ? ' or token scopes' : ''}`);
    }
    if (mustChangePassword && !config.beforePasswordChange)
      throw new TrucelineError(403, 'password-change-required', 'Password change required', 'change the one-time password first (POST /api/auth/password)');
    if (req.sessionCsrf && !SAFE_METHODS.has(req.method)) {
      const sent = req.headers[CSRF_HEADER];
      if (typeof sent !== 'string' || !safeEqual(sent, req.sessionCsrf))
        throw new TrucelineError(403, 'csrf', 'CSRF token missing or wrong', `cookie-authenticated writes must send the ${CSRF_HEADER} header (from the login answer or the ${CSRF_COOKIE} cookie)`);
    }
  });
}
