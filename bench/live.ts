/**
 * Live picture benchmark: `npm run bench -- live [--clients 1000] [--rate 200] [--seconds 20] [--alerts 12]`.
 * A real `truceline serve` process (temporary SQLite file, the shipped agreement in force, no
 * demo) with 1,000 SSE clients on loopback, each logged in as its own user (nations of the
 * coalition, the party, the cell, the mechanism: each with its own releasability). Observations
 * come in over HTTP at 200/s with labels drawn from every kind (PUBLIC, COALITION, MECHANISM,
 * REL TO ...). Prints one JSON object per line:
 *  - delivery_p50_ms, delivery_p99_ms: from the server's receipt of an observation (its
 *    receivedAt) to its arrival at a client allowed to see it, over every (client, observation)
 *    pair; target p99 < 250 ms.
 *  - alert_p99_ms: from the receipt of a triggering observation (an impact at a protected site)
 *    to the alert's arrival at the last guarantor client (FRA and GBR officers); target < 1 s.
 *  - deliveries, leaks (frames a client got that its visibility does not allow: must be 0),
 *    missing (allowed observations a client never got: must be 0).
 * The clients run in worker threads so that reading 1,000 streams does not sit in the posting
 * loop's way; all processes share this machine's cores, so figures are upper bounds.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { hash as argonHash } from '@node-rs/argon2';
import { v7 as uuidv7 } from 'uuid';
import { COALITION_PRESET } from '../src/domain/coalition';
import { canSee, visibilityOf, type OrgKind, type Role, type UserActor } from '../src/domain/identity';
import { AuthService } from '../src/services/auth';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const num = (name: string, dflt: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const CLIENTS = num('clients', 1000);
const RATE = num('rate', 200);
const SECONDS = num('seconds', 20);
const ALERTS = num('alerts', 12);
const WORKERS = num('workers', 2);
const info = (msg: string) => process.stderr.write(`${msg}\n`);
const out = (o: Record<string, unknown>) => process.stdout.write(`${JSON.stringify({ bench: 'live', ...o })}\n`);
const pct = (xs: number[], p: number) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))]! : NaN);

const LABELS = ['PUBLIC', 'COALITION', 'MECHANISM', 'REL TO FRA', 'REL TO GBR, USA', 'REL TO UKR', 'REL TO DEU, FRA, POL'];
const ZNPP: [number, number] = [34.585, 47.5115]; // a protected site of the shipped agreement

interface ClientSpec {
  id: number;
  token: string;
  nation: string;
  guarantor: boolean;
}

async function startServer(db: string): Promise<{ child: ChildProcess; base: string }> {
  const nodeArgs = (process.env.TRUCELINE_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean); // e.g. --cpu-prof, to profile the server
  const child = spawn(process.execPath, [...nodeArgs, join(ROOT, 'bin', 'truceline.js'), 'serve', '--db', db, '--port', '0', '--host', '127.0.0.1', '--no-cot', '--no-web', '--no-demo'], {
    cwd: ROOT,
    env: { ...process.env, TRUCELINE_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const base = await new Promise<string>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`server did not start:\n${output}`)), 60_000);
    const on = (b: Buffer) => {
      output += b.toString();
      const m = /Truceline serving (http:\/\/[^\s"]+:\d+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        res(m[1]!);
      }
    };
    child.stdout!.on('data', on);
    child.stderr!.on('data', on);
    child.once('exit', (c) => rej(new Error(`server exited ${c}:\n${output}`)));
  });
  return { child, base };
}

/** 1,000 users, one per client: created straight in the store (one argon2 hash shared: they never log in by password). */
async function makeUsers(db: string): Promise<{ clients: ClientSpec[]; actors: UserActor[]; poster: string }> {
  const store = openSqliteStore(db);
  const auth = new AuthService(store.identity, store.audit);
  const passwordHash = await argonHash(uuidv7());
  const kinds: { orgKind: OrgKind; nations: readonly string[]; roles: Role[] }[] = [
    { orgKind: 'nation', nations: COALITION_PRESET.members, roles: ['liaison_officer'] },
    { orgKind: 'party', nations: ['RUS'], roles: ['liaison_officer'] },
    { orgKind: 'cell', nations: ['FRA', 'USA', 'GBR', 'DEU'], roles: ['cell_officer'] },
    { orgKind: 'mechanism', nations: ['USA', 'FIN', 'POL'], roles: ['monitor'] },
  ];
  const clients: ClientSpec[] = [];
  const actors: UserActor[] = [];
  for (let i = 0; i < CLIENTS; i++) {
    const k = kinds[i % 10 < 7 ? 0 : i % 10 === 7 ? 1 : i % 10 === 8 ? 2 : 3]!;
    const nation = k.nations[i % k.nations.length]!;
    const user = { id: uuidv7(), username: `bench-${i}`, passwordHash, nation, org: `${k.orgKind} ${nation}`, orgKind: k.orgKind, roles: k.roles, createdAt: new Date().toISOString(), failedLogins: 0, lockedUntil: null, mustChangePassword: false };
    await store.identity.createUser(user);
    const { token } = await auth.createToken(user.username, ['read'], 'bench', 'bench');
    clients.push({ id: i, token, nation, guarantor: k.orgKind === 'nation' && COALITION_PRESET.guarantors.includes(nation) });
    actors.push({ type: 'user', id: user.id, username: user.username, nation, org: user.org, orgKind: k.orgKind, roles: k.roles });
  }
  await store.identity.createUser({ id: uuidv7(), username: 'bench-poster', passwordHash, nation: 'USA', org: 'mechanism', orgKind: 'mechanism', roles: ['monitor'], createdAt: new Date().toISOString(), failedLogins: 0, lockedUntil: null, mustChangePassword: false });
  const poster = (await auth.createToken('bench-poster', ['write'], 'bench', 'bench')).token;
  await store.close();
  return { clients, actors, poster };
}

