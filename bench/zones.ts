/**
 * Zones benchmark: `npm run bench -- zones [--points N] [--turf N] [--rounds N]`
 * (or `node --import tsx bench/zones.ts`).
 *
 * The full judgement of a point — side of the contact line, geodesic distance to it, membership of
 * every zone and withdrawal buffer (security zone, six withdrawal buffers, protected sites, no-fly
 * area, storage sites) — with the default (Minsk-pattern) provisions on the real contact line of
 * 2026-08-22 derived from ../shared's DeepState area (occupied area = side by point-in-area). If
 * ../shared is absent, the illustrative line is used instead, and a note says so on stderr.
 *
 * Points: N (default 1,000,000), half uniform over the line's bounding box widened by 1° (1.5° in
 * longitude), half within 90 km of a random vertex. One core (the loop is single-threaded). Each
 * of ours is the median of `--rounds` (default 5) passes over the same points. Turf runs on the
 * first `--turf` points (default 200) of the same array: booleanPointInPolygon on the area plus
 * pointToLineDistance to each part of the line (kilometres, geodesic); inside/outside alone on the
 * first 20,000.
 *
 * Rates are per CPU-second of this process (process.cpuUsage, user + system), so that other work
 * on a shared machine does not count against either side; wall-clock rates go to stderr. The loops
 * allocate nothing, so garbage-collector threads add no CPU time to ours.
 *
 * Prints one JSON object per metric on stdout; details on stderr.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { booleanPointInPolygon, lineString, point, pointToLineDistance, multiPolygon } from '@turf/turf';
import geographiclib from 'geographiclib-geodesic';
import { amendWithDerivedLine } from '../src/agreement/agreement-file';
import { loadDefaultAgreement } from '../src/agreement/default-agreement';
import { lineFromAreaFile } from '../src/agreement/line-from-area';
import { buildGeoIndex } from '../src/domain/rules';
import { PolygonIndex } from '../src/geo/polygon-index';
import type { PolygonCoords } from '../src/geo/line-from-area';

const args = process.argv.slice(2);
const num = (name: string, dflt: number): number => {
  const i = args.indexOf(`--${name}`);
  const n = i >= 0 ? Number(String(args[i + 1]).replace(/_/g, '')) : dflt;
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number`);
  return n;
};
const N = num('points', 1_000_000);
const TURF = num('turf', 200);
const ROUNDS = num('rounds', 5);
const TURF_PIP = Math.min(N, 20_000);

const emit = (metric: string, value: number, unit: string): void => {
  process.stdout.write(`${JSON.stringify({ bench: 'zones', metric, value: Math.round(value * 100) / 100, unit })}\n`);
};
const log = (s: string): void => void process.stderr.write(`${s}\n`);

// ---- the agreement version ---------------------------------------------------------------------
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const deepstate = join(root, '..', 'shared', 'data', 'geo', 'deepstate-occupied', 'deepstatemap_data_20260822.geojson');
let parsed = loadDefaultAgreement();
let area: PolygonCoords[] | null = null;
if (existsSync(deepstate)) {
  const t = performance.now();
  const derived = lineFromAreaFile(deepstate);
  parsed = amendWithDerivedLine(parsed, derived, { effectiveFrom: '2026-08-22T00:00:00Z', insideParty: 'RUS', outsideParty: 'UKR' });
  area = derived.area;
  log(`line: derived from DeepState 2026-08-22 in ${(performance.now() - t).toFixed(0)} ms: parts ${derived.parts.map((p) => (p.lengthM / 1000).toFixed(1)).join(', ')} km`);
} else {
  log('NOTE: ../shared/data/geo absent: benchmarking the ILLUSTRATIVE line (side by orientation), not the real 2026-08-22 line');
}
const version = parsed.versions[parsed.versions.length - 1]!;
const contact = version.provisions.lines.find((l) => l.id === version.provisions.contactLine)!;
const parts = contact.geometry.type === 'LineString' ? [contact.geometry.coordinates] : contact.geometry.coordinates;
const t0 = performance.now();
const geo = buildGeoIndex(version);
log(`index: built in ${(performance.now() - t0).toFixed(0)} ms; ${parts.reduce((s, p) => s + p.length, 0)} vertices; zones: ${geo.zoneIds.join(', ')}`);
const lineIdx = geo.lineIndex(contact.id)!;
log(`line grid: ${JSON.stringify(lineIdx.gridStats())}; ${geo.bytes} bytes in all`);

// ---- points -------------------------------------------------------------------------------------
let seed = 20260822;
const rnd = (): number => {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const all = parts.flat();
const lons = all.map((p) => p[0]!);
const lats = all.map((p) => p[1]!);
const box = [Math.min(...lons) - 1.5, Math.min(...lats) - 1, Math.max(...lons) + 1.5, Math.max(...lats) + 1] as const;
const G = geographiclib.Geodesic.WGS84;
const xs = new Float64Array(N);
const ys = new Float64Array(N);
for (let i = 0; i < N; i++) {
  if (i % 2 === 0) {
    xs[i] = box[0] + rnd() * (box[2] - box[0]);
    ys[i] = box[1] + rnd() * (box[3] - box[1]);
  } else {
    const v = all[Math.floor(rnd() * all.length)]!;
    const r = G.Direct(v[1]!, v[0]!, rnd() * 360, rnd() * 90_000);
    xs[i] = r.lon2!;
    ys[i] = r.lat2!;
  }
}

const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
/** Runs f and returns [per CPU-second, per wall-second] rates for n items. */
const timed = (n: number, f: () => void): [number, number] => {
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  f();
  const c = process.cpuUsage(c0);
  return [n / ((c.user + c.system) / 1e6), n / ((performance.now() - w0) / 1000)];
};

