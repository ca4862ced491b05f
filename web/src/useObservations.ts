import { useCallback, useEffect, useState } from 'react';
import { listObservations, NetworkError } from './api';
import { inWindow, windowOf, type TimeFilter } from './time-window';
import type { Observation, ObservationKind } from './types';
import { ALL_KINDS } from './kinds';

const REFRESH_MS = 60_000;

export interface ObservationState {
  items: Observation[];
  total: number;
  loading: boolean;
  error: string | null;
  updatedAt: Date | null;
  /** Puts one observation (just filed) on the map at once, if the filters let it through; says if they did. */
  upsert(o: Observation): boolean;
  /** Takes one observation off (relabelled away from this user). */
  remove(id: string): void;
  refresh(): void;
}

/** Loads the observations the filters select, again whenever they change and every minute. */
/** `viewer` names who is logged in: a new login loads what is released to them. */
export function useObservations(time: TimeFilter, kinds: ObservationKind[], breachesOnly = false, viewer = ''): ObservationState {
  const [data, setData] = useState<{ items: Observation[]; total: number; updatedAt: Date | null }>({ items: [], total: 0, updatedAt: null });
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  const kindKey = kinds.join(',');

  useEffect(() => {
    const wanted = kindKey ? (kindKey.split(',') as ObservationKind[]) : [];
    if (wanted.length === 0) {
      setData({ items: [], total: 0, updatedAt: new Date() });
      setLoading(false);
      return;
    }
    const abort = new AbortController();
    setLoading(true);
    listObservations({ ...windowOf(time), kinds: wanted.length === ALL_KINDS.length ? undefined : wanted, breachesOnly }, abort.signal)
      .then((r) => {
        setData({ items: r.items, total: r.total, updatedAt: new Date() });
        setError(null);
      })
      .catch((e: unknown) => {
        if (abort.signal.aborted) return;
        setError(e instanceof NetworkError ? 'Server unreachable' : e instanceof Error ? e.message : String(e));
      })
      .finally(() => {
        if (!abort.signal.aborted) setLoading(false);
      });
    return () => abort.abort();
  }, [time, kindKey, breachesOnly, tick, viewer]);

  useEffect(() => {
    const timer = setInterval(() => setTick((t) => t + 1), REFRESH_MS);
    return () => clearInterval(timer);
  }, [time, kindKey]);

  const upsert = useCallback(
    (o: Observation) => {
      if (!kindKey.split(',').includes(o.kind) || !inWindow(windowOf(time), o.observedAt)) return false;
      if (breachesOnly && !o.judgement?.breaches.length) return false;
      setData((d) => {
        const known = d.items.some((i) => i.id === o.id);
        return { ...d, items: [o, ...d.items.filter((i) => i.id !== o.id)], total: known ? d.total : d.total + 1 };
      });
      return true;
    },
    [time, kindKey, breachesOnly],
  );

  const remove = useCallback((id: string) => {
    setData((d) => (d.items.some((i) => i.id === id) ? { ...d, items: d.items.filter((i) => i.id !== id), total: Math.max(0, d.total - 1) } : d));
  }, []);

  const refresh = useCallback(() => setTick((t) => t + 1), []);
  return { ...data, loading, error, upsert, remove, refresh };
}
