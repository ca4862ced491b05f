import type { FastifyInstance } from 'fastify';
import { OutcomeBatch } from '../services/inbox-outcomes';
import type { Store } from '../store/repository';

/**
 * Every request body stored in the raw inbox gets an outcome in the inbox ledger before the
 * answer goes out. Routes that take items one by one (observation batches, feeds, ACLED
 * uploads) record them themselves and set `req.inboxSettled`; any other body counts as one item:
 * accepted when answered 2xx/3xx, quarantined (with the problem's detail as the reason) when
 * answered 4xx. A 5xx leaves it pending: the server failed, not the input, and
 * `truceline inbox replay` takes it up.
 */
export function installInboxOutcomes(app: FastifyInstance, store: Store): void {
  app.addHook('onSend', async (req, reply, payload) => {
    const rawId = req.rawId;
    if (!rawId || req.inboxSettled || reply.statusCode >= 500) return payload;
    req.inboxSettled = true;
    const batch = new OutcomeBatch(req.routeOptions.config?.inbox?.channel ?? 'http');
    if (req.inboxQuarantined) batch.reject(rawId, 0, null);
    else if (reply.statusCode < 400) batch.accept(rawId, 0);
    else {
      let reason = `answered ${reply.statusCode}`;
      if (typeof payload === 'string') {
        try {
          const p = JSON.parse(payload) as { detail?: unknown };
          if (typeof p.detail === 'string') reason = p.detail;
        } catch {
          // not problem+json: keep the status
        }
      }
      const raw = await store.inbox.getRaw(rawId);
      const excerpt = raw ? raw.body.subarray(0, 4096).toString('utf8') : '';
      batch.reject(rawId, 0, { reason: `${req.method} ${req.url.split('?')[0]}: ${reason}`, size: raw?.size ?? 0, excerpt, receivedAt: raw?.receivedAt ?? new Date().toISOString() });
    }
    await batch.commit(store);
    return payload;
  });
}
