import { formatUtc } from './format';
import { kindLabel } from './kinds';
import type { QueuedItem } from './outbox';
import { SidePanel } from './SidePanel';

interface Props {
  items: QueuedItem[];
  online: boolean;
  onRetry(): void;
  onDiscard(id: string): void;
  onClose(): void;
}

export function OutboxPanel({ items, online, onRetry, onDiscard, onClose }: Props) {
  return (
    <SidePanel title="Not yet sent" testid="outbox" onClose={onClose}>
      <p className="muted">
        Observations filed without a connection are kept in this browser and sent when it is back. Refused ones need a fix: file them again.
      </p>
      <button type="button" onClick={onRetry} disabled={!online}>
        Send now
      </button>
      <ul className="outbox-list">
        {items.map(({ input, queuedAt, rejected }) => (
          <li key={input.id} className={rejected ? 'refused' : ''}>
            <div>
              <strong>{kindLabel(input)}</strong> · {formatUtc(input.observedAt)}
            </div>
            <div className="muted">Queued {formatUtc(queuedAt)}</div>
            {rejected && <p className="field-error">Refused: {rejected}</p>}
            <button type="button" className="link" onClick={() => onDiscard(input.id)}>
              Discard
            </button>
          </li>
        ))}
        {items.length === 0 && <li className="muted">Nothing waiting.</li>}
      </ul>
    </SidePanel>
  );
}
