/**
 * Ingest benchmark: `npm run bench -- ingest [--http N] [--cot N] [--rounds 3] [--no-rules]`.
 * One JSON object per line on stdout (progress on stderr):
 *  - http_obs_per_s: observations/s end to end over HTTP: a real `truceline serve` process on a
 *    temporary SQLite file, batches of 1,000 posted by 4 concurrent clients (bodies serialised
 *    before the clock starts); each observation is parsed, validated, placed in its sector,
 *    judged against the agreement in force (the shipped default, seeded with the demo week; off
 *    with --no-rules) and persisted, raw body first, with its inbox outcome.
 *  - cot_obs_per_s: the same over CoT TCP: marker events (each an observation) written on one
 *    connection, timed until the inbox stats show every frame accepted.
 *  - followers_catch_up_s, http_obs_per_s_with_followers: fusion and the transparency log follow
 *    the change feed in their own thread (config `followers`); the time after the last HTTP
 *    answer until they have every change, and the HTTP rate counting that time too.
 *  - raw_insert_per_s: better-sqlite3 alone inserting the same rows (same ids, columns and
 *    documents) into the same schema (all migrations applied), batched 1,000 per transaction,
 *    with the same pragmas: the store's limit on this machine.
 *  - share_of_raw: http_obs_per_s / raw_insert_per_s (target >= 0.3).
 *  - cot_parse_per_s, node_cot_parse_per_s, cot_parse_ratio_vs_node_cot: see bench/ingest-parse.ts.
 * Each figure is the median of 3 rounds. Wall-clock for the end-to-end and raw rates (they
 * include I/O); the parse rates are CPU time (see ingest-parse.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { v7 as uuidv7 } from 'uuid';
import { canonicalContent, ObservationInput, type Observation } from '../src/domain/observation';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store';
import { AuthService } from '../src/services/auth';
import { measureCotParse } from './ingest-parse';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const num = (name: string, dflt: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]!.replace(/_/g, '')) : dflt;
};
const HTTP_N = num('http', 200_000);
const COT_N = num('cot', 60_000);
const ROUNDS = num('rounds', 3);
const RULES = !args.includes('--no-rules');
const BATCH = 1000;
const CONCURRENCY = 4;
/** TRUCELINE_FUSION=off (inherited by the server): fusion's position is not waited for. */
const FUSION = !/^(0|false|no|off)$/i.test(process.env.TRUCELINE_FUSION ?? 'on');

