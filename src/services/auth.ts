import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { hash as argonHash, verify as argonVerify } from '@node-rs/argon2';
import { v7 as uuidv7 } from 'uuid';
import { ConflictError, InvalidInputError, TrucelineError } from '../domain/errors';
import { ROLES, type Actor, type OrgKind, type Role, type UserActor } from '../domain/identity';
import { TOKEN_SCOPES, type TokenScope } from '../domain/permissions';
import type { AuditRepository, IdentityRepository, UserRecord } from '../store/identity-repository';

const SESSION_TTL_MS = 12 * 3_600_000;
export const MAX_FAILED_LOGINS = 5;
export const LOCKOUT_MS = 15 * 60_000;
const IP_WINDOW_MS = 5 * 60_000;
const IP_MAX_ATTEMPTS = 30;

export const sha256 = (s: string) => createHash('sha256').update(s).digest('base64url');
const secret = (bytes = 32) => randomBytes(bytes).toString('base64url');

/** The actor label written to the audit log. */
export const actorLabel = (a: Actor) => (a.type === 'public' ? 'public' : a.scopes ? `token:${a.username}` : `user:${a.username}`);

export class AuthError extends TrucelineError {
  constructor(detail = 'wrong username or password') {
    super(401, 'unauthenticated', 'Authentication required', detail);
  }
}

export interface NewUser {
  username: string;
  password?: string;
  nation: string;
  org: string;
  orgKind: OrgKind;
  roles: Role[];
  mustChangePassword?: boolean;
}

/** Login, sessions, API tokens. Passwords are argon2id; session ids and tokens are stored hashed. */
export class AuthService {
  private readonly attemptsByIp = new Map<string, number[]>();

  constructor(
    private readonly identity: IdentityRepository,
    private readonly audit: AuditRepository,
  ) {}

  async createUser(u: NewUser, by: string): Promise<{ user: UserRecord; password: string; generated: boolean }> {
    if (!/^[a-z0-9][a-z0-9._-]{1,63}$/i.test(u.username)) throw new InvalidInputError('username', 'must be 2-64 letters, digits, dots, dashes or underscores');
    if (!/^[A-Z]{3}$/.test(u.nation)) throw new InvalidInputError('nation', 'must be an ISO 3166-1 alpha-3 code');
    const bad = u.roles.find((r) => !(ROLES as readonly string[]).includes(r));
    if (bad || u.roles.length === 0) throw new InvalidInputError('roles', `must be some of ${ROLES.join(', ')}`);
    const generated = !u.password;
    const password = u.password ?? secret(15);
    if (password.length < 12) throw new InvalidInputError('password', 'must be at least 12 characters');
    const user: UserRecord = {
      id: uuidv7(),
      username: u.username,
      passwordHash: await argonHash(password),
      nation: u.nation,
      org: u.org,
      orgKind: u.orgKind,
      roles: u.roles,
      createdAt: new Date().toISOString(),
      failedLogins: 0,
      lockedUntil: null,
      mustChangePassword: u.mustChangePassword ?? false,
    };
    if ((await this.identity.createUser(user)) === 'exists') throw new ConflictError(`user ${u.username} exists`, 'username');
    await this.record(by, 'user.create', 'user', user.id, { username: u.username, nation: u.nation, org: u.org, roles: u.roles });
    return { user, password, generated };
  }

  /** On first start: an `admin` with a one-time password, printed once by the caller. */
  async ensureFirstAdmin(): Promise<string | null> {
    if ((await this.identity.countUsers()) > 0) return null;
    try {
      const { password } = await this.createUser(
        { username: 'admin', nation: 'USA', org: 'Truceline administration', orgKind: 'mechanism', roles: ['admin'], mustChangePassword: true },
        'system',
      );
      return password;
    } catch (err) {
      // Two processes starting at once on one new PostgreSQL store: the other one made it (and printed it).
      if (err instanceof ConflictError) return null;
      throw err;
    }
  }

  async login(username: string, password: string, ip: string): Promise<{ sessionId: string; csrfToken: string; user: UserRecord }> {
    this.throttle(ip);
    const user = await this.identity.userByName(username);
    // Verify against a dummy hash for unknown users so timing does not reveal who exists.
    const ok = await argonVerify(user?.passwordHash ?? DUMMY_HASH, password).catch(() => false);
    const now = Date.now();
    if (!user) throw new AuthError();
    if (user.lockedUntil && Date.parse(user.lockedUntil) > now) {
      await this.record(`user:${username}`, 'login.refused_locked', 'user', user.id, { ip });
      throw new AuthError(`account locked after ${MAX_FAILED_LOGINS} failed logins; try again after ${user.lockedUntil}`);
    }
    if (!ok) {
      const failures = user.failedLogins + 1;
      const lockedUntil = failures >= MAX_FAILED_LOGINS ? new Date(now + LOCKOUT_MS).toISOString() : null;
      await this.identity.setLoginState(user.id, lockedUntil ? 0 : failures, lockedUntil);
      await this.record(`user:${username}`, lockedUntil ? 'login.locked' : 'login.failed', 'user', user.id, { ip, failures });
      throw new AuthError();
    }
    await this.identity.setLoginState(user.id, 0, null);
    const sessionId = secret();
    const csrfToken = secret();
    await this.identity.createSession({
      idHash: sha256(sessionId),
      userId: user.id,
      csrfToken,
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(now + SESSION_TTL_MS).toISOString(),
    });
    await this.record(`user:${username}`, 'login', 'user', user.id, { ip });
    return { sessionId, csrfToken, user };
  }

