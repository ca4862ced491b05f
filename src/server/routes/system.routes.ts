import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Store } from '../../store/repository';
import { QuarantineSchema } from '../schemas';

const QuarantinePage = z.object({ items: z.array(QuarantineSchema), total: z.number().int(), nextCursor: z.string().nullable() });

export const systemRoutes =
  (store: Store, version: string): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      '/api/health',
      {
        schema: {
          summary: 'Liveness and the store in use (public)',
          tags: ['system'],
          response: { 200: z.object({ status: z.literal('ok'), version: z.string(), store: z.enum(['sqlite', 'postgres']) }) },
        },
      },
      async () => ({ status: 'ok' as const, version, store: store.kind }),
    );

    app.get(
      '/api/quarantine',
      {
        config: { permission: 'quarantine.read' },
        schema: {
          summary: 'Inputs that could not be accepted, newest first, with the reason',
          tags: ['system'],
          querystring: z.object({
            limit: z.coerce.number().int().min(1).max(1000).default(100),
            cursor: z.string().max(100).optional(),
            channel: z.enum(['http', 'cot', 'acled', 'feed', 'cli', 'sync']).optional(),
          }),
          response: { 200: QuarantinePage },
        },
      },
      async (req) => store.inbox.listQuarantine(req.query),
    );
  };
