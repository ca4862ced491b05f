import { formatClock, formatCount } from './format';

interface Props {
  shown: number;
  total: number;
  loading: boolean;
  error: string | null;
  updatedAt: Date | null;
  queued: number;
  rejected: number;
  online: boolean;
  onOpenOutbox(): void;
  onNew(): void;
}

export function Header(p: Props) {
  return (
    <header className="header">
      <div className="brand">
        <h1>Truceline</h1>
        <span className="subtitle">Ceasefire monitoring and coordination</span>
      </div>
      <div className="status" aria-live="polite">
        <span className="shown">
          <strong data-testid="shown-count" data-count={p.shown}>
            {formatCount(p.shown)}
          </strong>{' '}
          {p.shown === 1 ? 'observation' : 'observations'} shown
          {p.total > p.shown && <span className="muted"> (newest of {formatCount(p.total)})</span>}
        </span>
        {p.error ? (
          <span className="chip chip-error" role="alert">
            {p.error}
          </span>
        ) : (
          <span className="muted">{p.loading ? 'Loading…' : p.updatedAt ? `Updated ${formatClock(p.updatedAt)}` : ''}</span>
        )}
        {!p.online && <span className="chip chip-error">Offline</span>}
        {p.queued + p.rejected > 0 && (
          <button type="button" className={`chip ${p.rejected ? 'chip-error' : 'chip-warn'}`} data-testid="outbox-count" onClick={p.onOpenOutbox}>
            {p.queued > 0 && `${p.queued} queued`}
            {p.queued > 0 && p.rejected > 0 && ' · '}
            {p.rejected > 0 && `${p.rejected} refused`}
          </button>
        )}
      </div>
      <button type="button" className="primary" data-testid="new-observation" onClick={p.onNew} aria-keyshortcuts="n">
        New observation <kbd>N</kbd>
      </button>
    </header>
  );
}
