import { readFileSync } from 'node:fs';
import { v7 as uuidv7 } from 'uuid';
import { ORG_KINDS, type OrgKind, type Role } from '../domain/identity';
import type { TokenScope } from '../domain/permissions';
import { AuthService } from '../services/auth';
import { withStore } from './context';

/** Password from stdin when piped (`echo ... | truceline user add`), else generated and printed. */
function passwordFromStdin(): string | undefined {
  if (process.stdin.isTTY) return undefined;
  try {
    const s = readFileSync(0, 'utf8').split('\n')[0]?.trim();
    return s || undefined;
  } catch {
    return undefined;
  }
}

export async function userAddCommand(
  name: string,
  opts: { db?: string; nation: string; org: string; orgKind?: OrgKind; role: Role[] },
): Promise<void> {
  await withStore(opts, async ({ store }) => {
    const auth = new AuthService(store.identity, store.audit);
    const orgKind = opts.orgKind ?? guessOrgKind(opts.org);
    const { password, generated } = await auth.createUser(
      { username: name, password: passwordFromStdin(), nation: opts.nation.toUpperCase(), org: opts.org, orgKind, roles: opts.role },
      'cli',
    );
    console.log(`user ${name} (${opts.nation.toUpperCase()}, ${opts.org} [${orgKind}], roles ${opts.role.join(', ')}) created`);
    if (generated) console.log(`password: ${password}`);
  });
}

export async function tokenCreateCommand(opts: { db?: string; user: string; scope: TokenScope[]; name?: string }): Promise<void> {
  await withStore(opts, async ({ store }) => {
    const auth = new AuthService(store.identity, store.audit);
    const { token, id } = await auth.createToken(opts.user, opts.scope, opts.name ?? `cli ${new Date().toISOString()}`, 'cli');
    console.log(`token ${id} for ${opts.user} (scopes ${opts.scope.join(', ')}); use as "Authorization: Bearer <token>". Shown once:`);
    console.log(token);
  });
}

export async function tokenRevokeCommand(id: string, opts: { db?: string }): Promise<void> {
  await withStore(opts, async ({ store }) => {
    const ok = await store.identity.revokeToken(id, new Date().toISOString());
    await store.audit.append({ id: uuidv7(), at: new Date().toISOString(), actor: 'cli', action: 'token.revoke', entity: 'token', entityId: id, detail: { ok } });
    console.log(ok ? `token ${id} revoked` : `no active token ${id}`);
    if (!ok) process.exitCode = 1;
  });
}

/** `--org mechanism` / `cell` name the two bodies; anything else is a nation's delegation. */
function guessOrgKind(org: string): OrgKind {
  const o = org.toLowerCase();
  if ((ORG_KINDS as readonly string[]).includes(o)) return o as OrgKind;
  if (/mechanism|monitor/.test(o)) return 'mechanism';
  if (/cell/.test(o)) return 'cell';
  return 'nation';
}
