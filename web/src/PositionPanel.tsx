import type { ReactNode } from 'react';
import { formatLatLon, formatLocal, formatUtc } from './format';
import type { PositionProps } from './positions';
import { POSITION_COLOUR } from './map/PositionsLayer';
import { SidePanel } from './SidePanel';

/** Details of a TAK client's position: who (callsign), where, when, until when. */
export function PositionPanel({ position: p, lat, lon, onClose }: { position: PositionProps; lat: number; lon: number; onClose(): void }) {
  const rows: [string, ReactNode][] = [];
  const add = (label: string, value: ReactNode) => value !== undefined && value !== '' && rows.push([label, value]);
  add('Callsign', <span data-testid="position-callsign">{p.callsign}</span>);
  add('Time', (
    <>
      <div>{formatUtc(p.time)}</div>
      <div className="muted">{formatLocal(p.time)}</div>
    </>
  ));
  add('Place', (
    <>
      <div>{formatLatLon(lat, lon)}</div>
      {p.accuracyM !== undefined && p.accuracyM < 9_999_999 && <div className="muted">±{Math.round(p.accuracyM)} m</div>}
    </>
  ));
  if (p.group?.name || p.group?.role) add('Team', [p.group.name, p.group.role].filter(Boolean).join(' · '));
  if (p.course !== undefined || p.speed !== undefined)
    add('Moving', [p.course !== undefined ? `course ${Math.round(p.course)}°` : undefined, p.speed !== undefined ? `${(p.speed * 3.6).toFixed(1)} km/h` : undefined].filter(Boolean).join(' · '));
  if (p.battery !== undefined) add('Battery', `${p.battery}%`);
  add('Device', [p.platform, p.device].filter(Boolean).join(' · '));
  add('Shown until', formatUtc(p.stale));
  add('TAK uid', <code>{p.uid}</code>);
  return (
    <SidePanel
      testid="position"
      onClose={onClose}
      title={
        <span className="details-title">
          <span className="swatch big" style={{ background: POSITION_COLOUR }} aria-hidden />
          <span>TAK position</span>
        </span>
      }
    >
      <dl className="details">
        {rows.map(([label, value]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
    </SidePanel>
  );
}
