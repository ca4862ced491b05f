import type pg from 'pg';
import { ConflictError, NotFoundError } from '../../domain/errors';
import { SEE_ALL, type Visibility } from '../../domain/identity';
import type { NewTask, Task } from '../../domain/task';
import { visibilityClause } from '../releasability-sql';
import type { Page } from '../repository';
import {
  TASK_COLUMNS,
  historiesOf,
  taskDoc,
  taskFromRow,
  taskPage,
  taskWhere,
  type TaskHistoryRow,
  type TaskQuery,
  type TaskRepository,
  type TaskRow,
  type TaskTransitionWrite,
} from '../task-repository';
import { recordChanges } from './change-feed';
import { inTransaction } from './transaction';

const HISTORY_SQL = `SELECT task_id, version, at, by_actor, action, from_state, to_state, reason FROM task_history WHERE task_id = ANY($1::text[]) ORDER BY task_id, version`;

export class PgTasks implements TaskRepository {
  constructor(private readonly pool: pg.Pool) {}

  async create(t: NewTask): Promise<Task> {
    return inTransaction(this.pool, async (client) => {
      const r = await client.query(
        `INSERT INTO tasks (id, kind, state, version, releasability, assignee_nation, incident_id, created_at_ms, updated_at, doc)
         VALUES ($1, $2, 'open', 1, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING`,
        [t.id, t.kind, t.releasability, t.assignee.nation, t.incidentId, Date.parse(t.createdAt), t.createdAt, taskDoc(t)],
      );
      if (r.rowCount === 0) throw new ConflictError(`task ${t.id} exists`, 'id');
      await client.query('INSERT INTO task_history (task_id, version, at, by_actor, action, from_state, to_state, reason) VALUES ($1, 1, $2, $3, $4, NULL, $5, NULL)', [
        t.id,
        t.createdAt,
        t.createdBy,
        'create',
        'open',
      ]);
      const task = (await this.load(client, t.id, SEE_ALL))!;
      await recordChanges(client, 'task', 'created', [t.id]);
      return task;
    });
  }

  async get(id: string, visibility: Visibility): Promise<Task | undefined> {
    return this.load(this.pool, id, visibility);
  }

  async list(q: TaskQuery): Promise<Page<Task>> {
    const { filter, page } = taskWhere(q, (i) => `$${i}`);
    const r = await this.pool.query<TaskRow>(`SELECT ${TASK_COLUMNS} FROM tasks ${page.sql} ORDER BY created_at_ms DESC, id DESC LIMIT $${page.params.length + 1}`, [
      ...page.params,
      q.limit + 1,
    ]);
    const rows = r.rows;
    const total =
      q.cursor === undefined && rows.length <= q.limit
        ? rows.length
        : Number((await this.pool.query<{ n: number }>(`SELECT count(*) AS n FROM tasks ${filter.sql}`, filter.params)).rows[0]!.n);
    return taskPage(rows, historiesOf(await this.historyRows(rows.slice(0, q.limit).map((x) => x.id))), q.limit, total);
  }

  async transition(t: TaskTransitionWrite): Promise<Task> {
    const { event: e } = t;
    return inTransaction(this.pool, async (client) => {
      // The version (and state) it was decided on, checked by the write itself: a concurrent
      // transition from the same version waits for this row's lock, then finds the version moved
      // (READ COMMITTED re-checks the WHERE on the new row) and updates nothing.
      const moved = await client.query('UPDATE tasks SET state = $1, version = version + 1, updated_at = $2 WHERE id = $3 AND version = $4 AND state = $5', [
        e.to,
        e.at,
        t.id,
        t.expectedVersion,
        e.from,
      ]);
      if (moved.rowCount === 0) {
        const now = (await client.query<{ state: string; version: number }>('SELECT state, version FROM tasks WHERE id = $1', [t.id])).rows[0];
        if (!now) throw new NotFoundError('task', t.id);
        throw new ConflictError(`task ${t.id} changed meanwhile: it is ${now.state} (version ${now.version}, not ${t.expectedVersion}); reload and try again`, 'state');
      }
      await client.query('INSERT INTO task_history (task_id, version, at, by_actor, action, from_state, to_state, reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)', [
        t.id,
        t.expectedVersion + 1,
        e.at,
        e.by,
        e.action,
        e.from,
        e.to,
        e.reason,
      ]);
      // Read inside the transaction: the answer is this transition's result, not a later one's.
      const task = (await this.load(client, t.id, SEE_ALL))!;
      await recordChanges(client, 'task', 'updated', [t.id]);
      return task;
    });
  }

  private async load(db: pg.Pool | pg.PoolClient, id: string, visibility: Visibility): Promise<Task | undefined> {
    const params: unknown[] = [id];
    const visible = visibilityClause(visibility, 'releasability', (v) => `$${params.push(v)}`);
    const row = (await db.query<TaskRow>(`SELECT ${TASK_COLUMNS} FROM tasks WHERE id = $1${visible ? ` AND ${visible}` : ''}`, params)).rows[0];
    return row && taskFromRow(row, historiesOf(await this.historyRows([id], db)).get(id) ?? []);
  }

  private async historyRows(ids: string[], db: pg.Pool | pg.PoolClient = this.pool): Promise<TaskHistoryRow[]> {
    if (ids.length === 0) return [];
    return (await db.query<TaskHistoryRow>(HISTORY_SQL, [ids])).rows;
  }
}
