import type { TokenRecord, UserRecord } from './identity-repository';

/** Row shapes of the identity tables, as both engines return them (SQLite: 0/1, PostgreSQL: booleans). */
export type UserRow = {
  id: string;
  username: string;
  password_hash: string;
  nation: string;
  org: string;
  org_kind: UserRecord['orgKind'];
  roles: string;
  created_at: string;
  failed_logins: number;
  locked_until: string | null;
  must_change_password: number | boolean;
};
export type TokenRow = { id: string; user_id: string; name: string; token_hash: string; scopes: string; created_at: string; revoked_at: string | null };

export const userFromRow = (r: UserRow): UserRecord => ({
  id: r.id,
  username: r.username,
  passwordHash: r.password_hash,
  nation: r.nation,
  org: r.org,
  orgKind: r.org_kind,
  roles: JSON.parse(r.roles) as UserRecord['roles'],
  createdAt: r.created_at,
  failedLogins: Number(r.failed_logins),
  lockedUntil: r.locked_until,
  mustChangePassword: Boolean(r.must_change_password),
});

export const tokenFromRow = (r: TokenRow): TokenRecord => ({
  id: r.id,
  userId: r.user_id,
  name: r.name,
  tokenHash: r.token_hash,
  scopes: JSON.parse(r.scopes) as string[],
  createdAt: r.created_at,
  revokedAt: r.revoked_at,
});
