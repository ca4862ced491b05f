import { useCallback, useEffect, useState } from 'react';
import type { FeatureCollection, Point } from 'geojson';
// The wire types come from the server's domain module (type-only: nothing of it is bundled).
import type { Task, TaskAction, TaskInput, TaskKind, TaskPlace, TaskState } from '../../src/domain/task';
import { csrfHeader, NetworkError, ProblemError, request as send } from './api';
import type { Me } from './session';

export type { TaskAction, TaskInput, TaskKind, TaskState };
/** A task as the API answers it: with what the caller may do with it now. */
export type TaskView = Task & { actions: TaskAction[] };

export const TASK_KIND_LABELS: Record<TaskKind, string> = { patrol: 'Patrol', uav_flight: 'UAV flight', investigation: 'Investigation', rfi: 'RFI' };
export const TASK_STATE_LABELS: Record<TaskState, string> = { open: 'Open', accepted: 'Accepted', done: 'Done', refused: 'Refused', cancelled: 'Cancelled' };
export const ACTION_LABELS: Record<TaskAction, string> = { accept: 'Accept', done: 'Mark done', refuse: 'Refuse…', cancel: 'Cancel task…' };
/** Actions that must say why (the server's transition table requires it; asking first saves a round trip). */
export const NEEDS_REASON: ReadonlySet<TaskAction> = new Set(['refuse', 'cancel']);
/** Roles that may create tasks (task.write in src/domain/permissions.ts); the server decides, this only hides the form. */
const TASKING_ROLES = ['analyst', 'chief_monitor', 'cell_officer', 'admin'];

const post = <T>(url: string, body: unknown) => send<T>(url, { method: 'POST', headers: { 'content-type': 'application/json', ...csrfHeader() }, body: JSON.stringify(body) });

export const createTask = (input: TaskInput) => post<TaskView>('/api/tasks', input);

export const actOnTask = (task: Pick<TaskView, 'id' | 'version'>, action: TaskAction, reason?: string) =>
  post<TaskView>(`/api/tasks/${encodeURIComponent(task.id)}/${action}`, { ifVersion: task.version, ...(reason ? { reason } : {}) });

const LIST_LIMIT = 200;
const REFRESH_MS = 30_000;

export interface TasksState {
  /** Newest first; null until the first answer. */
  items: TaskView[] | null;
  total: number;
  /** Not logged in: the tasks are not public. */
  anonymous: boolean;
  error: string | null;
  /** May create tasks. */
  canTask: boolean;
  reload(): void;
  /** Puts a task the server just answered in place (or first, when new). */
  upsert(t: TaskView): void;
}

/**
 * The tasks released to the user, refreshed every 30 s and on demand (after an action, or when
 * the live stream announces a task change).
 */
export function useTasks(viewer: string, me: Me | null | undefined): TasksState {
  const [items, setItems] = useState<TaskView[] | null>(null);
  const [total, setTotal] = useState(0);
  const [anonymous, setAnonymous] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);

  useEffect(() => {
    const timer = setInterval(() => setTick((t) => t + 1), REFRESH_MS);
    return () => clearInterval(timer);
  }, []);

  useEffect(() => {
    // Tasks are not public: the public does not ask.
    if (!me) {
      setItems(me === null ? [] : null);
      setAnonymous(me === null);
      return;
    }
    const abort = new AbortController();
    send<{ items: TaskView[]; total: number }>(`/api/tasks?limit=${LIST_LIMIT}`, { signal: abort.signal }).then(
      (page) => {
        setItems(page.items);
        setTotal(page.total);
        setAnonymous(false);
        setError(null);
      },
      (e: unknown) => {
        if (abort.signal.aborted) return;
        if (e instanceof ProblemError && e.status === 401) {
          setAnonymous(true);
          setItems([]);
          setError(null);
        } else if (e instanceof NetworkError) setError('Tasks: no connection');
        else setError(`Tasks: ${e instanceof Error ? e.message : String(e)}`);
      },
    );
    return () => abort.abort();
  }, [tick, viewer, me]);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  const upsert = useCallback((t: TaskView) => {
    setItems((list) => {
      const rest = (list ?? []).filter((x) => x.id !== t.id);
      const at = (list ?? []).findIndex((x) => x.id === t.id);
      if (at < 0) return [t, ...rest];
      rest.splice(at, 0, t);
      return rest;
    });
  }, []);

  return { items, total, anonymous, error, canTask: !!me?.roles.some((r) => TASKING_ROLES.includes(r)), reload, upsert };
}

export const isActive = (t: Pick<TaskView, 'state'>) => t.state === 'open' || t.state === 'accepted';

/** "due in 3 h", "overdue by 2 d": the due time relative to now, rounded to a unit a person reads at a glance. */
export function relativeDue(dueAt: string, now: Date = new Date()): { text: string; overdue: boolean } {
  const ms = Date.parse(dueAt) - now.getTime();
  const abs = Math.abs(ms);
  const span =
    abs < 60_000 ? 'less than a minute' : abs < 3_600_000 ? `${Math.round(abs / 60_000)} min` : abs < 48 * 3_600_000 ? `${Math.round(abs / 3_600_000)} h` : `${Math.round(abs / 86_400_000)} d`;
  return ms >= 0 ? { text: `due in ${span}`, overdue: false } : { text: `overdue by ${span}`, overdue: true };
}

/** "FRA · FRA patrol 2", "Mechanism · Team D-1". */
export const assigneeLabel = (t: Pick<TaskView, 'assignee'>) => `${t.assignee.nation ?? 'Mechanism'} · ${t.assignee.team}`;

/** A representative point of the task's place: the point itself, or the mean of the outer ring's corners. */
export function placePoint(p: TaskPlace): [number, number] {
  if (p.type === 'Point') return p.coordinates;
  const ring = p.coordinates[0]!.slice(0, -1);
  const lon = ring.reduce((s, c) => s + c[0], 0) / ring.length;
  const lat = ring.reduce((s, c) => s + c[1], 0) / ring.length;
  return [lon, lat];
}

export interface TaskFeatureProps {
  id: string;
  kind: TaskKind;
  state: TaskState;
  title: string;
}

/** Active tasks as map features: a marker at each task's place (areas are outlined by the layer too). */
export function taskFeatures(tasks: readonly TaskView[]): { points: FeatureCollection<Point, TaskFeatureProps>; areas: FeatureCollection } {
  const active = tasks.filter(isActive);
  const props = (t: TaskView): TaskFeatureProps => ({ id: t.id, kind: t.kind, state: t.state, title: t.title });
  return {
    points: { type: 'FeatureCollection', features: active.map((t) => ({ type: 'Feature', geometry: { type: 'Point', coordinates: placePoint(t.place) }, properties: props(t) })) },
    areas: {
      type: 'FeatureCollection',
      features: active.filter((t) => t.place.type === 'Polygon').map((t) => ({ type: 'Feature', geometry: t.place, properties: props(t) })),
    },
  };
}
