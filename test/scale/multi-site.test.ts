import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { connect } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ObservationInput } from '../../src/domain/observation';
import { STREAM } from '../../src/sync/subjects';
import { observationInput } from '../support/factories';
import { createTestDatabase, inCi, probePostgres, shownUrl, type TestDatabase } from '../contract/postgres-test-db';
import { provisionAnalyst } from './server-process';

/**
 * Sites linked through NATS JetStream: a field site on SQLite publishes what it accepts; the cell
 * (PostgreSQL when reachable, else SQLite) consumes it. The link is cut by killing nats-server;
 * the site keeps accepting, is even restarted while cut, and once nats-server is back (same port,
 * same store dir) every observation is at the cell exactly once.
 */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function findNatsServer(): string | undefined {
  const candidates = ['/usr/sbin/nats-server', ...(process.env.PATH ?? '').split(delimiter).filter(Boolean).map((d) => join(d, 'nats-server'))];
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // next
    }
  }
  return undefined;
}

const natsBin = findNatsServer();
const pg = natsBin ? await probePostgres() : { reachable: false, reason: 'not probed' };

if (!natsBin && inCi) {
  describe('sites linked through NATS JetStream', () => {
    it('has nats-server to test against (required in CI)', () => {
      throw new Error('nats-server is not installed (/usr/sbin/nats-server or on PATH); CI installs Debian\'s nats-server package');
    });
  });
}

const title = natsBin
  ? `sites linked through NATS JetStream (site on SQLite, cell on ${pg.reachable ? 'PostgreSQL' : `SQLite: PostgreSQL not reachable at ${shownUrl}`})`
  : 'sites linked through NATS JetStream (skipped: nats-server not found at /usr/sbin/nats-server nor on PATH)';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `check` returns true; the message says what was awaited and what was last seen. */
