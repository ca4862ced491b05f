import { useEffect, useRef, useState } from 'react';

/** One change from GET /api/stream: the server sends only what is released to this user. */
export interface LiveChange<T = unknown> {
  entity: 'observation' | 'task' | 'alert';
  op: 'created' | 'updated' | 'relabelled' | 'withdrawn';
  id: string;
  at: string;
  record: T | null;
}

/**
 * The live picture: one EventSource per session (reopened when who is logged in changes, since
 * the stream is filtered per user). The browser resumes a dropped stream by itself from the last
 * event id, so nothing is missed across a short outage.
 */
export function useLive(sessionKey: string, onChange: (c: LiveChange) => void, enabled = true): { connected: boolean } {
  const [connected, setConnected] = useState(false);
  const latest = useRef(onChange);
  useEffect(() => {
    latest.current = onChange;
  });
  useEffect(() => {
    if (!enabled) return;
    const source = new EventSource('/api/stream');
    const handle = (entity: LiveChange['entity']) => (ev: MessageEvent<string>) => {
      try {
        const data = JSON.parse(ev.data) as Omit<LiveChange, 'entity'>;
        latest.current({ ...data, entity });
      } catch {
        // A frame we cannot read is skipped; the next refresh brings the record anyway.
      }
    };
    const handlers = (['observation', 'task', 'alert'] as const).map((e) => [e, handle(e)] as const);
    for (const [e, h] of handlers) source.addEventListener(e, h as EventListener);
    source.onopen = () => setConnected(true);
    source.onerror = () => setConnected(source.readyState === EventSource.OPEN);
    return () => {
      for (const [e, h] of handlers) source.removeEventListener(e, h as EventListener);
      source.close();
      setConnected(false);
    };
  }, [sessionKey, enabled]);
  return { connected };
}
