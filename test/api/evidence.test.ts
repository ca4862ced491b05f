import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { Store } from '../../src/store/repository';
import { SEE_ALL, visibilityOf, type UserActor } from '../../src/domain/identity';
import { COALITION_PRESET } from '../../src/domain/coalition';
import { EvidenceService } from '../../src/services/evidence.service';
import { Readable } from 'node:stream';
import { testApp } from '../support/app';
import { testUser } from '../support/auth';
import { observationInput } from '../support/factories';
import { jpeg, mp4Header, pdf } from '../fixtures/evidence/jpeg';

/**
 * The evidence API through HTTP on a real app and SQLite file, with real users and tokens: upload
 * by content hash, EXIF read and compared with the observation, the chain of custody, labels,
 * and what a refused or cut-off upload leaves (nothing).
 */

const MAX_EVIDENCE = 64 * 1024;

let app: FastifyInstance;
let store: Store;
let close: () => Promise<void>;
type Headers = { authorization: string };
/** A mechanism analyst (sees every label). */
let analyst: Headers;
let analystName: string;
let monitor: { headers: Headers; username: string };
let russianLiaison: { headers: Headers; username: string };
let frenchLiaison: Headers;
let base: string;

beforeAll(async () => {
  ({ app, store, close, headers: analyst } = await testApp({ anonymous: true, deps: { config: { maxBody: 10 * 1024 * 1024, web: false, logLevel: 'silent', maxEvidence: MAX_EVIDENCE } } }));
  analystName = (await app.inject({ method: 'GET', url: '/api/auth/me', headers: analyst })).json().username;
  monitor = await testUser(store, { roles: ['monitor'] });
  russianLiaison = await testUser(store, { nation: 'RUS', orgKind: 'party', roles: ['liaison_officer'] });
  frenchLiaison = (await testUser(store, { nation: 'FRA', orgKind: 'nation', roles: ['liaison_officer'] })).headers;
  base = await app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(() => close());

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
let salt = 0;
/** A photo taken at 14:05:30+02:00 on 20 November 2026 at 48.0N 37.8E unless told otherwise; each call's bytes differ. */
const photo = (over: { at?: string; offset?: string | null; lat?: number; lon?: number } = {}) =>
  jpeg(
    {
      make: 'Google',
      model: 'Pixel 8',
      dateTimeOriginal: over.at ?? '2026:11:20 14:05:30',
      ...(over.offset === null ? {} : { offsetTimeOriginal: over.offset ?? '+02:00' }),
      gps: { lat: over.lat ?? 48.0, lon: over.lon ?? 37.8, errorM: 8 },
    },
    `photo ${++salt}`,
  );

const upload = (body: Buffer, query: Record<string, string> = {}, headers: Headers = analyst, type = 'image/jpeg') =>
  app.inject({ method: 'POST', url: `/api/evidence?${new URLSearchParams(query)}`, headers: { ...headers, 'content-type': type }, payload: body });
const get = (url: string, headers: Headers = analyst, extra: Record<string, string> = {}) => app.inject({ method: 'GET', url, headers: { ...headers, ...extra } });

/** An observation at 14:00+02:00 on 20 November 2026 at 48.0N 37.8E (accuracy 500 m), as the analyst files it. */
async function observation(over: Record<string, unknown> = {}): Promise<string> {
  const input = observationInput({ observedAt: '2026-11-20T14:00:00+02:00', location: { lat: 48.0, lon: 37.8, accuracyM: 500 }, ...over });
  const res = await app.inject({ method: 'POST', url: '/api/observations', headers: { ...analyst, 'content-type': 'application/json' }, payload: JSON.stringify(input) });
  expect(res.statusCode, res.body).toBe(201);
  return input.id;
}

const evidenceDir = () => dirname(store.evidence.stagingDir);
/** Every blob file under the evidence folder (not the staging folder). */
async function blobs(): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      if (e.isDirectory() && e.name !== 'tmp') await walk(join(dir, e.name));
      else if (e.isFile()) found.push(e.name);
    }
  };
  await walk(evidenceDir());
  return found.sort();
}
const stagedFiles = async () => (await readdir(store.evidence.stagingDir).catch(() => [] as string[])).sort();

