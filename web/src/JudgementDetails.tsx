import type { Breach, ObservationJudgement } from './types';
import { WITHDRAWAL_STYLES } from './map/agreement-style';

const BREACH_LABELS: Record<Breach['kind'], string> = {
  withdrawal: 'Weapon inside its withdrawal distance',
  weapon_outside_storage: 'Withdrawn weapon outside storage',
  fire_in_security_zone: 'Fire in the security zone',
  impact_at_protected_site: 'Impact at a protected site',
  flight_in_no_fly_area: 'Flight in a no-fly area',
};

/** Kilometres, one decimal (metres below 1 km). */
export const km = (m: number) => (m < 1000 ? `${Math.round(m)} m` : `${(m / 1000).toLocaleString('en-GB', { minimumFractionDigits: 1, maximumFractionDigits: 1 })} km`);

/** The numbers of a breach, as a monitor would write them. */
function numbers(b: Breach): string {
  const parts: string[] = [];
  const cls = b.weaponClass ? (WITHDRAWAL_STYLES[b.weaponClass]?.label ?? b.weaponClass) : undefined;
  if (b.kind === 'withdrawal' && b.distanceM !== undefined && b.requiredM !== undefined) parts.push(`${km(b.distanceM)} from the line, ${km(b.requiredM)} required`);
  else if (b.kind === 'weapon_outside_storage' && b.distanceM !== undefined) parts.push(`${km(b.distanceM)} from the line (withdrawal ${km(b.requiredM ?? 0)}), not in a storage site`);
  else if (b.kind === 'fire_in_security_zone' && b.distanceM !== undefined) parts.push(`${km(b.distanceM)} from the line, zone ${km(b.halfWidthM ?? 0)} each side`);
  else if (b.kind === 'impact_at_protected_site' && b.distanceM !== undefined) parts.push(`${km(b.distanceM)} from the site, radius ${km(b.radiusM ?? 0)}`);
  if (cls) parts.push(`${cls}${b.count ? ` × ${b.count}` : ''}`);
  if (b.side) parts.push(`${b.side} side`);
  return parts.join(' · ');
}

/** What the rules engine found: side, distance to the line, zones, and each breach with its provision and numbers. */
export function JudgementDetails({ judgement: j }: { judgement: ObservationJudgement | null }) {
  if (!j) {
    return (
      <section className="judgement" data-testid="judgement">
        <h3>Agreement</h3>
        <p className="muted">Not judged: no agreement was in force when it was observed.</p>
      </section>
    );
  }
  return (
    <section className="judgement" data-testid="judgement">
      <h3>
        Agreement <span className="muted">{j.agreementId} · version {j.version}</span>
      </h3>
      <dl className="details">
        <div>
          <dt>Side</dt>
          <dd data-testid="judgement-side">{j.side ?? <span className="muted">unknown</span>}</dd>
        </div>
        <div>
          <dt>To the line</dt>
          <dd data-testid="judgement-distance">{km(j.distanceToLineM)}</dd>
        </div>
        <div>
          <dt>Zones</dt>
          <dd data-testid="judgement-zones">{j.zones.length ? j.zones.map((z) => <span key={z} className="zone-tag">{z}</span>) : <span className="muted">none</span>}</dd>
        </div>
        {j.weapon && (
          <div>
            <dt>Weapon class</dt>
            <dd>{j.weapon.weaponClass ? (WITHDRAWAL_STYLES[j.weapon.weaponClass]?.label ?? j.weapon.weaponClass) : <span className="muted">unclassified</span>}</dd>
          </div>
        )}
      </dl>
      {j.breaches.length === 0 ? (
        <p className="no-breach" data-testid="no-breach">No breach found.</p>
      ) : (
        <ul className="breaches" aria-label="Breaches">
          {j.breaches.map((b, i) => (
            <li key={`${b.provision}-${i}`} data-testid="breach">
              <div className="breach-head">
                <span className="breach-ring" aria-hidden />
                <strong>{BREACH_LABELS[b.kind]}</strong>
              </div>
              <div>
                Provision <code data-testid="breach-provision">{b.provision}</code>
              </div>
              <div className="muted" data-testid="breach-numbers">
                {numbers(b)}
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
