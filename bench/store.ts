/**
 * Store benchmark: `npm run bench -- store [--rows N] [--queries N] [--batch N] [--only sqlite|postgres] [--reuse NAME]`.
 *
 * For each store (SQLite in a temporary file; PostgreSQL in a database of its own, created on the
 * server named by TRUCELINE_BENCH_PG or TRUCELINE_TEST_PG, default postgres://127.0.0.1:5432/test,
 * and dropped afterwards):
 *  - ingest: N observations (default 1,000,000) through observations.insertMany in batches
 *    (default 2,000), one writer, ids UUIDv7 in arrival order; time inside insertMany only.
 *  - map query: observations.list({ visibility: SEE_ALL, bbox, from, to, limit: 5000 }) (page and total) over random
 *    windows; median and p95 wall time.
 *
 * The data imitate a front: points scattered up to ~0.3° either side of the illustrative contact
 * line, observed over 180 days and arriving roughly in time order. A window is a box of
 * 0.5°–2° in longitude (and about 0.7 of that in latitude) centred on the line, over 1–7 days;
 * such windows match from a few hundred to ~10,000 observations (details on stderr).
 *
 * Prints one JSON object per metric on stdout; progress and the window statistics go to stderr,
 * with a supplementary figure for wide windows (weeks over the whole front: the page is full and
 * the exact total counts tens of thousands of matches).
 * `--reuse NAME` keeps the data (SQLite /tmp/NAME.db, PostgreSQL database NAME) and loads it only
 * when missing, for iterating on queries; without it everything is removed at the end.
 */
import { SEE_ALL } from '../src/domain/identity';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { ILLUSTRATIVE_LINE_COORDS } from '../src/demo/contact-line';
import type { Observation, ObservationKind } from '../src/domain/observation';
import type { Store, StoredObservation } from '../src/store/repository';
import { openPostgresStore, pgClientConfig } from '../src/store/postgres/postgres-store';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store';
import { prng } from '../src/demo/prng';

