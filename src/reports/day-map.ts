import { readFileSync } from 'node:fs';
import { DEFAULT_BORDER_PATH } from '../agreement/geojson-io';
import type { DailyReport } from '../domain/daily-report';

/**
 * "A map of the day": Ukraine's oblasts (OSM, simplified) and the day's listed records, drawn as
 * vector paths, the same drawing for the HTML (SVG) and the PDF. An equirectangular projection
 * scaled by the cosine of 48.5°N: at this size the distortion is below a pixel.
 */
export const MAP_W = 520;
export const MAP_H = 340;
const BOX = { w: 22, s: 44.2, e: 40.3, n: 52.5 };
const K = Math.cos((48.5 * Math.PI) / 180);
const scale = Math.min(MAP_W / ((BOX.e - BOX.w) * K), MAP_H / (BOX.n - BOX.s));
export const project = (lon: number, lat: number): [number, number] => [Math.round(((lon - BOX.w) * K * scale) * 10) / 10, Math.round((BOX.n - lat) * scale * 10) / 10];

let outlines: [number, number][][] | null = null;

/** Oblast rings, projected, keeping a vertex only when it moves the drawing by half a pixel or more (~5k of ~130k). */
export function oblastOutlines(): [number, number][][] {
  if (outlines) return outlines;
  const fc = JSON.parse(readFileSync(DEFAULT_BORDER_PATH, 'utf8')) as { features: { geometry: { type: string; coordinates: unknown } }[] };
  const rings: number[][][] = [];
  for (const f of fc.features) {
    const g = f.geometry;
    const polys = (g.type === 'Polygon' ? [g.coordinates] : g.coordinates) as number[][][][];
    for (const p of polys) rings.push(p[0]!);
  }
  outlines = rings.map((ring) => {
    const out: [number, number][] = [];
    for (const [lon, lat] of ring) {
      const q = project(lon!, lat!);
      const last = out[out.length - 1];
      if (!last || Math.abs(last[0] - q[0]) + Math.abs(last[1] - q[1]) >= 0.5) out.push(q);
    }
    return out;
  });
  return outlines;
}

export interface MapMark {
  x: number;
  y: number;
  colour: string;
  label: string;
}

/** The records the report lists one by one, as marks: weapons, restrictions, casualties, damage, verified incidents. */
export function dayMarks(r: DailyReport): MapMark[] {
  const m = (lon: number, lat: number, colour: string, label: string): MapMark => {
    const [x, y] = project(lon, lat);
    return { x, y, colour, label };
  };
  return [
    ...r.weapons.inBreachOfWithdrawal.map((w) => m(w.lon, w.lat, '#d62728', 'weapon in breach')),
    ...r.weapons.outsideStorage.map((w) => m(w.lon, w.lat, '#ff7f0e', 'weapon outside storage')),
    ...r.restrictions.map((p) => m(p.lon, p.lat, '#1f77b4', 'restriction')),
    ...r.casualties.map((p) => m(p.lon, p.lat, '#9467bd', 'casualty')),
    ...r.damage.map((p) => m(p.lon, p.lat, '#8c564b', 'damage')),
  ];
}

export const MAP_LEGEND: [string, string][] = [
  ['#d62728', 'weapon in breach of withdrawal'],
  ['#ff7f0e', 'weapon outside storage'],
  ['#1f77b4', 'restriction of movement'],
  ['#9467bd', 'civilian casualty'],
  ['#8c564b', 'damage'],
];

export function dayMapSvg(r: DailyReport): string {
  const paths = oblastOutlines()
    .map((ring) => `<path d="M${ring.map(([x, y]) => `${x},${y}`).join('L')}Z"/>`)
    .join('');
  const marks = dayMarks(r)
    .map((k) => `<circle cx="${k.x}" cy="${k.y}" r="4" fill="${k.colour}" stroke="#fff" stroke-width="1"><title>${k.label}</title></circle>`)
    .join('');
  const legend = MAP_LEGEND.map(([c, l]) => `<span style="color:${c}">●</span> ${l}`).join(' &nbsp; ');
  return `<svg viewBox="0 0 ${MAP_W} ${MAP_H}" width="${MAP_W}" height="${MAP_H}" role="img" aria-label="Map of the day"><g fill="#f2f2ee" stroke="#999" stroke-width="0.6">${paths}</g>${marks}</svg><p class="legend">${legend}. Boundaries © OpenStreetMap contributors.</p>`;
}
