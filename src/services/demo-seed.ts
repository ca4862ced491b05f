import type { AuthService, NewUser } from './auth';
import { demoSectors } from '../demo/demo-sectors';
import { demoWeek } from '../demo/demo-week';
import type { Store } from '../store/repository';
import type { ObservationIngest } from './observation-ingest';
import { seedForce } from './force-seed';

/** Seeds the demo sectors and week. Idempotent: ids are derived from the seed and the week. */
export async function seedDemo(store: Store, ingest: ObservationIngest, end = new Date()): Promise<{ created: number; total: number }> {
  await store.sectors.upsertMany(demoSectors());
  ingest.invalidateSectors();
  const week = demoWeek({ end });
  let created = 0;
  for (let i = 0; i < week.length; i += 1000) {
    const results = await ingest.submit(week.slice(i, i + 1000), { channel: 'cli', rawId: null });
    created += results.filter((r) => r.status === 'created').length;
  }
  // The illustrative coalition force and commitments register (issue 8), once.
  await seedForce(store, end);
  return { created, total: week.length };
}

/**
 * People to try the cell with, seeded with the demo week only (never on a store that has data):
 * two guarantor liaison officers, one of a non-guarantor nation, a monitor and an analyst of the
 * mechanism, a cell officer. Passwords are generated; the caller prints them once.
 */
export const DEMO_USERS: readonly Omit<NewUser, 'password'>[] = [
  { username: 'fra-liaison', nation: 'FRA', org: 'France', orgKind: 'nation', roles: ['liaison_officer'] },
  { username: 'gbr-liaison', nation: 'GBR', org: 'United Kingdom', orgKind: 'nation', roles: ['liaison_officer'] },
  { username: 'deu-liaison', nation: 'DEU', org: 'Germany', orgKind: 'nation', roles: ['liaison_officer'] },
  { username: 'monitor', nation: 'FIN', org: 'Truce monitoring mechanism', orgKind: 'mechanism', roles: ['monitor'] },
  { username: 'analyst', nation: 'USA', org: 'Truce monitoring mechanism', orgKind: 'mechanism', roles: ['analyst'] },
  { username: 'cell-officer', nation: 'USA', org: 'Coordination cell', orgKind: 'cell', roles: ['cell_officer'] },
];

export async function seedDemoUsers(auth: AuthService): Promise<{ username: string; password: string; what: string }[]> {
  const out: { username: string; password: string; what: string }[] = [];
  for (const u of DEMO_USERS) {
    const { password } = await auth.createUser(u, 'demo');
    out.push({ username: u.username, password, what: `${u.nation} ${u.roles.join(', ').replace(/_/g, ' ')} (${u.org})` });
  }
  return out;
}
