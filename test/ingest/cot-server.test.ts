/**
 * The CoT server wired end to end on a real TCP socket: real captures counted per file, an
 * ATAK-like client on the map and receiving observations back, and hostile clients.
 */
import { SEE_ALL } from '../../src/domain/identity';
import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { frameAll } from '../../src/ingest/cot/framer';
import { TRUCELINE_UID_PREFIX } from '../../src/ingest/cot/map';
import { buildApp } from '../../src/server/app';
import { testUser } from '../support/auth';
import { startCot } from '../../src/services/cot-ingest';
import { ObservationIngest } from '../../src/services/observation-ingest';
import type { ChannelStats, StatsChannel } from '../../src/store/ingest-repository';
import type { Store } from '../../src/store/repository';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store';
import { CotClient, eventually, markerXml, pliXml, refreshTimes, relocateToUkraine } from '../support/cot';
import { observationInput } from '../support/factories';
import { SHARED_NOTE, SKIP_SHARED, cotSamples } from './shared-data';

let store: Store;
let db: Database.Database;
let app: FastifyInstance;
let base: string;
/** A mechanism analyst's token: the HTTP side of these tests reads the whole picture. */
let auth: { authorization: string };
let cot: Awaited<ReturnType<typeof startCot>>;

beforeAll(async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'truceline-cot-')), 'cot.db');
  store = openSqliteStore(file);
  db = new Database(file, { readonly: true });
  // Incidents are not this file's subject, and fusing 30,000 flooded frames would only slow it.
  app = await buildApp({ store, config: { maxBody: 10 * 1024 * 1024, web: false, logLevel: 'silent', fusion: false } });
  base = await app.listen({ port: 0, host: '127.0.0.1' });
  auth = (await testUser(store, { roles: ['analyst', 'monitor'] })).headers;
  cot = await startCot(store, new ObservationIngest(store), { port: 0, host: '127.0.0.1', anonymous: 'accept', snapshotWindowMs: 0 });
});

afterAll(async () => {
  await cot?.close();
  await app?.close();
  db?.close();
  await store?.close();
});

const stats = async (): Promise<Record<StatsChannel, ChannelStats>> => (await (await fetch(`${base}/api/inbox/stats`, { headers: auth })).json()) as Record<StatsChannel, ChannelStats>;
const lastRawId = (): string => (db.prepare("SELECT COALESCE(MAX(id), '') FROM raw_inbox WHERE channel = 'cot'").pluck().get() as string) ?? '';

describe.skipIf(SKIP_SHARED)(`CoT server: the real captures over a real socket${SHARED_NOTE}`, () => {
  it.each(cotSamples().map((s) => [s.name, s] as const))('%s: received = stored + quarantined, in the stats and in the store', async (_name, sample) => {
    const bytes = Buffer.from(relocateToUkraine(sample.bytes.toString('utf8')));
    const frames = frameAll(bytes).length;
    const before = await stats();
    const after0 = lastRawId();
    const client = await CotClient.connect(cot.port);
    await client.write(bytes);
    await client.end();
    const after = await eventually(
      async () => {
        const s = await stats();
        return s.cot.received - before.cot.received === frames && s.cot.pending === 0 ? s : null;
      },
      10_000,
      `${frames} frames settled`,
    );
    const d = (k: keyof ChannelStats) => after.cot[k] - before.cot[k];
    expect(d('received')).toBe(frames);
    expect(d('accepted') + d('quarantined')).toBe(d('received'));

    // The store: each raw frame of this file is stored (an observation or a TAK record) or quarantined, not both.
    const raws = db.prepare("SELECT id FROM raw_inbox WHERE channel = 'cot' AND id > ?").pluck().all(after0) as string[];
    expect(raws).toHaveLength(frames);
    const inList = `(${raws.map(() => '?').join(',')})`;
    const stored = new Set([
      ...(db.prepare(`SELECT raw_id FROM observations WHERE raw_id IN ${inList}`).pluck().all(...raws) as string[]),
      ...(db.prepare(`SELECT raw_id FROM tak_records WHERE kind != 'marker' AND raw_id IN ${inList}`).pluck().all(...raws) as string[]),
    ]);
    const quarantined = new Set(db.prepare(`SELECT raw_id FROM quarantine WHERE raw_id IN ${inList}`).pluck().all(...raws) as string[]);
    expect([...stored].filter((id) => quarantined.has(id))).toEqual([]);
    expect(stored.size + quarantined.size).toBe(frames);
    expect(stored.size).toBe(d('accepted'));
    expect(quarantined.size).toBe(d('quarantined'));
  });

  it('takes all captures back to back on one connection, and a second time stores nothing new', async () => {
    const samples = cotSamples();
    const stream = Buffer.concat(samples.flatMap((s) => [Buffer.from(relocateToUkraine(s.bytes.toString('utf8'))), Buffer.from('\n')]));
    for (let round = 0; round < 2; round++) {
      const before = await stats();
      const observations = await store.observations.count();
      const client = await CotClient.connect(cot.port);
      await client.write(stream);
      await client.end();
      const after = await eventually(async () => {
        const s = await stats();
        return s.cot.received - before.cot.received === samples.length && s.cot.pending === 0 ? s : null;
      });
      expect(after.cot.accepted - before.cot.accepted + after.cot.quarantined - before.cot.quarantined).toBe(samples.length);
      // Every capture was sent once already by the test above: re-sends are known, not new.
      expect(await store.observations.count()).toBe(observations);
    }
  });
});

