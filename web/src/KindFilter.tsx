import { FIRE_KINDS, KIND_GROUPS, KIND_STYLES, ALL_KINDS, SUBKINDS, SUBKIND_STYLES } from './kinds';
import { formatCount } from './format';
import type { ObservationKind } from './types';

interface Props {
  selected: ObservationKind[];
  /** Shown observations per style key (kind, or "explosion:<subkind>"). */
  counts: Map<string, number>;
  onChange(kinds: ObservationKind[]): void;
}

/** Explosions are drawn by subkind: their row shows all four colours. */
const EXPLOSION_SWATCH = `conic-gradient(${SUBKINDS.map((s, i) => `${SUBKIND_STYLES[s].colour} ${i * 25}% ${(i + 1) * 25}%`).join(', ')})`;

/** The kind filter is also the colour legend: every row shows the colour its points are drawn in. */
export function KindFilter({ selected, counts, onChange }: Props) {
  const on = new Set(selected);
  const toggle = (k: ObservationKind) => onChange(ALL_KINDS.filter((x) => (x === k ? !on.has(x) : on.has(x))));
  const count = (key: string) => (on.has(key.split(':')[0] as ObservationKind) ? formatCount(counts.get(key) ?? 0) : '');
  const explosions = SUBKINDS.reduce((n, s) => n + (counts.get(`explosion:${s}`) ?? 0), 0);

  return (
    <section className="panel-section kinds" aria-labelledby="kinds-title">
      <div className="section-head">
        <h2 id="kinds-title">Kinds</h2>
        <div className="quick">
          <button type="button" className="link" data-testid="kinds-all" onClick={() => onChange(ALL_KINDS)}>All</button>
          <button type="button" className="link" data-testid="kinds-fire" onClick={() => onChange(FIRE_KINDS)} title="What the daily report counts as violations">Fire</button>
          <button type="button" className="link" data-testid="kinds-none" onClick={() => onChange([])}>None</button>
        </div>
      </div>
      {KIND_GROUPS.map((g) => (
        <fieldset key={g.title}>
          <legend>{g.title}</legend>
          {g.kinds.map((k) => (
            <div key={k}>
              <label className="kind-row">
                <input type="checkbox" checked={on.has(k)} onChange={() => toggle(k)} data-testid={`kind-${k}`} />
                <span className="swatch" style={{ background: k === 'explosion' ? EXPLOSION_SWATCH : KIND_STYLES[k].colour }} aria-hidden />
                <span className="kind-label">{KIND_STYLES[k].label}</span>
                <span className="kind-count">{k === 'explosion' ? (on.has(k) ? formatCount(explosions) : '') : count(k)}</span>
              </label>
              {k === 'explosion' && (
                <ul className="subkinds" aria-label="Explosions by subkind">
                  {SUBKINDS.map((s) => (
                    <li key={s} className={on.has(k) ? '' : 'off'}>
                      <span className="swatch" style={{ background: SUBKIND_STYLES[s].colour }} aria-hidden />
                      <span className="kind-label">{SUBKIND_STYLES[s].label}</span>
                      <span className="kind-count">{count(`explosion:${s}`)}</span>
                    </li>
                  ))}
                </ul>
              )}
            </div>
          ))}
        </fieldset>
      ))}
    </section>
  );
}
