import { InvalidInputError } from '../domain/errors';
import type { Visibility } from '../domain/identity';
import type { NewTask, Task, TaskEvent, TaskKind, TaskState } from '../domain/task';
import { decodeCursor, encodeCursor } from './cursor';
import { visibilityClause } from './releasability-sql';
import type { Page } from './repository';

/*
 * Tasks. The row holds the task's current state and version; its history is appended to beside it
 * (one row per step, never updated), so who did what, when and why stays readable. Every read
 * takes the caller's visibility and filters in SQL: a task not released to the caller does not
 * exist for them.
 */

export interface TaskQuery {
  visibility: Visibility;
  state?: TaskState;
  kind?: TaskKind;
  /** A nation's tasks (ISO3), or null for the mechanism's own teams' tasks. */
  assigneeNation?: string | null;
  incidentId?: string;
  limit: number;
  cursor?: string;
}

/** One transition to write: applied only if the task is still at `expectedVersion` (and so in `event.from`). */
export interface TaskTransitionWrite {
  id: string;
  expectedVersion: number;
  event: Omit<TaskEvent, 'version'> & { from: TaskState };
}

export interface TaskRepository {
  /** Stores a new task (state open, version 1) with its creation in the history. ConflictError when the id exists. */
  create(task: NewTask): Promise<Task>;
  get(id: string, visibility: Visibility): Promise<Task | undefined>;
  /** Newest first (createdAt, then id), paged by an opaque cursor. */
  list(q: TaskQuery): Promise<Page<Task>>;
  /**
   * Moves the task and appends the step to its history in one transaction, if and only if it is
   * still at the expected version; otherwise stores nothing and throws a ConflictError naming the
   * state it is in now. Two concurrent transitions from the same version: exactly one wins.
   */
  transition(t: TaskTransitionWrite): Promise<Task>;
}

/*
 * What both SQL stores share: the WHERE clauses of a query and the row mapping. Only the
 * placeholder syntax differs (`?` for SQLite, `$n` for PostgreSQL).
 */

export type TaskRow = { id: string; state: TaskState; version: number; updated_at: string; created_at_ms: number; doc: string };
export type TaskHistoryRow = {
  task_id: string;
  version: number;
  at: string;
  by_actor: string;
  action: TaskEvent['action'];
  from_state: TaskState | null;
  to_state: TaskState;
  reason: string | null;
};

export const TASK_COLUMNS = 'id, state, version, updated_at, created_at_ms, doc';

export const eventFromRow = (r: TaskHistoryRow): TaskEvent => ({
  version: Number(r.version),
  at: r.at,
  by: r.by_actor,
  action: r.action,
  from: r.from_state,
  to: r.to_state,
  reason: r.reason,
});

export function taskFromRow(r: TaskRow, history: TaskEvent[]): Task {
  const stored = JSON.parse(r.doc) as NewTask;
  return { ...stored, state: r.state, version: Number(r.version), updatedAt: r.updated_at, history };
}

/** What never changes after creation, as the `doc` column holds it. */
export const taskDoc = (t: NewTask): string =>
  JSON.stringify({
    id: t.id,
    kind: t.kind,
    title: t.title,
    description: t.description,
    assignee: t.assignee,
    place: t.place,
    dueAt: t.dueAt,
    releasability: t.releasability,
    incidentId: t.incidentId,
    createdAt: t.createdAt,
    createdBy: t.createdBy,
    creatorId: t.creatorId,
  } satisfies NewTask);

/** Groups history rows (ordered by task, then version) by task id. */
export function historiesOf(rows: TaskHistoryRow[]): Map<string, TaskEvent[]> {
  const by = new Map<string, TaskEvent[]>();
  for (const r of rows) {
    let list = by.get(r.task_id);
    if (!list) by.set(r.task_id, (list = []));
    list.push(eventFromRow(r));
  }
  return by;
}

export interface TaskSql {
  sql: string;
  params: unknown[];
}

/** The WHERE of a task query: `filter` counts the total, `page` adds the keyset cursor. Releasability always applies. */
export function taskWhere(q: Omit<TaskQuery, 'limit'>, placeholder: (index: number) => string): { filter: TaskSql; page: TaskSql } {
  const build = (withCursor: boolean): TaskSql => {
    const clauses: string[] = [];
    const params: unknown[] = [];
    const p = (v: unknown): string => {
      params.push(v);
      return placeholder(params.length);
    };
    const visible = visibilityClause(q.visibility, 'releasability', p);
    if (visible) clauses.push(visible);
    if (q.state !== undefined) clauses.push(`state = ${p(q.state)}`);
    if (q.kind !== undefined) clauses.push(`kind = ${p(q.kind)}`);
    if (q.assigneeNation === null) clauses.push('assignee_nation IS NULL');
    else if (q.assigneeNation !== undefined) clauses.push(`assignee_nation = ${p(q.assigneeNation)}`);
    if (q.incidentId !== undefined) clauses.push(`incident_id = ${p(q.incidentId)}`);
    if (withCursor && q.cursor !== undefined) {
      const k = decodeCursor(q.cursor);
      if (!k) throw new InvalidInputError('cursor', 'is not a cursor this server issued');
      clauses.push(`created_at_ms <= ${p(k.t)} AND (created_at_ms < ${p(k.t)} OR id < ${p(k.id)})`);
    }
    return { sql: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
  };
  return { filter: build(false), page: build(true) };
}

/** The page from up to limit + 1 rows (the extra one only says there is more), newest first. */
export function taskPage(rows: TaskRow[], histories: Map<string, TaskEvent[]>, limit: number, total: number): Page<Task> {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  const last = kept[kept.length - 1];
  return {
    items: kept.map((r) => taskFromRow(r, histories.get(r.id) ?? [])),
    total,
    nextCursor: more && last ? encodeCursor({ t: Number(last.created_at_ms), id: last.id }) : null,
  };
}