describe('evidence API: upload by content hash', () => {
  it('stores a photo under its SHA-256, reads its EXIF, finds it agrees with the observation, and gives the bytes back identical', async () => {
    const obs = await observation();
    const file = photo();
    const res = await upload(file, { observation: obs, filename: 'crater 1.jpg' });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.headers.location).toBe(`/api/evidence/${sha(file)}`);
    const e = res.json();
    expect(e).toMatchObject({
      sha256: sha(file),
      size: file.length,
      mediaType: 'image/jpeg',
      capture: { dateTimeOriginal: '2026-11-20T14:05:30', offsetTimeOriginal: '+02:00', make: 'Google', model: 'Pixel 8', gpsErrorM: 8 },
      captureTime: { at: '2026-11-20T12:05:30.000Z', basis: 'exif-offset' },
      flags: [],
    });
    expect(e.attachments).toEqual([
      {
        id: e.added[0],
        target: { kind: 'observation', id: obs },
        releasability: 'MECHANISM',
        filename: 'crater 1.jpg',
        declaredType: 'image/jpeg',
        addedBy: `token:${analystName}`,
        addedAt: expect.any(String),
        check: expect.objectContaining({ time: 'agrees', place: 'agrees', timeDifferenceS: 330, distanceM: 0, flags: [] }),
      },
    ]);
    const content = await get(`/api/evidence/${e.sha256}/content`);
    expect(content.statusCode).toBe(200);
    expect(content.rawPayload.equals(file)).toBe(true);
    expect(content.headers).toMatchObject({
      'content-type': 'image/jpeg',
      'content-length': String(file.length),
      'x-content-type-options': 'nosniff',
      'repr-digest': `sha-256=:${createHash('sha256').update(file).digest('base64')}:`,
      'cache-control': 'private, no-store',
    });
    expect(content.headers['content-disposition']).toBe(`inline; filename="${sha(file)}.jpg"`);
  });

  it('stores the same bytes once: uploaded again it answers 200 with one more custody entry, or one more attachment', async () => {
    const obs = await observation();
    const other = await observation({ observedAt: '2026-11-21T09:00:00+02:00' });
    const file = photo();
    const blobsBefore = (await blobs()).length;
    expect((await upload(file, { observation: obs }, monitor.headers)).statusCode).toBe(201);
    const again = await upload(file, { observation: obs });
    expect(again.statusCode).toBe(200);
    expect(again.json().attachments).toHaveLength(1);
    const third = await upload(file, { observation: other });
    expect(third.statusCode).toBe(200);
    expect(third.json().attachments.map((a: { target: { id: string } }) => a.target.id)).toEqual([obs, other]);
    expect(third.json().custody.map((c: { action: string; actor: string }) => [c.action, c.actor])).toEqual([
      ['added', `token:${monitor.username}`],
      ['added', `token:${analystName}`],
      ['added', `token:${analystName}`],
    ]);
    expect((await blobs()).length).toBe(blobsBefore + 1);
    expect(await blobs()).toContain(sha(file));
    expect((await store.evidence.list({ visibility: SEE_ALL, sha256: sha(file), limit: 10 })).total).toBe(2);
  });

  it('flags a photo whose time and place disagree with the observation, with the reasons', async () => {
    const obs = await observation();
    // Taken the next morning, 11 km north.
    const res = await upload(photo({ at: '2026:11:21 08:00:00', lat: 48.1 }), { observation: obs });
    expect(res.statusCode).toBe(201);
    const check = res.json().attachments[0].check;
    expect(check).toMatchObject({ time: 'disagrees', place: 'disagrees', timeDifferenceS: 18 * 3600 });
    expect(res.json().flags.map((f: { code: string }) => f.code)).toEqual(['capture-time-disagrees', 'capture-place-disagrees']);
    expect(res.json().flags[0].reason).toContain('18.0 h after');
    expect(res.json().flags[1].reason).toMatch(/11\.1 km from the observation's place; tolerance 2\.0 km/);
    // The flags are stored: a later read shows them, and so does the audit log.
    const read = await get(`/api/evidence/${res.json().sha256}`);
    expect(read.json().flags).toEqual(res.json().flags);
    const audit = await store.audit.list({ entity: 'evidence', entityId: res.json().sha256, limit: 10 });
    expect(audit.items[0]).toMatchObject({ action: 'evidence.add', detail: { attachments: [{ flags: ['capture-time-disagrees', 'capture-place-disagrees'] }] } });
  });

  it("reads a camera clock without zone in the observation's zone and says so", async () => {
    const obs = await observation();
    const res = await upload(photo({ at: '2026:11:20 14:40:00', offset: null }), { observation: obs });
    expect(res.json().captureTime).toEqual({ at: null, local: '2026-11-20T14:40:00', basis: 'local' });
    expect(res.json().attachments[0].check).toMatchObject({ time: 'agrees', timeDifferenceS: 2400, notes: ["the capture time 2026-11-20 14:40:00 has no zone; read in the report's zone (+02:00)"] });
  });

  it('keeps a photo without EXIF, a PDF and a video, typed by their bytes, with nothing to compare', async () => {
    const obs = await observation();
    for (const [file, declared, type] of [
      [jpeg(undefined, `plain ${++salt}`), 'image/jpeg', 'image/jpeg'],
      [pdf(`statement ${++salt}`), 'application/pdf', 'application/pdf'],
      [mp4Header(String(++salt)), 'application/octet-stream', 'video/mp4'],
    ] as const) {
      const res = await upload(file, { observation: obs }, analyst, declared);
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json()).toMatchObject({ sha256: sha(file), mediaType: type, capture: null, captureTime: null, flags: [] });
      expect(res.json().attachments[0]).toMatchObject({ declaredType: declared, check: { time: 'unknown', place: 'unknown' } });
      const back = await get(`/api/evidence/${sha(file)}/content`);
      expect(back.headers['content-type']).toBe(type);
      expect(back.rawPayload.equals(file)).toBe(true);
    }
    // A file whose bytes say nothing keeps the declared type, and is served as a download.
    const html = Buffer.from(`<script>alert(${++salt})</script>`);
    expect((await upload(html, {}, analyst, 'text/html')).json().mediaType).toBe('text/html');
    expect((await get(`/api/evidence/${sha(html)}/content`)).headers['content-disposition']).toBe(`attachment; filename="${sha(html)}.bin"`);
  });

  it('lists the evidence of an observation and attaches stored evidence to another one', async () => {
    const obs = await observation();
    const later = await observation();
    const a = photo();
    const b = photo();
    await upload(a, { observation: obs });
    await upload(b, { observation: obs });
    const list = await get(`/api/evidence?observation=${obs}`);
    expect(list.json().items.map((i: { sha256: string }) => i.sha256)).toEqual([sha(b), sha(a)]);
    expect(list.json().total).toBe(2);
    const linked = await app.inject({
      method: 'POST',
      url: `/api/evidence/${sha(a)}/links`,
      headers: { ...analyst, 'content-type': 'application/json' },
      payload: JSON.stringify({ observation: later }),
    });
    expect(linked.statusCode, linked.body).toBe(200);
    expect(linked.json().custody.map((c: { action: string }) => c.action)).toEqual(['added', 'linked']);
    expect((await get(`/api/evidence?observation=${later}`)).json().items.map((i: { sha256: string }) => i.sha256)).toEqual([sha(a)]);
    expect((await get(`/api/evidence?observation=${obs}&incident=x`)).statusCode).toBe(400);
  });

  it('refuses evidence for an observation that does not exist for the uploader (404), before storing anything', async () => {
    const res = await upload(photo(), { observation: 'no-such-observation' });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.json().detail).toBe('observation no-such-observation does not exist');
  });

  it("compares a file attached to an allegation with the claimed time and place", async () => {
    // The allegation's repository is another aggregate's: its reader is given to the service here.
    const claim = { kind: 'allegation' as const, id: 'alg-1', at: '2026-11-20T14:00:00+03:00', until: null, place: { lat: 48.0, lon: 37.8 }, observer: null };
    const service = new EvidenceService(store, { maxBytes: MAX_EVIDENCE, resolvers: { allegation: async (id) => (id === claim.id ? claim : undefined) } });
    const actor: UserActor = { type: 'user', id: 'p', username: 'party-liaison', nation: 'RUS', org: 'RUS', orgKind: 'party', roles: ['liaison_officer'] };
    const caller = { actor, visibility: visibilityOf(actor, COALITION_PRESET), address: '198.51.100.4' };
    // 14:05:30+02:00 is 15:05:30+03:00: 65.5 minutes after the claimed 14:00+03:00, where the claim says.
    const result = await service.upload(caller, { body: Readable.from([photo()]), declaredType: 'image/jpeg', declaredSize: null, filename: null, targets: [{ kind: 'allegation', id: 'alg-1' }] });
    expect(result.created).toBe(true);
    expect(result.evidence.attachments[0]).toMatchObject({ releasability: 'REL TO RUS', check: { time: 'agrees', place: 'agrees', timeDifferenceS: 3930, reference: { kind: 'allegation', id: 'alg-1' } } });
    const far = await service.upload(caller, { body: Readable.from([photo({ lat: 48.5 })]), declaredType: 'image/jpeg', declaredSize: null, filename: null, targets: [{ kind: 'allegation', id: 'alg-1' }] });
    expect(far.evidence.flags.map((f) => f.code)).toEqual(['capture-place-disagrees']);
    await expect(service.upload(caller, { body: Readable.from([photo()]), declaredType: 'image/jpeg', declaredSize: null, filename: null, targets: [{ kind: 'allegation', id: 'alg-2' }] })).rejects.toMatchObject({
      status: 404,
      message: 'allegation alg-2 does not exist',
    });
  });

  it('records a change in the feed for each new attachment', async () => {
    const before = await store.changes.latest();
    const res = await upload(photo(), {});
    const events = (await store.changes.since(before, 100)).filter((e) => e.entity === 'evidence');
    expect(events.map((e) => [e.op, e.id])).toEqual([['created', res.json().added[0]]]);
  });
});

