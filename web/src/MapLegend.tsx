import { POSITION_COLOUR } from './map/PositionsLayer';

/**
 * The legend of the map's lines and areas; the kind filter is the legend of the points (and the
 * agreement panel that of the zones). `contactLabel` names the contact line: the illustrative
 * default says so.
 */
export function MapLegend({ contactLabel = 'Contact line (illustrative)', breaches = false, positions = false }: { contactLabel?: string; breaches?: boolean; positions?: boolean }) {
  return (
    <div className="map-legend" data-testid="map-legend" aria-label="Map legend">
      <div>
        <span className="lg-line lg-contact" aria-hidden /> {contactLabel}
      </div>
      {breaches && (
        <div>
          <span className="lg-dot breach-ring" aria-hidden /> Breach of the agreement
        </div>
      )}
      {positions && (
        <div>
          <span className="lg-dot" style={{ background: POSITION_COLOUR, boxShadow: '0 0 0 2px #fff inset' }} aria-hidden /> TAK position (monitor, patrol)
        </div>
      )}
      <div>
        <span className="lg-area lg-sector" aria-hidden /> Sector
      </div>
      <div>
        <span className="lg-line lg-border" aria-hidden /> Ukraine border
      </div>
      <div>
        <span className="lg-line lg-oblast" aria-hidden /> Oblast boundary
      </div>
      <div>
        <span className="lg-dot lg-queued" aria-hidden /> Queued, not yet sent
      </div>
    </div>
  );
}
