import { createHmac } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import type { Alert } from '../store/alert-repository';
import type { AuditRepository } from '../store/identity-repository';

export type AlertEvent = 'alert.raised' | 'alert.escalated' | 'alert.acknowledged';

export interface AlertWebhookOptions {
  /** Receivers; each gets every delivery. */
  urls: readonly string[];
  /** With a secret, each request carries `x-truceline-signature: sha256=<hex HMAC-SHA256 of the body>`. */
  secret?: string;
  /** Attempts per receiver and delivery (default 6). */
  attempts?: number;
  /** Delay before the first retry; doubled for each one after (default 500 ms: 0.5, 1, 2, 4, 8 s). */
  backoffMs?: number;
  /** Per request (default 5 s). */
  timeoutMs?: number;
  /** Deliveries waiting beyond this are refused (audited), so a dead receiver cannot grow memory without end (default 1000). */
  maxQueued?: number;
  log?: (msg: string) => void;
}

export const SIGNATURE_HEADER = 'x-truceline-signature';
export const EVENT_HEADER = 'x-truceline-event';
export const DELIVERY_HEADER = 'x-truceline-delivery';

/** The signature a receiver recomputes to check a delivery: HMAC-SHA256 over the raw body, hex. */
export const signBody = (secret: string, body: string): string => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

/** 5xx, 429 and 408 may pass; any other answer will not change by asking again. */
const retryable = (status: number) => status >= 500 || status === 429 || status === 408;

/**
 * Posts alerts to the configured receivers. `send` returns at once: delivery, retries with
 * exponential backoff and the audit entry (`alert.webhook.delivered` / `alert.webhook.failed`)
 * happen in the background, so a slow or dead receiver never delays evaluating observations.
 * Pending retries live in memory: a restart drops them (the alert itself is stored and streamed).
 */
export class AlertWebhook {
  private inFlight = 0;
  private readonly running = new Set<Promise<void>>();
  private readonly wakers = new Set<() => void>();
  private closed = false;

  constructor(
    private readonly audit: AuditRepository,
    private readonly opts: AlertWebhookOptions,
  ) {}

  get enabled(): boolean {
    return this.opts.urls.length > 0;
  }

  send(event: AlertEvent, alert: Alert): void {
    if (this.closed) return;
    const delivery = uuidv7();
    const body = JSON.stringify({ event, delivery, sentAt: new Date().toISOString(), alert });
    for (const url of this.opts.urls) {
      if (this.inFlight >= (this.opts.maxQueued ?? 1000)) {
        this.track(this.record('alert.webhook.failed', alert.id, { url: redact(url), event, delivery, attempts: 0, error: 'too many deliveries pending; refused' }));
        continue;
      }
      this.inFlight++;
      this.track(this.deliver(url, event, delivery, alert.id, body).finally(() => this.inFlight--));
    }
  }

  /** Waits for the deliveries under way (tests, shutdown); retries still waiting are dropped. */
  async close(): Promise<void> {
    this.closed = true;
    for (const wake of [...this.wakers]) wake();
    await Promise.allSettled([...this.running]);
  }

  /** Resolves when every delivery started so far has finished (tests). */
  async idle(): Promise<void> {
    while (this.running.size) await Promise.allSettled([...this.running]);
  }

  private track(p: Promise<void>): void {
    const q = p.catch((err: unknown) => this.opts.log?.(`alert webhook: ${(err as Error).message}`));
    this.running.add(q);
    void q.finally(() => this.running.delete(q));
  }

  private async deliver(url: string, event: AlertEvent, delivery: string, alertId: string, body: string): Promise<void> {
    const attempts = Math.max(1, this.opts.attempts ?? 6);
    const headers: Record<string, string> = { 'content-type': 'application/json', [EVENT_HEADER]: event, [DELIVERY_HEADER]: delivery, 'user-agent': 'truceline-alerts' };
    if (this.opts.secret) headers[SIGNATURE_HEADER] = signBody(this.opts.secret, body);
    const errors: string[] = [];
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (this.closed) {
        errors.push('shut down before delivery');
        break;
      }
      let status = 0;
      try {
        const res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(this.opts.timeoutMs ?? 5000) });
        status = res.status;
        await res.arrayBuffer().catch(() => undefined);
        if (res.ok) {
          await this.record('alert.webhook.delivered', alertId, { url: redact(url), event, delivery, status, attempts: attempt });
          return;
        }
        errors.push(`HTTP ${status}`);
      } catch (err) {
        errors.push((err as Error).message || String(err));
      }
      if (status && !retryable(status)) break;
      if (attempt < attempts) await this.sleep((this.opts.backoffMs ?? 500) * 2 ** (attempt - 1));
    }
    this.opts.log?.(`alert webhook: delivery of ${event} for alert ${alertId} to ${redact(url)} failed: ${errors.join('; ')}`);
    await this.record('alert.webhook.failed', alertId, { url: redact(url), event, delivery, attempts: errors.length, errors: errors.slice(-10) });
  }

  /** Resolves after `ms`, or at once when the webhook closes (the delivery then gives up). */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(t);
        this.wakers.delete(wake);
        resolve();
      };
      const t = setTimeout(wake, ms);
      // A pending retry must not keep a finished process alive.
      t.unref();
      this.wakers.add(wake);
    });
  }

  private record(action: string, alertId: string, detail: Record<string, unknown>): Promise<void> {
    return this.audit.append({ id: uuidv7(), at: new Date().toISOString(), actor: 'system', action, entity: 'alert', entityId: alertId, detail });
  }
}

/** A receiver URL as logs and the audit log show it: without credentials or query (tokens travel there). */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}${u.search ? '?…' : ''}`;
  } catch {
    return '(invalid URL)';
  }
}