describe('evidence API: chain of custody', () => {
  it('records who added and who viewed, when and from where, and a byte range when partial', async () => {
    const file = photo();
    const res = await upload(file, {}, monitor.headers);
    const seen = await get(`/api/evidence/${res.json().sha256}/content`, analyst, { range: 'bytes=0-99' });
    expect(seen.statusCode).toBe(206);
    expect(seen.headers['content-range']).toBe(`bytes 0-99/${file.length}`);
    expect(seen.rawPayload.equals(file.subarray(0, 100))).toBe(true);
    expect((await get(`/api/evidence/${res.json().sha256}/content`, monitor.headers)).statusCode).toBe(200);
    const past = await get(`/api/evidence/${res.json().sha256}/content`, analyst, { range: `bytes=${file.length}-` });
    expect(past.statusCode).toBe(416);
    expect(past.headers['content-range']).toBe(`bytes */${file.length}`);
    const custody = (await get(`/api/evidence/${res.json().sha256}`)).json().custody;
    expect(custody.map((c: { action: string; actor: string; range: string | null; address: string }) => [c.action, c.actor, c.range, c.address])).toEqual([
      ['added', `token:${monitor.username}`, null, '127.0.0.1'],
      ['viewed', `token:${analystName}`, '0-99', '127.0.0.1'],
      ['viewed', `token:${monitor.username}`, null, '127.0.0.1'],
    ]);
    // Reading the record is not viewing the evidence; HEAD is not served at all.
    expect((await app.inject({ method: 'HEAD', url: `/api/evidence/${res.json().sha256}/content`, headers: analyst })).statusCode).toBe(404);
  });
});

