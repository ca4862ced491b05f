import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { COALITION_PRESET } from '../../src/domain/coalition';
import { TrucelineError } from '../../src/domain/errors';
import type { Pledge } from '../../src/domain/force';
import { SEE_ALL, canSee, visibilityOf, PUBLIC_ACTOR, type Visibility } from '../../src/domain/identity';
import type { Store } from '../../src/store/repository';

/**
 * The force repository contract, the same for every store. Each test files its pledges under a
 * nation code of its own (random, so tests share one database without seeing each other's rows).
 */
export function forceContract(name: string, open: () => Promise<Store>): void {
  describe(`force contract: ${name}`, () => {
    let store: Store;
    beforeAll(async () => {
      store = await open();
    });
    afterAll(async () => {
      await store?.close();
    });

    const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
    const freshNation = () => Array.from({ length: 3 }, () => letters[Math.floor(Math.random() * 26)]).join('');
    const pledge = (over: Partial<Pledge> = {}): Pledge => ({
      id: uuidv7(),
      nation: 'FRA',
      capability: 'land_brigade',
      troops: 5000,
      quantity: 1,
      readinessDate: '2026-03-01',
      caveats: ['No deployment east of the Dnipro'],
      status: 'pledged',
      note: 'Several thousand',
      releasability: 'COALITION',
      ...over,
    });
    const write = (ifVersion?: number) => ({ at: '2026-11-25T06:00:00.000Z', by: 'user:cell', ...(ifVersion === undefined ? {} : { ifVersion }) });
    const user = (nation: string, orgKind: 'nation' | 'party' | 'mechanism' = 'nation'): Visibility =>
      visibilityOf({ type: 'user', id: 'x', username: 'x', nation, org: nation, orgKind, roles: ['liaison_officer'] }, COALITION_PRESET);

    it('stores a record whole at version 1, reads it back, and bumps the version on each write', async () => {
      const p = pledge({ nation: freshNation() });
      const first = await store.force.put('pledge', p, write());
      expect(first).toEqual({ created: true, record: { ...p, version: 1, updatedAt: '2026-11-25T06:00:00.000Z', updatedBy: 'user:cell' } });
      expect(await store.force.get('pledge', p.id, SEE_ALL)).toEqual(first.record);
      const second = await store.force.put('pledge', { ...p, status: 'deployed' }, { ...write(1), by: 'user:other' });
      expect(second.created).toBe(false);
      expect(second.record).toMatchObject({ status: 'deployed', version: 2, updatedBy: 'user:other' });
    });

    it('writes on a version only while the record is at it (0: only if new); a stale write stores nothing', async () => {
      const p = pledge({ nation: freshNation() });
      await store.force.put('pledge', p, write(0));
      const err = await store.force.put('pledge', { ...p, troops: 1 }, write(0)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TrucelineError);
      expect((err as TrucelineError).status).toBe(409);
      await expect(store.force.put('pledge', { ...p, troops: 2 }, write(5))).rejects.toThrow(/version 1, not 5/);
      expect((await store.force.get('pledge', p.id, SEE_ALL))!.troops).toBe(5000);
    });

    it('filters every read by releasability in the query: lists, gets and removals', async () => {
      const nation = freshNation();
      const labels = ['PUBLIC', 'COALITION', 'MECHANISM', 'REL TO FRA', 'REL TO GBR, USA'];
      const byLabel = new Map<string, Pledge>();
      for (const releasability of labels) {
        const p = pledge({ nation, releasability });
        byLabel.set(releasability, p);
        await store.force.put('pledge', p, write());
      }
      const readers: [string, Visibility][] = [
        ['public', visibilityOf(PUBLIC_ACTOR, COALITION_PRESET)],
        ['FRA', user('FRA')],
        ['GBR', user('GBR')],
        ['party RUS', user('RUS', 'party')],
        ['mechanism', user('USA', 'mechanism')],
        ['admin', SEE_ALL],
      ];
      for (const [who, v] of readers) {
        const listed = (await store.force.list('pledge', { visibility: v, nation })).map((p) => p.releasability).sort();
        expect(listed, who).toEqual(labels.filter((l) => canSee(v, l)).sort());
        for (const [label, p] of byLabel) expect(Boolean(await store.force.get('pledge', p.id, v)), `${who} ${label}`).toBe(canSee(v, label));
      }
      // A reader cannot remove what does not exist for them.
      expect(await store.force.remove('pledge', byLabel.get('REL TO FRA')!.id, user('GBR'))).toBe(false);
      expect(await store.force.remove('pledge', byLabel.get('REL TO FRA')!.id, user('FRA'))).toBe(true);
      expect(await store.force.get('pledge', byLabel.get('REL TO FRA')!.id, SEE_ALL)).toBeUndefined();
    });

    it('keeps each kind apart and lists by nation, ordered by id', async () => {
      const nation = freshNation();
      const ids = [uuidv7(), uuidv7(), uuidv7()];
      for (const id of [...ids].reverse()) await store.force.put('pledge', pledge({ id, nation }), write());
      await store.force.put(
        'unit',
        { id: ids[0]!, name: 'Engineers', nation, capability: 'engineering', type: 'Combat engineers', size: 120, echelon: 'company', homeBase: 'Tapa', sidc: 'SFGPUCE----E---', takUid: 'ANDROID-1', takCallsign: null, pledgeId: ids[0]!, releasability: 'COALITION' },
        write(),
      );
      expect((await store.force.list('pledge', { visibility: SEE_ALL, nation })).map((p) => p.id)).toEqual(ids);
      expect((await store.force.list('unit', { visibility: SEE_ALL, nation })).map((u) => u.name)).toEqual(['Engineers']);
      expect((await store.force.get('unit', ids[0]!, SEE_ALL))!.takUid).toBe('ANDROID-1');
    });

    it('stores nested records (documents with versions, commitments with wordings, deployments with areas) as given', async () => {
      const doc = {
        id: uuidv7(),
        kind: 'communique' as const,
        title: 'Statement',
        place: 'Paris',
        signatories: ['FRA', 'GBR'],
        versions: [
          { id: 'draft', stage: 'draft' as const, date: '2026-01-05', title: 'Draft' },
          { id: 'final', stage: 'final' as const, date: '2026-01-06', title: 'Final' },
        ],
        illustrative: true,
        source: '',
        releasability: 'REL TO FRA, GBR',
      };
      await store.force.put('document', doc, write());
      expect(await store.force.get('document', doc.id, user('GBR'))).toMatchObject(doc);
      const dep = { id: uuidv7(), unitId: 'u', place: 'Camp', location: { type: 'Polygon' as const, coordinates: [[[35, 48], [35.1, 48], [35.1, 48.1], [35, 48]]] as [number, number][][] }, from: '2026-11-01T00:00:00+02:00', to: null, releasability: 'COALITION' };
      await store.force.put('deployment', dep, write());
      expect(await store.force.get('deployment', dep.id, SEE_ALL)).toMatchObject(dep);
    });

    it('keeps one settings record, replaced on each write', async () => {
      await store.force.putSettings({ minDistanceToLineM: 25_000, keepOutOfSecurityZone: true }, write());
      await store.force.putSettings({ minDistanceToLineM: 40_000, keepOutOfSecurityZone: false }, write());
      expect(await store.force.settings()).toEqual({ minDistanceToLineM: 40_000, keepOutOfSecurityZone: false });
    });
  });
}
