/**
 * ACLED through the importer into a real store: every row of the real sample counted
 * (received = stored + quarantined), re-imports add nothing, newer versions supersede, export
 * re-imports; the API upload and the CSV export.
 */
import { SEE_ALL } from '../../src/domain/identity';
import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Observation } from '../../src/domain/observation';
import { ACLED_COLUMNS } from '../../src/ingest/acled/columns';
import { toAcledCsv } from '../../src/ingest/acled/export';
import { AcledImporter } from '../../src/ingest/acled/import';
import { buildApp } from '../../src/server/app';
import { injectAs } from '../support/app';
import { testUser } from '../support/auth';
import { importAcledInto } from '../../src/services/acled-import';
import { ObservationIngest } from '../../src/services/observation-ingest';
import type { Store } from '../../src/store/repository';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store';
import { SHARED_NOTE, SKIP_SHARED, acledFiles } from './shared-data';

function freshStore(): { store: Store; file: string } {
  const file = join(mkdtempSync(join(tmpdir(), 'truceline-acled-')), 'acled.db');
  return { store: openSqliteStore(file), file };
}

function chunks(buf: Buffer, size = 7919): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) out.push(buf.subarray(i, i + size));
  return out;
}

async function allObservations(store: Store): Promise<Observation[]> {
  const out: Observation[] = [];
  for await (const c of store.observations.iterate({ visibility: SEE_ALL })) out.push(...c);
  return out;
}

describe.skipIf(SKIP_SHARED)(`ACLED into the store: the real sample${SHARED_NOTE}`, () => {
  it.each(acledFiles().map((f) => [f.name, f] as const))('%s: every row stored raw, then stored or quarantined; re-import adds nothing; export re-imports', async (_name, file) => {
    const { store, file: dbFile } = freshStore();
    const ingest = new ObservationIngest(store);
    const probe = new AcledImporter();
    probe.push(file.bytes);
    probe.end();
    const rows = probe.stats.rows;
    expect(rows).toBeGreaterThan(0);

    const first = await importAcledInto(store, ingest, chunks(file.bytes), { raw: { kind: 'rows' } });
    expect(first.rows).toBe(rows);
    expect(first.accepted + first.quarantined).toBe(rows);
    let stats = await store.ingest.ledger.stats();
    expect(stats.acled).toEqual({ received: rows, accepted: first.accepted, quarantined: first.quarantined, replayed: 0, pending: 0 });
    const stored = await store.observations.count();
    expect(stored).toBe(first.inserted + first.superseded + first.older);
    expect(first.unchanged + first.inserted + first.superseded + first.older + first.alreadyStored).toBe(first.accepted);

    // The store itself: one raw input per row, each the header and the row (a CSV that parses again).
    const db = new Database(dbFile, { readonly: true });
    try {
      expect(db.prepare("SELECT COUNT(*) FROM raw_inbox WHERE channel = 'acled'").pluck().get()).toBe(rows);
      const q = db.prepare("SELECT COUNT(DISTINCT raw_id) FROM quarantine WHERE channel = 'acled'").pluck().get() as number;
      expect(q).toBe(first.quarantined);
      const withObservation = db.prepare("SELECT COUNT(DISTINCT raw_id) FROM observations WHERE raw_id IN (SELECT id FROM raw_inbox WHERE channel = 'acled')").pluck().get() as number;
      expect(withObservation).toBe(stored);
      const one = db.prepare("SELECT body FROM raw_inbox WHERE channel = 'acled' LIMIT 1").pluck().get() as Buffer;
      expect(one.toString('utf8').split('\n')[0]!.toLowerCase()).toContain('event_id_cnty');
    } finally {
      db.close();
    }
    const observations = await allObservations(store);
    expect(observations.every((o) => o.source.kind === 'osint' && o.releasability === 'COALITION' && o.id.startsWith('acled:'))).toBe(true);

    // Again: every row received again, nothing new stored.
    const again = await importAcledInto(store, ingest, [file.bytes], { raw: { kind: 'rows' } });
    expect(again.rows).toBe(rows);
    expect(again.inserted + again.superseded + again.older).toBe(0);
    expect(await store.observations.count()).toBe(stored);
    stats = await store.ingest.ledger.stats();
    expect(stats.acled.received).toBe(2 * rows);
    expect(stats.acled.accepted + stats.acled.quarantined).toBe(2 * rows);

    // Export → import: into the same store, nothing new; into an empty one, the same ids and content.
    const csv = toAcledCsv(observations);
    const back = await importAcledInto(store, ingest, [csv], { raw: { kind: 'rows' } });
    expect(back.rows).toBe(stored);
    expect(back.quarantined).toBe(0);
    expect(await store.observations.count()).toBe(stored);
    const other = freshStore();
    const elsewhere = await importAcledInto(other.store, new ObservationIngest(other.store), Readable.from(chunks(Buffer.from(csv), 4096)), { raw: { kind: 'rows' } });
    expect(elsewhere.quarantined).toBe(0);
    const copied = await allObservations(other.store);
    const strip = (o: Observation) => ({ ...o, receivedAt: '', sector: null });
    expect(copied.map(strip).sort((a, b) => (a.id < b.id ? -1 : 1))).toEqual(observations.map(strip).sort((a, b) => (a.id < b.id ? -1 : 1)));
    await other.store.close();
    await store.close();
  });
});

