import { useCallback, useEffect, useRef, useState } from 'react';
import { isTransient, NetworkError, postObservation, ProblemError } from './api';
import type { Observation, ObservationInput } from './types';

/**
 * Observations filed while the server could not be reached, kept in localStorage and sent again
 * when the browser is back online (and every 30 s while any wait). Ids are the client's and the
 * API is idempotent, so a retry of something the server did get answers 200 and stores nothing.
 */
export interface QueuedItem {
  input: ObservationInput;
  queuedAt: string;
  /** Set when the server refused the item itself (400, 409): it is not retried; the monitor sees why. */
  rejected?: string;
}

const KEY = 'truceline.outbox';
const RETRY_MS = 30_000;

function load(): QueuedItem[] {
  try {
    const v: unknown = JSON.parse(localStorage.getItem(KEY) ?? '[]');
    return Array.isArray(v) ? (v as QueuedItem[]) : [];
  } catch {
    return [];
  }
}

function save(items: QueuedItem[]): void {
  if (items.length) localStorage.setItem(KEY, JSON.stringify(items));
  else localStorage.removeItem(KEY);
}

export interface Outbox {
  items: QueuedItem[];
  enqueue(input: ObservationInput): void;
  discard(id: string): void;
  flush(): Promise<void>;
}

export function useOutbox(onSent: (o: Observation) => void): Outbox {
  const [items, setItems] = useState<QueuedItem[]>(load);
  const sending = useRef(false);
  const onSentRef = useRef(onSent);
  useEffect(() => {
    onSentRef.current = onSent;
  });

  const update = useCallback((change: (items: QueuedItem[]) => QueuedItem[]) => {
    // Read and write storage in one step, so two quick changes never lose one.
    const next = change(load());
    save(next);
    setItems(next);
  }, []);

  const flush = useCallback(async () => {
    if (sending.current) return;
    sending.current = true;
    try {
      for (const item of load().filter((i) => !i.rejected)) {
        const id = item.input.id;
        try {
          const stored = await postObservation(item.input);
          update((all) => all.filter((i) => i.input.id !== id));
          onSentRef.current(stored);
        } catch (e) {
          if (e instanceof ProblemError && !isTransient(e)) {
            const reason = e.problem.errors?.map((x) => `${x.field}: ${x.message}`).join('; ') ?? e.message;
            update((all) => all.map((i) => (i.input.id === id ? { ...i, rejected: reason } : i)));
          } else if (e instanceof NetworkError || e instanceof ProblemError) {
            break; // offline, server failing or login needed: try again later
          } else {
            throw e;
          }
        }
      }
    } finally {
      sending.current = false;
    }
  }, [update]);

  const waiting = items.some((i) => !i.rejected);
  useEffect(() => {
    if (!waiting) return;
    const retry = () => void flush();
    window.addEventListener('online', retry);
    const timer = setInterval(retry, RETRY_MS);
    retry();
    return () => {
      window.removeEventListener('online', retry);
      clearInterval(timer);
    };
  }, [waiting, flush]);

  return {
    items,
    enqueue: (input) => update((all) => [...all.filter((i) => i.input.id !== input.id), { input, queuedAt: new Date().toISOString() }]),
    discard: (id) => update((all) => all.filter((i) => i.input.id !== id)),
    flush,
  };
}
