import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { CoalitionConfig } from '../../domain/identity';
import { TASK_ACTIONS, actionPermission, type TaskAction } from '../../domain/task';
import { TaskService, type Caller } from '../../services/task.service';
import type { Store } from '../../store/repository';
import { ProblemSchema } from '../schemas';
import { TaskCreateBody, TaskListQuery, TaskPage, TaskParams, TaskSchema, TransitionBody } from '../task.schemas';

const caller = (req: FastifyRequest): Caller => ({ actor: req.actor, visibility: req.visibility });

const ACTION_SUMMARY: Record<TaskAction, string> = {
  accept: 'Accept a task (the assigned team, or a tasking officer for it): open → accepted',
  done: 'Report a task done: accepted → done',
  refuse: 'Refuse a task, saying why: open or accepted → refused',
  cancel: 'Cancel a task, saying why (tasking officers): open or accepted → cancelled',
};

/** Tasking: patrols, UAV flights, investigations and requests for information. */
export const taskRoutes =
  (store: Store, coalition: CoalitionConfig): FastifyPluginAsyncZod =>
  async (app) => {
    const tasks = new TaskService(store, coalition);

    app.get(
      '/api/tasks',
      {
        config: { permission: 'task.read' },
        schema: {
          summary: 'List the tasks released to you, newest first, with filters and paging',
          tags: ['tasks'],
          querystring: TaskListQuery,
          response: { 200: TaskPage, 400: ProblemSchema, 401: ProblemSchema },
        },
      },
      async (req) => {
        const { assignee, incident, ...q } = req.query;
        return tasks.list(caller(req), {
          ...q,
          ...(assignee === undefined ? {} : { assigneeNation: assignee === 'mechanism' ? null : assignee }),
          ...(incident === undefined ? {} : { incidentId: incident }),
        });
      },
    );

    app.get(
      '/api/tasks/:id',
      {
        config: { permission: 'task.read' },
        schema: {
          summary: 'One task, with its history',
          description: 'A task not released to you answers 404, as one that does not exist.',
          tags: ['tasks'],
          params: TaskParams,
          response: { 200: TaskSchema, 401: ProblemSchema, 404: ProblemSchema },
        },
      },
      async (req) => tasks.get(caller(req), req.params.id),
    );

    app.post(
      '/api/tasks',
      {
        config: { permission: 'task.write' },
        schema: {
          summary: 'Task a team: a patrol, UAV flight, investigation or request for information',
          description:
            'The task starts open. Its label defaults to MECHANISM for a mechanism team and "REL TO <nation>" for a nation\'s team; a nation\'s task must be released to that nation (400 otherwise). An id already used answers 409.',
          tags: ['tasks'],
          body: TaskCreateBody,
          response: { 201: TaskSchema, 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema, 409: ProblemSchema },
        },
      },
      async (req, reply) => {
        const task = await tasks.create(caller(req), req.body);
        return reply.code(201).header('location', `/api/tasks/${encodeURIComponent(task.id)}`).send(task);
      },
    );

    for (const action of TASK_ACTIONS) {
      app.post(
        `/api/tasks/:id/${action}`,
        {
          config: { permission: actionPermission(action) },
          schema: {
            summary: ACTION_SUMMARY[action],
            description:
              'Decided by the transition table (src/domain/task.ts): 409 naming the state when the task is not in a state this action leaves, 403 when you may not answer for the assigned team, 400 when a required reason is missing, 404 when the task is not released to you.',
            tags: ['tasks'],
            params: TaskParams,
            body: TransitionBody,
            response: { 200: TaskSchema, 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema },
          },
        },
        async (req) => tasks.transition(caller(req), req.params.id, action, req.body),
      );
    }
  };
