import { describe, expect, it } from 'vitest';
import { COALITION_PRESET } from '../../src/domain/coalition';
import { TrucelineError } from '../../src/domain/errors';
import type { Role, UserActor } from '../../src/domain/identity';
import {
  TASK_ACTIONS,
  TASK_STATES,
  TASK_TRANSITIONS,
  TaskInput,
  actionPermission,
  availableActions,
  isAssignee,
  planTransition,
  taskReleasability,
  type Task,
  type TaskAction,
  type TaskState,
} from '../../src/domain/task';
import { placePoint, relativeDue, taskFeatures } from '../../web/src/tasks';

/** The task domain: the wire shape, the transition table and its guards, the label rule. */

const user = (over: Partial<UserActor> & { roles: Role[] }): UserActor => ({
  type: 'user',
  id: `id-${Math.random()}`,
  username: 'someone',
  nation: 'USA',
  org: 'Truce monitoring mechanism',
  orgKind: 'mechanism',
  ...over,
});

const task = (over: Partial<Task> = {}): Task => ({
  id: 'task-1',
  kind: 'patrol',
  title: 'Patrol the road to Stanytsia',
  description: '',
  assignee: { nation: 'FRA', team: 'FRA patrol 2' },
  place: { type: 'Point', coordinates: [38.9, 48.6] },
  dueAt: '2026-11-26T06:00:00Z',
  releasability: 'REL TO FRA',
  incidentId: null,
  state: 'open',
  version: 1,
  createdAt: '2026-11-25T06:00:00.000Z',
  createdBy: 'user:tasker',
  creatorId: 'tasker-id',
  updatedAt: '2026-11-25T06:00:00.000Z',
  history: [],
  ...over,
});

const frenchLiaison = user({ nation: 'FRA', org: 'FRA', orgKind: 'nation', roles: ['liaison_officer'] });
const britishLiaison = user({ nation: 'GBR', org: 'GBR', orgKind: 'nation', roles: ['liaison_officer'] });
const mechanismMonitor = user({ roles: ['monitor'] });
const analyst = user({ roles: ['analyst'] });

/** The status and type of what `fn` throws. */
function refusal(fn: () => unknown): { status: number; type: string; field?: string; message: string } {
  try {
    fn();
  } catch (e) {
    if (e instanceof TrucelineError) return { status: e.status, type: e.type, field: e.field, message: e.message };
    throw e;
  }
  throw new Error('did not throw');
}

const input = (over: Record<string, unknown> = {}) => ({
  kind: 'uav_flight',
  title: 'Fly over the storage site',
  assignee: { nation: null, team: 'UAV team 1' },
  place: { type: 'Point', coordinates: [37.8, 48.1] },
  dueAt: '2026-11-26T06:00:00+02:00',
  ...over,
});

describe('task input', () => {
  it('takes a point or a closed polygon, with defaults for what is optional', () => {
    const t = TaskInput.parse(input());
    expect(t).toMatchObject({ description: '', incidentId: null });
    expect(t.releasability).toBeUndefined();
    const area = TaskInput.parse(input({ place: { type: 'Polygon', coordinates: [[[37, 48], [37.2, 48], [37.2, 48.2], [37, 48]]] } }));
    expect(area.place.type).toBe('Polygon');
  });

  it.each([
    ['an unclosed ring', { place: { type: 'Polygon', coordinates: [[[37, 48], [37.2, 48], [37.2, 48.2], [37, 48.2]]] } }, 'place'],
    ['a self-intersecting ring', { place: { type: 'Polygon', coordinates: [[[34, 47], [35, 48], [35, 47], [34, 48], [34, 47]]] } }, 'place'],
    ['a latitude out of range', { place: { type: 'Point', coordinates: [37, 91] } }, 'place'],
    ['a line', { place: { type: 'LineString', coordinates: [[37, 48], [38, 48]] } }, 'place'],
    ['an unknown kind', { kind: 'raid' }, 'kind'],
    ['a due time without offset', { dueAt: '2026-11-26T06:00:00' }, 'dueAt'],
    ['a nation that is no ISO3 code', { assignee: { nation: 'France', team: 'x' } }, 'assignee'],
    ['an empty title', { title: '  ' }, 'title'],
    ['an unknown field', { priority: 'high' }, ''],
    ['a malformed label', { releasability: 'SECRET' }, 'releasability'],
  ])('rejects %s', (_what, over, field) => {
    const r = TaskInput.safeParse(input(over));
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.path.join('.')).toContain(field);
  });
});

