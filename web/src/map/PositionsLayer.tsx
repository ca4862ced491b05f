import { useEffect } from 'react';
import type { GeoJSONSource, Map as MapLibreMap } from 'maplibre-gl';
import type { PositionCollection } from '../positions';

export const POSITIONS_LAYER = 'positions';
const SOURCE = 'positions';
export const POSITION_COLOUR = '#3ee0d0';

/** TAK clients' positions on the map: cyan diamonds-ish circles with a white rim, above the observations. */
export function usePositionsLayer(map: MapLibreMap | null, positions: PositionCollection | null): void {
  useEffect(() => {
    if (!map || map.getSource(SOURCE)) return;
    map.addSource(SOURCE, { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
    map.addLayer({
      id: POSITIONS_LAYER,
      type: 'circle',
      source: SOURCE,
      paint: {
        'circle-radius': ['interpolate', ['linear'], ['zoom'], 5, 4.5, 12, 9],
        'circle-color': POSITION_COLOUR,
        'circle-stroke-color': '#ffffff',
        'circle-stroke-width': 2,
      },
    });
    map.on('mousemove', POSITIONS_LAYER, () => (map.getCanvas().style.cursor = 'pointer'));
    map.on('mouseleave', POSITIONS_LAYER, () => (map.getCanvas().style.cursor = ''));
  }, [map]);

  useEffect(() => {
    if (map && positions) (map.getSource(SOURCE) as GeoJSONSource | undefined)?.setData(positions);
  }, [map, positions]);
}
