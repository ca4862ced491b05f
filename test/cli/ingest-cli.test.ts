import { SEE_ALL } from '../../src/domain/identity';
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { v7 as uuidv7 } from 'uuid';
import { ACLED_COLUMNS } from '../../src/ingest/acled/columns';
import { COT_CONTENT_TYPE } from '../../src/ingest/cot/server';
import { hashFeedToken } from '../../src/services/feed-ingest';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store';
import { markerXml } from '../support/cot';

const run = promisify(execFile);
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'truceline.js');
type Result = { stdout: string; stderr: string; code?: number };
const truceline = (args: string[]) => run(process.execPath, [BIN, ...args], { timeout: 60_000 }).catch((e: Result) => e) as Promise<Result>;

const row = (id: string, ts: number, lat = '48.1') =>
  ACLED_COLUMNS.map((c) => ({ event_id_cnty: id, event_date: '2024-02-16', year: '2024', event_type: 'Battles', sub_event_type: 'Armed clash', latitude: lat, longitude: '37.7', fatalities: '2', timestamp: String(ts), notes: 'Clashes near the village, "heavy"' })[c as string] ?? '')
    .map((v) => (/[",]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v))
    .join(',');

describe('truceline CLI: ACLED, feeds, inbox', () => {
  it('imports ACLED (quarantining bad rows), exports it as ACLED CSV that imports again to the same ids', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'truceline-cli-acled-'));
    const db = join(dir, 'a.db');
    const file = join(dir, 'acled.csv');
    writeFileSync(file, [ACLED_COLUMNS.join(','), row('UKR1', 1700000000), row('UKR2', 1700000000), row('UKR3', 1700000000, '123')].join('\n') + '\n');
    const first = await truceline(['import', 'acled', file, '--db', db]);
    expect(first.stdout).toMatch(/3 rows: 2 new, 0 newer versions, 0 unchanged, 0 older versions, 0 already stored, 1 quarantined/);
    expect(first.code).toBe(1);
    writeFileSync(file, [ACLED_COLUMNS.join(','), row('UKR1', 1700000500), row('UKR2', 1700000000)].join('\n') + '\n');
    const second = await truceline(['import', 'acled', file, '--db', db, '--no-progress']);
    expect(second.stdout).toMatch(/2 rows: 0 new, 1 newer versions, 1 unchanged/);

    const out = join(dir, 'out.csv');
    await truceline(['export', 'observations', '--format', 'acled', '-o', out, '--db', db]);
    const csv = readFileSync(out, 'utf8').trim().split('\n');
    expect(csv[0]).toBe(ACLED_COLUMNS.join(','));
    expect(csv).toHaveLength(4); // UKR1 twice (both versions), UKR2
    const db2 = join(dir, 'b.db');
    const again = await truceline(['import', 'acled', out, '--db', db2]);
    expect(again.stdout).toMatch(/3 rows: 2 new, 0 newer versions, 0 unchanged, 1 older versions/);
    const a = openSqliteStore(db);
    const b = openSqliteStore(db2);
    const ids = async (s: typeof a) => {
      const out: string[] = [];
      for await (const c of s.observations.iterate({ visibility: SEE_ALL })) out.push(...c.map((o) => o.id));
      return out.sort();
    };
    expect(await ids(b)).toEqual(await ids(a));
    // The versions keep their link whichever comes first (the export lists the newest first).
    for (const s of [a, b]) expect(await s.ingest.versions.supersedes('acled:UKR1:1700000500')).toEqual(['acled:UKR1:1700000000']);
    await a.close();
    await b.close();

    const stats = JSON.parse((await truceline(['inbox', 'stats', '--db', db])).stdout) as Record<string, { received: number; accepted: number; quarantined: number }>;
    expect(stats.acled).toMatchObject({ received: 5, accepted: 4, quarantined: 1 });
  });

  it('adds a feed (token printed once, only its hash stored) and revokes it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'truceline-cli-feed-'));
    const db = join(dir, 'f.db');
    const added = await truceline(['feed', 'add', 'partner-gbr', '--db', db]);
    const token = added.stdout.trim().split('\n').at(-1)!;
    expect(token).toMatch(/^tlf_[A-Za-z0-9_-]{43}$/);
    expect((await truceline(['feed', 'add', 'partner-gbr', '--db', db])).code).toBe(1);
    const store = openSqliteStore(db);
    expect((await store.ingest.feeds.get('partner-gbr'))?.tokenHash).toBe(hashFeedToken(token));
    await store.close();
    expect((await truceline(['feed', 'revoke', 'partner-gbr', '--db', db])).stdout).toMatch(/revoked/);
    expect((await truceline(['feed', 'list', '--db', db])).stdout).toMatch(/partner-gbr\tadded .*\trevoked /);
  });

  it('replays quarantined inputs after a parser fix', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'truceline-cli-replay-'));
    const db = join(dir, 'r.db');
    const store = openSqliteStore(db);
    const body = Buffer.from(markerXml(`cli-${uuidv7()}`));
    const at = new Date(Date.now() - 3_600_000).toISOString();
    const rawId = uuidv7();
    await store.ingest.ledger.storeRawMany([{ id: rawId, channel: 'cot', receivedAt: at, contentType: COT_CONTENT_TYPE, size: body.length, body, truncated: false }]);
    await store.ingest.ledger.settle(
      [{ rawId, channel: 'cot', item: 0, count: 1, outcome: 'quarantined', at }],
      [{ id: uuidv7(), rawId, channel: 'cot', receivedAt: at, reason: 'rejected by an old parser', field: null, size: body.length, excerpt: 'x' }],
    );
    await store.close();
    const r = await truceline(['inbox', 'replay', '--channel', 'cot', '--since', '2020-01-01T00:00:00+02:00', '--db', db]);
    expect(r.stdout).toMatch(/replayed 1 raw inputs: 1 quarantined items now accepted, 0 still quarantined/);
    const stats = JSON.parse((await truceline(['inbox', 'stats', '--db', db])).stdout) as Record<string, object>;
    expect(stats.cot).toEqual({ received: 1, accepted: 1, quarantined: 0, replayed: 1, pending: 0 });
  });
});