describe('the transition table', () => {
  it('has one permission per action, so each action is one route with one permission', () => {
    for (const action of TASK_ACTIONS) {
      const perms = new Set(TASK_TRANSITIONS.filter((t) => t.action === action).map((t) => t.permission));
      expect(perms.size, action).toBe(1);
      expect(actionPermission(action)).toBe([...perms][0]);
    }
  });

  it('leads nowhere from a final state and has no two rows for one state and action', () => {
    const keys = TASK_TRANSITIONS.map((t) => `${t.from}:${t.action}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const s of ['done', 'refused', 'cancelled'] as TaskState[]) expect(TASK_TRANSITIONS.some((t) => t.from === s)).toBe(false);
  });

  // Every state × action, by an analyst (task.write: may answer and cancel), with a reason.
  const expected: Record<TaskState, Partial<Record<TaskAction, TaskState>>> = {
    open: { accept: 'accepted', refuse: 'refused', cancel: 'cancelled' },
    accepted: { done: 'done', refuse: 'refused', cancel: 'cancelled' },
    done: {},
    refused: {},
    cancelled: {},
  };
  for (const state of TASK_STATES) {
    for (const action of TASK_ACTIONS) {
      const to = expected[state][action];
      it(`${action} from ${state}: ${to ?? '409'}`, () => {
        const t = task({ state });
        if (to) {
          expect(planTransition(t, action, analyst, 'because').to).toBe(to);
        } else {
          const r = refusal(() => planTransition(t, action, analyst, 'because'));
          expect(r).toMatchObject({ status: 409, type: 'conflict', field: 'state' });
          expect(r.message).toContain(`it is ${state}`);
        }
      });
    }
  }

  it('lets the assigned nation answer, and not another nation nor a mechanism member without task.write', () => {
    expect(planTransition(task(), 'accept', frenchLiaison, null).to).toBe('accepted');
    expect(refusal(() => planTransition(task(), 'accept', britishLiaison, null))).toMatchObject({ status: 403, type: 'forbidden' });
    expect(refusal(() => planTransition(task(), 'accept', mechanismMonitor, null)).message).toContain('FRA patrol 2');
    expect(planTransition(task(), 'accept', analyst, null).to).toBe('accepted');
  });

  it("lets the mechanism's own members answer a mechanism task, and no nation's", () => {
    const own = task({ assignee: { nation: null, team: 'Team D-1' }, releasability: 'MECHANISM' });
    expect(isAssignee(mechanismMonitor, own)).toBe(true);
    expect(planTransition(own, 'accept', mechanismMonitor, null).to).toBe('accepted');
    expect(refusal(() => planTransition(own, 'accept', frenchLiaison, null)).status).toBe(403);
    // A French member of the mechanism does not answer for the French contingent.
    expect(isAssignee(user({ nation: 'FRA', roles: ['monitor'] }), task())).toBe(false);
  });

  it('requires a reason to refuse or cancel, and not to accept or report done', () => {
    expect(refusal(() => planTransition(task(), 'refuse', frenchLiaison, null))).toMatchObject({ status: 400, field: 'reason' });
    expect(refusal(() => planTransition(task(), 'refuse', frenchLiaison, '   '))).toMatchObject({ status: 400, field: 'reason' });
    expect(refusal(() => planTransition(task(), 'cancel', analyst, null))).toMatchObject({ status: 400, field: 'reason' });
    expect(planTransition(task({ state: 'accepted' }), 'done', frenchLiaison, null).to).toBe('done');
  });

  it('leaves cancelling to task.write, and a read-only token answers nothing', () => {
    expect(refusal(() => planTransition(task(), 'cancel', frenchLiaison, 'not needed'))).toMatchObject({ status: 403 });
    const readOnly = { ...frenchLiaison, scopes: ['read'] };
    expect(refusal(() => planTransition(task(), 'accept', readOnly, null)).message).toMatch(/token scopes/);
  });

  it('offers each caller the actions the table allows them now', () => {
    expect(availableActions(task(), frenchLiaison)).toEqual(['accept', 'refuse']);
    expect(availableActions(task(), britishLiaison)).toEqual([]);
    expect(availableActions(task(), analyst)).toEqual(['accept', 'refuse', 'cancel']);
    expect(availableActions(task({ state: 'accepted' }), frenchLiaison)).toEqual(['done', 'refuse']);
    expect(availableActions(task({ state: 'done' }), analyst)).toEqual([]);
  });
});

describe('the label of a task', () => {
  const label = (nation: string | null, releasability?: string) => taskReleasability({ assignee: { nation, team: 't' }, releasability }, COALITION_PRESET);

  it("defaults to the assignee's: MECHANISM for the mechanism, REL TO the nation for a nation", () => {
    expect(label(null)).toBe('MECHANISM');
    expect(label('FRA')).toBe('REL TO FRA');
  });

  it('is canonical', () => {
    expect(label('FRA', 'REL TO GBR,fra')).toBe('REL TO FRA, GBR');
  });

  it("must be released to the assigned nation, or its team could never see it", () => {
    expect(() => label('FRA', 'MECHANISM')).toThrow(/not released to FRA/);
    expect(() => label('FRA', 'REL TO GBR')).toThrow(/not released to FRA/);
    expect(label('FRA', 'COALITION')).toBe('COALITION');
    expect(label('FRA', 'PUBLIC')).toBe('PUBLIC');
    // Not a coalition member: COALITION does not reach it.
    expect(() => label('RUS', 'COALITION')).toThrow(/not released to RUS/);
    expect(label(null, 'REL TO GBR')).toBe('REL TO GBR');
  });
});

describe('the web panel helpers', () => {
  const now = new Date('2026-11-25T12:00:00Z');

  it('says when a task is due, relative to now, in a unit read at a glance', () => {
    expect(relativeDue('2026-11-25T12:00:30Z', now)).toEqual({ text: 'due in less than a minute', overdue: false });
    expect(relativeDue('2026-11-25T12:40:00Z', now)).toEqual({ text: 'due in 40 min', overdue: false });
    expect(relativeDue('2026-11-25T17:00:00+00:00', now)).toEqual({ text: 'due in 5 h', overdue: false });
    expect(relativeDue('2026-11-28T12:00:00Z', now)).toEqual({ text: 'due in 3 d', overdue: false });
    expect(relativeDue('2026-11-25T10:00:00Z', now)).toEqual({ text: 'overdue by 2 h', overdue: true });
  });

  it('draws active tasks only, at their point or the middle of their area', () => {
    const area = task({ id: 'area', state: 'accepted', place: { type: 'Polygon', coordinates: [[[37, 48], [38, 48], [38, 49], [37, 49], [37, 48]]] } });
    const { points, areas } = taskFeatures([
      { ...task(), actions: [] },
      { ...area, actions: [] },
      { ...task({ id: 'finished', state: 'done' }), actions: [] },
    ]);
    expect(points.features.map((f) => [f.properties.id, f.geometry.coordinates])).toEqual([
      ['task-1', [38.9, 48.6]],
      ['area', [37.5, 48.5]],
    ]);
    expect(areas.features).toHaveLength(1);
    expect(placePoint(area.place)).toEqual([37.5, 48.5]);
  });
});
