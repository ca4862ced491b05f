#!/usr/bin/env node
// Builds web/public/ukraine-oblasts.geojson, the bundled offline base map, from the OSM oblast
// boundaries (ODbL, "© OpenStreetMap contributors"):
//   node web/scripts/simplify-oblasts.mjs [../shared/data/geo/boundaries/ukraine-oblasts-osm.geojson]
// Coordinates are rounded to 4 decimals (about 10 m) and repeated vertices dropped; rounding is
// the same for every oblast, so shared borders stay shared. Only the ISO code and names are kept.
// One more feature, `layer: "border"`, holds Ukraine's outline (incl. Crimea): the segments that
// belong to one oblast only.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const input = process.argv[2] ?? join(here, '../../../shared/data/geo/boundaries/ukraine-oblasts-osm.geojson');
const output = join(here, '../public/ukraine-oblasts.geojson');

// OSM's English names in this extract use older Russian-derived spellings for three oblasts.
const NAME_FIX = { 'Kiev Oblast': 'Kyiv Oblast', 'Odessa Oblast': 'Odesa Oblast', 'Zaporizhia Oblast': 'Zaporizhzhia Oblast' };

const round = (v) => Math.round(v * 1e4) / 1e4;
const ringOf = (ring) => {
  const out = [];
  for (const [x, y] of ring) {
    const p = [round(x), round(y)];
    const last = out[out.length - 1];
    if (!last || last[0] !== p[0] || last[1] !== p[1]) out.push(p);
  }
  return out.length >= 4 ? out : null;
};

const source = JSON.parse(readFileSync(input, 'utf8'));
const oblasts = source.features.map((f) => {
  const polys = f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates;
  const coordinates = polys.map((rings) => rings.map(ringOf).filter(Boolean)).filter((rings) => rings.length > 0);
  const en = f.properties['name:en'];
  return {
    type: 'Feature',
    properties: { layer: 'oblast', iso: f.properties['iso3166-2'], name: NAME_FIX[en] ?? en, nameUk: f.properties['name:uk'] },
    geometry: { type: 'MultiPolygon', coordinates },
  };
});

// A segment drawn by two oblasts is an internal border; one drawn once is the country's outline.
const key = (a, b) => (a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]) ? `${a}|${b}` : `${b}|${a}`);
const uses = new Map();
const rings = oblasts.flatMap((f) => f.geometry.coordinates.flat());
for (const ring of rings) for (let i = 1; i < ring.length; i++) uses.set(key(ring[i - 1], ring[i]), (uses.get(key(ring[i - 1], ring[i])) ?? 0) + 1);
const lines = [];
for (const ring of rings) {
  let run = [];
  for (let i = 1; i < ring.length; i++) {
    if (uses.get(key(ring[i - 1], ring[i])) === 1) {
      if (run.length === 0) run.push(ring[i - 1]);
      run.push(ring[i]);
    } else if (run.length) {
      lines.push(run);
      run = [];
    }
  }
  if (run.length) lines.push(run);
}
const border = { type: 'Feature', properties: { layer: 'border', name: 'Ukraine' }, geometry: { type: 'MultiLineString', coordinates: lines } };

const out = { type: 'FeatureCollection', attribution: '© OpenStreetMap contributors (ODbL 1.0)', features: [...oblasts, border] };
writeFileSync(output, JSON.stringify(out));
const vertices = rings.reduce((n, r) => n + r.length, 0);
console.log(`${output}: ${oblasts.length} oblasts, ${vertices} vertices, ${lines.length} border lines, ${(JSON.stringify(out).length / 1024).toFixed(0)} KB`);