  async logout(sessionId: string): Promise<void> {
    await this.identity.deleteSession(sha256(sessionId));
  }

  async changePassword(actor: UserActor, current: string, next: string): Promise<void> {
    const user = await this.identity.userById(actor.id);
    if (!user || !(await argonVerify(user.passwordHash, current).catch(() => false))) throw new InvalidInputError('currentPassword', 'is wrong');
    if (next.length < 12) throw new InvalidInputError('newPassword', 'must be at least 12 characters');
    if (next === current) throw new InvalidInputError('newPassword', 'must differ from the current one');
    await this.identity.setPassword(user.id, await argonHash(next), false);
    await this.record(actorLabel(actor), 'user.password_changed', 'user', user.id, {});
  }

  /** The actor behind a session cookie, with the CSRF token its writes must echo. */
  async sessionActor(sessionId: string): Promise<{ actor: UserActor; csrfToken: string; mustChangePassword: boolean } | null> {
    const s = await this.identity.sessionByHash(sha256(sessionId));
    if (!s || Date.parse(s.expiresAt) <= Date.now()) return null;
    const user = await this.identity.userById(s.userId);
    return user ? { actor: toActor(user), csrfToken: s.csrfToken, mustChangePassword: user.mustChangePassword } : null;
  }

  async createToken(username: string, scopes: TokenScope[], name: string, by: string): Promise<{ token: string; id: string }> {
    const user = await this.identity.userByName(username);
    if (!user) throw new InvalidInputError('user', `${username} does not exist`);
    const bad = scopes.find((s) => !(TOKEN_SCOPES as readonly string[]).includes(s));
    if (bad || scopes.length === 0) throw new InvalidInputError('scopes', `must be some of ${TOKEN_SCOPES.join(', ')}`);
    const token = `tl_${secret()}`;
    const id = uuidv7();
    await this.identity.createToken({ id, userId: user.id, name, tokenHash: sha256(token), scopes, createdAt: new Date().toISOString(), revokedAt: null });
    await this.record(by, 'token.create', 'token', id, { username, scopes, name });
    return { token, id };
  }

  /** Revokes one of the actor's own tokens (an admin may revoke any). Unknown or foreign ids answer false. */
  async revokeToken(id: string, by: Actor): Promise<boolean> {
    if (by.type !== 'user') return false;
    const own = (await this.identity.tokensOf(by.id)).some((t) => t.id === id);
    if (!own && !by.roles.includes('admin')) return false;
    const done = await this.identity.revokeToken(id, new Date().toISOString());
    if (done) await this.record(actorLabel(by), 'token.revoke', 'token', id, {});
    return done;
  }

  async tokenActor(token: string): Promise<UserActor | null> {
    const t = await this.identity.tokenByHash(sha256(token));
    if (!t || t.revokedAt) return null;
    const user = await this.identity.userById(t.userId);
    return user ? { ...toActor(user), scopes: t.scopes } : null;
  }

  private throttle(ip: string): void {
    const now = Date.now();
    const recent = (this.attemptsByIp.get(ip) ?? []).filter((t) => now - t < IP_WINDOW_MS);
    recent.push(now);
    this.attemptsByIp.set(ip, recent);
    if (recent.length > IP_MAX_ATTEMPTS)
      throw new TrucelineError(429, 'too-many-requests', 'Too many login attempts', `more than ${IP_MAX_ATTEMPTS} login attempts from this address in 5 minutes; wait and retry`);
  }

  private record(actor: string, action: string, entity: string, entityId: string | null, detail: Record<string, unknown>) {
    return this.audit.append({ id: uuidv7(), at: new Date().toISOString(), actor, action, entity, entityId, detail });
  }
}

export function toActor(u: UserRecord): UserActor {
  return { type: 'user', id: u.id, username: u.username, nation: u.nation, org: u.org, orgKind: u.orgKind, roles: u.roles };
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

// argon2id hash of a random string, for constant-time refusal of unknown usernames.
const DUMMY_HASH = '$argon2id$v=19$m=19456,t=2,p=1$+/EXKnH39p2KBTx70AToqw$O6ztv6RRnOkCDkDvthh6zTmUlz3cx2oKfAm/npP/DWQ';
