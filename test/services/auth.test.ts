import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store';
import { AuthService, MAX_FAILED_LOGINS } from '../../src/services/auth';
import type { Store } from '../../src/store/repository';
import { allows } from '../../src/domain/permissions';

let store: Store;
let auth: AuthService;
beforeAll(() => {
  store = openSqliteStore(join(mkdtempSync(join(tmpdir(), 'truceline-auth-')), 'a.db'));
  auth = new AuthService(store.identity, store.audit);
});

describe('AuthService', () => {
  it('creates the first admin once, with a one-time password that must be changed', async () => {
    const password = await auth.ensureFirstAdmin();
    expect(password).toMatch(/^.{20}$/);
    expect(await auth.ensureFirstAdmin()).toBeNull();
    const { sessionId } = await auth.login('admin', password!, '10.0.0.1');
    const session = await auth.sessionActor(sessionId);
    expect(session?.mustChangePassword).toBe(true);
    await auth.changePassword(session!.actor, password!, 'a new long passphrase');
    expect((await auth.sessionActor(sessionId))?.mustChangePassword).toBe(false);
  });

  it('makes the first admin once when two processes start at the same moment on one new store', async () => {
    const fresh = openSqliteStore(join(mkdtempSync(join(tmpdir(), 'truceline-auth-race-')), 'a.db'));
    try {
      const [a, b] = await Promise.all([new AuthService(fresh.identity, fresh.audit).ensureFirstAdmin(), new AuthService(fresh.identity, fresh.audit).ensureFirstAdmin()]);
      expect([a, b].filter((p) => p !== null)).toHaveLength(1);
      expect(await fresh.identity.countUsers()).toBe(1);
    } finally {
      await fresh.close();
    }
  });

  it('stores argon2id hashes, answers 401 to wrong credentials and locks after repeated failures', async () => {
    await auth.createUser({ username: 'fra-lo', password: 'correct horse battery', nation: 'FRA', org: 'France', orgKind: 'nation', roles: ['liaison_officer'] }, 'test');
    expect((await store.identity.userByName('fra-lo'))?.passwordHash).toMatch(/^\$argon2id\$/);
    await expect(auth.login('fra-lo', 'wrong', '10.0.0.2')).rejects.toMatchObject({ status: 401 });
    await expect(auth.login('nobody', 'wrong', '10.0.0.2')).rejects.toMatchObject({ status: 401 });
    for (let i = 1; i < MAX_FAILED_LOGINS; i++) await auth.login('fra-lo', 'wrong', '10.0.0.2').catch(() => undefined);
    // Locked now: even the right password is refused, and the refusal is audited.
    await expect(auth.login('fra-lo', 'correct horse battery', '10.0.0.2')).rejects.toThrow(/locked/);
    const audit = await store.audit.list({ entity: 'user', limit: 50 });
    expect(audit.items.map((e) => e.action)).toEqual(expect.arrayContaining(['login.failed', 'login.locked', 'login.refused_locked']));
  });

  it('rate-limits logins from one address', async () => {
    const attempts = Array.from({ length: 40 }, () => auth.login('nobody', 'x', '10.9.9.9').catch((e: { status: number }) => e.status));
    const statuses = await Promise.all(attempts);
    expect(statuses).toContain(429);
  });

  it('issues scoped, revocable tokens stored hashed', async () => {
    await auth.createUser({ username: 'feed-bot', password: 'another long secret', nation: 'UKR', org: 'Ukraine', orgKind: 'party', roles: ['monitor'] }, 'test');
    const { token, id } = await auth.createToken('feed-bot', ['read'], 'script', 'test');
    expect((await store.identity.tokensOf((await store.identity.userByName('feed-bot'))!.id))[0]!.tokenHash).not.toContain(token.slice(3));
    const actor = await auth.tokenActor(token);
    expect(actor).toMatchObject({ username: 'feed-bot', scopes: ['read'] });
    expect(allows(actor!, 'observation.read')).toBe(true);
    expect(allows(actor!, 'observation.write')).toBe(false);
    expect(await auth.revokeToken(id, actor!)).toBe(true);
    expect(await auth.tokenActor(token)).toBeNull();
    expect(await auth.tokenActor('tl_forged')).toBeNull();
  });
});