describe('ACLED versions', () => {
  const row = (id: string, ts: number, notes: string) =>
    ACLED_COLUMNS.map((c) =>
      ({
        event_id_cnty: id,
        event_date: '2024-02-16',
        year: '2024',
        time_precision: '1',
        event_type: 'Explosions/Remote violence',
        sub_event_type: 'Shelling/artillery/missile attack',
        latitude: '48.1',
        longitude: '37.7',
        geo_precision: '1',
        notes,
        fatalities: '0',
        timestamp: String(ts),
      })[c as string] ?? '',
    )
      .map((v) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v))
      .join(',');
  const csv = (...rows: string[]) => `${ACLED_COLUMNS.join(',')}\n${rows.join('\n')}\n`;

  it('stores a newer version beside the old one, linked; an unchanged one adds nothing; an older one is history, superseded', async () => {
    const { store } = freshStore();
    const ingest = new ObservationIngest(store);
    const s1 = await importAcledInto(store, ingest, [csv(row('UKR9', 1700000000, 'first'), row('UKR8', 1700000000, 'other'))], { raw: { kind: 'rows' } });
    expect(s1).toMatchObject({ rows: 2, inserted: 2, accepted: 2 });
    const s2 = await importAcledInto(store, ingest, [csv(row('UKR9', 1700000500, 'revised'), row('UKR8', 1700000000, 'other'), row('UKR9', 1600000000, 'ancient'), row('UKR7', 1, 'bad "quote'), 'not,a,row')], {
      raw: { kind: 'rows' },
    });
    expect(s2).toMatchObject({ rows: 5, inserted: 1, superseded: 1, unchanged: 1, older: 1, accepted: 4, quarantined: 1 });
    // UKR7's row parses: it is a new event; the short row is quarantined. "ancient" is older than known: history.
    expect(await store.observations.get('acled:UKR9:1700000000', SEE_ALL)).toBeDefined();
    expect((await store.observations.get('acled:UKR9:1700000500', SEE_ALL))?.notes).toMatch(/^revised/);
    // The newest version supersedes the one it replaced and the older one that arrived after it.
    expect(await store.ingest.versions.supersedes('acled:UKR9:1700000500')).toEqual(['acled:UKR9:1600000000', 'acled:UKR9:1700000000']);
    expect((await store.observations.get('acled:UKR9:1600000000', SEE_ALL))?.notes).toMatch(/^ancient/);
    expect(await store.ingest.versions.supersededBy('acled:UKR9:1600000000')).toEqual(['acled:UKR9:1700000500']);
    expect(await store.observations.count()).toBe(5);
    const stats = await store.ingest.ledger.stats();
    expect(stats.acled).toEqual({ received: 7, accepted: 6, quarantined: 1, replayed: 0, pending: 0 });
    const q = await store.inbox.listQuarantine({ limit: 10, channel: 'acled' });
    expect(q.items[0]!.reason).toMatch(/row 5 \(line 6\): row has 3 fields/);
    await store.close();
  });

  it('is uploaded over the API as text/csv (one raw input, its rows counted) and exported as ACLED CSV', async () => {
    const { store } = freshStore();
    const app = injectAs(await buildApp({ store, config: { maxBody: 10 * 1024 * 1024, web: false, logLevel: 'silent' } }), (await testUser(store, { roles: ['analyst'] })).headers);
    try {
      const body = csv(row('UKR1', 1700000000, 'one'), row('UKR2', 1700000000, 'two, with "quotes"'), 'x,y');
      const r = await app.inject({ method: 'POST', url: '/api/import/acled', headers: { 'content-type': 'text/csv' }, payload: body });
      expect(r.statusCode).toBe(200);
      const summary = r.json() as { rawId: string; rows: number; inserted: number; quarantined: number };
      expect(summary).toMatchObject({ rows: 3, inserted: 2, quarantined: 1 });
      expect((await store.inbox.getRaw(summary.rawId))?.body.toString()).toBe(body);
      const stats = (await app.inject({ method: 'GET', url: '/api/inbox/stats' })).json() as Record<string, { received: number; accepted: number; quarantined: number }>;
      expect(stats.acled).toMatchObject({ received: 3, accepted: 2, quarantined: 1 });
      expect(stats.http).toMatchObject({ received: 0 });
      // JSON is not CSV.
      const wrong = await app.inject({ method: 'POST', url: '/api/import/acled', headers: { 'content-type': 'application/json' }, payload: '{}' });
      expect(wrong.statusCode).toBe(415);

      const exported = await app.inject({ method: 'GET', url: '/api/observations.csv' });
      expect(exported.statusCode).toBe(200);
      expect(exported.headers['content-type']).toMatch(/^text\/csv/);
      const lines = exported.body.trim().split('\n');
      expect(lines[0]).toBe(ACLED_COLUMNS.join(','));
      expect(lines).toHaveLength(3);
      const again = await app.inject({ method: 'POST', url: '/api/import/acled', headers: { 'content-type': 'text/csv; charset=utf-8' }, payload: exported.body });
      expect(again.json()).toMatchObject({ rows: 2, unchanged: 2, inserted: 0, quarantined: 0 });
      const none = await app.inject({ method: 'GET', url: '/api/observations.csv?kind=flight' });
      expect(none.body).toBe(`${ACLED_COLUMNS.join(',')}\n`);
    } finally {
      await app.close();
      await store.close();
    }
  });
});
