import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { LiveHub } from '../../services/live-hub';

const HEARTBEAT_MS = 15_000;

/**
 * Server-sent events of committed changes (observations, tasks, alerts), each client getting only
 * what is released to it. The event id is the change's seq, so a browser's EventSource resumes by
 * itself after a dropped connection (Last-Event-ID) without gaps.
 */
export const streamRoutes =
  (hub: LiveHub): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      '/api/stream',
      {
        config: { permission: 'observation.read' },
        schema: {
          summary: 'Live stream (text/event-stream) of new and changed records released to you; resume with Last-Event-ID or ?since=',
          description:
            'Events: `observation`, `task`, `alert`; data `{op, id, at, record}` with op created, updated, relabelled, or withdrawn (a record relabelled away from you: drop it). The public gets PUBLIC records only.',
          tags: ['live'],
          querystring: z.object({ since: z.coerce.number().int().min(0).optional().describe('Replay changes after this seq') }),
          headers: z.object({ 'last-event-id': z.coerce.number().int().min(0).optional() }).loose(),
        },
      },
      async (req, reply) => {
        const since = req.headers['last-event-id'] ?? req.query.since;
        const raw = reply.raw;
        reply.hijack();
        raw.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache, no-transform',
          connection: 'keep-alive',
          'x-accel-buffering': 'no',
        });
        raw.write('retry: 2000\n\n');
        let closed = false;
        let close = () => {
          closed = true;
        };
        const heartbeat = setInterval(() => raw.write(': keep-alive\n\n'), HEARTBEAT_MS);
        raw.on('close', () => {
          clearInterval(heartbeat);
          close();
        });
        try {
          const session = await hub.connect({
            visibility: req.visibility,
            write: (frames) => {
              // One writev for all the frames of a delivery, without copying them into one buffer.
              raw.cork();
              for (const f of frames) raw.write(f);
              raw.uncork();
            },
          }, since);
          if (closed) session.close();
          else {
            close = session.close;
            raw.write(`: connected at seq ${session.from}\n\n`);
          }
        } catch (err) {
          req.log.warn({ err }, 'stream: replay failed');
          raw.end();
        }
      },
    );
  };
