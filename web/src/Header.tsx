import { formatClock, formatCount } from './format';
import type { Me } from './session';
import { PageNav } from './pages';

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
  me: Me | null | undefined;
  live: boolean;
  canFile: boolean;
  onLogin(): void;
  onLogout(): void;
}

const ROLE_LABELS: Record<string, string> = {
  monitor: 'monitor',
  analyst: 'analyst',
  chief_monitor: 'chief monitor',
  cell_officer: 'cell officer',
  liaison_officer: 'liaison officer',
  admin: 'admin',
};

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
        <span className={`chip ${p.live ? 'chip-ok' : 'chip-muted'}`} data-testid="live" title={p.live ? 'Live: new records appear without reloading' : 'Not connected to the live stream; refreshing every minute'}>
          {p.live ? 'Live' : 'Not live'}
        </span>
        {p.queued + p.rejected > 0 && (
          <button type="button" className={`chip ${p.rejected ? 'chip-error' : 'chip-warn'}`} data-testid="outbox-count" onClick={p.onOpenOutbox}>
            {p.queued > 0 && `${p.queued} queued`}
            {p.queued > 0 && p.rejected > 0 && ' · '}
            {p.rejected > 0 && `${p.rejected} refused`}
          </button>
        )}
      </div>
      <PageNav current="" />
      <div className="who" data-testid="who">
        {p.me ? (
          <>
            <span>
              <strong>{p.me.username}</strong> · {p.me.nation} · {p.me.roles.map((r) => ROLE_LABELS[r] ?? r).join(', ')}
            </span>
            <button type="button" className="link" data-testid="logout" onClick={p.onLogout}>
              Log out
            </button>
          </>
        ) : (
          p.me === null && (
            <>
              <span className="muted">Public view</span>
              <button type="button" data-testid="login-open" onClick={p.onLogin}>
                Log in
              </button>
            </>
          )
        )}
      </div>
      {p.canFile && (
        <button type="button" className="primary" data-testid="new-observation" onClick={p.onNew} aria-keyshortcuts="n">
          New observation <kbd>N</kbd>
        </button>
      )}
    </header>
  );
}
