/**
 * CoT over TLS (TAK's 8089): client certificates from a throwaway CA, made with the openssl CLI.
 * A certificate whose CN is a Truceline user sends as that user and receives what the user may see;
 * an unknown CN is closed; no certificate fails the handshake.
 */
import { SEE_ALL } from '../../src/domain/identity';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { CotFramer } from '../../src/ingest/cot/framer';
import { TRUCELINE_UID_PREFIX } from '../../src/ingest/cot/map';
import { parseCot, type CotEvent } from '../../src/ingest/cot/parse';
import { rawItemOf, senderOfContentType } from '../../src/ingest/cot/server';
import { AuthService } from '../../src/services/auth';
import { startCot } from '../../src/services/cot-ingest';
import { ObservationIngest } from '../../src/services/observation-ingest';
import type { Store } from '../../src/store/repository';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store';
import { eventually, markerXml } from '../support/cot';
import { observationInput } from '../support/factories';

const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const SKIP = !hasOpenssl && process.env.CI !== 'true';
const NOTE = SKIP ? ' (skipped: the openssl CLI is not installed; CI=true makes this a failure)' : '';

const USER = 'fra-tak';
let dir: string;
let store: Store;
let cot: Awaited<ReturnType<typeof startCot>>;
let ingest: ObservationIngest;
const pem = (name: string) => readFileSync(join(dir, name));

function makeCerts(): void {
  const ossl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  ossl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Truceline test CA');
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  const leaf = (name: string, cn: string, ext: string) => {
    ossl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
    ossl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', ext);
  };
  leaf('server', 'localhost', 'server.ext');
  leaf('known', USER, 'client.ext');
  leaf('unknown', 'nobody-here', 'client.ext');
}

/** A TLS TAK client: frames and parses what it is sent. */
class TlsClient {
  readonly events: CotEvent[] = [];
  private readonly framer = new CotFramer();
  readonly closed: Promise<void>;
  isClosed = false;
  error: Error | undefined;
  constructor(readonly socket: TLSSocket) {
    socket.on('data', (chunk: Buffer) => {
      for (const r of this.framer.push(chunk)) {
        if (r.kind !== 'frame') continue;
        const p = parseCot(r.frame);
        if (p.ok) this.events.push(p.event);
      }
    });
    socket.on('error', (err) => (this.error ??= err));
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.isClosed = true;
        resolve();
      }),
    );
  }
  has(id: string): boolean {
    return this.events.some((e) => e.uid === TRUCELINE_UID_PREFIX + id);
  }
}

/** Resolves once the handshake is done, rejects if it fails. */
async function connectTls(client?: string): Promise<TlsClient> {
  const socket = connect({ port: cot.tls!.port, host: '127.0.0.1', servername: 'localhost', ca: pem('ca.pem'), ...(client ? { cert: pem(`${client}.pem`), key: pem(`${client}.key`) } : {}) });
  const c = new TlsClient(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('secureConnect', resolve);
    socket.once('error', reject);
  });
  return c;
}

describe('CoT raw inputs keep their sender', () => {
  it('in the content type, so a replay maps them as their user', () => {
    const frame = { kind: 'frame' as const, frame: Buffer.from('<event/>'), offset: 0 };
    const raw = rawItemOf(frame, new Date().toISOString(), 'id', { username: USER, nation: 'FRA' });
    expect(raw.contentType).toBe(`application/cot+xml; user=${USER}; nation=FRA`);
    expect(senderOfContentType(raw.contentType)).toEqual({ username: USER, nation: 'FRA' });
    expect(senderOfContentType(rawItemOf(frame, new Date().toISOString()).contentType)).toBeUndefined();
  });
});

describe.skipIf(SKIP)(`CoT over TLS with client certificates${NOTE}`, () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'truceline-cot-tls-'));
    makeCerts();
    store = openSqliteStore(join(dir, 'cot.db'));
    await new AuthService(store.identity, store.audit).createUser({ username: USER, password: 'a long test password', nation: 'FRA', org: 'France', orgKind: 'nation', roles: ['monitor'] }, 'test');
    ingest = new ObservationIngest(store);
    cot = await startCot(store, ingest, {
      port: 0,
      host: '127.0.0.1',
      anonymous: 'accept',
      snapshotWindowMs: 0,
      tls: { port: 0, key: pem('server.key'), cert: pem('server.pem'), ca: pem('ca.pem') },
    });
  });

  afterAll(async () => {
    await cot?.close();
    await store?.close();
  });

  it('a certificate naming a user: sends as that user, receives what the user may see', async () => {
    const client = await connectTls('known');
    const uid = `marker-${uuidv7()}`;
    client.socket.write(markerXml(uid, { remarks: 'Mortar impacts near the checkpoint' }));
    const marker = await eventually(async () => (await store.ingest.tak.current('marker', { visibility: SEE_ALL, subjects: [uid] }))[0]?.doc as { observationId: string } | undefined);
    const o = await store.observations.get(marker.observationId, SEE_ALL);
    expect(o?.source).toMatchObject({ kind: 'tak', reporter: USER, nation: 'FRA' });
    expect(o?.releasability).toBe('MECHANISM');
    // Stored raw first, like the plain port.
    const raws = await store.ingest.ledger.stats();
    expect(raws.cot.received).toBeGreaterThanOrEqual(1);

    const relFra = observationInput({ releasability: 'REL TO FRA', notes: 'for France' });
    const mechanism = observationInput({ releasability: 'MECHANISM', notes: 'mechanism only' });
    const open = observationInput({ releasability: 'PUBLIC', notes: 'for everyone' });
    const results = await ingest.submit([relFra, mechanism, open], { channel: 'http', rawId: null });
    expect(results.map((r) => r.status)).toEqual(['created', 'created', 'created']);
    await eventually(() => client.has(relFra.id) && client.has(open.id), 5000, 'the REL TO FRA and the PUBLIC observation as CoT');
    // Sent in commit order: the MECHANISM one, between the two, would have come before the PUBLIC one.
    expect(client.has(mechanism.id)).toBe(false);
    client.socket.end();
    await client.closed;
  });

  it('a verified certificate with an unknown CN: closed, nothing stored', async () => {
    const before = await store.ingest.ledger.stats();
    const client = await connectTls('unknown');
    client.socket.write(markerXml(`marker-${uuidv7()}`));
    await client.closed;
    await new Promise((r) => setTimeout(r, 200));
    expect((await store.ingest.ledger.stats()).cot.received).toBe(before.cot.received);
  });

  it('no client certificate: refused at the handshake', async () => {
    const before = await store.ingest.ledger.stats();
    let error: Error | undefined;
    try {
      const c = await connectTls();
      // TLS 1.3: the server's alert can arrive just after the client's side of the handshake is done.
      c.socket.write(markerXml(`marker-${uuidv7()}`));
      await c.closed;
      error = c.error;
    } catch (err) {
      error = err as Error;
    }
    expect(error?.message).toMatch(/certificate/i);
    await new Promise((r) => setTimeout(r, 200));
    expect((await store.ingest.ledger.stats()).cot.received).toBe(before.cot.received);
  });
});
