import { z } from 'zod';
import { TASK_ACTIONS, TASK_KINDS, TASK_STATES, TaskAssignee, TaskInput, TaskPlace } from '../domain/task';
import { Releasability } from '../domain/releasability';

/** Wire shapes of the tasking API. */

export const TaskCreateBody = TaskInput;

export const TaskEventSchema = z
  .object({
    version: z.number().int().describe("The task's version after this step (1: its creation)"),
    at: z.string().describe('When (ISO 8601, UTC)'),
    by: z.string().describe('Who: `user:<name>` or `token:<name>`'),
    action: z.enum(['create', ...TASK_ACTIONS]).describe('create | accept | done | refuse | cancel'),
    from: z.enum(TASK_STATES).nullable().describe('State before (null for the creation)'),
    to: z.enum(TASK_STATES).describe('State after'),
    reason: z.string().nullable().describe('Why (a refusal or cancellation always says why), or what was found'),
  })
  .describe("One step of a task's life");

export const TaskSchema = z
  .object({
    id: z.string().describe('Task id (UUIDv7 unless the client supplied one)'),
    kind: z.enum(TASK_KINDS).describe('patrol | uav_flight | investigation | rfi'),
    title: z.string().describe('What is to be done, in one line'),
    description: z.string().describe('Details: route, questions to answer, what to look for'),
    assignee: TaskAssignee,
    place: TaskPlace,
    dueAt: z.string().describe('When it is due (ISO 8601, as given)'),
    releasability: Releasability,
    incidentId: z.string().nullable().describe('The incident an investigation is about, if any'),
    state: z.enum(TASK_STATES).describe('open → accepted → done; open or accepted → refused (with a reason) or cancelled'),
    version: z.number().int().describe('1 at creation, one more per transition; send it back as ifVersion to act only on what you saw'),
    createdAt: z.string().describe('When it was created (ISO 8601, UTC)'),
    createdBy: z.string().describe('Who created it: `user:<name>` or `token:<name>`'),
    creatorId: z.string().nullable().describe("The creating user's id"),
    updatedAt: z.string().describe('When it last changed (ISO 8601, UTC)'),
    history: z.array(TaskEventSchema).describe('Every step, oldest first'),
    actions: z.array(z.enum(TASK_ACTIONS)).describe('What the caller may do with it now (POST /api/tasks/{id}/{action})'),
  })
  .describe('A task: a patrol, UAV flight, investigation or request for information assigned to a team');

export const TaskPage = z.object({
  items: z.array(TaskSchema).describe('The tasks of this page, newest first'),
  total: z.number().int().describe('How many tasks visible to the caller match the filters'),
  nextCursor: z.string().nullable().describe('Cursor of the next page; null on the last'),
});

export const TaskListQuery = z.object({
  state: z.enum(TASK_STATES).optional().describe('Only tasks in this state'),
  kind: z.enum(TASK_KINDS).optional().describe('Only tasks of this kind'),
  assignee: z
    .union([z.literal('mechanism'), z.string().regex(/^[A-Z]{3}$/, 'must be "mechanism" or an ISO 3166-1 alpha-3 code')])
    .optional()
    .describe('Only tasks for this nation\'s teams (ISO 3166-1 alpha-3), or "mechanism" for the mechanism\'s own teams'),
  incident: z.string().min(1).max(128).optional().describe('Only tasks about this incident'),
  limit: z.coerce.number().int().min(1).max(500).default(100).describe('Page size, at most 500'),
  cursor: z.string().max(500).optional().describe('Opaque cursor from the previous page'),
});

export const TaskParams = z.object({ id: z.string().min(1).max(128).describe('Task id') });

export const TransitionBody = z.preprocess(
  (v) => v ?? {}, // accept and done need no body
  z
    .object({
      reason: z.string().max(4000).nullable().optional().describe('Why: required to refuse or cancel; for done, what was found or the answer to the request'),
      ifVersion: z.number().int().positive().optional().describe('Refuse (409) unless the task is still at this version'),
    })
    .strict()
    .describe('The reason of a transition, and the version it was decided on'),
);
