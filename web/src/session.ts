import { useCallback, useEffect, useState } from 'react';
import { csrfHeader, request } from './api';

/** Who is logged in, as GET /api/auth/me answers it; null: the public (PUBLIC records only). */
export interface Me {
  username: string;
  nation: string;
  org: string;
  orgKind: 'mechanism' | 'cell' | 'nation' | 'party';
  roles: string[];
  mustChangePassword: boolean;
}

export interface Session {
  /** undefined while the first answer is awaited. */
  me: Me | null | undefined;
  login(username: string, password: string): Promise<void>;
  logout(): Promise<void>;
  changePassword(currentPassword: string, newPassword: string): Promise<void>;
}

/** What a role may do in the UI; the server checks the same table (src/domain/permissions.ts). */
export const canFile = (me: Me | null | undefined) => !!me && me.roles.some((r) => ['monitor', 'analyst', 'chief_monitor', 'cell_officer', 'admin'].includes(r));

export function useSession(): Session {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const load = useCallback(async () => {
    try {
      setMe((await request<{ user: Me | null }>('/api/auth/session')).user);
    } catch {
      setMe((m) => m ?? null); // unreachable server: keep who we were
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);

  const login = useCallback(async (username: string, password: string) => {
    setMe(await request<Me>('/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) }));
  }, []);
  const logout = useCallback(async () => {
    await request('/api/auth/logout', { method: 'POST', headers: csrfHeader() }).catch(() => undefined);
    setMe(null);
  }, []);
  const changePassword = useCallback(
    async (currentPassword: string, newPassword: string) => {
      await request('/api/auth/password', { method: 'POST', headers: { 'content-type': 'application/json', ...csrfHeader() }, body: JSON.stringify({ currentPassword, newPassword }) });
      await load();
    },
    [load],
  );
  return { me, login, logout, changePassword };
}
