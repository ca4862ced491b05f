import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ChangeEvent, Store } from '../../store/repository';
import type { Observation } from '../../domain/observation';

const REPLAY_CHUNK = 1000;
const HEARTBEAT_MS = 15_000;
const RECENT_RECORDS = 2000;

/**
 * Server-sent events of committed changes. The event id is the change's seq, so a browser's
 * EventSource resumes by itself after a dropped connection (Last-Event-ID) without gaps: the
 * handler subscribes first, replays from the store, then forwards live events it has not sent.
 */
export const streamRoutes =
  (store: Store): FastifyPluginAsyncZod =>
  async (app) => {
    // Every connected client needs the same record for a new change: read it once for all of them.
    const recent = new Map<string, Promise<Observation | undefined>>();
    const record = (id: string) => {
      let p = recent.get(id);
      if (!p) {
        // Observations are never updated in place, so a read record stays true; a failed read is not kept.
        p = store.observations.get(id);
        p.catch(() => recent.delete(id));
        recent.set(id, p);
        if (recent.size > RECENT_RECORDS) recent.delete(recent.keys().next().value!);
      }
      return p;
    };
    app.get(
      '/api/stream',
      {
        schema: {
          summary: 'Live stream (text/event-stream) of new and changed records; resume with Last-Event-ID or ?since=',
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

        let replaying = true;
        const pending: ChangeEvent[] = [];
        // Subscribe before reading the position, so nothing committed in between is missed.
        const off = store.changes.subscribe((e) => (replaying ? pending.push(e) : forward(e)));
        let lastSent = since ?? (await store.changes.latest());
        const send = async (e: ChangeEvent) => {
          if (e.seq <= lastSent) return;
          lastSent = e.seq;
          const data = e.entity === 'observation' ? await record(e.id) : undefined;
          raw.write(`id: ${e.seq}\nevent: ${e.entity}\ndata: ${JSON.stringify({ op: e.op, id: e.id, at: e.at, record: data })}\n\n`);
        };
        // Serialised so events leave in seq order even though each needs a read.
        let chain = Promise.resolve();
        const forward = (e: ChangeEvent) => {
          chain = chain.then(() => send(e)).catch((err: unknown) => req.log.warn({ err }, 'stream write failed'));
        };
        const heartbeat = setInterval(() => raw.write(': keep-alive\n\n'), HEARTBEAT_MS);
        raw.on('close', () => {
          off();
          clearInterval(heartbeat);
        });

        raw.write(`retry: 2000\n: connected at seq ${lastSent}\n\n`);
        if (since !== undefined) {
          for (;;) {
            const batch = await store.changes.since(lastSent, REPLAY_CHUNK);
            for (const e of batch) await send(e);
            if (batch.length < REPLAY_CHUNK) break;
          }
        }
        replaying = false;
        pending.sort((a, b) => a.seq - b.seq).forEach(forward);
      },
    );
  };
