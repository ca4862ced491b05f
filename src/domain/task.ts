import { z } from 'zod';
import { polygonalProblems } from '../geo/validity';
import { ConflictError, InvalidInputError, TrucelineError } from './errors';
import { canSee, visibilityOf, type CoalitionConfig, type UserActor } from './identity';
import { allows, type Permission } from './permissions';
import { Releasability, canonicalReleasability } from './releasability';

/**
 * Tasking: one aggregate for patrols, UAV flights, investigations and requests for information,
 * assigned to a team of a nation or of the mechanism, with a place, a due time and a state. The
 * workflow is the table TASK_TRANSITIONS (architecture.md practice 4); nothing else decides
 * whether a task may move.
 */

export const TASK_KINDS = ['patrol', 'uav_flight', 'investigation', 'rfi'] as const;
export type TaskKind = (typeof TASK_KINDS)[number];

export const TASK_STATES = ['open', 'accepted', 'done', 'refused', 'cancelled'] as const;
export type TaskState = (typeof TASK_STATES)[number];

/** What a caller asks for; the table says which state it leads to from the current one. */
export const TASK_ACTIONS = ['accept', 'done', 'refuse', 'cancel'] as const;
export type TaskAction = (typeof TASK_ACTIONS)[number];

/** States no transition leaves. */
export const FINAL_TASK_STATES: readonly TaskState[] = ['done', 'refused', 'cancelled'];

const Instant = z.iso.datetime({ offset: true }).describe('ISO 8601 instant with offset, e.g. 2026-11-26T06:00:00+02:00');
const Nation = z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 3166-1 alpha-3 code');

const Position = z
  .tuple([z.number().min(-180).max(180).describe('Longitude, degrees'), z.number().min(-90).max(90).describe('Latitude, degrees')])
  .describe('[lon, lat], WGS84');

export const TaskPlace = z
  .discriminatedUnion('type', [
    z.object({ type: z.literal('Point'), coordinates: Position }).strict().describe('A place (GeoJSON Point)'),
    z
      .object({
        type: z.literal('Polygon'),
        coordinates: z.array(z.array(Position).min(4)).min(1).max(50).describe('Outer ring first, then holes; each ring closed'),
      })
      .strict()
      .superRefine((g, ctx) => {
        const first = polygonalProblems([g.coordinates])[0];
        if (first) ctx.addIssue({ code: 'custom', message: first.message });
      })
      .describe('An area (GeoJSON Polygon), e.g. a patrol route area or a UAV flight box'),
  ])
  .describe('Where the task is to be carried out (GeoJSON Point or Polygon, WGS84, longitude first)');
export type TaskPlace = z.infer<typeof TaskPlace>;

export const TaskAssignee = z
  .object({
    nation: Nation.nullable().describe("Nation whose team is tasked (ISO 3166-1 alpha-3); null for one of the mechanism's own teams"),
    team: z.string().trim().min(1).max(120).describe('The team within that nation or the mechanism, e.g. "Team D-1" or "FRA UAV detachment"'),
  })
  .strict()
  .describe('Who is to carry the task out');
export type TaskAssignee = z.infer<typeof TaskAssignee>;

/** What a tasking officer submits (POST /api/tasks). */
export const TaskInput = z
  .object({
    id: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')
      .optional()
      .describe('Client-supplied globally unique id (kept as given, so sites can merge); the server makes a UUIDv7 when absent'),
    kind: z.enum(TASK_KINDS).describe('patrol | uav_flight | investigation | rfi (request for information)'),
    title: z.string().trim().min(1).max(200).describe('One line saying what is to be done'),
    description: z.string().max(10_000).default('').describe('Details: route, questions to answer, what to look for'),
    assignee: TaskAssignee,
    place: TaskPlace,
    dueAt: Instant.describe('When the task is due (ISO 8601 instant with offset)'),
    releasability: Releasability.optional().describe(
      'Who may see the task. Default: MECHANISM for a mechanism team, "REL TO <nation>" for a nation\'s team. A nation\'s task must be released to that nation.',
    ),
    incidentId: z.string().min(1).max(128).nullable().default(null).describe('The incident an investigation is about, when there is one'),
  })
  .strict()
  .describe('A new task');
export type TaskInput = z.input<typeof TaskInput>;
export type TaskData = z.output<typeof TaskInput>;

/** One step of a task's life: who, when, why. The first is its creation. */
export interface TaskEvent {
  /** The task's version after this step (1 for the creation). */
  version: number;
  at: string;
  /** Audit label of who did it (`user:<name>`, `token:<name>`). */
  by: string;
  action: 'create' | TaskAction;
  from: TaskState | null;
  to: TaskState;
  reason: string | null;
}

export interface Task {
  id: string;
  kind: TaskKind;
  title: string;
  description: string;
  assignee: TaskAssignee;
  place: TaskPlace;
  dueAt: string;
  /** Canonical label (canonicalReleasability). */
  releasability: string;
  incidentId: string | null;
  state: TaskState;
  /** 1 at creation, one more per transition: the optimistic-concurrency token. */
  version: number;
  createdAt: string;
  createdBy: string;
  /** Id of the user who created it, when a user did. */
  creatorId: string | null;
  updatedAt: string;
  /** Every step, oldest first. */
  history: TaskEvent[];
}

