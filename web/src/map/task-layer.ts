import { useEffect } from 'react';
import type { GeoJSONSource, Map as MapLibreMap } from 'maplibre-gl';
import { taskFeatures, type TaskView } from '../tasks';

export const TASKS_LAYER = 'tasks';
const POINTS = 'task-points';
const AREAS = 'task-areas';
/** Amber, apart from the observation kinds' colours and the cyan TAK positions. */
export const TASK_COLOUR = '#ffb020';

/**
 * Open and accepted tasks on the map: a square-ish amber marker at each place (accepted ones
 * filled, open ones hollow), and the outline of a task's area when it has one.
 */
export function useTaskLayer(map: MapLibreMap | null, tasks: readonly TaskView[] | null): void {
  useEffect(() => {
    if (!map || map.getSource(POINTS)) return;
    const empty = { type: 'FeatureCollection' as const, features: [] };
    map.addSource(AREAS, { type: 'geojson', data: empty });
    map.addSource(POINTS, { type: 'geojson', data: empty });
    map.addLayer({ id: `${TASKS_LAYER}-area`, type: 'line', source: AREAS, paint: { 'line-color': TASK_COLOUR, 'line-width': 2, 'line-dasharray': [3, 2] } });
    map.addLayer({
      id: TASKS_LAYER,
      type: 'circle',
      source: POINTS,
      paint: {
        'circle-radius': ['interpolate', ['linear'], ['zoom'], 5, 5, 12, 9],
        'circle-color': ['case', ['==', ['get', 'state'], 'accepted'], TASK_COLOUR, 'rgba(0, 0, 0, 0.35)'],
        'circle-stroke-color': TASK_COLOUR,
        'circle-stroke-width': 3,
      },
    });
  }, [map]);

  useEffect(() => {
    if (!map || !tasks) return;
    const { points, areas } = taskFeatures(tasks);
    (map.getSource(POINTS) as GeoJSONSource | undefined)?.setData(points);
    (map.getSource(AREAS) as GeoJSONSource | undefined)?.setData(areas);
  }, [map, tasks]);
}
