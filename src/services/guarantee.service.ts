import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { v7 as uuidv7 } from 'uuid';
import { fieldErrors, InvalidInputError, NotFoundError, TrucelineError } from '../domain/errors';
import {
  BreachWindow,
  clusterMayCount,
  clusterSpanMs,
  evaluateTriggers,
  guarantorReleasability,
  inForceFor,
  pendingNations,
  TriggerCriteriaSet,
  type TriggerMatch,
} from '../domain/guarantee';
import { SEE_ALL, type Actor, type CoalitionConfig, type Visibility } from '../domain/identity';
import type { Incident } from '../domain/incident';
import type { Observation } from '../domain/observation';
import { allows } from '../domain/permissions';
import type { Judgement } from '../domain/rules';
import type { Alert, AlertQuery, StoredCriteria } from '../store/alert-repository';
import type { ChangeEvent, Page, Store } from '../store/repository';
import type { AgreementService, AgreementState } from './agreement.service';
import { AlertWebhook, type AlertWebhookOptions } from './alert-webhook';
import { actorLabel, AuthError } from './auth';

/** The shipped default criteria: in force until a revision is stored (editable configuration). */
export const DEFAULT_CRITERIA_PATH = new URL('../guarantee/default-criteria.json', import.meta.url);

export interface GuaranteeOptions {
  /** Members and guarantors; the guarantors must each acknowledge every alert. */
  coalition: CoalitionConfig;
  /** Where alerts are posted (none: no webhook). */
  webhook?: AlertWebhookOptions;
  /** The criteria file in force while none is stored (default: src/guarantee/default-criteria.json). */
  criteriaFile?: string | URL;
  /** How often deadlines are checked (default 2 s). */
  sweepMs?: number;
  /** How long an observation may wait for its judgement before the service judges it itself (default 3 s). */
  judgementWaitMs?: number;
  /** How long the criteria in force are trusted before the store is asked again (default 1 s; another process may have changed them). */
  criteriaTtlMs?: number;
  log?: (msg: string) => void;
}

/** An alert as a reader gets it: who still has to acknowledge, and whether the reader may now. */
export type AlertView = Alert & { pendingNations: string[]; canAck: boolean };

export interface CriteriaInForce {
  revision: number;
  storedAt: string | null;
  by: string;
  reason: string;
  criteria: TriggerCriteriaSet;
}

const HOUR_MS = 3_600_000;
const BATCH = 500;
const RETRY_MS = 25;

/**
 * A deterministic UUIDv7-shaped id: the time is the triggering observation's receipt (the same
 * in every process, and it keeps ids time-ordered like the server's other ids); the rest is a
 * hash of the criterion and the triggering key. Two processes evaluating one observation make
 * the same id, and the store keeps one row.
 */
