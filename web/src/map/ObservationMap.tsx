import { useEffect, useRef, useState } from 'react';
import { AttributionControl, Map as MapLibreMap, Marker, NavigationControl, ScaleControl, type GeoJSONSource } from 'maplibre-gl';
import type { FeatureCollection, GeoJSON, LineString, MultiLineString, Point } from 'geojson';
import type { ContactLineCollection, SectorCollection } from '../api';
import type { BaseMap } from '../geo';
import type { LatLon } from '../types';
import { mapStyle } from './map-style';
import { AGREEMENT_GROUPS } from './agreement-style';
import { declutter, outerRings, sectorLabelAt } from './labels';
import { CITIES } from './cities';
import { POSITIONS_LAYER, usePositionsLayer } from './PositionsLayer';
import { useTaskLayer } from './task-layer';
import { useUnitLayer } from './units-layer';
import type { UnitCollection } from '../force';
import type { TaskView } from '../tasks';
import type { PositionCollection } from '../positions';

export interface ObservationFeatureProps {
  id: string;
  kind: string;
  style: string;
  count: number;
  /** observedAt in ms: draw order, newest on top. */
  t: number;
  /** Filed here but not yet accepted by the server (queued offline). */
  pending: boolean;
  /** Its latest judgement finds a breach of the agreement: drawn with a red ring. */
  breach: boolean;
}

interface Props {
  base: BaseMap | null;
  sectors: SectorCollection | null;
  /** The agreement's contact line when there is one, else the illustrative line. */
  contactLine: ContactLineCollection | FeatureCollection<LineString | MultiLineString> | null;
  /** The agreement's zones (/api/agreements/current/layers), and the map layers switched off. */
  agreement: FeatureCollection | null;
  hiddenLayers: readonly string[];
  observations: FeatureCollection<Point, ObservationFeatureProps>;
  selectedId: string | null;
  /** Where the selected observation is, to bring it into view. */
  selectedAt: LatLon | null;
  /** While the form is open, a click sets the place instead of selecting. */
  picking: boolean;
  place: LatLon | null;
  onSelect(id: string | null): void;
  onPick(p: LatLon): void;
  /** TAK clients' positions (GET /api/positions), and what a click on one does. */
  positions?: PositionCollection | null;
  /** Tasks released to the user, drawn where they are to be done. */
  tasks?: readonly TaskView[] | null;
  /** The force's units where they are now (GET /api/force/map), drawn with their military symbols. */
  units?: UnitCollection | null;
  onSelectPosition?(uid: string): void;
}

const EMPTY_COLLECTION: FeatureCollection = { type: 'FeatureCollection', features: [] };
const AGREEMENT_LAYER_IDS = AGREEMENT_GROUPS.flatMap((g) => [...g.layers]);
const UKRAINE: [[number, number], [number, number]] = [[22.1, 44.3], [40.2, 52.4]];
const HIT_PX = 7;
/** Width of the side panel (styles.css .side-panel). */
const PANEL_PX = 420;

declare global {
  interface Window {
    /** For the browser test and for debugging in the console. */
    __truceline?: { map: MapLibreMap };
  }
}

