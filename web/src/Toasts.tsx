import { useCallback, useState } from 'react';

export interface Toast {
  id: number;
  text: string;
  tone: 'ok' | 'warn';
}

let next = 1;

export function useToasts(): { toasts: Toast[]; toast(text: string, tone?: Toast['tone']): void } {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const toast = useCallback((text: string, tone: Toast['tone'] = 'ok') => {
    const id = next++;
    setToasts((t) => [...t, { id, text, tone }]);
    setTimeout(() => setToasts((t) => t.filter((x) => x.id !== id)), 6000);
  }, []);
  return { toasts, toast };
}

export function Toasts({ toasts }: { toasts: Toast[] }) {
  return (
    <div className="toasts" role="status" aria-live="polite">
      {toasts.map((t) => (
        <div key={t.id} className={`toast ${t.tone}`} data-testid="toast">
          {t.text}
        </div>
      ))}
    </div>
  );
}
