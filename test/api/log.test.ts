import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { execFile } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { canonicalJson, leafHash, verifyConsistency, verifyInclusion } from '../../src/domain/merkle';
import type { Store } from '../../src/store/repository';
import { testApp } from '../support/app';
import { testUser } from '../support/auth';
import { storedObservation } from '../support/factories';

/**
 * The transparency log through HTTP on a real app and SQLite file: what anyone may read, what only
 * those a record is released to see, and proofs checked with the public key alone, by the same
 * standalone script the README shows, against a listening server.
 */

const run = promisify(execFile);
const SCRIPT = join(import.meta.dirname, '..', '..', 'scripts', 'verify-proof.mjs');

let app: FastifyInstance;
let store: Store;
let close: () => Promise<void>;
let base: string;
type Headers = { authorization: string };
let chief: Headers;
let monitor: Headers;
let publicId: string;
let mechanismId: string;

const b64 = (s: string) => Buffer.from(s, 'base64');
const get = (url: string, headers?: Headers) => app.inject({ method: 'GET', url, ...(headers ? { headers } : {}) });
const post = (url: string, headers?: Headers) => app.inject({ method: 'POST', url, ...(headers ? { headers } : {}) });
const script = (args: string[], env: Record<string, string> = {}) =>
  run(process.execPath, [SCRIPT, base, ...args], { env: { ...process.env, ...env }, timeout: 30_000 }).then(
    (r) => ({ code: 0, stdout: r.stdout }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout + e.stderr }),
  );