export function ObservationMap(props: Props) {
  const container = useRef<HTMLDivElement>(null);
  const [map, setMap] = useState<MapLibreMap | null>(null);
  const moved = useRef(false);
  const latest = useRef(props);
  useEffect(() => {
    latest.current = props;
  });

  useEffect(() => {
    const m = new MapLibreMap({
      container: container.current!,
      style: mapStyle(),
      bounds: UKRAINE,
      fitBoundsOptions: { padding: 24 },
      maxBounds: [[12, 38], [50, 58]],
      dragRotate: false,
      pitchWithRotate: false,
      touchPitch: false,
      attributionControl: false,
    });
    m.touchZoomRotate.disableRotation();
    m.keyboard.disableRotation();
    m.addControl(new NavigationControl({ showCompass: false }), 'top-right');
    m.addControl(new ScaleControl({ unit: 'metric' }), 'bottom-right');
    m.addControl(new AttributionControl({ compact: false }), 'bottom-right');
    m.getCanvas().setAttribute('aria-label', 'Map of observations. Arrow keys pan, plus and minus zoom.');

    m.on('click', (e) => {
      const p = latest.current;
      if (p.picking) {
        p.onPick({ lat: e.lngLat.lat, lon: e.lngLat.lng });
        return;
      }
      const { x, y } = e.point;
      const box: [[number, number], [number, number]] = [[x - HIT_PX, y - HIT_PX], [x + HIT_PX, y + HIT_PX]];
      const position = m.getLayer(POSITIONS_LAYER) ? m.queryRenderedFeatures(box, { layers: [POSITIONS_LAYER] })[0] : undefined;
      if (position && p.onSelectPosition) {
        p.onSelectPosition(String(position.properties.uid));
        return;
      }
      const hits = m.queryRenderedFeatures([[x - HIT_PX, y - HIT_PX], [x + HIT_PX, y + HIT_PX]], { layers: ['observations'] });
      // The nearest of the points under the finger, not the first drawn.
      let best: { id: string; d: number } | null = null;
      for (const f of hits) {
        const [lon, lat] = (f.geometry as Point).coordinates as [number, number];
        const q = m.project([lon, lat]);
        const d = Math.hypot(q.x - x, q.y - y);
        if (!best || d < best.d) best = { id: String(f.properties.id), d };
      }
      p.onSelect(best?.id ?? null);
    });
    m.on('mousemove', 'observations', () => {
      if (!latest.current.picking) m.getCanvas().style.cursor = 'pointer';
    });
    m.on('mouseleave', 'observations', () => {
      m.getCanvas().style.cursor = '';
    });
    m.on('load', () => setMap(m));
    m.on('dragstart', () => (moved.current = true));
    m.on('zoomstart', (e) => {
      if (e.originalEvent) moved.current = true;
    });
    window.__truceline = { map: m };
    return () => {
      setMap(null);
      m.remove();
    };
  }, []);

  useGeoJson(map, 'base', props.base);
  useGeoJson(map, 'sectors', props.sectors);
  useGeoJson(map, 'contactLine', props.contactLine);
  useGeoJson(map, 'observations', props.observations);
  usePositionsLayer(map, props.positions ?? null);
  useTaskLayer(map, props.tasks ?? null);
  useUnitLayer(map, props.units ?? null);
  useGeoJson(map, 'agreement', props.agreement ?? EMPTY_COLLECTION);

  const hiddenKey = props.hiddenLayers.join(',');
  useEffect(() => {
    if (!map) return;
    const hidden = new Set(hiddenKey.split(','));
    for (const id of AGREEMENT_LAYER_IDS) map.setLayoutProperty(id, 'visibility', hidden.has(id) ? 'none' : 'visible');
  }, [map, hiddenKey]);

  useEffect(() => {
    map?.setFilter('observation-selected', ['==', ['get', 'id'], props.selectedId ?? '']);
  }, [map, props.selectedId]);

  // The side panel covers the right of the map: bring a newly selected point hidden under it into view.
  useEffect(() => {
    const at = latest.current.selectedAt;
    if (!map || !props.selectedId || !at) return;
    const p = map.project([at.lon, at.lat]);
    const { width, height } = map.getContainer().getBoundingClientRect();
    const free = width - PANEL_PX;
    if (p.x > free - 24 || p.x < 24 || p.y < 24 || p.y > height - 24) map.panBy([p.x - free / 2, p.y - height / 2], { duration: 400 });
  }, [map, props.selectedId]);

  // First view: the sectors (where the monitors work), once they are known, unless moved already.
  const fitted = useRef(false);
  useEffect(() => {
    if (!map || !props.sectors || fitted.current) return;
    fitted.current = true;
    const points = props.sectors.features.flatMap((f) => outerRings(f.geometry).flat());
    const lons = points.map((c) => c[0]!);
    const lats = points.map((c) => c[1]!);
    if (lons.length && !moved.current) map.fitBounds([[Math.min(...lons), Math.min(...lats)], [Math.max(...lons), Math.max(...lats)]], { padding: { top: 30, bottom: 30, left: 30, right: 60 }, maxZoom: 9, duration: 0 });
  }, [map, props.sectors]);

  // Sector and city names as HTML labels (the map has no glyphs to draw text with); where two
  // overlap, the sector's name wins.
  useEffect(() => {
    if (!map) return;
    const label = (className: string, text: string) => Object.assign(document.createElement('div'), { className, textContent: text });
    const sectorMarkers = (props.sectors?.features ?? []).map((f) => {
      const { at, anchor } = sectorLabelAt(f.geometry);
      return new Marker({ element: label('sector-label', `${f.properties.name} sector`), anchor }).setLngLat(at);
    });
    const cityMarkers = CITIES.map(([name, lon, lat]) => new Marker({ element: label('city-label', name), anchor: 'left', offset: [-4, 0] }).setLngLat([lon, lat]));
    const markers = [...sectorMarkers, ...cityMarkers];
    markers.forEach((mk) => mk.addTo(map));
    const tidy = () => declutter(markers.map((mk) => mk.getElement()));
    tidy();
    map.on('moveend', tidy);
    return () => {
      map.off('moveend', tidy);
      markers.forEach((mk) => mk.remove());
    };
  }, [map, props.sectors]);

  // The place of the observation being filed: a marker that can also be dragged.
  const { place } = props;
  const placeMarker = useRef<Marker | null>(null);
  useEffect(() => {
    if (!map || !place) {
      placeMarker.current?.remove();
      placeMarker.current = null;
      return;
    }
    if (!placeMarker.current) {
      const el = document.createElement('div');
      el.className = 'place-marker';
      el.dataset.testid = 'place-marker';
      el.title = 'Place of the new observation (drag to move)';
      placeMarker.current = new Marker({ element: el, draggable: true }).setLngLat([place.lon, place.lat]).addTo(map);
      placeMarker.current.on('dragend', () => {
        const ll = placeMarker.current!.getLngLat();
        latest.current.onPick({ lat: ll.lat, lon: ll.lng });
      });
    } else {
      placeMarker.current.setLngLat([place.lon, place.lat]);
    }
  }, [map, place]);

  // MapLibre adds its own classes to the container: React must never rewrite its className.
  return (
    <div className={`map-frame${props.picking ? ' picking' : ''}`}>
      <div ref={container} className="map" data-testid="map" />
    </div>
  );
}

/** Keeps a GeoJSON source of the map showing `data`. */
function useGeoJson(map: MapLibreMap | null, source: string, data: GeoJSON | null): void {
  useEffect(() => {
    if (map && data) (map.getSource(source) as GeoJSONSource | undefined)?.setData(data);
  }, [map, source, data]);
}
