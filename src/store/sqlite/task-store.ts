import type Database from 'better-sqlite3';
import type { SqliteStoreFeed } from './store-feed';
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


/** Tasks in SQLite. A page's histories come in one query: its ids (at most the page size) stay far below SQLite's 32,766 host parameters. */
export class SqliteTasks implements TaskRepository {
  private readonly insertTask: Database.Statement;
  private readonly insertEvent: Database.Statement;
  private readonly move: Database.Statement;
  private readonly stateOf: Database.Statement;

  constructor(
    private readonly db: Database.Database,
    private readonly feed: SqliteStoreFeed,
  ) {
    this.insertTask = db.prepare(
      `INSERT INTO tasks (id, kind, state, version, releasability, assignee_nation, incident_id, created_at_ms, updated_at, doc)
       VALUES (?, ?, 'open', 1, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING`,
    );
    this.insertEvent = db.prepare('INSERT INTO task_history (task_id, version, at, by_actor, action, from_state, to_state, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    this.move = db.prepare('UPDATE tasks SET state = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ? AND state = ?');
    this.stateOf = db.prepare('SELECT state, version FROM tasks WHERE id = ?');
  }

  async create(t: NewTask): Promise<Task> {
    const done = this.db
      .transaction(() => {
        const r = this.insertTask.run(t.id, t.kind, t.releasability, t.assignee.nation, t.incidentId, Date.parse(t.createdAt), t.createdAt, taskDoc(t));
        if (r.changes === 0) throw new ConflictError(`task ${t.id} exists`, 'id');
        this.insertEvent.run(t.id, 1, t.createdAt, t.createdBy, 'create', null, 'open', null);
        return { task: this.load(t.id, SEE_ALL)!, change: this.feed.record('task', 'created', t.id, new Date().toISOString()) };
      })
      .immediate();
    this.feed.emit([done.change]);
    return done.task;
  }

  async get(id: string, visibility: Visibility): Promise<Task | undefined> {
    return this.load(id, visibility);
  }

  async list(q: TaskQuery): Promise<Page<Task>> {
    const { filter, page } = taskWhere(q, () => '?');
    const rows = this.db.prepare(`SELECT ${TASK_COLUMNS} FROM tasks ${page.sql} ORDER BY created_at_ms DESC, id DESC LIMIT ?`).all(...page.params, q.limit + 1) as TaskRow[];
    const total =
      q.cursor === undefined && rows.length <= q.limit ? rows.length : (this.db.prepare(`SELECT COUNT(*) FROM tasks ${filter.sql}`).pluck().get(...filter.params) as number);
    return taskPage(rows, historiesOf(this.historyRows(rows.slice(0, q.limit).map((r) => r.id))), q.limit, total);
  }

  async transition(t: TaskTransitionWrite): Promise<Task> {
    const { event: e } = t;
    const done = this.db
      .transaction(() => {
        // The version (and state) it was decided on, checked by the write itself: of two
        // concurrent transitions from one version, the second finds nothing to update.
        if (this.move.run(e.to, e.at, t.id, t.expectedVersion, e.from).changes === 0) {
          const now = this.stateOf.get(t.id) as { state: string; version: number } | undefined;
          if (!now) throw new NotFoundError('task', t.id);
          throw new ConflictError(`task ${t.id} changed meanwhile: it is ${now.state} (version ${now.version}, not ${t.expectedVersion}); reload and try again`, 'state');
        }
        this.insertEvent.run(t.id, t.expectedVersion + 1, e.at, e.by, e.action, e.from, e.to, e.reason);
        return { task: this.load(t.id, SEE_ALL)!, change: this.feed.record('task', 'updated', t.id, new Date().toISOString()) };
      })
      .immediate();
    this.feed.emit([done.change]);
    return done.task;
  }

  /** Synchronous, so a write can answer the task as its own transaction left it. */
  private load(id: string, visibility: Visibility): Task | undefined {
    const params: unknown[] = [id];
    const visible = visibilityClause(visibility, 'releasability', (v) => {
      params.push(v);
      return '?';
    });
    const row = this.db.prepare(`SELECT ${TASK_COLUMNS} FROM tasks WHERE id = ?${visible ? ` AND ${visible}` : ''}`).get(...params) as TaskRow | undefined;
    return row && taskFromRow(row, historiesOf(this.historyRows([id])).get(id) ?? []);
  }

  private historyRows(ids: string[]): TaskHistoryRow[] {
    if (ids.length === 0) return [];
    return this.db.prepare(`SELECT * FROM task_history WHERE task_id IN (${ids.map(() => '?').join(', ')}) ORDER BY task_id, version`).all(...ids) as TaskHistoryRow[];
  }
}
