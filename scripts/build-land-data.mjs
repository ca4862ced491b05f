// Builds the land options' bundled data (src/geo/data/): run `node scripts/build-land-data.mjs`.
// - gazetteer.json: settlements of Ukraine and its neighbours near it, with Ukrainian names for
//   Ukraine's: built by scripts/build-gazetteer.mjs (run from here; sources and licences there).
// - ukraine-outline.geojson: the 25 OSM oblasts dissolved into one outline (ODbL, © OpenStreetMap
//   contributors), to close a proposed line against the border.
import { readFileSync, writeFileSync } from 'node:fs';
import * as turf from '@turf/turf';

await import('./build-gazetteer.mjs');

const oblasts = JSON.parse(readFileSync(new URL('../src/agreement/data/ukraine-oblasts-osm.geojson', import.meta.url), 'utf8'));
const union = turf.union(turf.featureCollection(oblasts.features.map((f) => turf.feature(f.geometry))));
const outline = { type: 'FeatureCollection', features: [{ type: 'Feature', properties: { name: 'Ukraine', source: 'OSM admin_level=4 oblasts dissolved', licence: 'ODbL 1.0, © OpenStreetMap contributors' }, geometry: union.geometry }] };
writeFileSync(new URL('../src/geo/data/ukraine-outline.geojson', import.meta.url), JSON.stringify(outline));
console.log(`outline: ${union.geometry.type}, ${JSON.stringify(union.geometry).length} bytes`);
