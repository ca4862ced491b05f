import type { OrgKind, Role } from '../domain/identity';

/** Users, sessions, API tokens and the audit log: the coordination cell's identity records. */

export interface UserRecord {
  id: string;
  username: string;
  /** argon2id PHC string. */
  passwordHash: string;
  nation: string;
  org: string;
  orgKind: OrgKind;
  roles: Role[];
  createdAt: string;
  failedLogins: number;
  lockedUntil: string | null;
  /** Set for the first admin: the printed one-time password must be changed at first login. */
  mustChangePassword: boolean;
}

export interface SessionRecord {
  /** SHA-256 of the cookie value: a stolen database does not yield live sessions. */
  idHash: string;
  userId: string;
  csrfToken: string;
  createdAt: string;
  expiresAt: string;
}

export interface TokenRecord {
  id: string;
  userId: string;
  name: string;
  /** SHA-256 of the token: tokens are random 256-bit values, so a fast hash is enough. */
  tokenHash: string;
  scopes: string[];
  createdAt: string;
  revokedAt: string | null;
}

export interface AuditEntry {
  id: string;
  at: string;
  /** `user:<username>`, `token:<id>`, `system` or `public`. */
  actor: string;
  action: string;
  entity: string;
  entityId: string | null;
  detail: Record<string, unknown>;
}

export interface IdentityRepository {
  createUser(u: UserRecord): Promise<'created' | 'exists'>;
  userByName(username: string): Promise<UserRecord | undefined>;
  userById(id: string): Promise<UserRecord | undefined>;
  listUsers(): Promise<UserRecord[]>;
  countUsers(): Promise<number>;
  setLoginState(id: string, failedLogins: number, lockedUntil: string | null): Promise<void>;
  setPassword(id: string, passwordHash: string, mustChange: boolean): Promise<void>;

  createSession(s: SessionRecord): Promise<void>;
  sessionByHash(idHash: string): Promise<SessionRecord | undefined>;
  deleteSession(idHash: string): Promise<void>;

  createToken(t: TokenRecord): Promise<void>;
  tokenByHash(tokenHash: string): Promise<TokenRecord | undefined>;
  revokeToken(id: string, at: string): Promise<boolean>;
  tokensOf(userId: string): Promise<TokenRecord[]>;
}

export interface AuditRepository {
  append(e: AuditEntry): Promise<void>;
  list(q: { entity?: string; entityId?: string; limit: number; cursor?: string }): Promise<{ items: AuditEntry[]; nextCursor: string | null }>;
}
