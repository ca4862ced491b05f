import { useEffect, useRef, useState } from 'react';

/** State kept in localStorage, so the filters survive a reload. */
export function useStoredState<T>(key: string, initial: T, valid: (v: unknown) => v is T): [T, (v: T) => void] {
  const [value, setValue] = useState<T>(() => {
    try {
      const v: unknown = JSON.parse(localStorage.getItem(key) ?? 'null');
      return valid(v) ? v : initial;
    } catch {
      return initial;
    }
  });
  useEffect(() => localStorage.setItem(key, JSON.stringify(value)), [key, value]);
  return [value, setValue];
}

/** Loads something once, retrying every 15 s until it comes (the server may be starting). */
export function useLoaded<T>(load: () => Promise<T>): T | null {
  const [value, setValue] = useState<T | null>(null);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let live = true;
    const attempt = () =>
      load().then(
        (v) => live && setValue(v),
        () => {
          if (live) timer = setTimeout(attempt, 15_000);
        },
      );
    void attempt();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [load]);
  return value;
}

export function useOnline(): boolean {
  const [online, setOnline] = useState(navigator.onLine);
  useEffect(() => {
    const on = () => setOnline(true);
    const off = () => setOnline(false);
    window.addEventListener('online', on);
    window.addEventListener('offline', off);
    return () => {
      window.removeEventListener('online', on);
      window.removeEventListener('offline', off);
    };
  }, []);
  return online;
}

const NOT_TEXT = new Set(['checkbox', 'radio', 'button', 'submit', 'reset', 'range', 'color']);
const isTyping = (t: EventTarget | null) =>
  t instanceof HTMLElement &&
  (t.isContentEditable || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || (t instanceof HTMLInputElement && !NOT_TEXT.has(t.type)));

/** "n" opens the form (not while typing), Escape closes the open panel. */
export function useHotkeys(keys: { onNew(): void; onEscape(): void }): void {
  const latest = useRef(keys);
  useEffect(() => {
    latest.current = keys;
  });
  useEffect(() => {
    const down = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.key === 'Escape') latest.current.onEscape();
      else if ((e.key === 'n' || e.key === 'N') && !isTyping(e.target)) {
        e.preventDefault();
        latest.current.onNew();
      }
    };
    window.addEventListener('keydown', down);
    return () => window.removeEventListener('keydown', down);
  }, []);
}
