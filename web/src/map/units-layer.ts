import { useEffect } from 'react';
import type { GeoJSONSource, Map as MapLibreMap } from 'maplibre-gl';
import type msDefault from 'milsymbol';
import type { UnitCollection } from '../force';

export const UNITS_LAYER = 'force-units';
const SOURCE = 'force-units';
const FLAGS = 'force-units-flagged';
/** The stand-off rule's red, as the breach rings use it. */
const FLAG_COLOUR = '#ff3b30';

/** The map image id of a symbol code (one image per code, shared by every unit that has it). */
const imageId = (sidc: string) => `sidc:${sidc}`;

/**
 * Draws a MIL-STD-2525 / APP-6 symbol with milsymbol onto a canvas and registers it as a map
 * image. Rendered at twice the size and registered with pixelRatio 2 so it stays crisp on
 * high-density screens.
 */
function addSymbolImage(ms: typeof msDefault, map: MapLibreMap, sidc: string): void {
  const id = imageId(sidc);
  if (map.hasImage(id)) return;
  const canvas = new ms.Symbol(sidc, { size: 26, outlineWidth: 3, outlineColor: 'rgba(255,255,255,0.9)' }).asCanvas(2);
  const ctx = canvas.getContext('2d');
  if (!ctx || canvas.width === 0) return;
  map.addImage(id, ctx.getImageData(0, 0, canvas.width, canvas.height), { pixelRatio: 2 });
}

/**
 * The force's units on the map: each with its symbol (milsymbol, from the unit's SIDC), a red
 * ring under those whose deployment breaks the stand-off rule, and the name from zoom 7.
 */
export function useUnitLayer(map: MapLibreMap | null, units: UnitCollection | null): void {
  useEffect(() => {
    if (!map || map.getSource(SOURCE)) return;
    map.addSource(SOURCE, { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
    map.addLayer({
      id: FLAGS,
      type: 'circle',
      source: SOURCE,
      filter: ['==', ['get', 'flagged'], true],
      paint: { 'circle-radius': 22, 'circle-color': 'rgba(255, 59, 48, 0.18)', 'circle-stroke-color': FLAG_COLOUR, 'circle-stroke-width': 3 },
    });
    map.addLayer({
      id: UNITS_LAYER,
      type: 'symbol',
      source: SOURCE,
      layout: {
        'icon-image': ['get', 'icon'],
        'icon-allow-overlap': true,
        'text-field': ['step', ['zoom'], '', 7, ['get', 'name']],
        'text-size': 11,
        'text-offset': [0, 2.2],
        'text-optional': true,
      },
      paint: { 'text-color': '#e8edf2', 'text-halo-color': '#0b1620', 'text-halo-width': 1.5 },
    });
  }, [map]);

  useEffect(() => {
    if (!map) return;
    let live = true;
    // milsymbol is loaded with the first units (its own chunk, bundled: the map stays offline),
    // so the public, who see no units, never load it.
    const draw = async () => {
      const ms = units?.features.length ? (await import('milsymbol')).default : null;
      if (!live) return;
      const features = (units?.features ?? []).map((f) => {
        if (ms) addSymbolImage(ms, map, f.properties.sidc);
        return { ...f, properties: { ...f.properties, icon: imageId(f.properties.sidc), reasons: f.properties.reasons.join('; ') } };
      });
      (map.getSource(SOURCE) as GeoJSONSource | undefined)?.setData({ type: 'FeatureCollection', features });
    };
    void draw();
    return () => {
      live = false;
    };
  }, [map, units]);
}
