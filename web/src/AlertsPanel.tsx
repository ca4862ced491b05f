import { useId, useState, type FormEvent } from 'react';
import { useAlerts, type Alert, type AlertRecord } from './alerts';
import { formatUtc } from './format';

interface Props {
  /** Alerts pushed by the live stream (`event: alert`); the panel also polls GET /api/alerts. */
  pushed?: readonly AlertRecord[];
  /** The sector's name for its id (alerts carry the id). */
  sectorName?(id: string): string | undefined;
}

const STATE_LABEL: Record<Alert['state'], string> = { open: 'Alert', escalated: 'Escalated', acknowledged: 'Acknowledged' };
const RECENT = 5;

/**
 * Guarantee alerts for the guarantor nations' officers: a high-contrast banner above the map
 * while any alert awaits acknowledgement, saying what triggered, where, when and which nations
 * have acknowledged, with an Acknowledge button for users whose nation still has to. Shows
 * nothing to users who may not read alerts, and nothing when there are none.
 */
export function AlertsPanel({ pushed, sectorName }: Props) {
  const { alerts, allowed, error, acknowledge } = useAlerts(pushed);
  if (!allowed) return null;
  const active = alerts.filter((a) => a.state !== 'acknowledged');
  const recent = alerts.filter((a) => a.state === 'acknowledged').slice(0, RECENT);
  if (active.length === 0 && recent.length === 0) return null;
  const toAck = active.filter((a) => a.canAck).length;
  return (
    <section className={`alerts-panel${active.length ? ' alerts-active' : ''}`} aria-labelledby="alerts-title" data-testid="alerts-panel">
      <h2 id="alerts-title" className="alerts-title">
        {active.length ? `Guarantee alerts: ${active.length} awaiting acknowledgement` : 'Guarantee alerts'}
      </h2>
      {/* Announced when it changes: a new alert, or one more to acknowledge. */}
      <p className="alerts-status" role="status" aria-live="assertive" aria-atomic="true">
        {toAck > 0 ? `${toAck} ${toAck === 1 ? 'alert needs' : 'alerts need'} your nation's acknowledgement` : active.length ? 'Your nation has acknowledged every open alert' : ''}
      </p>
      {error && <p className="alerts-error">Alerts could not be refreshed: {error}</p>}
      {active.length > 0 && (
        <ul className="alerts-list">
          {active.map((a) => (
            <AlertItem key={a.id} alert={a} onAck={acknowledge} sectorName={sectorName} />
          ))}
        </ul>
      )}
      {recent.length > 0 && (
        <details className="alerts-recent">
          <summary>Recently acknowledged ({recent.length})</summary>
          <ul className="alerts-list">
            {recent.map((a) => (
              <AlertItem key={a.id} alert={a} onAck={acknowledge} sectorName={sectorName} />
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}

function AlertItem({ alert: a, onAck, sectorName }: { alert: Alert; onAck(id: string, note?: string): Promise<void>; sectorName?: Props['sectorName'] }) {
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState<string | null>(null);
  const noteId = useId();
  const acked = new Map(a.acks.map((x) => [x.nation, x]));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setFailed(null);
    try {
      await onAck(a.id, note.trim() || undefined);
      setNote('');
    } catch (err) {
      setFailed(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <li className={`alert-item alert-${a.state}`} data-testid="alert-item" data-alert-id={a.id} data-state={a.state}>
      <div className="alert-head">
        <span className="alert-badge">{STATE_LABEL[a.state]}</span>
        <strong className="alert-name">{a.criterionName}</strong>
        <span className="alert-where">{a.sector ? (sectorName?.(a.sector) ?? `sector ${a.sector}`) : 'outside every sector'}</span>
        <time dateTime={a.raisedAt}>raised {formatUtc(a.raisedAt)}</time>
      </div>
      <p className="alert-summary">{a.summary}</p>
      <p className="alert-meta">
        {a.observationCount} {a.observationCount === 1 ? 'observation' : 'observations'}, {formatUtc(a.firstObservedAt)}
        {a.lastObservedAt !== a.firstObservedAt && ` to ${formatUtc(a.lastObservedAt)}`}
        {a.state === 'open' && <> · escalates at {formatUtc(a.escalateAt)} unless every nation acknowledges</>}
        {a.escalatedAt && <> · escalated {formatUtc(a.escalatedAt)}</>}
      </p>
      <ul className="alert-nations" aria-label="Acknowledgements by nation">
        {a.requiredNations.map((n) => {
          const ack = acked.get(n);
          return (
            <li key={n} className={ack ? 'nation-acked' : 'nation-pending'} data-testid={`ack-${n}`}>
              <span aria-hidden>{ack ? '✓' : '…'}</span> {n}: {ack ? `acknowledged ${formatUtc(ack.at)}${ack.note ? ` (“${ack.note}”)` : ''}` : 'awaiting'}
            </li>
          );
        })}
      </ul>
      {a.canAck && (
        <form className="alert-ack" onSubmit={(e) => void submit(e)}>
          <label htmlFor={noteId} className="visually-hidden">
            Note with the acknowledgement (optional)
          </label>
          <input id={noteId} value={note} maxLength={2000} placeholder="Note (optional)" onChange={(e) => setNote(e.target.value)} disabled={busy} />
          <button type="submit" className="alert-ack-button" disabled={busy} data-testid="alert-ack">
            {busy ? 'Acknowledging…' : 'Acknowledge for my nation'}
          </button>
        </form>
      )}
      {failed && (
        <p className="alerts-error" role="alert">
          Not acknowledged: {failed}
        </p>
      )}
    </li>
  );
}