beforeAll(async () => {
  let headers: Headers;
  ({ app, store, close, headers } = await testApp({ anonymous: true }));
  chief = headers;
  monitor = (await testUser(store, { roles: ['monitor'] })).headers;
  base = await app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(() => close());

describe('the transparency log API', () => {
  it('answers with no checkpoint before the first, to anyone', async () => {
    const r = await get('/api/log/checkpoints');
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ latest: null, items: [] });
    expect((await get('/api/log/proof/0')).statusCode).toBe(404);
  });

  it('checkpoints on demand for chief monitors and admins only; the signature checks with the public key', async () => {
    const pub = storedObservation({ releasability: 'PUBLIC' });
    const mech = storedObservation({ releasability: 'MECHANISM' });
    publicId = pub.observation.id;
    mechanismId = mech.observation.id;
    await store.observations.insertMany([pub, mech, storedObservation(), storedObservation()]);

    expect((await post('/api/log/checkpoints')).statusCode).toBe(401);
    expect((await post('/api/log/checkpoints', monitor)).statusCode).toBe(403);
    const made = await post('/api/log/checkpoints', chief);
    expect(made.statusCode).toBe(201);
    const c = made.json() as { treeSize: number; rootHash: string; timestamp: string; keyId: string; signature: string; text: string };
    expect(c.treeSize).toBe(4);
    expect(c.text).toBe(`truceline-checkpoint\n4\n${c.rootHash}\n${c.timestamp}\n`);

    const key = (await get('/api/log/public-key')).json() as { keyId: string; algorithm: string; publicKeyPem: string; publicKeyRaw: string; keys: { inUse: boolean }[] };
    expect(key).toMatchObject({ keyId: c.keyId, algorithm: 'Ed25519' });
    expect(key.keys.filter((k) => k.inUse)).toHaveLength(1);
    expect(b64(key.publicKeyRaw)).toHaveLength(32);
    expect(verify(null, Buffer.from(c.text), createPublicKey(key.publicKeyPem), b64(c.signature))).toBe(true);
    expect(verify(null, Buffer.from(c.text.replace('\n4\n', '\n5\n')), createPublicKey(key.publicKeyPem), b64(c.signature))).toBe(false);

    const list = (await get('/api/log/checkpoints')).json() as { latest: { treeSize: number }; items: unknown[] };
    expect(list.latest.treeSize).toBe(4);
    expect(list.items).toHaveLength(1);
    const audit = await store.audit.list({ entity: 'log', limit: 10 });
    expect(audit.items.map((a) => a.action)).toEqual(['log.checkpoint']);
  });

  it("shows an entry's record only to readers it is released to; its hash and kind to anyone", async () => {
    const index = async (id: string) => ((await get(`/api/log/entries?entity=observation&id=${id}`, chief)).json() as { items: { index: number }[] }).items[0]!.index;
    const mech = await index(mechanismId);
    const pub = await index(publicId);

    const hidden = (await get(`/api/log/entries/${mech}`)).json() as Record<string, unknown>;
    expect(hidden).toEqual({ index: mech, leafHash: expect.any(String), entity: 'observation', op: 'created', visible: false });
    const shown = (await get(`/api/log/entries/${mech}`, monitor)).json() as { visible: boolean; data: { id: string }; leaf: string; leafHash: string };
    expect(shown.visible).toBe(true);
    expect(shown.data.id).toBe(mechanismId);
    expect(leafHash(Buffer.from(shown.leaf)).toString('base64')).toBe(shown.leafHash);
    expect(shown.leafHash).toBe(hidden.leafHash);

    const open = (await get(`/api/log/entries/${pub}`)).json() as { visible: boolean; data: unknown };
    expect(open.visible).toBe(true);
    // The data as logged is the record as the API serves it, canonicalised.
    expect(canonicalJson(open.data)).toBe(canonicalJson(await store.observations.get(publicId, { all: true })));

    expect((await get(`/api/log/entries?entity=observation&id=${mechanismId}`)).json()).toEqual({ items: [], next: null });
    const page = (await get('/api/log/entries?from=0&limit=3')).json() as { items: { visible: boolean; id?: string }[]; next: number | null };
    expect(page.items).toHaveLength(3);
    expect(page.next).toBe(3);
    expect(page.items.filter((e) => e.visible).map((e) => e.id)).toEqual(page.items.filter((e) => e.id === publicId).map((e) => e.id));
    expect((await get('/api/log/entries?entity=observation')).statusCode).toBe(400);
    expect((await get('/api/log/entries/999')).statusCode).toBe(404);
  });

  it('serves inclusion and consistency proofs that verify against the signed checkpoints alone', async () => {
    const first = ((await get('/api/log/checkpoints')).json() as { latest: { treeSize: number; rootHash: string } }).latest;
    const more = [storedObservation({ releasability: 'PUBLIC' }), storedObservation(), storedObservation()];
    await store.observations.insertMany(more);
    await store.observations.relabel(mechanismId, 'PUBLIC', { all: true });
    const second = (await post('/api/log/checkpoints', chief)).json() as { treeSize: number; rootHash: string };
    expect(second.treeSize).toBe(first.treeSize + 4);

    for (let i = 0; i < second.treeSize; i++) {
      const p = (await get(`/api/log/proof/${i}`)).json() as { treeSize: number; leafHash: string; proof: string[]; checkpoint: { rootHash: string } };
      expect(p.treeSize).toBe(second.treeSize);
      expect(p.checkpoint.rootHash).toBe(second.rootHash);
      expect(verifyInclusion(b64(p.leafHash), i, p.treeSize, p.proof.map(b64), b64(second.rootHash)), `entry ${i}`).toBe(true);
    }
    const old = (await get(`/api/log/proof/1?treeSize=${first.treeSize}`)).json() as { leafHash: string; proof: string[]; checkpoint: { rootHash: string } };
    expect(verifyInclusion(b64(old.leafHash), 1, first.treeSize, old.proof.map(b64), b64(first.rootHash))).toBe(true);
    expect((await get(`/api/log/proof/${second.treeSize - 1}?treeSize=${first.treeSize}`)).statusCode).toBe(400);
    expect((await get(`/api/log/proof/0?treeSize=${second.treeSize + 1}`)).statusCode).toBe(400);

    const cp = (await get(`/api/log/consistency?from=${first.treeSize}`)).json() as { from: number; to: number; proof: string[]; fromCheckpoint: { rootHash: string }; toCheckpoint: { rootHash: string } };
    expect(cp).toMatchObject({ from: first.treeSize, to: second.treeSize, fromCheckpoint: { rootHash: first.rootHash }, toCheckpoint: { rootHash: second.rootHash } });
    expect(verifyConsistency(cp.from, cp.to, b64(first.rootHash), b64(second.rootHash), cp.proof.map(b64))).toBe(true);
    expect(verifyConsistency(cp.from, cp.to, b64(second.rootHash), b64(second.rootHash), cp.proof.map(b64))).toBe(false);
    expect((await get(`/api/log/consistency?from=${second.treeSize + 1}&to=${second.treeSize}`)).statusCode).toBe(400);
  });

  it('the README verifier script checks an entry, its proof and the consistency of two checkpoints over HTTP', async () => {
    const index = ((await get(`/api/log/entries?entity=observation&id=${publicId}`)).json() as { items: { index: number }[] }).items[0]!.index;
    const { latest, items } = (await get('/api/log/checkpoints')).json() as { latest: { treeSize: number }; items: { treeSize: number }[] };
    const earlier = items[items.length - 1]!.treeSize;
    const ok = await script([String(index), String(earlier)]);
    expect(ok.stdout).toMatch(new RegExp(`^OK: entry ${index} \\(observation ${publicId}, created\\) is in the log of ${latest.treeSize} entries signed .*, which extends the log of ${earlier} entries`));
    expect(ok.code).toBe(0);

    // An entry not released to the public: still proven included, by its hash.
    const hiddenIndex = latest.treeSize - 2;
    const hidden = await script([String(hiddenIndex)]);
    expect(hidden.stdout).toMatch(/data not released to you\) is in the log/);

    // A key pinned out of band that did not sign: the checkpoint is refused.
    const dir = mkdtempSync(join(tmpdir(), 'truceline-log-key-'));
    const other = join(dir, 'other.pem');
    writeFileSync(other, generateKeyPairSync('ed25519').publicKey.export({ format: 'pem', type: 'spki' }));
    const refused = await script([String(index)], { TRUCELINE_LOG_PUBKEY: other });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/FAIL: the latest checkpoint is missing or its signature does not verify/);
  });

  it('the README shows that script exactly as scripts/verify-proof.mjs has it', () => {
    const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### A record all parties can check'));
    expect(/```js\n([\s\S]*?)```/.exec(section)?.[1]).toBe(readFileSync(SCRIPT, 'utf8'));
  });
});