/** A task ready to store: everything but what the store keeps itself. */
export type NewTask = Omit<Task, 'state' | 'version' | 'updatedAt' | 'history'>;

/** Is `actor` one of the people the task is assigned to? A nation's team answers through its nation's users outside the mechanism. */
export function isAssignee(actor: UserActor, task: Pick<Task, 'assignee'>): boolean {
  const nation = task.assignee.nation;
  if (nation === null) return actor.orgKind === 'mechanism';
  return actor.orgKind !== 'mechanism' && actor.nation === nation;
}

type Guard = (actor: UserActor, task: Task) => string | null;

/** The assigned team answers for its task; a tasking officer (task.write) may record an answer given otherwise (radio, phone). */
const assigneeOrTasker: Guard = (actor, task) =>
  isAssignee(actor, task) || allows(actor, 'task.write')
    ? null
    : `only the assigned team (${task.assignee.nation ?? 'the mechanism'}: ${task.assignee.team}) or a tasking officer may answer this task`;

export interface TaskTransition {
  from: TaskState;
  to: TaskState;
  action: TaskAction;
  permission: Permission;
  /** Answers why the actor may not, or null when they may. */
  guard?: Guard;
  /** A reason must be given (it goes to the history and the audit log). */
  reasonRequired: boolean;
}

export const TASK_TRANSITIONS: readonly TaskTransition[] = [
  { from: 'open', to: 'accepted', action: 'accept', permission: 'task.respond', guard: assigneeOrTasker, reasonRequired: false },
  { from: 'accepted', to: 'done', action: 'done', permission: 'task.respond', guard: assigneeOrTasker, reasonRequired: false },
  { from: 'open', to: 'refused', action: 'refuse', permission: 'task.respond', guard: assigneeOrTasker, reasonRequired: true },
  // A team may find it can no longer do what it accepted; it says so rather than letting it lapse.
  { from: 'accepted', to: 'refused', action: 'refuse', permission: 'task.respond', guard: assigneeOrTasker, reasonRequired: true },
  { from: 'open', to: 'cancelled', action: 'cancel', permission: 'task.write', reasonRequired: true },
  { from: 'accepted', to: 'cancelled', action: 'cancel', permission: 'task.write', reasonRequired: true },
];

/** The permission a route for `action` declares: the same on every row of that action (checked by a unit test). */
export function actionPermission(action: TaskAction): Permission {
  const row = TASK_TRANSITIONS.find((t) => t.action === action);
  if (!row) throw new Error(`no transition for ${action}`);
  return row.permission;
}

/** The actions the table offers from `state` to `actor` (for the UI's buttons). */
export function availableActions(task: Task, actor: UserActor): TaskAction[] {
  return TASK_TRANSITIONS.filter((t) => t.from === task.state && allows(actor, t.permission) && !t.guard?.(actor, task)).map((t) => t.action);
}

/**
 * Finds the row for `action` from the task's state and checks it for `actor`: 409 naming the
 * state when the table has no such row, 403 when the actor may not, 400 when a reason is missing.
 */
export function planTransition(task: Task, action: TaskAction, actor: UserActor, reason: string | null): TaskTransition {
  const row = TASK_TRANSITIONS.find((t) => t.from === task.state && t.action === action);
  if (!row) {
    const offered = TASK_TRANSITIONS.filter((t) => t.from === task.state).map((t) => t.action);
    throw new ConflictError(
      `cannot ${action} task ${task.id}: it is ${task.state}${offered.length ? ` (from ${task.state}: ${offered.join(', ')})` : ', which is final'}`,
      'state',
    );
  }
  if (!allows(actor, row.permission)) throw new TrucelineError(403, 'forbidden', 'Forbidden', `${row.permission} is not granted to your role${actor.scopes ? ' or token scopes' : ''}`);
  const refusal = row.guard?.(actor, task);
  if (refusal) throw new TrucelineError(403, 'forbidden', 'Forbidden', refusal);
  if (row.reasonRequired && !reason?.trim()) throw new InvalidInputError('reason', `is required to ${action} a task`);
  return row;
}

/** The label a new task gets when none is given: its team must be able to see it. */
export const defaultTaskReleasability = (assignee: TaskAssignee): string => (assignee.nation ? `REL TO ${assignee.nation}` : 'MECHANISM');

/**
 * The task's label, canonical, checked against its assignee: a task its own team could not see
 * could never be answered. A nation's users outside the mechanism stand for its team.
 */
export function taskReleasability(data: Pick<TaskData, 'assignee' | 'releasability'>, coalition: CoalitionConfig): string {
  const label = canonicalReleasability(data.releasability ?? defaultTaskReleasability(data.assignee));
  const nation = data.assignee.nation;
  if (nation !== null) {
    const team = visibilityOf({ type: 'user', id: '', username: '', nation, org: nation, orgKind: 'nation', roles: ['liaison_officer'] }, coalition);
    if (!canSee(team, label)) throw new InvalidInputError('releasability', `${label} is not released to ${nation}, the nation of the assigned team; use e.g. "REL TO ${nation}"`);
  }
  return label;
}
