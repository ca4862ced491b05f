import type pg from 'pg';
import type { AuditEntry, AuditRepository, IdentityRepository, SessionRecord, TokenRecord, UserRecord } from '../identity-repository';
import { tokenFromRow, userFromRow, type TokenRow, type UserRow } from '../identity-rows';

export class PgIdentity implements IdentityRepository {
  constructor(private readonly pool: pg.Pool) {}

  async createUser(u: UserRecord): Promise<'created' | 'exists'> {
    const r = await this.pool.query(
      `INSERT INTO users (id, username, password_hash, nation, org, org_kind, roles, created_at, failed_logins, locked_until, must_change_password)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (username) DO NOTHING`,
      [u.id, u.username, u.passwordHash, u.nation, u.org, u.orgKind, JSON.stringify(u.roles), u.createdAt, u.failedLogins, u.lockedUntil, u.mustChangePassword],
    );
    return r.rowCount === 1 ? 'created' : 'exists';
  }

  async userByName(username: string) {
    const r = await this.pool.query<UserRow>('SELECT * FROM users WHERE username = $1', [username]);
    return r.rows[0] && userFromRow(r.rows[0]);
  }

  async userById(id: string) {
    const r = await this.pool.query<UserRow>('SELECT * FROM users WHERE id = $1', [id]);
    return r.rows[0] && userFromRow(r.rows[0]);
  }

  async listUsers() {
    return (await this.pool.query<UserRow>('SELECT * FROM users ORDER BY username COLLATE "C"')).rows.map(userFromRow);
  }

  async countUsers() {
    return Number((await this.pool.query<{ n: number }>('SELECT count(*) AS n FROM users')).rows[0]!.n);
  }

  async setLoginState(id: string, failedLogins: number, lockedUntil: string | null) {
    await this.pool.query('UPDATE users SET failed_logins = $1, locked_until = $2 WHERE id = $3', [failedLogins, lockedUntil, id]);
  }

  async setPassword(id: string, passwordHash: string, mustChange: boolean) {
    await this.pool.query('UPDATE users SET password_hash = $1, must_change_password = $2 WHERE id = $3', [passwordHash, mustChange, id]);
  }

  async createSession(s: SessionRecord) {
    await this.pool.query('INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)', [s.idHash, s.userId, s.csrfToken, s.createdAt, s.expiresAt]);
  }

  async sessionByHash(idHash: string) {
    const r = await this.pool.query<{ id_hash: string; user_id: string; csrf_token: string; created_at: string; expires_at: string }>('SELECT * FROM sessions WHERE id_hash = $1', [idHash]);
    const s = r.rows[0];
    return s && { idHash: s.id_hash, userId: s.user_id, csrfToken: s.csrf_token, createdAt: s.created_at, expiresAt: s.expires_at };
  }

  async deleteSession(idHash: string) {
    await this.pool.query('DELETE FROM sessions WHERE id_hash = $1', [idHash]);
  }

  async createToken(t: TokenRecord) {
    await this.pool.query('INSERT INTO api_tokens (id, user_id, name, token_hash, scopes, created_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
      t.id,
      t.userId,
      t.name,
      t.tokenHash,
      JSON.stringify(t.scopes),
      t.createdAt,
      t.revokedAt,
    ]);
  }

  async tokenByHash(tokenHash: string) {
    const r = await this.pool.query<TokenRow>('SELECT * FROM api_tokens WHERE token_hash = $1', [tokenHash]);
    return r.rows[0] && tokenFromRow(r.rows[0]);
  }

  async revokeToken(id: string, at: string) {
    return (await this.pool.query('UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL', [at, id])).rowCount === 1;
  }

  async tokensOf(userId: string) {
    return (await this.pool.query<TokenRow>('SELECT * FROM api_tokens WHERE user_id = $1 ORDER BY id COLLATE "C"', [userId])).rows.map(tokenFromRow);
  }
}

export class PgAudit implements AuditRepository {
  constructor(private readonly pool: pg.Pool) {}

  async append(e: AuditEntry) {
    await this.pool.query('INSERT INTO audit_log (id, at, actor, action, entity, entity_id, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
      e.id,
      e.at,
      e.actor,
      e.action,
      e.entity,
      e.entityId,
      JSON.stringify(e.detail),
    ]);
  }

  async list(q: { entity?: string; entityId?: string; limit: number; cursor?: string }) {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (clause: string, value: unknown) => {
      params.push(value);
      where.push(`${clause} $${params.length}`);
    };
    if (q.entity) add('entity =', q.entity);
    if (q.entityId) add('entity_id =', q.entityId);
    if (q.cursor) add('id <', q.cursor);
    params.push(q.limit + 1);
    const r = await this.pool.query<{ id: string; at: string; actor: string; action: string; entity: string; entity_id: string | null; detail: string }>(
      `SELECT * FROM audit_log ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY id DESC LIMIT $${params.length}`,
      params,
    );
    const items = r.rows.slice(0, q.limit).map((row) => ({ id: row.id, at: row.at, actor: row.actor, action: row.action, entity: row.entity, entityId: row.entity_id, detail: JSON.parse(row.detail) as Record<string, unknown> }));
    return { items, nextCursor: r.rows.length > q.limit ? (items.at(-1)?.id ?? null) : null };
  }
}
