/**
 * Land options benchmark: `npm run bench -- land [--rounds N]` (or `node --import tsx bench/land.ts`).
 *
 * One comparison of two options along the whole line, as POST /api/land/compare does it once the
 * options are stored: the DeepState occupied areas of 2025-08-01 (reference) and 2026-08-22
 * (option) with their contact lines (derived once, as at storage time, and not timed), against
 * every Ukrainian settlement of the bundled gazetteer and the default agreement's zones (security
 * zone and six withdrawal distances): area changing sides (polygon overlay and geodesic areas),
 * settlements changing sides, settlements in each zone, distances of towns over 10,000 to the new
 * line. The metric is the median wall time of `--rounds` (default 5) comparisons after one warm-up.
 * Without ../shared, two synthetic options stand in and a note says so on stderr.
 *
 * Prints one JSON object per metric on stdout; details on stderr. Target: land_compare_s < 1.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lineFromAreaPolygons } from '../src/agreement/line-from-area';
import { loadDefaultAgreement } from '../src/agreement/default-agreement';
import { bundledGazetteer } from '../src/geo/gazetteer';
import { compareLand, type LandSide } from '../src/geo/land-compare';
import type { PolygonCoords } from '../src/geo/line-from-area';
import { bandsOf } from '../src/services/land.service';

const args = process.argv.slice(2);
const at = args.indexOf('--rounds');
const rounds = at >= 0 ? Number(args[at + 1]) : 5;
if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds must be a positive integer');
const log = (s: string): void => void process.stderr.write(`${s}\n`);
const emit = (metric: string, value: number, unit: string): void =>
  void process.stdout.write(`${JSON.stringify({ bench: 'land', metric, value: Math.round(value * 1000) / 1000, unit })}\n`);

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const file = (date: string) => join(root, '..', 'shared', 'data', 'geo', 'deepstate-occupied', `deepstatemap_data_${date}.geojson`);
const polygonsOf = (path: string): PolygonCoords[] => {
  const g = (JSON.parse(readFileSync(path, 'utf8')) as { features: { geometry: { type: string; coordinates: unknown } }[] }).features[0]!.geometry;
  return g.type === 'Polygon' ? [g.coordinates as PolygonCoords] : (g.coordinates as PolygonCoords[]);
};

function side(area: PolygonCoords[]): LandSide {
  return { area, line: lineFromAreaPolygons(area).parts.map((p) => p.coordinates) };
}

let reference: LandSide;
let option: LandSide;
if (existsSync(file('20250801')) && existsSync(file('20260822'))) {
  reference = side(polygonsOf(file('20250801')));
  option = side(polygonsOf(file('20260822')));
  log('options: DeepState occupied areas of 2025-08-01 (reference) and 2026-08-22');
} else {
  log('NOTE: ../shared absent: two synthetic options stand in for the DeepState areas');
  const box = (x0: number): PolygonCoords => [[[x0, 46.5], [40, 46.5], [40, 50], [x0, 50], [x0, 46.5]]];
  reference = { area: [box(37.5)], line: [[[37.5, 46.5], [37.5, 50]]] };
  option = { area: [box(37.3)], line: [[[37.3, 46.5], [37.3, 50]]] };
}
const settlements = bundledGazetteer().settlements.filter((s) => s.country === 'UA');
const agreement = loadDefaultAgreement();
const bands = bandsOf(agreement.versions[agreement.versions.length - 1]!);
log(`${settlements.length} settlements, ${bands.length} zones; reference ${reference.area.length} polygons, option ${option.area.length}`);

const run = () => compareLand({ reference, option, settlements, bands });
const warm = run();
log(`area changing sides ${warm.changedKm2} km² (joining ${warm.gainedKm2}, leaving ${warm.lostKm2}); settlements joining ${warm.settlementsGained.length}, leaving ${warm.settlementsLost.length}; towns ${warm.towns.length}`);
const times: number[] = [];
for (let i = 0; i < rounds; i++) {
  const t = performance.now();
  run();
  times.push((performance.now() - t) / 1000);
}
times.sort((a, b) => a - b);
log(`rounds (s): ${times.map((t) => t.toFixed(3)).join(', ')}`);
emit('land_compare_s', times[Math.floor(times.length / 2)]!, 's');
