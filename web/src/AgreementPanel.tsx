import type { ReactElement } from 'react';
import type { AgreementView } from './agreement';
import { AGREEMENT_COLOURS, AGREEMENT_GROUPS, WITHDRAWAL_STYLES, type AgreementGroup } from './map/agreement-style';

interface Props {
  agreement: AgreementView | null;
  breachesOnly: boolean;
  onBreachesOnly(v: boolean): void;
  hidden: AgreementGroup[];
  onHidden(groups: AgreementGroup[]): void;
}

const GROUP_SWATCH: Record<AgreementGroup, ReactElement> = {
  security: <LineSwatch colour={AGREEMENT_COLOURS.securityZone} dash={[]} width={3} />,
  withdrawal: <LineSwatch colour={WITHDRAWAL_STYLES.artillery_ge_100mm!.colour} dash={WITHDRAWAL_STYLES.artillery_ge_100mm!.dash} />,
  sites: <span className="lg-area" style={{ background: 'rgba(52, 211, 153, 0.2)', border: `2px solid ${AGREEMENT_COLOURS.protectedSite}`, borderRadius: '50%', width: 16 }} />,
  nofly: <span className="lg-area" style={{ background: 'rgba(157, 155, 255, 0.2)', border: `1.5px dashed ${AGREEMENT_COLOURS.noFly}` }} />,
  storage: <span className="lg-area" style={{ background: 'rgba(163, 230, 53, 0.3)', border: `1.5px solid ${AGREEMENT_COLOURS.storage}` }} />,
  area: <span className="lg-area" style={{ background: 'rgba(255, 59, 48, 0.12)' }} />,
};

/** A dashed line as MapLibre draws it (dash lengths in line widths). */
function LineSwatch({ colour, dash, width = 2.5 }: { colour: string; dash: number[]; width?: number }) {
  return (
    <svg className="lg-svg" width="34" height="10" aria-hidden>
      <line x1="1" y1="5" x2="33" y2="5" stroke={colour} strokeWidth={width} strokeDasharray={dash.map((d) => d * width).join(' ')} />
    </svg>
  );
}

/**
 * The agreement in force (the map's zones): a "breaches only" filter, a toggle per group of
 * layers, and the legend of the withdrawal lines (a dash pattern per weapon class).
 */
export function AgreementPanel({ agreement, breachesOnly, onBreachesOnly, hidden, onHidden }: Props) {
  const off = new Set(hidden);
  const toggle = (g: AgreementGroup) => onHidden(AGREEMENT_GROUPS.map((x) => x.id).filter((x) => (x === g ? !off.has(x) : off.has(x))));
  const present = new Set(agreement?.layers.features.map((f) => String(f.properties?.layer)) ?? []);
  const groupPresent: Record<AgreementGroup, boolean> = {
    security: present.has('security_zone_edge'),
    withdrawal: present.has('withdrawal_line'),
    sites: present.has('protected_site'),
    nofly: present.has('no_fly_area'),
    storage: present.has('storage_site'),
    area: present.has('area'),
  };
  return (
    <section className="panel-section agreement" aria-labelledby="agreement-title" data-testid="agreement-panel">
      <h2 id="agreement-title">Agreement</h2>
      {agreement ? (
        <p className="muted agreement-name" data-testid="agreement-name">
          {agreement.layers.agreementId} · version {agreement.layers.version}
        </p>
      ) : (
        <p className="muted">No agreement loaded: nothing is judged.</p>
      )}
      <label className="kind-row breach-row">
        <input type="checkbox" checked={breachesOnly} onChange={(e) => onBreachesOnly(e.target.checked)} data-testid="breaches-only" />
        <span className="breach-ring" aria-hidden />
        <span className="kind-label">Breaches only</span>
        <span />
      </label>
      {agreement && (
        <fieldset className="agreement-layers">
          <legend>Layers</legend>
          {AGREEMENT_GROUPS.filter((g) => groupPresent[g.id]).map((g) => (
            <div key={g.id}>
              <label className="layer-row">
                <input type="checkbox" checked={!off.has(g.id)} onChange={() => toggle(g.id)} data-testid={`layer-${g.id}`} />
                {GROUP_SWATCH[g.id]}
                <span>{g.label}</span>
              </label>
              {g.id === 'withdrawal' && !off.has('withdrawal') && (
                <ul className="withdrawal-legend" aria-label="Withdrawal lines by weapon class" data-testid="withdrawal-legend">
                  {agreement.withdrawalClasses.map((c) => {
                    const s = WITHDRAWAL_STYLES[c];
                    return (
                      <li key={c}>
                        <LineSwatch colour={s?.colour ?? '#fff'} dash={s?.dash ?? [2, 2]} />
                        <span>{s?.label ?? c}</span>
                      </li>
                    );
                  })}
                </ul>
              )}
            </div>
          ))}
        </fieldset>
      )}
    </section>
  );
}
