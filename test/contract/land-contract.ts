import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { COALITION_PRESET } from '../../src/domain/coalition';
import { TrucelineError } from '../../src/domain/errors';
import { SEE_ALL, visibilityOf, type Visibility } from '../../src/domain/identity';
import type { LandOption } from '../../src/domain/land-option';
import type { Store } from '../../src/store/repository';

/**
 * The land option repository contract, the same for every store. Each test makes options with ids
 * of its own, so tests share one database; list assertions look only at their own ids.
 */
export function landContract(name: string, open: () => Promise<Store>): void {
  describe(`land option contract: ${name}`, () => {
    let store: Store;
    beforeAll(async () => {
      store = await open();
    });
    afterAll(async () => {
      await store?.close();
    });

    let clock = Date.UTC(2026, 10, 25, 6);
    const option = (over: Partial<LandOption> = {}): LandOption => ({
      id: uuidv7(),
      version: 1,
      name: 'Option A',
      author: 'Mediator',
      date: '2026-11-25',
      status: 'draft',
      releasability: 'MECHANISM',
      source: 'drawn',
      line: { type: 'LineString', coordinates: [[37, 48], [38, 49]] },
      createdAt: new Date((clock += 1000)).toISOString(),
      createdBy: 'user:drafter',
      ...over,
    });
    const nation = (n: string, orgKind: 'nation' | 'party' = 'nation'): Visibility =>
      visibilityOf({ type: 'user', id: 'x', username: 'x', nation: n, org: n, orgKind, roles: ['liaison_officer'] }, COALITION_PRESET);
    const mechanism = visibilityOf({ type: 'user', id: 'm', username: 'm', nation: 'USA', org: 'Mechanism', orgKind: 'mechanism', roles: ['analyst'] }, COALITION_PRESET);

    it('stores version 1 and reads it back whole; a second create of the id is a conflict', async () => {
      const o = option({ note: 'Лінія A', area: { type: 'Polygon', coordinates: [[[37, 48], [38, 48], [38, 49], [37, 48]]] } });
      expect(await store.landOptions.create(o)).toEqual(o);
      expect(await store.landOptions.get(o.id, SEE_ALL)).toEqual(o);
      await expect(store.landOptions.create(o)).rejects.toMatchObject({ status: 409 });
    });

    it('appends versions: the latest is read by default, every version stays readable, a stale version is a conflict', async () => {
      const v1 = await store.landOptions.create(option());
      const v2 = await store.landOptions.append({ ...v1, version: 2, status: 'tabled', createdAt: new Date((clock += 1000)).toISOString() });
      expect((await store.landOptions.get(v1.id, SEE_ALL))!.status).toBe('tabled');
      expect((await store.landOptions.get(v1.id, SEE_ALL, 1))!.status).toBe('draft');
      expect((await store.landOptions.versions(v1.id, SEE_ALL)).map((v) => v.version)).toEqual([1, 2]);
      const stale = store.landOptions.append({ ...v1, version: 2, name: 'lost update' });
      await expect(stale).rejects.toBeInstanceOf(TrucelineError);
      await expect(stale).rejects.toMatchObject({ status: 409 });
      await expect(store.landOptions.append({ ...v1, id: uuidv7(), version: 2 })).rejects.toMatchObject({ status: 404 });
      expect((await store.landOptions.get(v2.id, SEE_ALL))!.name).toBe('Option A');
    });

    it('of two concurrent appends on the same version exactly one wins', async () => {
      const v1 = await store.landOptions.create(option());
      const results = await Promise.allSettled([1, 2].map((i) => store.landOptions.append({ ...v1, version: 2, name: `edit ${i}` })));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect((await store.landOptions.versions(v1.id, SEE_ALL)).length).toBe(2);
    });

    it('filters by releasability in the query: an option not released to the caller does not exist for them', async () => {
      const mech = await store.landOptions.create(option({ releasability: 'MECHANISM' }));
      const coal = await store.landOptions.create(option({ releasability: 'COALITION' }));
      const fra = await store.landOptions.create(option({ releasability: 'REL TO FRA' }));
      const ids = [mech.id, coal.id, fra.id];
      const seen = async (v: Visibility) => (await store.landOptions.list(v, 1000)).map((o) => o.id).filter((id) => ids.includes(id)).sort();
      expect(await seen(mechanism)).toEqual([...ids].sort());
      expect(await seen(nation('FRA'))).toEqual([coal.id, fra.id].sort());
      expect(await seen(nation('DEU'))).toEqual([coal.id]);
      expect(await seen(nation('RUS', 'party'))).toEqual([]);
      expect(await store.landOptions.get(mech.id, nation('FRA'))).toBeUndefined();
      expect(await store.landOptions.versions(fra.id, nation('DEU'))).toEqual([]);
    });

    it('lists the latest version the caller may see of each option', async () => {
      const v1 = await store.landOptions.create(option({ releasability: 'COALITION' }));
      await store.landOptions.append({ ...v1, version: 2, releasability: 'MECHANISM', name: 'narrowed', createdAt: new Date((clock += 1000)).toISOString() });
      const asFra = (await store.landOptions.list(nation('FRA'), 1000)).find((o) => o.id === v1.id)!;
      expect([asFra.version, asFra.name]).toEqual([1, 'Option A']);
      const asMech = (await store.landOptions.list(mechanism, 1000)).find((o) => o.id === v1.id)!;
      expect([asMech.version, asMech.name]).toEqual([2, 'narrowed']);
      expect((await store.landOptions.get(v1.id, nation('FRA')))!.version).toBe(1);
    });
  });
}
