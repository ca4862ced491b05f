import type Database from 'better-sqlite3';
import type { AuditEntry, AuditRepository, IdentityRepository, SessionRecord, TokenRecord, UserRecord } from '../identity-repository';
import { tokenFromRow, userFromRow, type TokenRow, type UserRow } from '../identity-rows';

export class SqliteIdentity implements IdentityRepository {
  constructor(private readonly db: Database.Database) {}

  async createUser(u: UserRecord): Promise<'created' | 'exists'> {
    const r = this.db
      .prepare(
        `INSERT INTO users (id, username, password_hash, nation, org, org_kind, roles, created_at, failed_logins, locked_until, must_change_password)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(username) DO NOTHING`,
      )
      .run(u.id, u.username, u.passwordHash, u.nation, u.org, u.orgKind, JSON.stringify(u.roles), u.createdAt, u.failedLogins, u.lockedUntil, u.mustChangePassword ? 1 : 0);
    return r.changes === 1 ? 'created' : 'exists';
  }

  async userByName(username: string) {
    const r = this.db.prepare('SELECT * FROM users WHERE username = ?').get(username) as UserRow | undefined;
    return r && userFromRow(r);
  }

  async userById(id: string) {
    const r = this.db.prepare('SELECT * FROM users WHERE id = ?').get(id) as UserRow | undefined;
    return r && userFromRow(r);
  }

  async listUsers() {
    return (this.db.prepare('SELECT * FROM users ORDER BY username').all() as UserRow[]).map(userFromRow);
  }

  async countUsers() {
    return this.db.prepare('SELECT COUNT(*) FROM users').pluck().get() as number;
  }

  async setLoginState(id: string, failedLogins: number, lockedUntil: string | null) {
    this.db.prepare('UPDATE users SET failed_logins = ?, locked_until = ? WHERE id = ?').run(failedLogins, lockedUntil, id);
  }

  async setPassword(id: string, passwordHash: string, mustChange: boolean) {
    this.db.prepare('UPDATE users SET password_hash = ?, must_change_password = ? WHERE id = ?').run(passwordHash, mustChange ? 1 : 0, id);
  }

  async createSession(s: SessionRecord) {
    this.db.prepare('INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)').run(s.idHash, s.userId, s.csrfToken, s.createdAt, s.expiresAt);
  }

  async sessionByHash(idHash: string) {
    const r = this.db.prepare('SELECT * FROM sessions WHERE id_hash = ?').get(idHash) as
      | { id_hash: string; user_id: string; csrf_token: string; created_at: string; expires_at: string }
      | undefined;
    return r && { idHash: r.id_hash, userId: r.user_id, csrfToken: r.csrf_token, createdAt: r.created_at, expiresAt: r.expires_at };
  }

  async deleteSession(idHash: string) {
    this.db.prepare('DELETE FROM sessions WHERE id_hash = ?').run(idHash);
  }

  async createToken(t: TokenRecord) {
    this.db
      .prepare('INSERT INTO api_tokens (id, user_id, name, token_hash, scopes, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(t.id, t.userId, t.name, t.tokenHash, JSON.stringify(t.scopes), t.createdAt, t.revokedAt);
  }

  async tokenByHash(tokenHash: string) {
    const r = this.db.prepare('SELECT * FROM api_tokens WHERE token_hash = ?').get(tokenHash) as TokenRow | undefined;
    return r && tokenFromRow(r);
  }

  async revokeToken(id: string, at: string) {
    return this.db.prepare('UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(at, id).changes === 1;
  }

  async tokensOf(userId: string) {
    return (this.db.prepare('SELECT * FROM api_tokens WHERE user_id = ? ORDER BY id').all(userId) as TokenRow[]).map(tokenFromRow);
  }
}

export class SqliteAudit implements AuditRepository {
  constructor(private readonly db: Database.Database) {}

  async append(e: AuditEntry) {
    this.db
      .prepare('INSERT INTO audit_log (id, at, actor, action, entity, entity_id, detail) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(e.id, e.at, e.actor, e.action, e.entity, e.entityId, JSON.stringify(e.detail));
  }

  async list(q: { entity?: string; entityId?: string; limit: number; cursor?: string }) {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (clause: string, value: unknown) => {
      where.push(clause);
      params.push(value);
    };
    if (q.entity) add('entity = ?', q.entity);
    if (q.entityId) add('entity_id = ?', q.entityId);
    if (q.cursor) add('id < ?', q.cursor);
    const rows = this.db
      .prepare(`SELECT * FROM audit_log ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY id DESC LIMIT ?`)
      .all(...params, q.limit + 1) as { id: string; at: string; actor: string; action: string; entity: string; entity_id: string | null; detail: string }[];
    const items = rows.slice(0, q.limit).map((r) => ({ id: r.id, at: r.at, actor: r.actor, action: r.action, entity: r.entity, entityId: r.entity_id, detail: JSON.parse(r.detail) as Record<string, unknown> }));
    return { items, nextCursor: rows.length > q.limit ? (items.at(-1)?.id ?? null) : null };
  }
}
