import { randomBytes } from 'node:crypto';
import type { OrgKind, Role } from '../../src/domain/identity';
import type { TokenScope } from '../../src/domain/permissions';
import { AuthService } from '../../src/services/auth';
import type { Store } from '../../src/store/repository';

export interface TestUserSpec {
  username?: string;
  nation?: string;
  org?: string;
  orgKind?: OrgKind;
  roles?: Role[];
  scopes?: TokenScope[];
  password?: string;
}

/**
 * A real user with a real API token on the store, as `truceline user add` + `token create`
 * would make them. Default: a mechanism monitor with read and write scopes.
 */
export async function testUser(store: Store, spec: TestUserSpec = {}): Promise<{ username: string; password: string; token: string; headers: { authorization: string } }> {
  const auth = new AuthService(store.identity, store.audit);
  const username = spec.username ?? `u-${randomBytes(5).toString('hex')}`;
  const orgKind = spec.orgKind ?? 'mechanism';
  const { password } = await auth.createUser(
    {
      username,
      password: spec.password,
      nation: spec.nation ?? 'USA',
      org: spec.org ?? (orgKind === 'mechanism' ? 'Truce monitoring mechanism' : orgKind === 'cell' ? 'Coordination cell' : (spec.nation ?? 'USA')),
      orgKind,
      roles: spec.roles ?? ['monitor'],
    },
    'test',
  );
  const { token } = await auth.createToken(username, spec.scopes ?? ['read', 'write'], 'test', 'test');
  return { username, password, token, headers: { authorization: `Bearer ${token}` } };
}