/**
 * The SSE readers: each worker holds its share of the clients. Kept cheap, since they share the
 * machine with the server: observation ids are `bench-N`, so a client marks what it got in a
 * bitset and each receipt time is parsed once per worker, not once per delivery.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');
const { base, clients, maxObs } = workerData;
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
let latencies = new Float64Array(1 << 20);
let n = 0;
const receivedAt = new Float64Array(maxObs).fill(NaN);
const got = clients.map(() => new Uint8Array(Math.ceil(maxObs / 8)));
const alerts = []; // [alertId, arrivedAt, clientId]
let connected = 0;
clients.forEach((c, k) => {
  const req = http.get(base + '/api/stream', { agent, headers: { accept: 'text/event-stream', authorization: 'Bearer ' + c.token } }, (res) => {
    res.setEncoding('utf8');
    let buf = '';
    res.on('data', (chunk) => {
      const now = Date.now();
      buf += chunk;
      let cut;
      while ((cut = buf.indexOf('\\n\\n')) >= 0) {
        const frame = buf.slice(0, cut);
        buf = buf.slice(cut + 2);
        if (frame.charCodeAt(0) === 58) { if (frame.startsWith(': connected') && ++connected === clients.length) parentPort.postMessage({ ready: true }); continue; }
        const obs = frame.indexOf('event: observation') >= 0;
        if (obs) {
          const at = frame.indexOf('"id":"bench-');
          if (at < 0) continue;
          const i = parseInt(frame.slice(at + 12, at + 22), 10);
          if (Number.isNaN(receivedAt[i])) { const r = /"receivedAt":"([^"]+)"/.exec(frame); receivedAt[i] = r ? Date.parse(r[1]) : 0; }
          if (n === latencies.length) { const bigger = new Float64Array(n * 2); bigger.set(latencies); latencies = bigger; }
          latencies[n++] = now - receivedAt[i];
          got[k][i >> 3] |= 1 << (i & 7);
        } else if (frame.indexOf('event: alert') >= 0 && frame.indexOf('"op":"created"') >= 0) {
          const idm = /"id":"([^"]+)"/.exec(frame);
          if (idm) alerts.push([idm[1], now, c.id]);
        }
      }
    });
  });
  req.on('error', (e) => parentPort.postMessage({ error: String(e) }));
});
parentPort.on('message', (m) => { if (m === 'report') parentPort.postMessage({ latencies: latencies.slice(0, n), got, ids: clients.map((c) => c.id), alerts }); });
`;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'truceline-bench-live-'));
  const db = join(dir, 'live.db');
  // The server seeds nothing (--no-demo); the agreement is imported first so that triggers can fire.
  {
    const { AgreementService } = await import('../src/services/agreement.service');
    const store = openSqliteStore(db);
    await new AgreementService(store).seedDefault();
    await store.close();
  }
  info(`creating ${CLIENTS} users…`);
  const { clients, actors, poster } = await makeUsers(db);
  const server = await startServer(db);
  info(`server at ${server.base}; connecting ${CLIENTS} SSE clients in ${WORKERS} workers…`);
  const shares = Array.from({ length: WORKERS }, (_, w) => clients.filter((c) => c.id % WORKERS === w));
  const workers = shares.map((share) => new Worker(WORKER_SOURCE, { eval: true, workerData: { base: server.base, clients: share, maxObs: RATE * SECONDS } }));
  await Promise.all(
    workers.map(
      (w) =>
        new Promise<void>((res, rej) => {
          w.on('message', (m: { ready?: boolean; error?: string }) => {
            if (m.ready) res();
            if (m.error) rej(new Error(m.error));
          });
        }),
    ),
  );
  info('all connected; posting…');

  const post = async (body: unknown): Promise<{ receivedAt: string; id: string }> => {
    const r = await fetch(`${server.base}/api/observations`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${poster}` }, body: JSON.stringify(body) });
    if (r.status !== 201) throw new Error(`POST: HTTP ${r.status} ${await r.text()}`);
    return (await r.json()) as { receivedAt: string; id: string };
  };
  // Background traffic: sightings away from the line and sites (they do not trigger), every label.
  const posted: { id: string; label: string }[] = [];
  const background = (i: number) => {
    const label = LABELS[i % LABELS.length]!;
    const body = {
      id: `bench-${String(i).padStart(10, '0')}`,
      kind: 'weapon_sighting',
      observedAt: new Date().toISOString(),
      location: { lat: 50.4 + (i % 100) * 0.001, lon: 30.5 + (i % 77) * 0.001, accuracyM: 50 },
      source: { kind: 'sensor', reporter: 'bench' },
      releasability: label,
      notes: `bench ${i}`,
    };
    posted.push({ id: body.id, label });
    return post(body);
  };
  const triggers: { id: string; receivedAt: number }[] = [];
  const total = RATE * SECONDS;
  const alertEvery = Math.floor(total / ALERTS);
  const t0 = Date.now();
  const inflight: Promise<unknown>[] = [];
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / RATE;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    inflight.push(background(i));
    if (i % alertEvery === alertEvery - 1 && triggers.length < ALERTS) {
      // An impact at the protected site, each an hour and more before the last, so that each
      // raises its own alert rather than joining the one before.
      const at = new Date(Date.now() - triggers.length * 65 * 60_000).toISOString();
      inflight.push(
        post({ id: uuidv7(), kind: 'explosion', subkind: 'impact', observedAt: at, location: { lon: ZNPP[0], lat: ZNPP[1], accuracyM: 100 }, source: { kind: 'monitor', reporter: 'bench' }, releasability: 'MECHANISM' }).then((o) =>
          triggers.push({ id: o.id, receivedAt: Date.parse(o.receivedAt) }),
        ),
      );
    }
    if (inflight.length > 64) await Promise.all(inflight.splice(0));
  }
  await Promise.all(inflight);
  const postSeconds = (Date.now() - t0) / 1000;
  info(`posted ${total} observations and ${triggers.length} triggers in ${postSeconds.toFixed(1)} s; draining…`);
  await new Promise((r) => setTimeout(r, 3000));

  type Report = { latencies: Float64Array; got: Uint8Array[]; ids: number[]; alerts: [string, number, number][] };
  const reports = await Promise.all(
    workers.map(
      (w) =>
        new Promise<Report>((res) => {
          w.once('message', (m: Report) => res(m));
          w.postMessage('report');
        }),
    ),
  );
  await Promise.all(workers.map((w) => w.terminate()));
  server.child.kill('SIGTERM');
  await new Promise((r) => server.child.once('exit', r));

  const delivery: number[] = [];
  for (const r of reports) for (const x of r.latencies) delivery.push(x);
  // Every client against the oracle: what it got must be exactly what its visibility allows.
  let leaks = 0;
  let missing = 0;
  for (const r of reports)
    r.ids.forEach((client, k) => {
      const v = visibilityOf(actors[client]!, COALITION_PRESET);
      const bits = r.got[k]!;
      posted.forEach((p, i) => {
        const has = (bits[i >> 3]! & (1 << (i & 7))) !== 0;
        const may = canSee(v, p.label);
        if (has && !may) leaks++;
        if (may && !has) missing++;
      });
    });
  // Each alert's time to its last guarantor client, from the receipt of the latest trigger
  // posted before its first arrival (the one that raised it).
  const guarantorClients = clients.filter((c) => c.guarantor).length;
  const alertArrivals = new Map<string, number[]>();
  for (const r of reports) for (const [id, at] of r.alerts) (alertArrivals.get(id) ?? alertArrivals.set(id, []).get(id)!).push(at);
  const alertLatency: number[] = [];
  for (const [, times] of alertArrivals) {
    if (times.length < guarantorClients) continue;
    const first = Math.min(...times);
    const trigger = triggers.filter((t) => t.receivedAt <= first).sort((a, b) => b.receivedAt - a.receivedAt)[0];
    if (trigger) alertLatency.push(Math.max(...times) - trigger.receivedAt);
  }
  out({ metric: 'delivery_p50_ms', value: pct(delivery, 50), unit: 'ms', clients: CLIENTS, rate_per_s: RATE, seconds: SECONDS });
  out({ metric: 'delivery_p99_ms', value: pct(delivery, 99), unit: 'ms' });
  out({ metric: 'alert_p99_ms', value: pct(alertLatency, 99), unit: 'ms', alerts: alertLatency.length, triggers: triggers.length, guarantor_clients: guarantorClients });
  out({ metric: 'deliveries', value: delivery.length, unit: 'count', leaks, missing, post_rate_achieved: Math.round(total / postSeconds) });
  rmSync(dir, { recursive: true, force: true });
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
