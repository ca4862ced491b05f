import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { observationInput } from '../support/factories';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store';

const run = promisify(execFile);
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'truceline.js');
const truceline = (args: string[], env: Record<string, string> = {}) =>
  run(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, timeout: 60_000 }).catch((e: { code: number; stdout: string; stderr: string }) => e);

describe('truceline CLI', () => {
  it('imports NDJSON (quarantining bad lines), re-imports without duplicates, and exports GeoJSON and NDJSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'truceline-cli-'));
    const db = join(dir, 'cli.db');
    const good = Array.from({ length: 25 }, () => observationInput());
    const file = join(dir, 'obs.ndjson');
    writeFileSync(file, [...good.map((o) => JSON.stringify(o)), '{not json', JSON.stringify({ ...observationInput(), kind: 'rumour' })].join('\n') + '\n');

    const first = (await truceline(['import', 'observations', file, '--db', db])) as { stdout: string; code?: number };
    expect(first.stdout).toMatch(/25 created, 0 already present, 0 conflicting ids, 2 invalid/);
    expect(first.code).toBe(1);
    const second = (await truceline(['import', 'observations', file], { TRUCELINE_DB: db })) as { stdout: string };
    expect(second.stdout).toMatch(/0 created, 25 already present/);

    const store = openSqliteStore(db);
    expect(await store.observations.count()).toBe(25);
    const q = await store.inbox.listQuarantine({ limit: 100, channel: 'cli' });
    expect(q.items.some((r) => /malformed JSON/.test(r.reason) && r.excerpt === '{not json')).toBe(true);
    expect(q.items.some((r) => r.field === 'kind')).toBe(true);
    await store.close();

    const out = join(dir, 'out.geojson');
    await truceline(['export', 'observations', '--format', 'geojson', '-o', out, '--db', db]);
    const fc = JSON.parse(readFileSync(out, 'utf8'));
    expect(fc.type).toBe('FeatureCollection');
    expect(fc.features).toHaveLength(25);
    expect(fc.features[0].geometry.type).toBe('Point');
    const ids = new Set(good.map((o) => o.id));
    expect(fc.features.every((f: { id: string }) => ids.has(f.id))).toBe(true);

    const nd = (await truceline(['export', 'observations', '--format', 'ndjson', '--db', db])) as { stdout: string };
    const lines = nd.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(25);

    // The NDJSON export imports again as is: a round trip with nothing new.
    const back = join(dir, 'back.ndjson');
    writeFileSync(back, nd.stdout);
    const third = (await truceline(['import', 'observations', back, '--db', db])) as { stdout: string };
    expect(third.stdout).toMatch(/0 created, 25 already present/);
  });

  it('imports a JSON batch file and seeds the demo week once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'truceline-cli-'));
    const db = join(dir, 'cli.db');
    const file = join(dir, 'batch.json');
    writeFileSync(file, JSON.stringify({ observations: [observationInput(), observationInput()] }));
    expect(((await truceline(['import', 'observations', file, '--db', db])) as { stdout: string }).stdout).toMatch(/2 created/);
    const seeded = (await truceline(['seed-demo', '--db', db])) as { stdout: string };
    expect(seeded.stdout).toMatch(/demo week: \d{4} new/);
  });

  it('explains an unknown command', async () => {
    const r = (await truceline(['frobnicate'])) as { code: number; stderr: string };
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/unknown command/);
  });
});