describe('evidence API: releasability', () => {
  it('answers 404 to a reader none of whose attachments are released to, also for the bytes, and leaves it out of lists', async () => {
    const obs = await observation({ releasability: 'COALITION' });
    const file = photo();
    const res = await upload(file, { observation: obs });
    expect(res.json().attachments[0].releasability).toBe('MECHANISM');
    for (const headers of [russianLiaison.headers, frenchLiaison]) {
      expect((await get(`/api/evidence/${sha(file)}`, headers)).statusCode).toBe(404);
      expect((await get(`/api/evidence/${sha(file)}/content`, headers)).statusCode).toBe(404);
      expect((await get(`/api/evidence?observation=${obs}`, headers)).json()).toEqual({ items: [], total: 0, nextCursor: null });
    }
    // Released to France: France sees it; the party still does not.
    await upload(file, { observation: obs, releasability: 'REL TO FRA' });
    expect((await get(`/api/evidence/${sha(file)}`, frenchLiaison)).json().attachments.map((a: { releasability: string }) => a.releasability)).toEqual(['REL TO FRA']);
    expect((await get(`/api/evidence/${sha(file)}/content`, frenchLiaison)).rawPayload.equals(file)).toBe(true);
    expect((await get(`/api/evidence/${sha(file)}/content`, russianLiaison.headers)).statusCode).toBe(404);
  });

  it("lets a party attach the same file as its own copy without seeing the mechanism's", async () => {
    const file = photo();
    await upload(file, {});
    await get(`/api/evidence/${sha(file)}/content`);
    // New to the party: 201, labelled for its own nation, showing only what is its own.
    const theirs = await upload(file, { filename: 'our copy.jpg' }, russianLiaison.headers);
    expect(theirs.statusCode, theirs.body).toBe(201);
    expect(theirs.json().attachments.map((a: { releasability: string; filename: string }) => [a.releasability, a.filename])).toEqual([['REL TO RUS', 'our copy.jpg']]);
    expect(theirs.json().custody.map((c: { actor: string }) => c.actor)).toEqual([`token:${russianLiaison.username}`]);
    expect(theirs.json()).not.toHaveProperty('firstSeenAt');
    expect((await get(`/api/evidence/${sha(file)}/content`, russianLiaison.headers)).rawPayload.equals(file)).toBe(true);
    // The mechanism sees both copies and every view.
    const all = (await get(`/api/evidence/${sha(file)}`)).json();
    expect(all.attachments.map((a: { releasability: string }) => a.releasability)).toEqual(['MECHANISM', 'REL TO RUS']);
    expect(all.custody.map((c: { action: string }) => c.action)).toEqual(['added', 'viewed', 'added', 'viewed']);
    // A party may not label evidence so that it could not see it itself, nor attach to what it cannot see.
    expect((await upload(photo(), { releasability: 'MECHANISM' }, russianLiaison.headers)).statusCode).toBe(400);
    expect((await upload(photo(), { observation: await observation() }, russianLiaison.headers)).statusCode).toBe(404);
  });
});