export function alertIdFor(criterionId: string, triggerKey: string, atMs: number): string {
  const h = createHash('sha256').update(`${criterionId}\u0000${triggerKey}`).digest();
  const b = Buffer.alloc(16);
  b.writeUIntBE(Math.max(0, Math.min(atMs, 2 ** 48 - 1)), 0, 6);
  h.copy(b, 6, 0, 10);
  b[6] = (b[6]! & 0x0f) | 0x70;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const x = b.toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** Parses a criteria document, naming every offending field (400). */
export function parseCriteria(input: unknown, prefix: string[] = []): TriggerCriteriaSet {
  const r = TriggerCriteriaSet.safeParse(input);
  if (r.success) return r.data;
  const errors = fieldErrors(r.error.issues, prefix);
  throw new InvalidInputError(errors[0]!.field, errors[0]!.message, { errors });
}

export function loadCriteriaFile(file: string | URL = DEFAULT_CRITERIA_PATH): TriggerCriteriaSet {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`trigger criteria file ${String(file)}: ${(err as Error).message}`, { cause: err });
  }
  try {
    return parseCriteria(doc);
  } catch (err) {
    throw new Error(`trigger criteria file ${String(file)}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Guarantee triggers (issue 6). Follows the store's change feed: each new observation is read
 * with its latest judgement and evaluated against the criteria in force; a match raises an alert
 * to the guarantor nations (stored, streamed through the change feed, posted to the webhook), or
 * is attached to the unacknowledged alert of the same criterion and sector. The cluster criterion
 * works on per-sector sliding windows kept in memory (seeded from the store at start), so no
 * observation makes the service rescan history. Deadlines live in the store: a sweep escalates
 * overdue alerts, here or in any other process, after a restart too.
 *
 * Several processes may serve one store, and each evaluates every observation: alert ids are
 * deterministic and the store inserts each once, so an alert is raised (audited, posted) once.
 */
export class GuaranteeService {
  private readonly webhook: AlertWebhook;
  private readonly defaults: TriggerCriteriaSet;
  private criteriaCache: { value: CriteriaInForce; checkedAt: number } | undefined;
  private readonly windows = new Map<string, BreachWindow>();
  private windowsFor: TriggerCriteriaSet | undefined;
  private queue: string[] = [];
  /** Observations the change events carried (this process stored them), until evaluated. */
  private readonly carried = new Map<string, Observation>();
  private readonly waiting = new Map<string, number>();
  private draining: Promise<void> | undefined;
  private unsubscribe: (() => void) | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly agreements: AgreementService,
    private readonly opts: GuaranteeOptions,
  ) {
    this.defaults = loadCriteriaFile(opts.criteriaFile);
    this.webhook = new AlertWebhook(store.audit, { urls: [], ...opts.webhook, log: opts.webhook?.log ?? opts.log });
  }

  /** Seeds the windows, then follows the change feed and sweeps deadlines. */
  async start(): Promise<void> {
    this.stopped = false;
    // Subscribe first: an observation committed while the windows are seeded is queued, not missed.
    this.unsubscribe = this.store.changes.subscribe((e) => this.onChange(e));
    const { criteria } = await this.criteria();
    await this.seedWindows(criteria);
    this.sweeper = setInterval(() => void this.sweep(), this.opts.sweepMs ?? 2000);
    this.sweeper.unref();
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    clearInterval(this.sweeper);
    clearTimeout(this.retryTimer);
    this.queue = [];
    this.carried.clear();
    this.waiting.clear();
    await this.draining;
    await this.sweeping;
    await this.webhook.close();
  }

  /** Resolves when every observation seen so far has been evaluated and every delivery finished (tests, benchmarks). */
  async idle(): Promise<void> {
    while (this.draining || this.queue.length || this.waiting.size || this.sweeping) {
      await (this.draining ?? this.sweeping ?? new Promise((r) => setTimeout(r, RETRY_MS)));
    }
    await this.webhook.idle();
  }

  // ---- criteria ----

  /** The criteria in force: the latest stored revision, else the default file (revision 0). */
  async criteria(): Promise<CriteriaInForce> {
    const now = Date.now();
    const cached = this.criteriaCache;
    if (cached && now - cached.checkedAt < (this.opts.criteriaTtlMs ?? 1000)) return cached.value;
    const latest = await this.store.alerts.latestCriteriaRevision();
    if (cached && cached.value.revision === latest) {
      cached.checkedAt = now;
      return cached.value;
    }
    const stored = latest > 0 ? await this.store.alerts.latestCriteria() : undefined;
    const value = stored ? this.fromStored(stored) : { revision: 0, storedAt: null, by: 'default', reason: 'default', criteria: this.defaults };
    this.criteriaCache = { value, checkedAt: now };
    return value;
  }

  private fromStored(s: StoredCriteria): CriteriaInForce {
    let criteria: TriggerCriteriaSet;
    try {
      criteria = parseCriteria(s.doc);
    } catch (err) {
      // Stored by an older version whose schema differed: keep running on the defaults, loudly.
      this.opts.log?.(`trigger criteria revision ${s.revision} no longer validates (${(err as Error).message}); the default criteria are in force`);
      criteria = this.defaults;
    }
    return { revision: s.revision, storedAt: s.storedAt, by: s.by, reason: s.reason, criteria };
  }

  /** Replaces the criteria in force (a new stored revision, audited). */
  async updateCriteria(actor: Actor, input: unknown, opts: { ifRevision?: number } = {}): Promise<CriteriaInForce> {
    const criteria = parseCriteria(input);
    const before = await this.criteria();
    const by = actorLabel(actor);
    const stored = await this.store.alerts.saveCriteria(criteria as unknown as Record<string, unknown>, by, 'update', opts);
    await this.audit(by, 'trigger.criteria.update', 'trigger_criteria', String(stored.revision), {
      revision: stored.revision,
      previousRevision: before.revision,
      criteria: criteria.criteria.map((c) => ({ id: c.id, kind: c.kind, enabled: c.enabled })),
      escalateAfterSeconds: criteria.escalateAfterSeconds,
      maxAgeHours: criteria.maxAgeHours,
    });
    const value = this.fromStored(stored);
    this.criteriaCache = { value, checkedAt: Date.now() };
    return value;
  }

  // ---- reading and acknowledging ----

  view(alert: Alert, actor: Actor): AlertView {
    const pending = pendingNations(
      alert.requiredNations,
      alert.acks.map((a) => a.nation),
    );
    const canAck = actor.type === 'user' && alert.state !== 'acknowledged' && pending.includes(actor.nation) && allows(actor, 'alert.ack');
    return { ...alert, pendingNations: pending, canAck };
  }

  async list(actor: Actor, query: AlertQuery): Promise<Page<AlertView>> {
    const page = await this.store.alerts.list(query);
    return { ...page, items: page.items.map((a) => this.view(a, actor)) };
  }

  async get(actor: Actor, visibility: Visibility, id: string): Promise<AlertView> {
    const alert = await this.store.alerts.get(id, visibility);
    if (!alert) throw new NotFoundError('alert', id);
    return this.view(alert, actor);
  }

  /**
   * A guarantor nation's acknowledgement, by one of its officers. Not released to the user: 404;
   * released but the user's nation is not among those that acknowledge: 403. Acknowledging
   * again changes nothing and answers the alert as it is.
   */
  async acknowledge(actor: Actor, visibility: Visibility, id: string, note: string | null): Promise<AlertView> {
    if (actor.type !== 'user') throw new AuthError('log in to acknowledge an alert');
    const alert = await this.store.alerts.get(id, visibility);
    if (!alert) throw new NotFoundError('alert', id);
    const notGuarantor = () =>
      new TrucelineError(403, 'not-a-guarantor', 'Not a guarantor of this alert', `${actor.nation} is not among the nations that acknowledge this alert (${alert.requiredNations.join(', ')})`);
    if (!alert.requiredNations.includes(actor.nation)) throw notGuarantor();
    const by = actorLabel(actor);
    const r = await this.store.alerts.acknowledge({ alertId: id, nation: actor.nation, by, userId: actor.id, note, atMs: Date.now() }, visibility);
    if (!r) throw new NotFoundError('alert', id);
    if (r.outcome === 'not_required') throw notGuarantor();
    if (r.outcome === 'recorded' || r.outcome === 'acknowledged') {
      await this.audit(by, 'alert.ack', 'alert', id, { nation: actor.nation, note, pendingNations: pendingNations(r.alert.requiredNations, r.alert.acks.map((a) => a.nation)) });
    }
    if (r.outcome === 'acknowledged') {
      await this.audit(by, 'alert.acknowledged', 'alert', id, { nations: r.alert.acks.map((a) => a.nation), escalated: r.alert.escalatedAt !== null });
      this.webhook.send('alert.acknowledged', r.alert);
    }
    return this.view(r.alert, actor);
  }

  // ---- evaluation ----

  private onChange(e: ChangeEvent): void {
    if (this.stopped || e.entity !== 'observation' || e.op !== 'created') return;
    this.queue.push(e.id);
    if (e.observation) this.carried.set(e.id, e.observation);
    this.kick();
  }

  /** One drain at a time, so observations of one sector coalesce in arrival order. */
  private kick(): void {
    if (this.draining || this.stopped || this.queue.length === 0) return;
    this.draining = (async () => {
      // The feed announces an observation at its commit, and the ingest stores its judgement
      // right after, within the same turn of the event loop: start after that turn, so the
      // judgement is usually there on the first read, and a burst is read as one batch.
      await new Promise((resolve) => setImmediate(resolve));
      while (this.queue.length && !this.stopped) {
        const batch = this.queue.splice(0, BATCH);
        try {
          await this.evaluateBatch(batch);
        } catch (err) {
          // A failed read or write must not stop the feed: these observations are retried once the store answers.
          this.opts.log?.(`guarantee triggers: evaluating ${batch.length} observations failed (${(err as Error).message}); retrying`);
          for (const id of batch) if (!this.waiting.has(id)) this.waiting.set(id, Date.now());
          this.scheduleRetry(500);
          break;
        }
      }
    })().finally(() => {
      this.draining = undefined;
      this.kick();
    });
  }

  private scheduleRetry(ms = RETRY_MS): void {
    if (this.retryTimer || this.stopped) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.queue.push(...this.waiting.keys());
      this.kick();
    }, ms);
    this.retryTimer.unref();
  }

  /** Done with an observation: evaluated, or nothing to evaluate it against. */
  private forget(id: string): void {
    this.waiting.delete(id);
    this.carried.delete(id);
  }

  private async evaluateBatch(ids: string[]): Promise<void> {
    const [state, { criteria }] = await Promise.all([this.agreements.current(), this.criteria()]);
    if (this.windowsFor !== criteria) await this.seedWindows(criteria);
    // Nothing can trigger without an agreement in force or an enabled criterion: skip the reads.
    if (!state || state.parsed.agreement.status !== 'in_force' || !criteria.criteria.some((c) => c.enabled)) {
      for (const id of ids) this.forget(id);
      return;
    }
    const unread = ids.filter((id) => !this.carried.has(id));
    const byId = unread.length ? await this.store.observations.getMany(unread, SEE_ALL) : new Map<string, Observation>();
    const observations = [...new Set(ids)].flatMap((id) => this.carried.get(id) ?? byId.get(id) ?? []);
    const judged = await this.store.judgements.latestFor(observations.map((o) => o.id));
    const now = Date.now();
    const matches: { match: TriggerMatch; observation: Observation }[] = [];
    for (const o of observations) {
      let judgement: Judgement | null;
      const stored = judged.get(o.id);
      if (stored) judgement = stored.judgement;
      else if (!inForceFor(state.parsed, o.observedAt)) judgement = null;
      else {
        // The change event comes with the commit; the ingest stores the judgement just after.
        const since = this.waiting.get(o.id) ?? now;
        if (now - since < (this.opts.judgementWaitMs ?? 3000)) {
          this.waiting.set(o.id, since);
          continue;
        }
        // Never judged (an ingest path without a judge): judge it as the ingest would have.
        judgement = this.agreements.judgeWith(state, o);
      }
      this.forget(o.id);
      for (const match of this.evaluate(o, judgement, state, criteria)) matches.push({ match, observation: o });
    }
    for (const g of groupMatches(matches)) await this.raise(g.match, Date.parse(g.observation.receivedAt), Date.parse(g.observation.receivedAt), criteria);
    const found = new Set(observations.map((o) => o.id));
    for (const id of ids) if (!found.has(id)) this.forget(id);
    if (this.waiting.size) this.scheduleRetry();
  }

  /** Evaluates one observation (and moves its sector's window forward): the criteria it meets. */
  private evaluate(o: Observation, judgement: Judgement | null, state: AgreementState, criteria: TriggerCriteriaSet): TriggerMatch[] {
    const t = Date.parse(o.observedAt);
    const span = clusterSpanMs(criteria);
    let window: BreachWindow | undefined;
    if (o.sector && span > 0) {
      window = this.windows.get(o.sector);
      if (judgement && judgement.breaches.length > 0 && clusterMayCount(criteria, o.kind)) {
        if (!window) this.windows.set(o.sector, (window = new BreachWindow()));
        window.add(breachOf(o, judgement));
      }
    }
    return evaluateTriggers(criteria, { type: 'observation', observation: o, judgement, recent: window ? window.between(t - span, t + span) : [] }, { agreement: state.parsed });
  }

  /**
   * Evaluates an incident the verification workflow just moved (the incident service calls this
   * after the transition committed). The alert's id comes from the criterion and the incident,
   * so verifying it again (after a reopening) raises nothing new.
   */
  async evaluateIncident(incident: Incident): Promise<Alert[]> {
    const [state, { criteria }] = await Promise.all([this.agreements.current(), this.criteria()]);
    const raised: Alert[] = [];
    for (const m of evaluateTriggers(criteria, { type: 'incident', incident }, { agreement: state?.parsed ?? null })) {
      const at = incident.assessment?.reviewedBy?.at ?? incident.updatedAt;
      const alert = await this.raise(m, Date.parse(incident.createdAt), Date.parse(at), criteria);
      if (alert) raised.push(alert);
    }
    return raised;
  }

  /** `idAtMs` names the alert with its subject (the same in every process); latency is counted from `sinceMs`. */
  private async raise(m: TriggerMatch, idAtMs: number, sinceMs: number, criteria: TriggerCriteriaSet): Promise<Alert | undefined> {
    const now = Date.now();
    const guarantors = [...new Set(this.opts.coalition.guarantors)].sort();
    const r = await this.store.alerts.raise({
      id: alertIdFor(m.criterion.id, m.triggerKey, idAtMs),
      criterionId: m.criterion.id,
      criterionKind: m.criterion.kind,
      criterionName: m.criterion.name,
      triggerKey: m.triggerKey,
      coalesceKey: m.coalesceKey,
      sector: m.sector,
      raisedAtMs: now,
      escalateAtMs: now + criteria.escalateAfterSeconds * 1000,
      firstObservedAtMs: m.firstObservedAtMs,
      lastObservedAtMs: m.lastObservedAtMs,
      coalesceMs: m.coalesceMs,
      observationIds: m.observationIds,
      summary: m.summary,
      releasability: guarantorReleasability(guarantors),
      requiredNations: guarantors,
      detail: m.detail,
    });
    if (r.outcome === 'created') {
      const a = r.alert;
      await this.audit('system', 'alert.raised', 'alert', a.id, {
        criterionId: a.criterionId,
        criterionKind: a.criterionKind,
        sector: a.sector,
        observationIds: a.observationIds,
        releasability: a.releasability,
        requiredNations: a.requiredNations,
        escalateAt: a.escalateAt,
        summary: a.summary,
        latencyMs: now - sinceMs,
      });
      this.webhook.send('alert.raised', a);
      return a;
    } else if (r.outcome === 'attached') {
      await this.audit('system', 'alert.coalesced', 'alert', r.alert.id, { observationIds: r.attached, observationCount: r.alert.observationCount, triggeredBy: m.triggerKey });
    }
    return undefined;
  }

  /** The per-sector windows from the store: the breaching observations any cluster criterion may still count. */
  private async seedWindows(criteria: TriggerCriteriaSet): Promise<void> {
    this.windows.clear();
    this.windowsFor = criteria;
    const span = clusterSpanMs(criteria);
    if (span === 0) return;
    const kinds = [...new Set(criteria.criteria.flatMap((c) => (c.kind === 'attack_cluster' && c.enabled ? c.attackKinds : [])))];
    const from = Date.now() - criteria.maxAgeHours * HOUR_MS - span;
    for await (const chunk of this.store.observations.iterate({ visibility: SEE_ALL, from, kinds, breach: true }, 1000)) {
      const judged = await this.store.judgements.latestFor(chunk.map((o) => o.id));
      for (const o of chunk) {
        const j = judged.get(o.id)?.judgement;
        if (!o.sector || !j || j.breaches.length === 0) continue;
        let w = this.windows.get(o.sector);
        if (!w) this.windows.set(o.sector, (w = new BreachWindow()));
        w.add(breachOf(o, j));
      }
    }
  }

  // ---- deadlines ----

  /** Escalates overdue alerts (audited, posted again) and trims the windows. Safe in every process at once. */
  sweep(): Promise<void> {
    if (this.sweeping || this.stopped) return this.sweeping ?? Promise.resolve();
    this.sweeping = (async () => {
      try {
        for (const a of await this.store.alerts.escalateDue(Date.now())) {
          await this.audit('system', 'alert.escalated', 'alert', a.id, {
            pendingNations: pendingNations(a.requiredNations, a.acks.map((x) => x.nation)),
            escalateAt: a.escalateAt,
            acks: a.acks.map((x) => x.nation),
          });
          this.webhook.send('alert.escalated', a);
        }
        const criteria = this.windowsFor;
        if (criteria) {
          const horizon = Date.now() - criteria.maxAgeHours * HOUR_MS - clusterSpanMs(criteria);
          for (const [sector, w] of this.windows) {
            w.prune(horizon);
            if (w.size === 0) this.windows.delete(sector);
          }
        }
      } catch (err) {
        this.opts.log?.(`guarantee triggers: escalation sweep failed (${(err as Error).message}); the next one retries`);
      }
    })().finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  private audit(actor: string, action: string, entity: string, entityId: string, detail: Record<string, unknown>): Promise<void> {
    return this.store.audit.append({ id: uuidv7(), at: new Date().toISOString(), actor, action, entity, entityId, detail });
  }
}

/**
 * Merges the matches of one batch that would coalesce anyway (same criterion and sector) into one
 * raise: one transaction and one audit entry for a burst instead of one per observation, which is
 * what keeps a 200 observations/s sensor burst of matches from queueing up behind the store. The
 * first match names the alert, as it would have alone; the rest are attached to it.
 */
function groupMatches(items: readonly { match: TriggerMatch; observation: Observation }[]): { match: TriggerMatch; observation: Observation }[] {
  type Group = { match: TriggerMatch; observation: Observation; ids: Set<string> };
  const out: Group[] = [];
  const byKey = new Map<string, Group[]>();
  for (const { match: m, observation } of items) {
    const key = `${m.criterion.id}\u0000${m.coalesceKey}`;
    const groups = byKey.get(key) ?? [];
    byKey.set(key, groups);
    // Only what lies within one coalescing span of the group joins it, as the store would decide.
    const g = groups.find((x) => m.firstObservedAtMs <= x.match.lastObservedAtMs + m.coalesceMs && m.lastObservedAtMs >= x.match.firstObservedAtMs - m.coalesceMs);
    if (!g) {
      const fresh = { match: { ...m, observationIds: [...m.observationIds] }, observation, ids: new Set(m.observationIds) };
      groups.push(fresh);
      out.push(fresh);
      continue;
    }
    for (const id of m.observationIds) {
      if (g.ids.has(id)) continue;
      g.ids.add(id);
      g.match.observationIds.push(id);
    }
    g.match.firstObservedAtMs = Math.min(g.match.firstObservedAtMs, m.firstObservedAtMs);
    g.match.lastObservedAtMs = Math.max(g.match.lastObservedAtMs, m.lastObservedAtMs);
  }
  return out.map(({ match, observation }) => ({ match, observation }));
}

const breachOf = (o: Observation, j: Judgement) => ({
  observationId: o.id,
  observedAtMs: Date.parse(o.observedAt),
  kind: o.kind,
  sourceKind: o.source.kind,
  events: o.count,
  breachKinds: [...new Set(j.breaches.map((b) => b.kind))],
});