describe('CoT server: an ATAK-like client', () => {
  it('appears on the map API and gets PUBLIC observations from other sources back as CoT, nothing else', async () => {
    const client = await CotClient.connect(cot.port);
    const uid = `ANDROID-${uuidv7()}`;
    // ATAK's own position report (the real capture when the samples are here), now, in Ukraine, with a uid of its own.
    const capture = cotSamples().find((s) => s.name === 'atak-libcotshrink/01-pli.xml');
    const pli = capture
      ? refreshTimes(relocateToUkraine(capture.bytes.toString('utf8')).replace(/uid='ANDROID-[^']*'/, `uid='${uid}'`).replace(/lat='[^']*'/, "lat='48.52'").replace(/lon='[^']*'/, "lon='37.95'"))
      : pliXml(uid, 'dasuberdog', { lat: 48.52, lon: 37.95 });
    await client.write(pli);
    const feature = await eventually(async () => {
      const fc = (await (await fetch(`${base}/api/positions`, { headers: auth })).json()) as { features: { id: string; geometry: { coordinates: number[] }; properties: { callsign: string; battery?: number; stale: string } }[] };
      return fc.features.find((f) => f.id === uid);
    }, 5000, 'the position on the map API');
    expect(feature.properties.callsign).toBe('dasuberdog');
    expect(feature.properties.battery).toBe(capture ? 58 : 88);
    expect(feature.geometry.coordinates).toEqual([37.95, 48.52]);

    const post = async (o: object) => {
      const r = await fetch(`${base}/api/observations`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: JSON.stringify(o) });
      expect(r.status).toBe(201);
    };
    const secret = observationInput({ releasability: 'MECHANISM', notes: 'not for the public' });
    const fromTak = observationInput({ releasability: 'PUBLIC', source: { kind: 'tak', reporter: 'someone' } });
    const open = observationInput({ releasability: 'PUBLIC', kind: 'explosion', subkind: 'impact', count: 3, notes: 'Three impacts <near> the "school" & the road', location: { lat: 48.41, lon: 37.83, accuracyM: 300 } });
    await post(secret);
    await post(fromTak);
    await post(open);
    await client.waitFor((c) => c.events.some((e) => e.uid === TRUCELINE_UID_PREFIX + open.id), 5000, 'the PUBLIC observation as CoT');
    const ev = client.events.find((e) => e.uid === TRUCELINE_UID_PREFIX + open.id)!;
    expect(ev.type).toBe('a-u-G');
    expect(ev.point.lat).toBe(48.41);
    expect(ev.point.lon).toBe(37.83);
    expect(ev.point.ce).toBe(300);
    expect(ev.detail.remarks?.text).toContain('Three impacts <near> the "school" & the road');
    expect(ev.detail.contact?.callsign).toMatch(/^Explosion x3 /);
    // Sent in commit order: had the others been sent, they would have come first.
    expect(client.events.map((e) => e.uid)).not.toContain(TRUCELINE_UID_PREFIX + secret.id);
    expect(client.events.map((e) => e.uid)).not.toContain(TRUCELINE_UID_PREFIX + fromTak.id);

    // A client re-sharing what it got is recognised: accepted, nothing new stored.
    const before = await stats();
    const observations = await store.observations.count();
    await client.write(client.raw.find((x) => x.includes(open.id))!);
    await eventually(async () => (await stats()).cot.accepted === before.cot.accepted + 1);
    expect(await store.observations.count()).toBe(observations);

    // A marker from the client is an unverified observation of source tak, not sent back to anyone.
    const marker = `marker-${uuidv7()}`;
    await client.write(markerXml(marker, { remarks: 'Mortar impacts near the checkpoint' }));
    const id = await eventually(async () => (await store.ingest.tak.current('marker', { visibility: SEE_ALL, subjects: [marker] }))[0]?.doc as { observationId: string } | undefined);
    const o = await store.observations.get(id.observationId, SEE_ALL);
    expect(o?.source.kind).toBe('tak');
    expect(o?.releasability).toBe('MECHANISM');
    expect(o?.kind).toBe('explosion');
    await client.end();
  });

  it('keeps an edited marker as a new version that supersedes the last; a re-send with only a new time stores nothing', async () => {
    const client = await CotClient.connect(cot.port);
    const uid = `marker-${uuidv7()}`;
    const t0 = new Date(Date.now() - 60_000);
    await client.write(markerXml(uid, { time: t0, remarks: 'Shelling' }));
    await client.write(markerXml(uid, { time: new Date(t0.getTime() + 10_000), remarks: 'Shelling' }));
    await client.write(markerXml(uid, { time: new Date(t0.getTime() + 20_000), remarks: 'Shelling, two impacts' }));
    const latest = await eventually(async () => {
      const m = (await store.ingest.tak.current('marker', { visibility: SEE_ALL, subjects: [uid] }))[0]?.doc as { observationId: string } | undefined;
      return m?.observationId.endsWith(new Date(t0.getTime() + 20_000).toISOString()) ? m : undefined;
    });
    const first = `cot:${uid}:${t0.toISOString()}`;
    expect(await store.observations.get(first, SEE_ALL)).toBeDefined();
    expect(await store.observations.get(`cot:${uid}:${new Date(t0.getTime() + 10_000).toISOString()}`, SEE_ALL)).toBeUndefined();
    expect(await store.ingest.versions.supersedes(latest.observationId)).toEqual([first]);
    const versions = (await (await fetch(`${base}/api/observations/${encodeURIComponent(first)}/versions`, { headers: auth })).json()) as { supersededBy: string[] };
    expect(versions.supersededBy).toEqual([latest.observationId]);
    await client.end();
  });

  it('draws areas, logs chat, and a deletion takes a position off the map', async () => {
    const client = await CotClient.connect(cot.port);
    const uid = `ANDROID-${uuidv7()}`;
    await client.write(pliXml(uid, 'Gone soon'));
    await eventually(async () => (await store.ingest.tak.current('position', { visibility: SEE_ALL, now: new Date().toISOString(), subjects: [uid] })).length === 1);
    const t = new Date(Date.now() + 1000).toISOString();
    await client.write(`<event version="2.0" uid="${uuidv7()}" type="t-x-d-d" how="h-g-i-g-o" time="${t}" start="${t}" stale="${t}"><point lat="0" lon="0" hae="0" ce="9999999" le="9999999"/><detail><link uid="${uid}" relation="none" type="none"/></detail></event>`);
    await eventually(async () => (await store.ingest.tak.current('position', { visibility: SEE_ALL, now: new Date().toISOString(), subjects: [uid] })).length === 0, 5000, 'the deletion');
    const fc = (await (await fetch(`${base}/api/positions`, { headers: auth })).json()) as { features: { id: string }[] };
    expect(fc.features.map((f) => f.id)).not.toContain(uid);
    await client.end();
  });
});

