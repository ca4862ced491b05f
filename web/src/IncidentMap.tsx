import { useEffect, useRef } from 'react';
import { GeoJSONSource, Map as MapLibreMap, NavigationControl, ScaleControl } from 'maplibre-gl';
import type { FeatureCollection } from 'geojson';
import { mapStyle } from './map/map-style';
import { styleKey } from './kinds';
import type { Incident } from './incidents';
import type { BaseMap } from './geo';

/**
 * An incident's observations on the map, with the observers' bearing lines and the estimated
 * point of origin with its error ellipse (OSCE crater and sound-bearing practice).
 */
export function IncidentMap({ incident, base }: { incident: Incident; base: BaseMap | null }) {
  const container = useRef<HTMLDivElement>(null);
  const mapRef = useRef<MapLibreMap | null>(null);

  useEffect(() => {
    const style = mapStyle() as { sources: Record<string, unknown>; layers: unknown[] };
    style.sources.origin = { type: 'geojson', data: { type: 'FeatureCollection', features: [] } };
    style.layers.push(
      { id: 'bearings', type: 'line', source: 'origin', filter: ['==', ['get', 'part'], 'bearing'], paint: { 'line-color': '#ffd166', 'line-width': 1.5, 'line-dasharray': [2, 2] } },
      { id: 'ellipse-fill', type: 'fill', source: 'origin', filter: ['==', ['get', 'part'], 'ellipse'], paint: { 'fill-color': '#ff5a4f', 'fill-opacity': 0.15 } },
      { id: 'ellipse-line', type: 'line', source: 'origin', filter: ['==', ['get', 'part'], 'ellipse'], paint: { 'line-color': '#ff5a4f', 'line-width': 2 } },
      { id: 'origin-point', type: 'circle', source: 'origin', filter: ['==', ['get', 'part'], 'origin'], paint: { 'circle-radius': 6, 'circle-color': '#ff5a4f', 'circle-stroke-color': '#fff', 'circle-stroke-width': 2 } },
    );
    const m = new MapLibreMap({ container: container.current!, style: style as never, center: [37, 48], zoom: 6, attributionControl: false, dragRotate: false });
    m.addControl(new NavigationControl({ showCompass: false }), 'top-right');
    m.addControl(new ScaleControl({ unit: 'metric' }), 'bottom-right');
    mapRef.current = m;
    (window as { __truceline?: { map: MapLibreMap } }).__truceline = { map: m };
    return () => m.remove();
  }, []);

  useEffect(() => {
    const m = mapRef.current;
    if (!m) return;
    const draw = () => {
      if (base) (m.getSource('base') as GeoJSONSource).setData(base);
      const obs: FeatureCollection = {
        type: 'FeatureCollection',
        features: incident.observations.map((o) => ({
          type: 'Feature',
          geometry: { type: 'Point', coordinates: [o.location.lon, o.location.lat] },
          properties: { id: o.id, kind: o.kind, style: styleKey(o), count: o.count, t: Date.parse(o.observedAt), pending: false, breach: false },
        })),
      };
      (m.getSource('observations') as GeoJSONSource).setData(obs);
      const origin = incident.origin;
      const parts: FeatureCollection = { type: 'FeatureCollection', features: [] };
      if (origin) {
        parts.features.push({ type: 'Feature', geometry: { type: 'Polygon', coordinates: [origin.ellipseRing] }, properties: { part: 'ellipse' } });
        parts.features.push({ type: 'Feature', geometry: { type: 'Point', coordinates: [origin.lon, origin.lat] }, properties: { part: 'origin' } });
        for (const o of incident.observations)
          if (o.observer && origin.observationIds.includes(o.id))
            parts.features.push({ type: 'Feature', geometry: { type: 'LineString', coordinates: [[o.observer.lon, o.observer.lat], [origin.lon, origin.lat]] }, properties: { part: 'bearing' } });
      }
      (m.getSource('origin') as GeoJSONSource).setData(parts);
      const pts = [...incident.observations.flatMap((o) => [[o.location.lon, o.location.lat], ...(o.observer ? [[o.observer.lon, o.observer.lat]] : [])]), ...(origin ? [[origin.lon, origin.lat]] : [])] as [number, number][];
      if (pts.length) {
        const lons = pts.map((p) => p[0]);
        const lats = pts.map((p) => p[1]);
        m.fitBounds([[Math.min(...lons) - 0.05, Math.min(...lats) - 0.03], [Math.max(...lons) + 0.05, Math.max(...lats) + 0.03]], { padding: 40, maxZoom: 12, duration: 0 });
      }
    };
    if (m.isStyleLoaded()) draw();
    else m.once('load', draw);
  }, [incident, base]);

  return <div ref={container} className="incident-map" data-testid="incident-map" role="region" aria-label="Map of the incident's observations and origin estimate" />;
}
