/**
 * Durability: a real server process is SIGKILLed in the middle of an HTTP ingest of 100,000
 * observations and of a CoT stream; after a restart, everything it acknowledged is there, once,
 * and every CoT frame it had received is in the raw inbox (and settled by the restart).
 */
import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import type { ChannelStats, StatsChannel } from '../../src/store/ingest-repository';
import { CotClient, eventually, markerXml } from '../support/cot';
import { ServerProcess } from './server-process';

const TOTAL = 100_000;
const BATCH = 1000;
const CONCURRENCY = 4;
const KILL_AFTER_BATCHES = 45;
const COT_FRAMES = 3000;

const servers: ServerProcess[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

function observation(i: number, t0: number) {
  return {
    id: uuidv7(),
    kind: 'explosion',
    subkind: 'impact',
    observedAt: new Date(t0 + i * 1000).toISOString(),
    location: { lat: 47.6 + (i % 1000) / 1000, lon: 36.5 + (i % 997) / 500, accuracyM: 200 },
    count: 1 + (i % 3),
    source: { kind: 'monitor', nation: 'FRA', reporter: 'Team D-4' },
    releasability: 'MECHANISM',
  };
}

async function stats(s: ServerProcess): Promise<Record<StatsChannel, ChannelStats>> {
  return (await (await fetch(`${s.baseUrl}/api/inbox/stats`, { headers: s.auth })).json()) as Record<StatsChannel, ChannelStats>;
}

describe('durability across SIGKILL', () => {
  it('keeps every acknowledged batch exactly once, and every received CoT frame; a full re-post ends at exactly 100,000', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'truceline-durable-')), 'durable.db');
    const t0 = Date.UTC(2026, 10, 1);
    const ids: string[] = [];
    const bodies: string[] = [];
    for (let b = 0; b < TOTAL / BATCH; b++) {
      const items = Array.from({ length: BATCH }, (_, j) => observation(b * BATCH + j, t0));
      ids.push(...items.map((o) => o.id));
      bodies.push(JSON.stringify({ observations: items }));
    }

    const first = await ServerProcess.start('durable-1', db, 60_000, ['--cot-port', '0']);
    servers.push(first);
    expect(first.cotPort).toBeGreaterThan(0);

    // CoT: frames written while the HTTP load runs; the kill waits until the server has them all.
    const cotUids = Array.from({ length: COT_FRAMES }, () => `durable-${uuidv7()}`);
    const answered = new Set<number>();
    let next = 0;
    let killed = false;
    let cotReceived = false;
    const started = Date.now();
    const poster = async () => {
      while (next < bodies.length && !killed) {
        const b = next++;
        try {
          const r = await fetch(`${first.baseUrl}/api/observations`, { method: 'POST', headers: { 'content-type': 'application/json', ...first.auth }, body: bodies[b] });
          if (r.ok) answered.add(b);
          await r.arrayBuffer();
        } catch {
          // the server died with this batch in flight: not acknowledged
        }
        if (!killed && cotReceived && answered.size >= KILL_AFTER_BATCHES) {
          killed = true;
          first.child.kill('SIGKILL');
        }
      }
    };
    const cot = (async () => {
      while (answered.size < 10) await new Promise((r) => setTimeout(r, 10));
      const client = await CotClient.connect(first.cotPort);
      const t = Date.now() - 3600_000;
      await client.write(cotUids.map((u, i) => markerXml(u, { time: new Date(t + i) })).join('\n'));
      await eventually(async () => (await stats(first)).cot.received >= COT_FRAMES, 30_000, 'the CoT frames received');
      cotReceived = true;
      client.destroy();
    })();
    const exited = new Promise<void>((resolve) => first.child.once('exit', () => resolve()));
    await Promise.all([...Array.from({ length: CONCURRENCY }, poster), cot]);
    await exited;
    const firstMs = Date.now() - started;
    expect(killed).toBe(true);
    expect(answered.size).toBeGreaterThanOrEqual(KILL_AFTER_BATCHES);
    expect(answered.size).toBeLessThan(bodies.length);

    // Restart on the same file: every acknowledged batch is there, nothing twice.
    const second = await ServerProcess.start('durable-2', db, 60_000, ['--cot-port', '0']);
    servers.push(second);
    const look = new Database(db, { readonly: true });
    try {
      const stored = new Set(look.prepare('SELECT id FROM observations').pluck().all() as string[]);
      const [rows, distinct] = look.prepare('SELECT COUNT(*), COUNT(DISTINCT id) FROM observations').raw().get() as [number, number];
      expect(rows).toBe(distinct);
      const missing = [...answered].flatMap((b) => ids.slice(b * BATCH, (b + 1) * BATCH)).filter((id) => !stored.has(id));
      expect(missing).toEqual([]);
      // Whatever else is there belongs to batches in flight at the kill, whole: a batch is one transaction.
      const partial = Array.from({ length: bodies.length }, (_, b) => ids.slice(b * BATCH, (b + 1) * BATCH).filter((id) => stored.has(id)).length).filter((n) => n !== 0 && n !== BATCH);
      expect(partial).toEqual([]);
      console.log(`[durability] killed after ${answered.size} acknowledged batches (${firstMs} ms); ${stored.size - COT_FRAMES} HTTP observations survived`);

      // CoT: every frame the server had received is in the raw inbox, and the restart settled any it had not processed.
      expect(look.prepare("SELECT COUNT(*) FROM raw_inbox WHERE channel = 'cot'").pluck().get()).toBe(COT_FRAMES);
    } finally {
      look.close();
    }
    const s2 = await stats(second);
    expect(s2.cot).toMatchObject({ received: COT_FRAMES, accepted: COT_FRAMES, quarantined: 0, pending: 0 });

    // The client posts everything again: exactly 100,000 (plus the CoT markers), each once.
    const again = Date.now();
    let b2 = 0;
    const reposter = async () => {
      while (b2 < bodies.length) {
        const b = b2++;
        const r = await fetch(`${second.baseUrl}/api/observations`, { method: 'POST', headers: { 'content-type': 'application/json', ...second.auth }, body: bodies[b] });
        expect(r.status).toBe(200);
        await r.arrayBuffer();
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, reposter));
    const page = (await (await fetch(`${second.baseUrl}/api/observations?limit=1&kind=explosion&from=2026-11-01T00:00:00Z&to=2026-11-03T00:00:00Z`, { headers: second.auth })).json()) as { total: number };
    expect(page.total).toBe(TOTAL);
    const look2 = new Database(db, { readonly: true });
    try {
      expect(look2.prepare('SELECT COUNT(*) FROM observations').pluck().get()).toBe(TOTAL + COT_FRAMES);
    } finally {
      look2.close();
    }
    const s3 = await stats(second);
    expect(s3.http.received).toBe(s3.http.accepted + s3.http.quarantined + s3.http.pending);
    console.log(`[durability] re-posted ${TOTAL} in ${Date.now() - again} ms`);
  }, 180_000);
});
