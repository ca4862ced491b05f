import type { ReactNode } from 'react';
import { colourOf, kindLabel } from './kinds';
import { formatLatLon, formatLocal, formatUtc } from './format';
import type { Observation } from './types';
import { SidePanel } from './SidePanel';
import { JudgementDetails } from './JudgementDetails';

interface Props {
  observation: Observation;
  pending: boolean;
  sectorName?: string;
  oblast?: string;
  onClose(): void;
}

const SOURCE_KINDS: Record<Observation['source']['kind'], string> = {
  monitor: 'Monitor',
  camera: 'Camera',
  uav: 'UAV',
  sensor: 'Sensor',
  tak: 'TAK',
  partner: 'Partner',
  osint: 'OSINT',
};

export function DetailsPanel({ observation: o, pending, sectorName, oblast, onClose }: Props) {
  const rows: [string, ReactNode][] = [];
  const add = (label: string, value: ReactNode) => value !== undefined && value !== '' && rows.push([label, value]);

  add('Time', (
    <>
      <div data-testid="detail-time-utc">{formatUtc(o.observedAt)}</div>
      <div className="muted">{formatLocal(o.observedAt)}</div>
    </>
  ));
  if (o.observedUntil) add('Until', formatUtc(o.observedUntil));
  add('Place', (
    <>
      <div>{formatLatLon(o.location.lat, o.location.lon)}</div>
      <div className="muted">
        {[oblast ?? 'outside Ukraine', o.location.accuracyM !== undefined ? `±${formatMetres(o.location.accuracyM)}` : undefined].filter(Boolean).join(' · ')}
      </div>
    </>
  ));
  add('Sector', o.sector === null ? <span className="muted">outside every sector</span> : (sectorName ?? o.sector));
  add('Count', <span data-testid="detail-count">{o.count}</span>);
  if (o.weapon) {
    const w = o.weapon;
    add('Weapon', [w.model, w.caliberMm !== undefined ? `${w.caliberMm} mm` : undefined, w.count !== undefined ? `× ${w.count}` : undefined].filter(Boolean).join(', '));
  }
  if (o.observer) {
    const ob = o.observer;
    add('Observer', (
      <>
        <div>{formatLatLon(ob.lat, ob.lon)}</div>
        <div className="muted">
          {[ob.bearingDeg !== undefined ? `bearing ${ob.bearingDeg}°` : undefined, ob.distanceM !== undefined ? `distance ${formatMetres(ob.distanceM)}` : undefined].filter(Boolean).join(' · ')}
        </div>
      </>
    ));
  }
  add('Source', [SOURCE_KINDS[o.source.kind], o.source.nation, o.source.reporter].filter(Boolean).join(' · '));
  add('Releasability', <span className="releasability">{o.releasability}</span>);
  if (o.notes) add('Notes', <p className="notes">{o.notes}</p>);
  if (o.receivedAt) add('Received', formatUtc(o.receivedAt));
  add('Id', <code data-testid="detail-id">{o.id}</code>);

  return (
    <SidePanel
      testid="details"
      onClose={onClose}
      title={
        <span className="details-title">
          <span className="swatch big" style={{ background: colourOf(o) }} aria-hidden />
          <span data-testid="detail-kind">{kindLabel(o)}</span>
        </span>
      }
    >
      {pending && <p className="banner warn">Queued: not yet accepted by the server. It is sent again when the connection is back.</p>}
      <dl className="details">
        {rows.map(([label, value]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      {o.judgement !== undefined && !pending && <JudgementDetails judgement={o.judgement} />}
    </SidePanel>
  );
}

const formatMetres = (m: number) => (m >= 1000 ? `${(m / 1000).toFixed(m % 1000 === 0 ? 0 : 1)} km` : `${m} m`);
