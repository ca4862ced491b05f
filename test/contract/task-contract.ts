import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { COALITION_PRESET } from '../../src/domain/coalition';
import { TrucelineError } from '../../src/domain/errors';
import { SEE_ALL, canSee, visibilityOf, PUBLIC_ACTOR, type OrgKind, type Visibility } from '../../src/domain/identity';
import type { NewTask, Task } from '../../src/domain/task';
import type { ChangeEvent, Store } from '../../src/store/repository';

/**
 * The task repository contract, the same for every store. Each test tags its tasks with an
 * incident id of its own and queries by it, so tests share one database without seeing each
 * other's rows.
 */
export function taskContract(name: string, open: () => Promise<Store>): void {
  describe(`task contract: ${name}`, () => {
    let store: Store;
    beforeAll(async () => {
      store = await open();
    });
    afterAll(async () => {
      await store?.close();
    });

    let clock = Date.UTC(2026, 10, 25, 6);
    const newTask = (over: Partial<NewTask> = {}): NewTask => ({
      id: uuidv7(),
      kind: 'patrol',
      title: 'Patrol the road',
      description: 'Check the checkpoint at the bridge',
      assignee: { nation: null, team: 'Team D-1' },
      place: { type: 'Point', coordinates: [37.8, 48.1] },
      dueAt: '2026-11-26T06:00:00+02:00',
      releasability: 'MECHANISM',
      incidentId: null,
      createdAt: new Date((clock += 1000)).toISOString(),
      createdBy: 'user:tasker',
      creatorId: 'tasker-id',
      ...over,
    });
    const incident = () => `incident-${uuidv7()}`;
    const nationUser = (nation: string, orgKind: OrgKind = 'nation'): Visibility =>
      visibilityOf({ type: 'user', id: 'x', username: 'x', nation, org: nation, orgKind, roles: ['liaison_officer'] }, COALITION_PRESET);
    const mechanism = visibilityOf({ type: 'user', id: 'm', username: 'm', nation: 'USA', org: 'Mechanism', orgKind: 'mechanism', roles: ['analyst'] }, COALITION_PRESET);
    const ids = (tasks: Task[]) => tasks.map((t) => t.id).sort();
    const step = (t: Task, action: 'accept' | 'done' | 'refuse' | 'cancel', from: Task['state'], to: Task['state'], reason: string | null = null) => ({
      id: t.id,
      expectedVersion: t.version,
      event: { at: new Date((clock += 1000)).toISOString(), by: 'user:team', action, from, to, reason },
    });

    it('creates a task open at version 1 with its creation in the history, and reads it back whole', async () => {
      const input = newTask({
        kind: 'uav_flight',
        assignee: { nation: 'FRA', team: 'FRA UAV detachment' },
        place: { type: 'Polygon', coordinates: [[[37, 48], [37.2, 48], [37.2, 48.2], [37, 48]]] },
        releasability: 'REL TO FRA',
        incidentId: incident(),
      });
      const created = await store.tasks.create(input);
      expect(created).toEqual({
        ...input,
        state: 'open',
        version: 1,
        updatedAt: input.createdAt,
        history: [{ version: 1, at: input.createdAt, by: 'user:tasker', action: 'create', from: null, to: 'open', reason: null }],
      });
      expect(await store.tasks.get(input.id, SEE_ALL)).toEqual(created);
      expect(await store.tasks.get(`missing-${uuidv7()}`, SEE_ALL)).toBeUndefined();
    });

    it('refuses an id already used (409) and keeps the first task', async () => {
      const first = await store.tasks.create(newTask());
      const again = store.tasks.create(newTask({ id: first.id, title: 'Another task' }));
      await expect(again).rejects.toBeInstanceOf(TrucelineError);
      await expect(again).rejects.toMatchObject({ status: 409, field: 'id' });
      expect((await store.tasks.get(first.id, SEE_ALL))!.title).toBe('Patrol the road');
    });

    it('filters by releasability in the query: what a caller may not see does not exist for them', async () => {
      const tag = incident();
      const labels = ['PUBLIC', 'COALITION', 'MECHANISM', 'REL TO FRA', 'REL TO GBR', 'REL TO FRA, GBR', 'REL TO DEU, GBR, USA'];
      const tasks = await Promise.all(labels.map((releasability) => store.tasks.create(newTask({ releasability, incidentId: tag }))));
      const callers: [string, Visibility][] = [
        ['FRA nation', nationUser('FRA')],
        ['GBR nation', nationUser('GBR')],
        ['RUS party', nationUser('RUS', 'party')],
        ['cell (DEU)', nationUser('DEU', 'cell')],
        ['mechanism', mechanism],
        ['public', visibilityOf(PUBLIC_ACTOR, COALITION_PRESET)],
        ['system', SEE_ALL],
      ];
      for (const [who, v] of callers) {
        const expected = tasks.filter((t) => canSee(v, t.releasability));
        const page = await store.tasks.list({ visibility: v, incidentId: tag, limit: 100 });
        expect(ids(page.items), who).toEqual(ids(expected));
        expect(page.total, who).toBe(expected.length);
        for (const t of tasks) {
          const got = await store.tasks.get(t.id, v);
          expect(got?.id, `${who} reading ${t.releasability}`).toBe(canSee(v, t.releasability) ? t.id : undefined);
        }
      }
      // Spot checks of the oracle itself, so a wrong oracle cannot pass silently.
      expect((await store.tasks.list({ visibility: nationUser('FRA'), incidentId: tag, limit: 100 })).items.map((t) => t.releasability).sort()).toEqual(
        ['COALITION', 'PUBLIC', 'REL TO FRA', 'REL TO FRA, GBR'].sort(),
      );
      expect((await store.tasks.list({ visibility: nationUser('RUS', 'party'), incidentId: tag, limit: 100 })).items.map((t) => t.releasability)).toEqual(['PUBLIC']);
    });

    it('filters by state, kind and assignee (a nation, or null for the mechanism)', async () => {
      const tag = incident();
      const mech = await store.tasks.create(newTask({ incidentId: tag }));
      const fra = await store.tasks.create(newTask({ incidentId: tag, kind: 'rfi', assignee: { nation: 'FRA', team: 'FRA cell' }, releasability: 'REL TO FRA' }));
      const gbr = await store.tasks.create(newTask({ incidentId: tag, kind: 'investigation', assignee: { nation: 'GBR', team: 'GBR team' }, releasability: 'REL TO GBR' }));
      await store.tasks.transition(step(gbr, 'accept', 'open', 'accepted'));
      const q = (over: object) => store.tasks.list({ visibility: SEE_ALL, incidentId: tag, limit: 100, ...over }).then((p) => ids(p.items));
      expect(await q({})).toEqual(ids([mech, fra, gbr]));
      expect(await q({ assigneeNation: null })).toEqual([mech.id]);
      expect(await q({ assigneeNation: 'FRA' })).toEqual([fra.id]);
      expect(await q({ kind: 'investigation' })).toEqual([gbr.id]);
      expect(await q({ state: 'open' })).toEqual(ids([mech, fra]));
      expect(await q({ state: 'accepted', assigneeNation: 'GBR' })).toEqual([gbr.id]);
      expect(await q({ state: 'done' })).toEqual([]);
    });

    it('lists newest first and pages by keyset without gaps or repeats, also among equal creation times', async () => {
      const tag = incident();
      const at = (ms: number) => new Date(Date.UTC(2026, 10, 1) + ms).toISOString();
      const specs = [at(0), at(5000), at(5000), at(5000), at(9000), at(1000), at(7000)];
      const made = await Promise.all(specs.map((createdAt) => store.tasks.create(newTask({ createdAt, incidentId: tag }))));
      const expected = [...made].sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || (a.id < b.id ? 1 : -1)).map((t) => t.id);
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.tasks.list({ visibility: SEE_ALL, incidentId: tag, limit: 3, cursor });
        expect(page.total).toBe(7);
        seen.push(...page.items.map((t) => t.id));
        cursor = page.nextCursor ?? undefined;
        pages++;
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen).toEqual(expected);
      await expect(store.tasks.list({ visibility: SEE_ALL, limit: 3, cursor: 'not-a-cursor' })).rejects.toMatchObject({ status: 400, field: 'cursor' });
    });

    it('moves a task on its expected version and appends the step to its history', async () => {
      const t = await store.tasks.create(newTask({ incidentId: incident() }));
      const accepted = await store.tasks.transition(step(t, 'accept', 'open', 'accepted'));
      expect(accepted).toMatchObject({ state: 'accepted', version: 2 });
      const done = await store.tasks.transition({ ...step(accepted, 'done', 'accepted', 'done', 'Checkpoint open, nothing to report') });
      expect(done).toMatchObject({ state: 'done', version: 3, updatedAt: done.history[2]!.at });
      expect(done.history.map((e) => [e.version, e.action, e.from, e.to, e.reason])).toEqual([
        [1, 'create', null, 'open', null],
        [2, 'accept', 'open', 'accepted', null],
        [3, 'done', 'accepted', 'done', 'Checkpoint open, nothing to report'],
      ]);
      expect(await store.tasks.get(t.id, SEE_ALL)).toEqual(done);
      // What never changes after creation stayed as it was.
      const { state: _s, version: _v, updatedAt: _u, history: _h, ...fixed } = t;
      expect(done).toMatchObject(fixed);
    });

    it('refuses a transition on a stale version (409 naming the state now) and stores nothing', async () => {
      const t = await store.tasks.create(newTask({ incidentId: incident() }));
      const accepted = await store.tasks.transition(step(t, 'accept', 'open', 'accepted'));
      const stale = store.tasks.transition(step(t, 'refuse', 'open', 'refused', 'too late'));
      await expect(stale).rejects.toBeInstanceOf(TrucelineError);
      await expect(stale).rejects.toMatchObject({ status: 409, field: 'state', message: expect.stringContaining('accepted') });
      expect(await store.tasks.get(t.id, SEE_ALL)).toEqual(accepted);
      await expect(store.tasks.transition({ ...step(t, 'accept', 'open', 'accepted'), id: `missing-${uuidv7()}` })).rejects.toMatchObject({ status: 404 });
    });

    it('lets exactly one of two concurrent transitions from the same version win', async () => {
      for (let round = 0; round < 5; round++) {
        const t = await store.tasks.create(newTask({ incidentId: incident() }));
        const results = await Promise.allSettled([
          store.tasks.transition(step(t, 'accept', 'open', 'accepted')),
          store.tasks.transition(step(t, 'refuse', 'open', 'refused', 'no crew available')),
          store.tasks.transition(step(t, 'cancel', 'open', 'cancelled', 'overtaken by events')),
        ]);
        const won = results.filter((r): r is PromiseFulfilledResult<Task> => r.status === 'fulfilled');
        expect(won).toHaveLength(1);
        for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ status: 409 });
        const now = (await store.tasks.get(t.id, SEE_ALL))!;
        expect(now).toEqual(won[0]!.value);
        expect(now.version).toBe(2);
        expect(now.history).toHaveLength(2);
      }
    });

    it('records a change in the feed for every committed create and transition, and none for a refused one', async () => {
      const before = await store.changes.latest();
      const heard: ChangeEvent[] = [];
      const off = store.changes.subscribe((e) => heard.push(e));
      try {
        const t = await store.tasks.create(newTask({ incidentId: incident() }));
        await store.tasks.transition(step(t, 'accept', 'open', 'accepted'));
        await expect(store.tasks.transition(step(t, 'accept', 'open', 'accepted'))).rejects.toMatchObject({ status: 409 });
        const mine = (events: ChangeEvent[]) => events.filter((e) => e.id === t.id).map((e) => [e.entity, e.op]);
        expect(mine(await store.changes.since(before, 1000))).toEqual([
          ['task', 'created'],
          ['task', 'updated'],
        ]);
        // Subscribers hear them too (PostgreSQL: through LISTEN/NOTIFY, so allow a moment).
        for (let i = 0; i < 100 && mine(heard).length < 2; i++) await new Promise((r) => setTimeout(r, 50));
        expect(mine(heard)).toEqual([
          ['task', 'created'],
          ['task', 'updated'],
        ]);
      } finally {
        off();
      }
    });
  });
}
