import type { LayerSpecification } from 'maplibre-gl';

/*
 * How the agreement's zones are drawn: one GeoJSON source ("agreement", from
 * /api/agreements/current/layers; every feature has properties.layer) and a few MapLibre layers
 * over it, grouped for the layer toggle. The contact line itself is drawn by the contact-line
 * layers of map-style.ts.
 */

/** Withdrawal lines: a colour and a dash pattern per weapon class, so that lines at the same distance stay apart. */
export const WITHDRAWAL_STYLES: Record<string, { label: string; colour: string; dash: number[] }> = {
  artillery_ge_100mm: { label: 'Artillery ≥ 100 mm', colour: '#ff6b6b', dash: [4, 2] },
  mlrs: { label: 'MLRS', colour: '#da77f2', dash: [2, 2] },
  heavy_mlrs_tactical_missiles: { label: 'Heavy MLRS, tactical missiles', colour: '#9775fa', dash: [6, 2, 1, 2] },
  tanks: { label: 'Tanks', colour: '#4dabf7', dash: [1, 1.5] },
  artillery_lt_100mm: { label: 'Artillery < 100 mm', colour: '#ffa94d', dash: [3, 1, 1, 1] },
  mortars: { label: 'Mortars', colour: '#ffe066', dash: [0.8, 3] },
  armoured_combat_vehicles: { label: 'Armoured combat vehicles', colour: '#63e6be', dash: [5, 3] },
  air_defence: { label: 'Air defence', colour: '#f783ac', dash: [8, 3] },
};

export const AGREEMENT_COLOURS = {
  securityZone: '#ff9f0a',
  protectedSite: '#34d399',
  noFly: '#9d9bff',
  storage: '#a3e635',
  area: '#ff3b30',
  referenceLine: '#c9d6e3',
  breach: '#ff2d2d',
};

/** The groups of the layer toggle and the map layers each one shows. */
export const AGREEMENT_GROUPS = [
  { id: 'security', label: 'Security zone edges', layers: ['agr-security-zone'] },
  { id: 'withdrawal', label: 'Withdrawal lines', layers: Object.keys(WITHDRAWAL_STYLES).map((c) => `agr-withdrawal-${c}`) },
  { id: 'sites', label: 'Protected sites', layers: ['agr-site-fill', 'agr-site-line'] },
  { id: 'nofly', label: 'No-fly areas', layers: ['agr-nofly-fill', 'agr-nofly-line'] },
  { id: 'storage', label: 'Storage sites', layers: ['agr-storage-fill', 'agr-storage-line'] },
  { id: 'area', label: 'Side areas (occupied area)', layers: ['agr-area-fill', 'agr-reference-line'] },
] as const;
export type AgreementGroup = (typeof AGREEMENT_GROUPS)[number]['id'];

const layer = (v: string) => ['==', ['get', 'layer'], v];
const width = (at5: number, at10: number) => ['interpolate', ['linear'], ['zoom'], 5, at5, 10, at10];

/** Layers drawn under the contact line and the observations. */
export function agreementLayers(): LayerSpecification[] {
  const c = AGREEMENT_COLOURS;
  const layers: unknown[] = [
    { id: 'agr-area-fill', type: 'fill', source: 'agreement', filter: layer('area'), paint: { 'fill-color': c.area, 'fill-opacity': 0.06 } },
    {
      id: 'agr-reference-line',
      type: 'line',
      source: 'agreement',
      filter: ['all', layer('line'), ['!=', ['get', 'role'], 'contact']],
      paint: { 'line-color': c.referenceLine, 'line-width': 1.5, 'line-dasharray': [1, 2] },
    },
    { id: 'agr-nofly-fill', type: 'fill', source: 'agreement', filter: layer('no_fly_area'), paint: { 'fill-color': c.noFly, 'fill-opacity': 0.14 } },
    { id: 'agr-nofly-line', type: 'line', source: 'agreement', filter: layer('no_fly_area'), paint: { 'line-color': c.noFly, 'line-width': 1.5, 'line-dasharray': [3, 2] } },
    { id: 'agr-storage-fill', type: 'fill', source: 'agreement', filter: layer('storage_site'), paint: { 'fill-color': c.storage, 'fill-opacity': 0.25 } },
    { id: 'agr-storage-line', type: 'line', source: 'agreement', filter: layer('storage_site'), paint: { 'line-color': c.storage, 'line-width': 1.5 } },
    { id: 'agr-site-fill', type: 'fill', source: 'agreement', filter: layer('protected_site'), paint: { 'fill-color': c.protectedSite, 'fill-opacity': 0.16 } },
    { id: 'agr-site-line', type: 'line', source: 'agreement', filter: layer('protected_site'), paint: { 'line-color': c.protectedSite, 'line-width': 2 } },
    {
      id: 'agr-security-zone',
      type: 'line',
      source: 'agreement',
      filter: layer('security_zone_edge'),
      layout: { 'line-join': 'round' },
      paint: { 'line-color': c.securityZone, 'line-width': width(1.6, 3), 'line-opacity': 0.9 },
    },
    ...Object.entries(WITHDRAWAL_STYLES).map(([cls, s]) => ({
      id: `agr-withdrawal-${cls}`,
      type: 'line',
      source: 'agreement',
      filter: ['all', layer('withdrawal_line'), ['==', ['get', 'weaponClass'], cls]],
      layout: { 'line-join': 'round' },
      paint: { 'line-color': s.colour, 'line-width': width(1.2, 2.2), 'line-dasharray': s.dash, 'line-opacity': 0.85 },
    })),
  ];
  return layers as LayerSpecification[];
}

/** A red ring around each observation whose latest judgement finds a breach (drawn over the points). */
export function breachRingLayer(): LayerSpecification {
  return {
    id: 'observation-breach',
    type: 'circle',
    source: 'observations',
    filter: ['==', ['get', 'breach'], true],
    paint: {
      'circle-radius': ['interpolate', ['linear'], ['zoom'], 5, 6.5, 12, 13],
      'circle-color': 'rgba(0,0,0,0)',
      'circle-stroke-color': AGREEMENT_COLOURS.breach,
      'circle-stroke-width': ['interpolate', ['linear'], ['zoom'], 5, 1.6, 12, 2.5],
    },
  } as LayerSpecification;
}