async function eventually(check: () => Promise<boolean>, timeoutMs: number, what: () => string): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`);
    await sleep(100);
  }
}

/** A child process whose output is kept for failure messages. */
class Child {
  output = '';
  readonly exited: Promise<number | string>;
  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    const collect = (b: Buffer) => {
      this.output = (this.output + b.toString('utf8')).slice(-30_000);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'exited')));
  }
  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }
  async waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const m = pattern.exec(this.output);
      if (m) return m;
      if (!this.running) throw new Error(`${this.name} exited before printing ${pattern}:\n${this.output}`);
      if (Date.now() > until) throw new Error(`${this.name} did not print ${pattern} within ${timeoutMs} ms:\n${this.output}`);
      await sleep(50);
    }
  }
  /** Signals and waits; SIGKILL after a grace period. Resolves with the exit code or signal. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 8000): Promise<number | string> {
    if (!this.running) return this.exited;
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    const r = await this.exited;
    clearTimeout(timer);
    return r;
  }
}

class NatsServer extends Child {
  static async start(port: number, storeDir: string): Promise<NatsServer> {
    const child = spawn(natsBin!, ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', storeDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    const s = new NatsServer('nats-server', child);
    await s.waitFor(/Server is ready/, 20_000);
    return s;
  }
}

/** `truceline serve` with the sync flags, on a free port. */
class Truceline extends Child {
  baseUrl = '';
  auth: { authorization: string } = { authorization: '' };

  static async start(name: string, db: string, syncArgs: string[]): Promise<Truceline> {
    const env: NodeJS.ProcessEnv = { ...process.env, TRUCELINE_LOG_LEVEL: 'info' };
    for (const k of ['TRUCELINE_SITE', 'TRUCELINE_NATS', 'TRUCELINE_NATS_CONSUME', 'TRUCELINE_SYNC_CURSOR', 'TRUCELINE_DB', 'PORT', 'HOST']) delete env[k];
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'truceline.js'), 'serve', '--db', db, '--port', '0', '--host', '127.0.0.1', '--no-demo', '--no-web', ...syncArgs], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const t = new Truceline(name, child);
    try {
      t.baseUrl = (await t.waitFor(/Truceline serving (http:\/\/[^\s"]+:\d+)/, 60_000))[1]!;
      t.auth = await provisionAnalyst(db);
    } catch (err) {
      await t.stop('SIGKILL');
      throw err;
    }
    return t;
  }

  async post(body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
    const r = await fetch(`${this.baseUrl}/api/observations`, { method: 'POST', headers: { 'content-type': 'application/json', ...this.auth }, body: JSON.stringify(body) });
    return { status: r.status, json: (await r.json()) as Record<string, unknown> };
  }

  async list(query: string): Promise<{ items: { id: string }[]; total: number }> {
    const r = await fetch(`${this.baseUrl}/api/observations?${query}`, { headers: this.auth });
    if (!r.ok) throw new Error(`${this.name}: GET /api/observations?${query}: HTTP ${r.status} ${await r.text()}`);
    return (await r.json()) as { items: { id: string }[]; total: number };
  }
}

describe.skipIf(!natsBin)(title, () => {
  const dir = mkdtempSync(join(tmpdir(), 'truceline-multi-site-'));
  const natsDir = join(dir, 'jetstream');
  const siteDb = join(dir, 'site-s1.db');
  let cellDb: string;
  let pgDb: TestDatabase | undefined;
  let natsPort = 0;
  let nats: NatsServer | undefined;
  let site: Truceline | undefined;
  let cell: Truceline | undefined;
  const children = () => [site, cell, nats].filter((c): c is Truceline | NatsServer => c !== undefined);
  const logs = () => children().map((c) => `--- ${c.name} ---\n${c.output.slice(-6000)}`).join('\n');

  // Observations of this run only: a place and a time window nothing else uses.
  const lon = 22 + Math.floor(Math.random() * 100_000) / 10_000;
  const lat = 44 + Math.floor(Math.random() * 20_000) / 10_000;
  const t0 = Date.UTC(2027, 0, 1) + Math.floor(Math.random() * 300 * 24) * 3600_000;
  const query = `bbox=${lon - 0.01},${lat - 0.01},${lon + 0.02},${lat + 0.02}&from=${new Date(t0).toISOString()}&to=${new Date(t0 + 3600_000).toISOString()}`;
  let n = 0;
  const obs = (notes: string): ObservationInput => {
    n++;
    return observationInput({ notes, observedAt: new Date(t0 + n * 1000).toISOString(), location: { lat: lat + n / 1e6, lon: lon + n / 1e6, accuracyM: 50 } });
  };

  beforeAll(async () => {
    natsPort = await freePort();
    nats = await NatsServer.start(natsPort, natsDir);
    if (pg.reachable) {
      pgDb = await createTestDatabase();
      cellDb = pgDb.url;
    } else {
      cellDb = join(dir, 'cell.db');
    }
    const natsUrl = `nats://127.0.0.1:${natsPort}`;
    [cell, site] = await Promise.all([
      Truceline.start('cell', cellDb, ['--nats', natsUrl, '--consume']),
      Truceline.start('site s1', siteDb, ['--site', 's1', '--nats', natsUrl]),
    ]);
  });

  afterAll(async () => {
    await Promise.all(children().map((c) => c.stop('SIGTERM')));
    await pgDb?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers every observation filed at the site to the cell exactly once, across a cut link and a site restart', { timeout: 180_000 }, async () => {
    const cellTotal = async () => (await cell!.list(`${query}&limit=1`)).total;
    const expectAccepted = async (body: unknown, status: number) => {
      const started = Date.now();
      const r = await site!.post(body);
      expect(r.status, JSON.stringify(r.json)).toBe(status);
      // Ingest never waits on the link.
      expect(Date.now() - started).toBeLessThan(3000);
      return r;
    };

    try {
      // 1. Link up: singles and a batch reach the cell.
      const before = Array.from({ length: 20 }, (_, i) => obs(`before the cut ${i}`));
      for (const o of before.slice(0, 5)) await expectAccepted(o, 201);
      expect((await expectAccepted({ observations: before.slice(5) }, 200)).json.created).toBe(15);
      await eventually(async () => (await cellTotal()) === 20, 30_000, () => 'the first 20 observations at the cell');

      // 2. Cut the link: nats-server dies without a goodbye.
      expect(await nats!.stop('SIGKILL')).toBe('SIGKILL');

      // 3. The site keeps accepting, new records and re-posts alike.
      const during = Array.from({ length: 30 }, (_, i) => obs(`during the cut ${i}`));
      for (const o of during.slice(0, 10)) await expectAccepted(o, 201);
      expect((await expectAccepted({ observations: during.slice(10) }, 200)).json.created).toBe(20);
      for (const o of before.slice(0, 3)) await expectAccepted(o, 200);

      // 4. The site restarts while the link is still down: it starts, accepts, and keeps its backlog.
      expect(await site!.stop('SIGTERM')).toBe(0);
      site = await Truceline.start('site s1 (restarted)', siteDb, ['--site', 's1', '--nats', `nats://127.0.0.1:${natsPort}`]);
      const afterRestart = Array.from({ length: 10 }, (_, i) => obs(`after the site restart ${i}`));
      expect((await expectAccepted({ observations: afterRestart }, 200)).json.created).toBe(10);
      expect((await site!.list(`${query}&limit=1`)).total).toBe(60);
      expect(await cellTotal()).toBe(20);

      // 5. The link returns: same port, same JetStream store.
      nats = await NatsServer.start(natsPort, natsDir);
      await eventually(async () => (await cellTotal()) === 60, 60_000, () => `all 60 observations at the cell\n${logs()}`);

      // 6. Duplicates re-posted at the site (single and in a batch with one new record) change nothing at the cell.
      for (const o of [...before.slice(3, 6), ...during.slice(0, 3), ...afterRestart.slice(0, 2)]) await expectAccepted(o, 200);
      const sentinel = obs('sentinel');
      const mixed = await expectAccepted({ observations: [...during.slice(20, 25), sentinel, ...before.slice(10, 12)] }, 200);
      expect(mixed.json).toMatchObject({ created: 1, duplicate: 7 });
      await eventually(
        async () => (await fetch(`${cell!.baseUrl}/api/observations/${sentinel.id}`, { headers: cell!.auth })).status === 200,
        30_000,
        () => 'the sentinel at the cell',
      );

      // Every observation is at the cell exactly once.
      const all = [...before, ...during, ...afterRestart, sentinel];
      const page = await cell!.list(`${query}&limit=1000`);
      expect(page.total).toBe(61);
      const ids = page.items.map((i) => i.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect([...ids].sort()).toEqual(all.map((o) => o.id).sort());
      for (const o of all) {
        const r = await fetch(`${cell!.baseUrl}/api/observations/${encodeURIComponent(o.id)}`, { headers: cell!.auth });
        expect(r.status, o.id).toBe(200);
        expect(((await r.json()) as { notes: string }).notes).toBe(o.notes);
      }

      // The stream holds each once too (re-posts at the site publish nothing; re-publishes are deduplicated).
      const nc = await connect({ servers: `nats://127.0.0.1:${natsPort}` });
      try {
        const info = await (await nc.jetstreamManager()).streams.info(STREAM);
        expect(info.state.messages).toBe(61);
      } finally {
        await nc.close();
      }
      // The site's cursor is persisted beside its database and has reached the end of its change
      // feed (which holds more than the 61 observations: incidents fused at the site, for one).
      const siteLatest = () => {
        const db = new Database(siteDb, { readonly: true });
        try {
          return db.prepare('SELECT COALESCE(MAX(seq), 0) FROM changes').pluck().get() as number;
        } finally {
          db.close();
        }
      };
      await eventually(
        async () => (JSON.parse(readFileSync(`${siteDb}.sync-cursor.json`, 'utf8')) as { seq: number }).seq === siteLatest(),
        10_000,
        () => `the cursor at the site's last change (${siteLatest()}): ${readFileSync(`${siteDb}.sync-cursor.json`, 'utf8')}`,
      );
      if (process.env.TRUCELINE_TEST_SHOW_LOGS) console.log(logs());
    } catch (err) {
      (err as Error).message += `\n${logs()}`;
      throw err;
    }
  });
});
