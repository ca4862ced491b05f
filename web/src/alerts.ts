import { useCallback, useEffect, useRef, useState } from 'react';
import type { z } from 'zod';
import type { AlertSchema } from '../../src/server/alert.schemas';
import { csrfHeader, ProblemError, request as call } from './api';

/** A guarantee alert as the API answers it (the wire type comes from the server's schema; nothing of it is bundled). */
export type Alert = z.output<typeof AlertSchema>;

/**
 * An alert as the live stream may carry it: the stored record, without the reader's view
 * (`pendingNations`, `canAck`), which the panel then asks the API for.
 */
export type AlertRecord = Omit<Alert, 'pendingNations' | 'canAck'> & Partial<Pick<Alert, 'pendingNations' | 'canAck'>>;

/** One `alert` event of the live stream (`/api/stream`): its data. */
export interface AlertStreamEvent {
  op: 'created' | 'updated' | 'relabelled';
  id: string;
  at: string;
  /** The alert as the reader may see it; absent when it is no longer released to them. */
  record?: AlertRecord | null;
}

const isView = (a: AlertRecord): a is Alert => typeof a.canAck === 'boolean' && Array.isArray(a.pendingNations);

/** How often the list is fetched again, whatever the live stream brings (it may be down). */
export const ALERT_POLL_MS = 10_000;

/** The newest alerts released to the user (every state: the panel shows the open ones first). */
export async function listAlerts(signal?: AbortSignal): Promise<Alert[]> {
  const page = await call<{ items: Alert[] }>('/api/alerts?limit=50', signal ? { signal } : {});
  return page.items;
}

export const getAlert = (id: string): Promise<Alert> => call(`/api/alerts/${encodeURIComponent(id)}`);

/** Acknowledges an alert for the user's nation; answers the alert as it now stands. */
export function acknowledgeAlert(id: string, note?: string): Promise<Alert> {
  return call(`/api/alerts/${encodeURIComponent(id)}/ack`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...csrfHeader() },
    body: JSON.stringify(note ? { note } : {}),
  });
}

/** Unacknowledged first (escalated before open), then newest first. */
export function sortAlerts(alerts: readonly Alert[]): Alert[] {
  const rank = (a: Alert) => (a.state === 'escalated' ? 0 : a.state === 'open' ? 1 : 2);
  return [...alerts].sort((a, b) => rank(a) - rank(b) || (a.raisedAt < b.raisedAt ? 1 : a.raisedAt > b.raisedAt ? -1 : 0));
}

/** Merges alerts into a list by id; a copy changed later (updatedAt) wins, so a stale poll never undoes a live update. */
export function mergeAlerts(current: readonly Alert[], incoming: readonly Alert[]): Alert[] {
  const byId = new Map(current.map((a) => [a.id, a]));
  for (const a of incoming) {
    const had = byId.get(a.id);
    if (!had || had.updatedAt <= a.updatedAt) byId.set(a.id, a);
  }
  return sortAlerts([...byId.values()]);
}

/**
 * Applies one live-stream event to a list: a record with the reader's view replaces the alert's
 * copy; the alert goes when it is no longer released. A bare record is left to `useAlerts`, which
 * fetches the reader's view of it.
 */
export function applyAlertEvent(current: readonly Alert[], e: AlertStreamEvent): Alert[] {
  if (e.record && isView(e.record)) return mergeAlerts(current, [e.record]);
  return !e.record && e.op === 'relabelled' ? current.filter((a) => a.id !== e.id) : [...current];
}

export interface AlertsState {
  alerts: Alert[];
  /** false when the user may not read alerts (not logged in, or no such permission): the panel shows nothing. */
  allowed: boolean;
  error: string | null;
  acknowledge(id: string, note?: string): Promise<void>;
  refresh(): void;
}

/**
 * The alerts released to the user: fetched now and every ALERT_POLL_MS, merged with whatever the
 * live stream pushes (`pushed`), so the panel is current within a second when the stream is up
 * and within the polling interval when it is not.
 */
export function useAlerts(pushed: readonly AlertRecord[] = []): AlertsState {
  const [alerts, setAlerts] = useState<Alert[]>([]);
  const [allowed, setAllowed] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  const live = useRef(true);

  useEffect(() => {
    live.current = true;
    return () => {
      live.current = false;
    };
  }, []);

  useEffect(() => {
    const ctrl = new AbortController();
    listAlerts(ctrl.signal).then(
      (items) => {
        setAllowed(true);
        setError(null);
        setAlerts((cur) => mergeAlerts(cur.filter((a) => items.some((x) => x.id === a.id)), items));
      },
      (e: unknown) => {
        if (ctrl.signal.aborted) return;
        if (e instanceof ProblemError && (e.status === 401 || e.status === 403)) {
          setAllowed(false);
          setAlerts([]);
        } else setError(e instanceof Error ? e.message : String(e));
      },
    );
    const timer = setTimeout(() => setTick((t) => t + 1), ALERT_POLL_MS);
    return () => {
      ctrl.abort();
      clearTimeout(timer);
    };
  }, [tick]);

  useEffect(() => {
    if (!pushed.length) return;
    setAlerts((cur) => mergeAlerts(cur, pushed.filter(isView)));
    // Records without the reader's view: ask for it (alerts are few; one request each).
    for (const r of pushed) {
      if (isView(r)) continue;
      getAlert(r.id).then(
        (a) => live.current && setAlerts((cur) => mergeAlerts(cur, [a])),
        () => undefined, // the next poll brings it
      );
    }
  }, [pushed]);

  const acknowledge = useCallback(async (id: string, note?: string) => {
    const a = await acknowledgeAlert(id, note);
    if (live.current) setAlerts((cur) => mergeAlerts(cur, [a]));
  }, []);
  const refresh = useCallback(() => setTick((t) => t + 1), []);
  return { alerts, allowed, error, acknowledge, refresh };
}
