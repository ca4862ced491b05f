import type { MapOptions } from 'maplibre-gl';
import { colourStops } from '../kinds';
import { agreementLayers, breachRingLayer } from './agreement-style';

type Style = Exclude<MapOptions['style'], string | undefined>;

const EMPTY = { type: 'FeatureCollection' as const, features: [] };

export const COLOURS = {
  background: '#0a0f15',
  land: '#16202b',
  oblast: '#33465a',
  border: '#a9bdd1',
  sector: '#4da3ff',
  contactLine: '#ffffff',
  contactCasing: '#000000',
};

/** Radius grows with zoom, and gently with how many events a record counts; queued ones are rings. */
const radius = (atZoom5: number, atZoom12: number) => {
  const at = (r: number, perLn: number) => ['case', ['get', 'pending'], r + 3, ['+', r, ['*', perLn, ['ln', ['max', 1, ['get', 'count']]]]]];
  return ['interpolate', ['linear'], ['zoom'], 5, at(atZoom5, 0.9), 12, at(atZoom12, 2)];
};

/**
 * The whole map style: offline, no tiles, no glyphs, no sprites. Every source is inline GeoJSON
 * the app loads itself; labels are HTML (see SectorLabels and the legend).
 */
export function mapStyle(): Style {
  return {
    version: 8,
    sources: {
      base: { type: 'geojson', data: EMPTY, attribution: '© <a href="https://www.openstreetmap.org/copyright" target="_blank" rel="noreferrer">OpenStreetMap</a> contributors' },
      sectors: { type: 'geojson', data: EMPTY },
      contactLine: { type: 'geojson', data: EMPTY },
      agreement: { type: 'geojson', data: EMPTY },
      observations: { type: 'geojson', data: EMPTY },
    },
    layers: [
      { id: 'background', type: 'background', paint: { 'background-color': COLOURS.background } },
      { id: 'oblast-fill', type: 'fill', source: 'base', filter: ['==', ['get', 'layer'], 'oblast'], paint: { 'fill-color': COLOURS.land } },
      { id: 'oblast-line', type: 'line', source: 'base', filter: ['==', ['get', 'layer'], 'oblast'], paint: { 'line-color': COLOURS.oblast, 'line-width': 1 } },
      { id: 'border-line', type: 'line', source: 'base', filter: ['==', ['get', 'layer'], 'border'], layout: { 'line-join': 'round' }, paint: { 'line-color': COLOURS.border, 'line-width': ['interpolate', ['linear'], ['zoom'], 5, 1.4, 10, 2.5] } },
      { id: 'sector-fill', type: 'fill', source: 'sectors', paint: { 'fill-color': COLOURS.sector, 'fill-opacity': 0.1 } },
      { id: 'sector-line', type: 'line', source: 'sectors', paint: { 'line-color': COLOURS.sector, 'line-width': 1.2, 'line-opacity': 0.75 } },
      ...agreementLayers(),
      { id: 'contact-casing', type: 'line', source: 'contactLine', layout: { 'line-join': 'round', 'line-cap': 'round' }, paint: { 'line-color': COLOURS.contactCasing, 'line-width': ['interpolate', ['linear'], ['zoom'], 5, 6, 10, 10], 'line-opacity': 0.7 } },
      { id: 'contact-line', type: 'line', source: 'contactLine', layout: { 'line-join': 'round' }, paint: { 'line-color': COLOURS.contactLine, 'line-width': ['interpolate', ['linear'], ['zoom'], 5, 2.5, 10, 4.5], 'line-dasharray': [3, 1.5] } },
      {
        id: 'observations',
        type: 'circle',
        source: 'observations',
        // Newest on top.
        layout: { 'circle-sort-key': ['get', 't'] },
        paint: {
          'circle-radius': radius(3.5, 9),
          'circle-color': ['match', ['get', 'style'], ...colourStops(), '#8e8e93'],
          'circle-opacity': ['case', ['get', 'pending'], 0.25, 0.9],
          'circle-stroke-color': ['case', ['get', 'pending'], '#ffffff', ['==', ['get', 'kind'], 'casualty'], '#ffffff', COLOURS.background],
          'circle-stroke-width': ['case', ['get', 'pending'], 3, ['==', ['get', 'kind'], 'casualty'], 1.5, 0.8],
        },
      },
      breachRingLayer(),
      {
        id: 'observation-selected',
        type: 'circle',
        source: 'observations',
        filter: ['==', ['get', 'id'], ''],
        paint: { 'circle-radius': radius(9, 16), 'circle-color': 'rgba(0,0,0,0)', 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 3 },
      },
    ],
  } as Style;
}
