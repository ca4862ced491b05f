import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { COALITION_PRESET } from '../../src/domain/coalition';
import { TrucelineError } from '../../src/domain/errors';
import { guarantorReleasability } from '../../src/domain/guarantee';
import { PUBLIC_ACTOR, SEE_ALL, visibilityOf, type OrgKind, type Role } from '../../src/domain/identity';
import { alertIdFor } from '../../src/services/guarantee.service';
import type { NewAlert } from '../../src/store/alert-repository';
import type { ChangeEvent, Store } from '../../src/store/repository';

/**
 * The alerts contract, the same for every store. Each test makes alerts of criteria of its own
 * (random ids), so tests share one database and never see each other's rows.
 */

const user = (nation: string, orgKind: OrgKind = 'nation', roles: Role[] = ['liaison_officer']) =>
  visibilityOf({ type: 'user', id: `u-${nation}`, username: `u-${nation}`, nation, org: nation, orgKind, roles }, COALITION_PRESET);
const FRA = user('FRA');
const GBR = user('GBR');
const DEU = user('DEU');
const MECHANISM = user('USA', 'mechanism', ['analyst']);
const PUBLIC = visibilityOf(PUBLIC_ACTOR, COALITION_PRESET);

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 24, 10, 0, 0);

export function alertContract(name: string, open: () => Promise<Store>): void {
  describe(`alert contract: ${name}`, () => {
    let store: Store;
    beforeAll(async () => {
      store = await open();
    });
    afterAll(async () => {
      await store?.close();
    });

    /** A criterion id no other test uses. */
    const criterion = () => `c-${randomBytes(4).toString('hex')}`;
    const candidate = (criterionId: string, triggerKey: string, over: Partial<NewAlert> = {}): NewAlert => {
      const observedAt = over.lastObservedAtMs ?? T0;
      return {
        id: alertIdFor(criterionId, triggerKey, observedAt),
        criterionId,
        criterionKind: 'protected_site_impact',
        criterionName: 'Impact at a protected site',
        triggerKey,
        coalesceKey: `${criterionId}|kharkiv`,
        sector: 'kharkiv',
        raisedAtMs: Date.now(),
        escalateAtMs: Date.now() + HOUR,
        firstObservedAtMs: observedAt,
        lastObservedAtMs: observedAt,
        coalesceMs: HOUR,
        observationIds: [triggerKey],
        summary: `Impact at a protected site: ${triggerKey}`,
        releasability: guarantorReleasability(['FRA', 'GBR']),
        requiredNations: ['FRA', 'GBR'],
        detail: { sites: ['site-dfs'], distanceM: 812.5 },
        ...over,
      };
    };
    /** The change events recorded from now on, for the ids given. */
    const changesOf = async (from: number, id: string): Promise<Pick<ChangeEvent, 'entity' | 'op'>[]> =>
      (await store.changes.since(from, 1000)).filter((e) => e.id === id).map((e) => ({ entity: e.entity, op: e.op }));

    it('raises an alert: stored whole, with its first observation, and a created change recorded with it', async () => {
      const c = criterion();
      const seq = await store.changes.latest();
      const a = candidate(c, 'obs-1');
      const r = await store.alerts.raise(a);
      expect(r.outcome).toBe('created');
      expect(r.attached).toEqual(['obs-1']);
      expect(r.alert).toMatchObject({
        id: a.id,
        criterionId: c,
        criterionKind: 'protected_site_impact',
        sector: 'kharkiv',
        state: 'open',
        raisedAt: new Date(a.raisedAtMs).toISOString(),
        escalateAt: new Date(a.escalateAtMs).toISOString(),
        escalatedAt: null,
        acknowledgedAt: null,
        firstObservedAt: new Date(T0).toISOString(),
        lastObservedAt: new Date(T0).toISOString(),
        coalesceUntil: new Date(T0 + HOUR).toISOString(),
        observationIds: ['obs-1'],
        observationCount: 1,
        releasability: 'REL TO FRA, GBR',
        requiredNations: ['FRA', 'GBR'],
        acks: [],
        detail: { sites: ['site-dfs'], distanceM: 812.5 },
      });
      expect(await store.alerts.get(a.id, SEE_ALL)).toEqual(r.alert);
      expect(await changesOf(seq, a.id)).toEqual([{ entity: 'alert', op: 'created' }]);
    });

    it('raises the same alert once, however many evaluations offer it at once', async () => {
      const c = criterion();
      const seq = await store.changes.latest();
      const a = candidate(c, 'obs-1');
      const results = await Promise.all([store.alerts.raise(a), store.alerts.raise({ ...a, raisedAtMs: a.raisedAtMs + 5 }), store.alerts.raise(a)]);
      expect(results.map((r) => r.outcome).sort()).toEqual(['created', 'unchanged', 'unchanged']);
      expect(new Set(results.map((r) => r.alert.id))).toEqual(new Set([a.id]));
      expect((await store.alerts.list({ visibility: SEE_ALL, limit: 500 })).items.filter((x) => x.criterionId === c)).toHaveLength(1);
      expect(await changesOf(seq, a.id)).toEqual([{ entity: 'alert', op: 'created' }]);
    });

    it('coalesces: observations of the same criterion and sector within the window join the open alert', async () => {
      const c = criterion();
      const first = await store.alerts.raise(candidate(c, 'obs-1'));
      const seq = await store.changes.latest();
      // Two evaluations of different observations at once: one alert, both attached.
      const [r2, r3] = await Promise.all([
        store.alerts.raise(candidate(c, 'obs-2', { lastObservedAtMs: T0 + 10 * 60_000 })),
        store.alerts.raise(candidate(c, 'obs-3', { lastObservedAtMs: T0 + 20 * 60_000 })),
      ]);
      expect([r2!.outcome, r3!.outcome]).toEqual(['attached', 'attached']);
      const a = (await store.alerts.get(first.alert.id, SEE_ALL))!;
      expect(a.observationCount).toBe(3);
      expect(a.observationIds.slice().sort()).toEqual(['obs-1', 'obs-2', 'obs-3']);
      expect(a.observationIds[0]).toBe('obs-1');
      expect(a.lastObservedAt).toBe(new Date(T0 + 20 * 60_000).toISOString());
      expect(a.coalesceUntil).toBe(new Date(T0 + 80 * 60_000).toISOString());
      expect(await changesOf(seq, a.id)).toEqual([
        { entity: 'alert', op: 'updated' },
        { entity: 'alert', op: 'updated' },
      ]);
      // An observation already attached changes nothing.
      expect((await store.alerts.raise(candidate(c, 'obs-2', { lastObservedAtMs: T0 + 10 * 60_000 }))).outcome).toBe('unchanged');
      // A cluster's candidate names observations already attached: only the new ones join.
      const cluster = await store.alerts.raise(candidate(c, 'obs-5', { lastObservedAtMs: T0 + 30 * 60_000, observationIds: ['obs-2', 'obs-3', 'obs-4', 'obs-5'] }));
      expect(cluster).toMatchObject({ outcome: 'attached', attached: ['obs-4', 'obs-5'], alert: { id: a.id, observationCount: 5 } });
      // Past the window (more than the coalescing span after the latest one): a new alert.
      const later = await store.alerts.raise(candidate(c, 'obs-6', { lastObservedAtMs: T0 + 3 * HOUR }));
      expect(later.outcome).toBe('created');
      expect(later.alert.id).not.toBe(a.id);
      // Another sector of the same criterion: its own alert.
      expect((await store.alerts.raise(candidate(c, 'obs-7', { coalesceKey: `${c}|donetsk`, sector: 'donetsk' }))).outcome).toBe('created');
    });

    it('answers an alert only to those it is released to: the guarantors and the mechanism, not other nations nor the public', async () => {
      const c = criterion();
      const { alert } = await store.alerts.raise(candidate(c, 'obs-1'));
      for (const v of [FRA, GBR, MECHANISM, SEE_ALL]) {
        expect((await store.alerts.get(alert.id, v))?.id).toBe(alert.id);
        expect((await store.alerts.list({ visibility: v, limit: 500 })).items.map((x) => x.id)).toContain(alert.id);
      }
      for (const v of [DEU, PUBLIC]) {
        expect(await store.alerts.get(alert.id, v)).toBeUndefined();
        const page = await store.alerts.list({ visibility: v, limit: 500 });
        expect(page.items.map((x) => x.id)).not.toContain(alert.id);
        expect(page.total).toBe(page.items.length);
      }
    });

    it('records one acknowledgement per nation; the last required one completes the alert', async () => {
      const c = criterion();
      const { alert } = await store.alerts.raise(candidate(c, 'obs-1'));
      const ack = (nation: string, note: string | null = null) => ({ alertId: alert.id, nation, by: `user:${nation.toLowerCase()}`, userId: `u-${nation}`, note, atMs: Date.now() });
      const seq = await store.changes.latest();
      expect(await store.alerts.acknowledge(ack('FRA'), DEU)).toBeUndefined();
      expect((await store.alerts.acknowledge(ack('DEU'), SEE_ALL))?.outcome).toBe('not_required');

      const fra = await store.alerts.acknowledge(ack('FRA', 'Paris informed'), FRA);
      expect(fra).toMatchObject({ outcome: 'recorded', alert: { state: 'open', acknowledgedAt: null, acks: [{ nation: 'FRA', by: 'user:fra', userId: 'u-FRA', note: 'Paris informed' }] } });
      expect((await store.alerts.acknowledge(ack('FRA', 'again'), FRA))).toMatchObject({ outcome: 'already', alert: { state: 'open', acks: [{ nation: 'FRA', note: 'Paris informed' }] } });

      const gbr = await store.alerts.acknowledge(ack('GBR'), GBR);
      expect(gbr?.outcome).toBe('acknowledged');
      expect(gbr?.alert.state).toBe('acknowledged');
      expect(gbr?.alert.acknowledgedAt).not.toBeNull();
      expect(gbr?.alert.acks.map((a) => a.nation).sort()).toEqual(['FRA', 'GBR']);
      expect(await changesOf(seq, alert.id)).toEqual([
        { entity: 'alert', op: 'updated' },
        { entity: 'alert', op: 'updated' },
      ]);

      // An acknowledged alert takes no more observations: the next one raises a new alert.
      const next = await store.alerts.raise(candidate(c, 'obs-2', { lastObservedAtMs: T0 + 60_000 }));
      expect(next.outcome).toBe('created');
      // ...and raising the acknowledged one again (a late duplicate evaluation) changes nothing.
      expect((await store.alerts.raise(candidate(c, 'obs-1'))).outcome).toBe('unchanged');
    });

    it('acknowledges at once from both nations: exactly one completes it', async () => {
      const { alert } = await store.alerts.raise(candidate(criterion(), 'obs-1'));
      const ack = (nation: string) => store.alerts.acknowledge({ alertId: alert.id, nation, by: `user:${nation}`, userId: null, note: null, atMs: Date.now() }, SEE_ALL);
      const outcomes = (await Promise.all([ack('FRA'), ack('GBR')])).map((r) => r!.outcome).sort();
      expect(outcomes).toEqual(['acknowledged', 'recorded']);
      expect((await store.alerts.get(alert.id, SEE_ALL))?.state).toBe('acknowledged');
    });

    it('escalates open alerts past their deadline, once, whoever sweeps; an acknowledgement still completes them', async () => {
      const now = Date.now();
      const due = await store.alerts.raise(candidate(criterion(), 'obs-1', { escalateAtMs: now - 1000 }));
      const notYet = await store.alerts.raise(candidate(criterion(), 'obs-1', { escalateAtMs: now + HOUR }));
      const done = await store.alerts.raise(candidate(criterion(), 'obs-1', { escalateAtMs: now - 1000, requiredNations: ['FRA'] }));
      await store.alerts.acknowledge({ alertId: done.alert.id, nation: 'FRA', by: 'user:fra', userId: null, note: null, atMs: now }, SEE_ALL);
      const seq = await store.changes.latest();

      const [first, second] = await Promise.all([store.alerts.escalateDue(now), store.alerts.escalateDue(now)]);
      const escalated = [...first!, ...second!];
      expect(escalated.map((a) => a.id)).toEqual([due.alert.id]);
      expect(escalated[0]).toMatchObject({ state: 'escalated', escalatedAt: new Date(now).toISOString() });
      expect(await store.alerts.escalateDue(now)).toEqual([]);
      expect((await store.alerts.get(notYet.alert.id, SEE_ALL))?.state).toBe('open');
      expect((await store.alerts.get(done.alert.id, SEE_ALL))?.state).toBe('acknowledged');
      expect(await changesOf(seq, due.alert.id)).toEqual([{ entity: 'alert', op: 'updated' }]);

      // Still unacknowledged: it keeps coalescing.
      const c = due.alert.criterionId;
      expect((await store.alerts.raise(candidate(c, 'obs-2', { lastObservedAtMs: T0 + 60_000 }))).outcome).toBe('attached');
      for (const nation of ['FRA', 'GBR']) await store.alerts.acknowledge({ alertId: due.alert.id, nation, by: `user:${nation}`, userId: null, note: null, atMs: Date.now() }, SEE_ALL);
      expect(await store.alerts.get(due.alert.id, SEE_ALL)).toMatchObject({ state: 'acknowledged', escalatedAt: new Date(now).toISOString() });
    });

    it('lists newest first, by state, in pages', async () => {
      const c = criterion();
      const raised: string[] = [];
      for (let i = 0; i < 5; i++) {
        const r = await store.alerts.raise(candidate(c, `obs-${i}`, { coalesceKey: `${c}|s${i}`, sector: `s${i}`, raisedAtMs: Date.now() + HOUR + i }));
        raised.push(r.alert.id);
      }
      await store.alerts.acknowledge({ alertId: raised[1]!, nation: 'FRA', by: 'user:fra', userId: null, note: null, atMs: Date.now() }, SEE_ALL);
      await store.alerts.acknowledge({ alertId: raised[1]!, nation: 'GBR', by: 'user:gbr', userId: null, note: null, atMs: Date.now() }, SEE_ALL);

      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.alerts.list({ visibility: FRA, limit: 2, ...(cursor ? { cursor } : {}) });
        seen.push(...page.items.map((a) => a.id));
        cursor = page.nextCursor ?? undefined;
        pages++;
      } while (cursor && pages < 1000);
      const mine = seen.filter((id) => raised.includes(id));
      expect(mine).toEqual([...raised].reverse());
      expect(new Set(seen).size).toBe(seen.length);

      const open = await store.alerts.list({ visibility: SEE_ALL, state: ['open', 'escalated'], limit: 500 });
      expect(open.items.every((a) => a.state !== 'acknowledged')).toBe(true);
      expect(open.items.map((a) => a.id)).not.toContain(raised[1]);
      const acked = await store.alerts.list({ visibility: SEE_ALL, state: 'acknowledged', limit: 500 });
      expect(acked.items.map((a) => a.id)).toContain(raised[1]);
      expect(acked.items.find((a) => a.id === raised[1])?.acks).toHaveLength(2);
      const first = await store.alerts.list({ visibility: SEE_ALL, limit: 1 });
      expect(first.total).toBeGreaterThanOrEqual(5);
      expect(first.nextCursor).not.toBeNull();
      await expect(store.alerts.list({ visibility: SEE_ALL, limit: 1, cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(TrucelineError);
    });

    it('answers at most the first 200 observation ids, and counts them all', async () => {
      const c = criterion();
      const ids = Array.from({ length: 250 }, (_, i) => `obs-${String(i).padStart(3, '0')}`);
      const { alert } = await store.alerts.raise(candidate(c, 'obs-249', { observationIds: ids }));
      expect(alert.observationCount).toBe(250);
      expect(alert.observationIds).toEqual(ids.slice(0, 200));
    });

    it('stores the trigger criteria as numbered revisions; a stale revision is refused', async () => {
      const before = await store.alerts.latestCriteriaRevision();
      const doc = { maxAgeHours: 24, escalateAfterSeconds: 60, criteria: [{ kind: 'protected_site_impact', id: 'site', name: 'Site', enabled: true }] };
      const saved = await store.alerts.saveCriteria(doc, 'user:cell', 'update', { ifRevision: before });
      expect(saved).toMatchObject({ revision: before + 1, by: 'user:cell', reason: 'update', doc });
      expect(await store.alerts.latestCriteriaRevision()).toBe(before + 1);
      expect(await store.alerts.latestCriteria()).toEqual(saved);
      await expect(store.alerts.saveCriteria(doc, 'user:cell', 'update', { ifRevision: before })).rejects.toMatchObject({ status: 409 });
      const again = await store.alerts.saveCriteria({ ...doc, escalateAfterSeconds: 120 }, 'user:admin', 'update');
      expect(again.revision).toBe(before + 2);
      expect((await store.alerts.latestCriteria())?.doc).toMatchObject({ escalateAfterSeconds: 120 });
    });
  });
}