describe('evidence API: what a refused or cut-off upload leaves', () => {
  /** Sends raw HTTP and answers the status line and the whole response text. */
  function raw(request: string | Buffer, opts: { endAfterWrite?: boolean; destroyAfterMs?: number } = {}): Promise<string> {
    const url = new URL(base);
    return new Promise((resolve, reject) => {
      const socket = connect(Number(url.port), url.hostname);
      let text = '';
      socket.on('data', (d) => (text += d.toString('latin1')));
      socket.on('error', (err) => (opts.destroyAfterMs !== undefined ? resolve(text) : reject(err)));
      socket.on('close', () => resolve(text));
      socket.on('connect', () => {
        socket.write(request);
        if (opts.destroyAfterMs !== undefined) setTimeout(() => socket.destroy(), opts.destroyAfterMs);
      });
    });
  }

  it('answers 401 to an anonymous upload from its headers alone, without reading the body', async () => {
    // Headers announce 50 MB and not one byte of it is sent: the answer still comes.
    const answer = await raw(`POST /api/evidence HTTP/1.1\r\nHost: x\r\nContent-Type: image/jpeg\r\nContent-Length: 50000000\r\nConnection: close\r\n\r\n`, { destroyAfterMs: 2000 });
    expect(answer).toMatch(/^HTTP\/1.1 401 /);
    expect(answer).toContain('application/problem+json');
  });

  it('answers 413 naming the limit to a declared oversize upload, before reading it, and stores nothing', async () => {
    const token = analyst.authorization;
    const answer = await raw(`POST /api/evidence HTTP/1.1\r\nHost: x\r\nAuthorization: ${token}\r\nContent-Type: video/mp4\r\nContent-Length: ${MAX_EVIDENCE + 1}\r\n\r\n`, { destroyAfterMs: 2000 });
    expect(answer).toMatch(/^HTTP\/1.1 413 /);
    expect(answer).toMatch(/connection: close/i);
    expect(answer).toContain(`exceeds the evidence limit of ${MAX_EVIDENCE} bytes (TRUCELINE_MAX_EVIDENCE)`);
  });

  it('answers 413 to an upload that grows past the limit while streaming, and keeps neither a blob nor a record', async () => {
    const before = await blobs();
    const file = Buffer.concat([mp4Header(String(++salt)), Buffer.alloc(MAX_EVIDENCE)]);
    // Chunked, so no length is declared: the limit is found while reading.
    const chunks: Buffer[] = [];
    for (let i = 0; i < file.length; i += 8192) {
      const part = file.subarray(i, i + 8192);
      chunks.push(Buffer.from(`${part.length.toString(16)}\r\n`), part, Buffer.from('\r\n'));
    }
    const head = `POST /api/evidence HTTP/1.1\r\nHost: x\r\nAuthorization: ${analyst.authorization}\r\nContent-Type: video/mp4\r\nTransfer-Encoding: chunked\r\n\r\n`;
    const answer = await raw(Buffer.concat([Buffer.from(head), ...chunks]), { destroyAfterMs: 3000 });
    expect(answer).toMatch(/^HTTP\/1.1 413 /);
    const problem = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));
    expect(problem).toMatchObject({ type: 'https://truceline.org/problems/evidence-too-large', limit: MAX_EVIDENCE, field: '(body)' });
    expect(problem.detail).toMatch(new RegExp(`^upload of \\d+\\+ bytes exceeds the evidence limit of ${MAX_EVIDENCE} bytes`));
    expect(await blobs()).toEqual(before);
    expect(await stagedFiles()).toEqual([]);
    expect(await store.evidence.get(sha(file), SEE_ALL)).toBeUndefined();
    const refused = (await store.audit.list({ entity: 'evidence', limit: 50 })).items.filter((e) => e.action === 'evidence.refused');
    expect(refused.some((e) => String(e.detail.reason).includes('TRUCELINE_MAX_EVIDENCE'))).toBe(true);
  });

  it('keeps nothing of an upload cut off midway: no blob, no staging file, no record', async () => {
    const before = await blobs();
    const recordsBefore = (await store.evidence.list({ visibility: SEE_ALL, limit: 1 })).total;
    const token = analyst.authorization;
    const head = `POST /api/evidence HTTP/1.1\r\nHost: x\r\nAuthorization: ${token}\r\nContent-Type: image/jpeg\r\nContent-Length: 40000\r\n\r\n`;
    await raw(Buffer.concat([Buffer.from(head), photo(), Buffer.alloc(10_000, 7)]), { destroyAfterMs: 300 });
    // The server learns of the cut asynchronously: wait for its refusal in the audit log.
    await expect
      .poll(async () => (await store.audit.list({ entity: 'evidence', limit: 50 })).items.some((e) => e.action === 'evidence.refused' && String(e.detail.reason).includes('upload stopped')), { timeout: 5000 })
      .toBe(true);
    expect(await stagedFiles()).toEqual([]);
    expect(await blobs()).toEqual(before);
    expect((await store.evidence.list({ visibility: SEE_ALL, limit: 1 })).total).toBe(recordsBefore);
  });

  it('refuses an empty upload with a problem naming the body', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/evidence', headers: { ...analyst, 'content-type': 'image/jpeg' } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ field: '(body)', detail: expect.stringContaining('empty') });
  });
});