const info = (msg: string) => process.stderr.write(`${msg}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number) => Math.round(x);
const out = (o: Record<string, unknown>) => process.stdout.write(`${JSON.stringify({ bench: 'ingest', ...o })}\n`);

class Server {
  private output = '';
  base = '';
  cotPort = 0;
  /** A mechanism analyst's token, made on the served store after it started (and migrated it). */
  auth: Record<string, string> = {};
  constructor(readonly child: ChildProcess) {}

  static async start(db: string): Promise<Server> {
    const nodeArgs = (process.env.TRUCELINE_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean); // e.g. --cpu-prof, to profile the server
    const child = spawn(process.execPath, [...nodeArgs, join(ROOT, 'bin', 'truceline.js'), 'serve', '--db', db, '--port', '0', '--host', '127.0.0.1', '--cot-port', '0', '--no-web', ...(RULES ? [] : ['--no-demo'])], {
      cwd: ROOT,
      env: { ...process.env, TRUCELINE_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const s = new Server(child);
    const collect = (b: Buffer) => (s.output = (s.output + b.toString()).slice(-20_000));
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    await new Promise<void>((resolveStart, reject) => {
      const timer = setInterval(() => {
        const m = /Truceline serving (http:\/\/[^\s"]+:\d+)/.exec(s.output);
        if (!m) return;
        clearInterval(timer);
        s.base = m[1]!;
        s.cotPort = Number(/CoT \(TAK\) listening on tcp:\/\/[^\s:]+:(\d+)/.exec(s.output)?.[1]);
        resolveStart();
      }, 50);
      child.once('exit', (code) => {
        clearInterval(timer);
        reject(new Error(`server exited (${code}):\n${s.output}`));
      });
    });
    const store = openSqliteStore(db);
    const { token } = await new AuthService(store.identity, store.audit).createUser({ username: 'bench', nation: 'USA', org: 'mechanism', orgKind: 'mechanism', roles: ['analyst', 'monitor'] }, 'bench').then(() =>
      new AuthService(store.identity, store.audit).createToken('bench', ['read', 'write'], 'bench', 'bench'),
    );
    await store.close();
    s.auth = { authorization: `Bearer ${token}` };
    return s;
  }

  async stats(): Promise<{ cot: { received: number; accepted: number; quarantined: number; pending: number } }> {
    return (await (await fetch(`${this.base}/api/inbox/stats`, { headers: this.auth })).json()) as never;
  }

  async stop(): Promise<void> {
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGTERM');
    await exited;
  }
}

/** Observations in time order (UUIDv7 ids), in the demo area (inside the sectors and the agreement's zones). */
function makeObservations(n: number, t0: number): Observation[] {
  const kinds = ['explosion', 'burst', 'shot', 'weapon_sighting', 'flight', 'damage'] as const;
  return Array.from({ length: n }, (_, i) => {
    const kind = kinds[i % kinds.length]!;
    const input = {
      id: uuidv7(),
      kind,
      ...(kind === 'explosion' ? { subkind: 'impact' as const } : {}),
      observedAt: new Date(t0 + i * 500).toISOString(),
      location: { lat: 47.4 + ((i * 7919) % 20000) / 10000, lon: 35.8 + ((i * 104729) % 30000) / 10000, accuracyM: 250 },
      count: 1 + (i % 4),
      source: { kind: 'monitor' as const, nation: 'FRA', reporter: 'Team D-2' },
      notes: 'Heard and seen from the observation post; bearing estimated.',
      releasability: 'MECHANISM',
    };
    return { ...ObservationInput.parse(input), sector: null, receivedAt: new Date().toISOString() };
  });
}

const wire = (o: Observation) => {
  const { sector: _s, receivedAt: _r, ...rest } = o;
  return rest;
};

async function httpRound(server: Server, observations: Observation[]): Promise<number> {
  const bodies: string[] = [];
  for (let i = 0; i < observations.length; i += BATCH) bodies.push(JSON.stringify({ observations: observations.slice(i, i + BATCH).map(wire) }));
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < bodies.length) {
      const b = next++;
      const r = await fetch(`${server.base}/api/observations`, { method: 'POST', headers: { 'content-type': 'application/json', ...server.auth }, body: bodies[b] });
      const body = (await r.json()) as { created: number };
      if (r.status !== 200 || body.created !== BATCH) throw new Error(`batch ${b}: HTTP ${r.status} ${JSON.stringify(body).slice(0, 300)}`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return observations.length / ((performance.now() - started) / 1000);
}

/** Spread in time and place as the HTTP observations are (half a second apart over a 2 x 3 degree box), not 1,000 a second on one spot. */
function markerFrame(uid: string, i: number, t0: number): string {
  const t = new Date(t0 + i * 500).toISOString();
  const stale = new Date(t0 + i * 500 + 3600_000).toISOString();
  return (
    `<event version="2.0" uid="${uid}" type="a-h-G" how="h-g-i-g-o" time="${t}" start="${t}" stale="${stale}">` +
    `<point lat="${47.4 + ((i * 7919) % 20000) / 10000}" lon="${35.8 + ((i * 104729) % 30000) / 10000}" hae="0" ce="25" le="10"/>` +
    `<detail><contact callsign="Spot ${i}"/><remarks>Two impacts, artillery, from the north-east</remarks><link uid="ANDROID-bench" relation="p-p" type="a-f-G-U-C" parent_callsign="Bench"/></detail></event>\n`
  );
}

async function cotRound(server: Server, n: number, t0: number): Promise<number> {
  const prefix = uuidv7();
  const data = Buffer.from(Array.from({ length: n }, (_, i) => markerFrame(`bench-${prefix}-${i}`, i, t0)).join(''));
  const before = (await server.stats()).cot;
  const socket = connect({ port: server.cotPort, host: '127.0.0.1', noDelay: true });
  await new Promise<void>((r) => socket.once('connect', r));
  socket.on('data', () => undefined);
  const started = performance.now();
  socket.write(data);
  for (;;) {
    const s = (await server.stats()).cot;
    if (s.accepted + s.quarantined - before.accepted - before.quarantined >= n) {
      const ms = performance.now() - started;
      if (s.quarantined !== before.quarantined) throw new Error(`${s.quarantined - before.quarantined} CoT frames quarantined`);
      socket.destroy();
      return n / (ms / 1000);
    }
    await new Promise((r) => setTimeout(r, 200)); // stats are counted from the store: not too often
  }
}

/**
 * Seconds from now until fusion and the transparency log (the followers of the change feed, in
 * their own thread by default) have taken in every change committed so far: read from their
 * positions in the store, so it holds whichever thread runs them.
 */
async function followersCatchUp(db: string): Promise<number> {
  const started = performance.now();
  const look = new Database(db, { readonly: true });
  try {
    const latest = look.prepare('SELECT COALESCE(MAX(seq), 0) FROM changes').pluck().get() as number;
    for (;;) {
      const fusion = look.prepare('SELECT seq FROM fusion_cursor WHERE id = 1').pluck().get() as number;
      const log = look.prepare('SELECT position FROM log_head').pluck().get() as number;
      // Fusion's cursor moves with each batch it groups; the log's with each append.
      if (log >= latest && (!FUSION || fusion >= latestObservationSeq(look, latest))) return (performance.now() - started) / 1000;
      if (performance.now() - started > 600_000) throw new Error(`followers still behind after 10 minutes (log at ${log}, fusion at ${fusion}, changes at ${latest})`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    look.close();
  }
}

/** The seq of the last observation created at or before `seq` (fusion's cursor only moves on observations). */
const latestObservationSeq = (look: Database.Database, seq: number): number =>
  (look.prepare("SELECT COALESCE(MAX(seq), 0) FROM changes WHERE seq <= ? AND entity = 'observation' AND op = 'created'").pluck().get(seq) as number) ?? 0;

/** better-sqlite3 alone: the same rows into the same schema, 1,000 per transaction. */
function rawRound(observations: Observation[]): number {
  const dir = mkdtempSync(join(tmpdir(), 'truceline-bench-raw-'));
  const file = join(dir, 'raw.db');
  const setup = openSqliteStore(file); // every migration: the same schema and indexes
  void setup.close();
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('cache_size = -65536');
  const insert = db.prepare(
    `INSERT INTO observations (id, kind, observed_at_ms, lon, lat, sector, releasability, source_kind, content_hash, raw_id, received_at, doc)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING`,
  );
  // Prepared outside the clock, like the HTTP bodies: the same columns the store writes.
  const rows = observations.map((o) => [o.id, o.kind, Date.parse(o.observedAt), o.location.lon, o.location.lat, o.sector, o.releasability, o.source.kind, createHash('sha256').update(canonicalContent(o)).digest('base64url'), null, o.receivedAt, JSON.stringify(o)]);
  const tx = db.transaction((batch: unknown[][]) => {
    for (const r of batch) insert.run(...r);
  });
  const started = performance.now();
  for (let i = 0; i < rows.length; i += BATCH) tx(rows.slice(i, i + BATCH));
  const rate = rows.length / ((performance.now() - started) / 1000);
  db.close();
  rmSync(dir, { recursive: true, force: true });
  return rate;
}

async function main(): Promise<void> {
  // Parse rates first, on a fresh heap (the end-to-end rounds leave hundreds of MB for the GC).
  const p = await measureCotParse({ seconds: 1, rounds: 3 });
  const dir = mkdtempSync(join(tmpdir(), 'truceline-bench-ingest-'));
  const server = await Server.start(join(dir, 'bench.db'));
  info(`server up (${RULES ? 'default agreement in force: every observation judged' : 'no agreement: --no-rules'}); ${HTTP_N} observations over HTTP and ${COT_N} over CoT per round, ${ROUNDS} rounds`);
  const rounds = { http: [] as number[], cot: [] as number[], raw: [] as number[], catchUp: [] as number[], sustained: [] as number[] };
  try {
    for (let r = 0; r < ROUNDS; r++) {
      const observations = makeObservations(HTTP_N, Date.UTC(2026, 10, 13) + r * 86_400_000);
      rounds.http.push(await httpRound(server, observations));
      // Then until the followers are through, so that each round starts from a quiet server.
      rounds.catchUp.push(await followersCatchUp(join(dir, 'bench.db')));
      rounds.sustained.push(HTTP_N / (HTTP_N / rounds.http[r]! + rounds.catchUp[r]!));
      rounds.raw.push(rawRound(observations));
      rounds.cot.push(await cotRound(server, COT_N, Date.UTC(2026, 10, 10) + r * 86_400_000));
      await followersCatchUp(join(dir, 'bench.db')); // untimed: the next round starts from a quiet server
      info(`round ${r + 1}: http ${round(rounds.http[r]!)}/s (followers through ${rounds.catchUp[r]!.toFixed(1)} s later: ${round(rounds.sustained[r]!)}/s with them), raw ${round(rounds.raw[r]!)}/s, cot ${round(rounds.cot[r]!)}/s`);
    }
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const common = { statistic: `median of ${ROUNDS}`, rules: RULES ? 'default agreement' : 'none' };
  const http = median(rounds.http);
  const raw = median(rounds.raw);
  out({ metric: 'http_obs_per_s', value: round(http), unit: 'observations/s', target: 50_000, pass: http >= 50_000, rounds: rounds.http.map(round), batch: BATCH, concurrency: CONCURRENCY, ...common });
  out({ metric: 'cot_obs_per_s', value: round(median(rounds.cot)), unit: 'observations/s', target: 50_000, pass: median(rounds.cot) >= 50_000, rounds: rounds.cot.map(round), ...common });
  out({ metric: 'followers_catch_up_s', value: Math.round(median(rounds.catchUp) * 100) / 100, unit: 's', rounds: rounds.catchUp.map((x) => Math.round(x * 100) / 100), note: 'after the last HTTP answer, until fusion and the transparency log have every change', statistic: common.statistic });
  out({ metric: 'http_obs_per_s_with_followers', value: round(median(rounds.sustained)), unit: 'observations/s', rounds: rounds.sustained.map(round), note: 'observations / (HTTP time + followers catch-up)', statistic: common.statistic });
  out({ metric: 'raw_insert_per_s', value: round(raw), unit: 'rows/s', rounds: rounds.raw.map(round), batch: BATCH, statistic: common.statistic });
  out({ metric: 'share_of_raw', value: Math.round((http / raw) * 1000) / 1000, target: 0.3, pass: http / raw >= 0.3, statistic: 'median http / median raw' });

  const pc = { messages: p.messages, statistic: 'median of 3', clock: 'cpu' };
  out({ metric: 'cot_parse_per_s', value: round(p.cotParsePerS), unit: 'messages/s', rounds: p.rounds.ours.map(round), ...pc });
  out({ metric: 'node_cot_parse_per_s', value: p.nodeCotParsePerS === null ? null : round(p.nodeCotParsePerS), unit: 'messages/s', rounds: p.rounds.nodeCot.map(round), ...pc });
  out({ metric: 'cot_parse_ratio_vs_node_cot', value: p.ratio === null ? null : Math.round(p.ratio * 100) / 100, target: 3, pass: p.ratio === null ? null : p.ratio >= 3, ...pc });
}

main().catch((e: unknown) => {
  out({ metric: 'error', error: e instanceof Error ? e.message : String(e) });
  process.exit(1);
});