// ---- ours: full judgement -----------------------------------------------------------------------
const pj = geo.newPointJudgement();
let sink = 0;
const rates: number[] = [];
const wall: number[] = [];
for (let r = 0; r < ROUNDS + 1; r++) {
  const [rate, w] = timed(N, () => {
    for (let i = 0; i < N; i++) {
      geo.judgePoint(xs[i]!, ys[i]!, pj);
      sink += pj.distanceM + pj.side + pj.zoneBits[0]!;
    }
  });
  if (r > 0) {
    rates.push(rate); // the first pass warms up the JIT
    wall.push(w);
  }
}
const pointsPerS = median(rates);
log(`full judgement passes, points per CPU-second: ${rates.map((x) => Math.round(x)).join(', ')}; per wall-second: ${wall.map((x) => Math.round(x)).join(', ')}`);

// ---- ours: inside/outside alone -----------------------------------------------------------------
const areaCoords: PolygonCoords[] =
  area ?? (JSON.parse('[[[[36,46],[40,46],[40,50],[36,50],[36,46]]]]') as PolygonCoords[]); // illustrative: a box east of the line
const pip = new PolygonIndex(areaCoords);
const pipRates: number[] = [];
for (let r = 0; r < ROUNDS + 1; r++) {
  const [rate] = timed(N, () => {
    for (let i = 0; i < N; i++) if (pip.contains(xs[i]!, ys[i]!)) sink++;
  });
  if (r > 0) pipRates.push(rate);
}
const pipPerS = median(pipRates);

// ---- turf ---------------------------------------------------------------------------------------
const turfArea = multiPolygon(areaCoords as number[][][][]);
const [turfPipPerS] = timed(TURF_PIP, () => {
  for (let i = 0; i < TURF_PIP; i++) if (booleanPointInPolygon(point([xs[i]!, ys[i]!]), turfArea)) sink++;
});

const turfLines = parts.map((p) => lineString(p as number[][]));
const [turfPointsPerS] = timed(TURF, () => {
  for (let i = 0; i < TURF; i++) {
    const pt = point([xs[i]!, ys[i]!]);
    if (booleanPointInPolygon(pt, turfArea)) sink++;
    let d = Infinity;
    for (const l of turfLines) d = Math.min(d, pointToLineDistance(pt, l, { units: 'kilometers' }));
    sink += d;
  }
});
log(`turf: inside/outside on ${TURF_PIP} points, full judgement on ${TURF} points (same points as ours); sink ${sink > 0}`);

emit('points_per_s', pointsPerS, '1/s');
emit('pip_per_s', pipPerS, '1/s');
emit('turf_pip_per_s', turfPipPerS, '1/s');
emit('pip_ratio_vs_turf', pipPerS / turfPipPerS, 'x');
emit('turf_points_per_s', turfPointsPerS, '1/s');
emit('ratio_vs_turf', pointsPerS / turfPointsPerS, 'x');
emit('index_bytes', geo.bytes, 'B');
