import { PRESETS, toLocalInput, type Preset, type TimeFilter } from './time-window';

export function TimeFilterPanel({ value, onChange }: { value: TimeFilter; onChange(v: TimeFilter): void }) {
  const choose = (preset: Preset) => {
    // A custom range starts as the last 24 hours, to adjust from.
    if (preset === 'custom' && !value.from && !value.to) {
      const now = new Date();
      onChange({ preset, from: toLocalInput(new Date(now.getTime() - 86_400_000)), to: toLocalInput(now) });
    } else onChange({ ...value, preset });
  };
  return (
    <section className="panel-section" aria-labelledby="time-title">
      <h2 id="time-title">Time</h2>
      <div className="segmented" role="group" aria-label="Time window">
        {PRESETS.map((p) => (
          <button
            key={p.id}
            type="button"
            aria-pressed={value.preset === p.id}
            data-testid={`time-${p.id}`}
            onClick={() => choose(p.id)}
          >
            {p.label}
          </button>
        ))}
      </div>
      {value.preset === 'custom' && (
        <div className="custom-range">
          <label>
            <span>
              From <span className="muted">(local time)</span>
            </span>
            <input type="datetime-local" value={value.from} data-testid="time-from" onChange={(e) => onChange({ ...value, from: e.target.value })} />
          </label>
          <label>
            <span>
              To <span className="muted">(local time)</span>
            </span>
            <input type="datetime-local" value={value.to} data-testid="time-to" onChange={(e) => onChange({ ...value, to: e.target.value })} />
          </label>
        </div>
      )}
    </section>
  );
}