// ---- arguments ------------------------------------------------------------------------------------
const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const num = (name: string, dflt: number) => {
  const v = flag(name);
  const n = v === undefined ? dflt : Number(v.replace(/_/g, ''));
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number`);
  return n;
};
const ROWS = num('rows', 1_000_000);
const QUERIES = num('queries', 50);
const BATCH = Math.min(5000, Math.max(1000, num('batch', 2000)));
const ONLY = flag('only');
const REUSE = flag('reuse');
const PG_ADMIN_URL = process.env.TRUCELINE_BENCH_PG || process.env.TRUCELINE_TEST_PG || 'postgres://127.0.0.1:5432/test';
const LIMIT = 5000;
const DAY = 86_400_000;
const SPAN_DAYS = 180;
const T0 = Date.UTC(2026, 0, 1);

const info = (msg: string) => process.stderr.write(`${msg}\n`);
const metric = (name: string, value: number, unit: '1/s' | 'ms') =>
  process.stdout.write(`${JSON.stringify({ bench: 'store', metric: name, value: Math.round(value * 100) / 100, unit })}\n`);

// ---- data -------------------------------------------------------------------------------------------

const LINE = ILLUSTRATIVE_LINE_COORDS;
const pointOnLine = (r: () => number): [number, number] => {
  const i = Math.floor(r() * (LINE.length - 1));
  const [x0, y0] = LINE[i]!;
  const [x1, y1] = LINE[i + 1]!;
  const t = r();
  return [x0 + (x1 - x0) * t, y0 + (y1 - y0) * t];
};

const KINDS: ObservationKind[] = ['explosion', 'explosion', 'explosion', 'explosion', 'burst', 'shot', 'flight', 'weapon_sighting', 'damage', 'projectile_in_flight'];
const SOURCES = ['monitor', 'monitor', 'camera', 'uav', 'sensor', 'tak'] as const;
const NATIONS = ['FRA', 'DEU', 'GBR', 'POL', 'FIN', 'CAN'];
const SECTORS = ['kharkiv-north', 'kupiansk', 'lyman', 'bakhmut', 'pokrovsk', 'vuhledar', 'huliaipole', 'zaporizhzhia', 'dnipro-lower'];

function batchOf(start: number, n: number, r: () => number): StoredObservation[] {
  const receivedAt = new Date().toISOString();
  const out: StoredObservation[] = new Array(n);
  for (let k = 0; k < n; k++) {
    const i = start + k;
    const [lon, lat] = pointOnLine(r);
    // Roughly in time order, as reports arrive, with up to an hour of jitter.
    const observedAt = new Date(T0 + (i / ROWS) * SPAN_DAYS * DAY + Math.floor((r() - 0.5) * 3_600_000)).toISOString();
    const kind = KINDS[Math.floor(r() * KINDS.length)]!;
    const source = SOURCES[Math.floor(r() * SOURCES.length)]!;
    const observation: Observation = {
      id: uuidv7(),
      kind,
      ...(kind === 'explosion' ? { subkind: r() < 0.7 ? ('impact' as const) : ('outgoing' as const) } : {}),
      observedAt,
      location: { lat: Math.round((lat + (r() - 0.5) * 0.6) * 1e6) / 1e6, lon: Math.round((lon + (r() - 0.5) * 0.6) * 1e6) / 1e6, accuracyM: 50 + Math.floor(r() * 950) },
      count: 1 + Math.floor(r() * r() * 12),
      source: { kind: source, nation: NATIONS[Math.floor(r() * NATIONS.length)]!, reporter: `Team ${String.fromCharCode(65 + Math.floor(r() * 8))}-${1 + Math.floor(r() * 9)}` },
      ...(r() < 0.3 ? { notes: 'Impacts heard to the east of the observation post, direction of fire estimated from sound' } : {}),
      releasability: r() < 0.8 ? 'MECHANISM' : 'COALITION',
      sector: SECTORS[Math.floor(r() * SECTORS.length)]!,
      receivedAt,
    };
    out[k] = { observation, contentHash: createHash('sha256').update(observation.id).digest('base64url'), rawId: null };
  }
  return out;
}

interface Window {
  bbox: [number, number, number, number];
  from: number;
  to: number;
}

function windows(n: number): Window[] {
  const r = prng(4242);
  return Array.from({ length: n }, () => {
    const [lon, lat] = pointOnLine(r);
    const w = 0.5 + r() * 1.5;
    const h = w * 0.7;
    const days = 1 + r() * 6;
    const from = Math.floor(T0 + r() * (SPAN_DAYS - days) * DAY);
    return { bbox: [lon - w / 2, lat - h / 2, lon + w / 2, lat + h / 2], from, to: Math.floor(from + days * DAY) };
  });
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;

// ---- phases ---------------------------------------------------------------------------------------------
async function ingest(store: Store): Promise<number> {
  const r = prng(7);
  let busyMs = 0;
  let lastReport = Date.now();
  for (let done = 0; done < ROWS; ) {
    const n = Math.min(BATCH, ROWS - done);
    const batch = batchOf(done, n, r);
    const t = performance.now();
    const outcomes = await store.observations.insertMany(batch);
    busyMs += performance.now() - t;
    if (outcomes.some((o) => o !== 'created')) throw new Error('benchmark data collided with stored rows');
    done += n;
    if (Date.now() - lastReport > 5000 || done === ROWS) {
      lastReport = Date.now();
      info(`  ${store.kind}: ${done.toLocaleString('en')} rows, ${Math.round(done / (busyMs / 1000)).toLocaleString('en')}/s`);
    }
  }
  return ROWS / (busyMs / 1000);
}

async function mapQueries(store: Store): Promise<{ p50: number; p95: number }> {
  const ws = windows(QUERIES);
  // Warm-up (caches, prepared plans), not counted: the first few windows.
  for (const w of ws.slice(0, 5)) await store.observations.list({ visibility: SEE_ALL, ...w, limit: LIMIT });
  const times: number[] = [];
  const totals: number[] = [];
  for (const w of ws) {
    const t = performance.now();
    const page = await store.observations.list({ visibility: SEE_ALL, ...w, limit: LIMIT });
    times.push(performance.now() - t);
    totals.push(page.total);
  }
  // Supplementary, on stderr only: wide windows (the whole front, 2-4 weeks) where the page is
  // full and the exact total has to count tens of thousands of matches.
  const wide: number[] = [];
  const wideTotals: number[] = [];
  const r = prng(99);
  for (let i = 0; i < 10; i++) {
    const days = 14 + r() * 14;
    const from = Math.floor(T0 + r() * (SPAN_DAYS - days) * DAY);
    const t = performance.now();
    const page = await store.observations.list({ visibility: SEE_ALL, bbox: [33, 46, 39, 51], from, to: Math.floor(from + days * DAY), limit: LIMIT });
    wide.push(performance.now() - t);
    wideTotals.push(page.total);
  }
  wide.sort((a, b) => a - b);
  wideTotals.sort((a, b) => a - b);
  info(`  ${store.kind}: wide windows (total ${wideTotals[0]}-${wideTotals[wideTotals.length - 1]}, page of ${LIMIT}): p50 ${quantile(wide, 0.5).toFixed(1)} ms, max ${wide[wide.length - 1]!.toFixed(1)} ms`);
  const sorted = [...times].sort((a, b) => a - b);
  const tot = [...totals].sort((a, b) => a - b);
  info(
    `  ${store.kind}: ${QUERIES} windows; matches min ${tot[0]} / p50 ${quantile(tot, 0.5)} / max ${tot[tot.length - 1]} (page capped at ${LIMIT}); ` +
      `latency p50 ${quantile(sorted, 0.5).toFixed(1)} ms, p95 ${quantile(sorted, 0.95).toFixed(1)} ms, max ${sorted[sorted.length - 1]!.toFixed(1)} ms`,
  );
  return { p50: quantile(sorted, 0.5), p95: quantile(sorted, 0.95) };
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client(pgClientConfig(PG_ADMIN_URL));
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function run(kind: 'sqlite' | 'postgres'): Promise<void> {
  let store: Store;
  let cleanup: () => Promise<void>;
  let settle = async () => {};
  if (kind === 'sqlite') {
    const file = REUSE ? join(tmpdir(), `${REUSE}.db`) : join(mkdtempSync(join(tmpdir(), 'truceline-bench-')), 'bench.db');
    store = openSqliteStore(file);
    info(`sqlite: ${file}`);
    cleanup = async () => {
      if (!REUSE) rmSync(join(file, '..'), { recursive: true, force: true });
    };
  } else {
    const name = REUSE ?? `truceline_bench_${Date.now()}`;
    const exists = await admin(async (c) => (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1);
    if (!exists) await admin((c) => c.query(`CREATE DATABASE "${name}"`));
    const u = new URL(PG_ADMIN_URL);
    u.pathname = `/${name}`;
    store = await openPostgresStore(u.toString(), { log: info });
    info(`postgres: ${store.description}`);
    // What autovacuum does on its own shortly after a bulk load: statistics and the visibility
    // map (without which the index-only count would visit the heap).
    settle = async () => {
      const c = new pg.Client(pgClientConfig(u.toString()));
      await c.connect();
      await c.query('VACUUM (ANALYZE) observations');
      await c.end();
    };
    cleanup = async () => {
      if (!REUSE) await admin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    };
  }
  try {
    const have = await store.observations.count();
    if (have < ROWS) {
      if (have > 0) throw new Error(`${kind}: the reused store holds ${have} rows, fewer than --rows ${ROWS}; remove it first`);
      info(`${kind}: ingesting ${ROWS.toLocaleString('en')} observations in batches of ${BATCH}`);
      metric(`${kind}_ingest_per_s`, await ingest(store), '1/s');
      const t = performance.now();
      await settle();
      info(`  ${kind}: settled in ${Math.round(performance.now() - t)} ms`);
    } else {
      info(`${kind}: reusing ${have.toLocaleString('en')} stored observations`);
    }
    const { p50, p95 } = await mapQueries(store);
    metric(`${kind}_map_query_p50_ms`, p50, 'ms');
    metric(`${kind}_map_query_p95_ms`, p95, 'ms');
  } finally {
    await store.close();
    await cleanup();
  }
}

for (const kind of ['sqlite', 'postgres'] as const) {
  if (ONLY && ONLY !== kind) continue;
  await run(kind);
}
