import type { ReactNode } from 'react';

/** The right-hand panel (details, form, outbox): one at a time, closed with × or Escape. */
export function SidePanel({ title, testid, onClose, children }: { title: ReactNode; testid: string; onClose(): void; children: ReactNode }) {
  return (
    <aside className="side-panel" data-testid={testid} aria-label={typeof title === 'string' ? title : undefined}>
      <div className="side-head">
        <h2>{title}</h2>
        <button type="button" className="close" onClick={onClose} aria-label="Close (Escape)" title="Close (Escape)" data-testid={`${testid}-close`}>
          ×
        </button>
      </div>
      <div className="side-body">{children}</div>
    </aside>
  );
}
