import { v7 as uuidv7 } from 'uuid';
import { ConflictError, NotFoundError, TrucelineError } from '../domain/errors';
import type { Actor, CoalitionConfig, UserActor, Visibility } from '../domain/identity';
import { availableActions, planTransition, taskReleasability, type Task, type TaskData, type TaskAction, type TaskKind, type TaskState } from '../domain/task';
import type { Page, Store } from '../store/repository';
import { actorLabel } from './auth';

/** Who asks: the actor, and what they may read (from the request; SEE_ALL only for the system). */
export interface Caller {
  actor: Actor;
  visibility: Visibility;
}

export interface TaskListInput {
  state?: TaskState;
  kind?: TaskKind;
  /** ISO3, or null for the mechanism's own teams. */
  assigneeNation?: string | null;
  incidentId?: string;
  limit: number;
  cursor?: string;
}

/** A task with the actions its caller may take now (the UI's buttons). */
export type TaskView = Task & { actions: TaskAction[] };

function userOf(actor: Actor): UserActor {
  // The route's permission lets no anonymous caller this far; this keeps the type honest.
  if (actor.type !== 'user') throw new TrucelineError(401, 'unauthenticated', 'Authentication required', 'log in or send an API token');
  return actor;
}

/**
 * Tasking use cases. The workflow is the domain's transition table; this holds the order of
 * things: read as the caller may see it (404 otherwise), decide by the table, write on the
 * version decided on, then append to the audit log.
 */
export class TaskService {
  constructor(
    private readonly store: Store,
    private readonly coalition: CoalitionConfig,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** `data` as TaskInput parsed it (the route's body schema). */
  async create(caller: Caller, data: TaskData): Promise<TaskView> {
    const actor = userOf(caller.actor);
    const releasability = taskReleasability(data, this.coalition);
    const createdAt = this.now().toISOString();
    const by = actorLabel(actor);
    const task = await this.store.tasks.create({
      id: data.id ?? uuidv7(),
      kind: data.kind,
      title: data.title,
      description: data.description,
      assignee: data.assignee,
      place: data.place,
      dueAt: data.dueAt,
      releasability,
      incidentId: data.incidentId,
      createdAt,
      createdBy: by,
      creatorId: actor.id,
    });
    await this.store.audit.append({
      id: uuidv7(),
      at: createdAt,
      actor: by,
      action: 'task.create',
      entity: 'task',
      entityId: task.id,
      detail: { kind: task.kind, title: task.title, assignee: task.assignee, dueAt: task.dueAt, releasability },
    });
    return this.view(task, actor);
  }

  async get(caller: Caller, id: string): Promise<TaskView> {
    const task = await this.store.tasks.get(id, caller.visibility);
    if (!task) throw new NotFoundError('task', id);
    return this.view(task, caller.actor);
  }

  async list(caller: Caller, q: TaskListInput): Promise<Page<TaskView>> {
    const page = await this.store.tasks.list({ ...q, visibility: caller.visibility });
    return { ...page, items: page.items.map((t) => this.view(t, caller.actor)) };
  }

  /**
   * Moves a task by the table. `ifVersion`: the version the caller saw; when it moved meanwhile,
   * 409 rather than acting on a task they have not seen as it is.
   */
  async transition(caller: Caller, id: string, action: TaskAction, input: { reason?: string | null; ifVersion?: number }): Promise<TaskView> {
    const actor = userOf(caller.actor);
    const task = await this.store.tasks.get(id, caller.visibility);
    if (!task) throw new NotFoundError('task', id);
    if (input.ifVersion !== undefined && input.ifVersion !== task.version) {
      throw new ConflictError(`task ${id} is at version ${task.version} (${task.state}), not ${input.ifVersion}; reload and try again`, 'ifVersion');
    }
    const reason = input.reason?.trim() || null;
    const row = planTransition(task, action, actor, reason);
    const at = this.now().toISOString();
    const by = actorLabel(actor);
    const moved = await this.store.tasks.transition({ id, expectedVersion: task.version, event: { at, by, action, from: row.from, to: row.to, reason } });
    await this.store.audit.append({
      id: uuidv7(),
      at,
      actor: by,
      action: `task.${action}`,
      entity: 'task',
      entityId: id,
      detail: { from: row.from, to: row.to, reason, version: moved.version },
    });
    return this.view(moved, actor);
  }

  private view(task: Task, actor: Actor): TaskView {
    return { ...task, actions: actor.type === 'user' ? availableActions(task, actor) : [] };
  }
}