describe('CoT server: hostile clients', () => {
  let guarded: Awaited<ReturnType<typeof startCot>>;
  beforeAll(async () => {
    guarded = await startCot(store, new ObservationIngest(store), { port: 0, host: '127.0.0.1', anonymous: 'accept', idleTimeoutMs: 800, frameTimeoutMs: 400, maxFrameBytes: 8192, snapshotWindowMs: 0 });
  });
  afterAll(async () => {
    await guarded?.close();
  });

  it('cuts off a slow-loris client that drips an event byte by byte, keeping what it sent as an incomplete record', async () => {
    const before = await stats();
    const client = await CotClient.connect(guarded.port);
    const xml = markerXml(`loris-${uuidv7()}`);
    const started = Date.now();
    for (let i = 0; i < xml.length && !client.isClosed; i++) {
      client.socket.write(xml[i]!);
      await new Promise((r) => setTimeout(r, 40)); // steadily, well inside the idle timeout
    }
    await client.closed;
    expect(Date.now() - started).toBeLessThan(3000);
    const after = await eventually(async () => {
      const s = await stats();
      return s.cot.quarantined === before.cot.quarantined + 1 && s.cot.pending === 0 ? s : null;
    });
    expect(after.cot.received).toBe(before.cot.received + 1);
    const q = await store.inbox.listQuarantine({ limit: 1, channel: 'cot' });
    expect(q.items[0]!.reason).toMatch(/incomplete/);
  });

  it('cuts an oversized event and rejects an XML bomb, each with a quarantine record, and takes the next event', async () => {
    const before = await stats();
    const client = await CotClient.connect(guarded.port);
    const big = markerXml(`big-${uuidv7()}`, { remarks: 'x'.repeat(20_000) });
    const bomb =
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>' +
      `<event version="2.0" uid="bomb" type="a-h-G" how="h-g-i-g-o" time="2026-11-20T10:00:00Z" start="2026-11-20T10:00:00Z" stale="2026-11-20T11:00:00Z"><point lat="48" lon="37" hae="0" ce="1" le="1"/><detail><remarks>&lol2;</remarks></detail></event>`;
    const ok = `after-${uuidv7()}`;
    await client.write(`${big}\n${bomb}\n${markerXml(ok)}\n`);
    await client.end();
    const after = await eventually(async () => {
      const s = await stats();
      return s.cot.pending === 0 && s.cot.accepted > before.cot.accepted ? s : null;
    });
    expect(after.cot.quarantined - before.cot.quarantined).toBeGreaterThanOrEqual(2);
    expect(after.cot.received - before.cot.received).toBe(after.cot.accepted - before.cot.accepted + after.cot.quarantined - before.cot.quarantined);
    const reasons = (await store.inbox.listQuarantine({ limit: 5, channel: 'cot' })).items.map((q) => q.reason).join('\n');
    expect(reasons).toMatch(/oversize/);
    expect(reasons).toMatch(/DOCTYPE|entit|garbage/i);
    expect((await store.ingest.tak.current('marker', { visibility: SEE_ALL, subjects: [ok] })).length).toBe(1);
  });

  it('drops a client that opens a connection and sends nothing', async () => {
    const client = await CotClient.connect(guarded.port);
    const started = Date.now();
    await client.closed;
    expect(Date.now() - started).toBeGreaterThanOrEqual(700);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('refuses anonymous clients when told to', async () => {
    const closed = await startCot(store, new ObservationIngest(store), { port: 0, host: '127.0.0.1', anonymous: 'refuse', snapshotWindowMs: 0 });
    try {
      const client = await CotClient.connect(closed.port);
      await client.closed;
      expect(client.events).toEqual([]);
    } finally {
      await closed.close();
    }
  });

  it('does not let a flooding client starve another: the other\'s frames are stored promptly', async () => {
    const flood = await CotClient.connect(cot.port);
    const N = 30_000;
    const prefix = `flood-${uuidv7()}`;
    const t = Date.now() - 3600_000;
    const chunks: Buffer[] = [];
    for (let i = 0; i < N; i += 1000) {
      let s = '';
      for (let j = i; j < Math.min(N, i + 1000); j++) s += markerXml(`${prefix}-${j}`, { time: new Date(t + j), lat: 48 + (j % 100) / 1000 }) + '\n';
      chunks.push(Buffer.from(s));
    }
    const before = await stats();
    const flooding = (async () => {
      for (const c of chunks) await flood.write(c);
    })();
    // Wait until the flood is being processed, then a second client sends five positions.
    await eventually(async () => (await stats()).cot.received - before.cot.received > 1000, 10_000, 'the flood to start');
    const other = await CotClient.connect(cot.port);
    const uids = Array.from({ length: 5 }, () => `ANDROID-${uuidv7()}`);
    const sent = Date.now();
    await other.write(uids.map((u, i) => pliXml(u, `Calm ${i}`)).join(''));
    await eventually(async () => (await store.ingest.tak.current('position', { visibility: SEE_ALL, subjects: uids })).length === uids.length, 10_000, 'the other client\'s positions');
    const latency = Date.now() - sent;
    const floodDone = (await stats()).cot.received - before.cot.received;
    console.log(`[cot flood] the other client's 5 frames stored ${latency} ms after sending; the flood had ${floodDone} of ${N} frames stored by then`);
    expect(latency).toBeLessThan(2000);
    expect(floodDone).toBeLessThan(N + uids.length);
    await flooding;
    flood.socket.end();
    other.socket.end();
    const after = await eventually(async () => {
      const s = await stats();
      return s.cot.received - before.cot.received === N + uids.length && s.cot.pending === 0 ? s : null;
    }, 60_000, 'the whole flood');
    expect(after.cot.accepted - before.cot.accepted).toBe(N + uids.length);
  }, 150_000);
});
