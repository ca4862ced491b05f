import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { defaultAgreementInput } from '../../src/agreement/default-agreement';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store';
import { DEEPSTATE_20260822, HAVE_SHARED, SHARED_NOTE } from '../geo/shared-data';
import { observationInput } from '../support/factories';

const run = promisify(execFile);
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'truceline.js');
type Result = { stdout: string; stderr: string; code?: number };
const truceline = (args: string[], env: Record<string, string> = {}) =>
  run(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, timeout: 60_000 }).catch((e: Result) => e) as Promise<Result>;

describe('truceline agreement', () => {
  it('rejects an invalid file listing every problem by feature (exit 1, nothing stored), imports a valid one, judges, shows and re-evaluates', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'truceline-agreement-cli-'));
    const db = join(dir, 'a.db');
    const bad = defaultAgreementInput();
    bad.versions[0]!.provisions.withdrawal![1]!.weaponClass = 'katyusha';
    bad.versions[0]!.provisions.noFlyAreas![0]!.geometry = { type: 'Polygon', coordinates: [[[34, 47], [35, 48], [35, 47], [34, 48], [34, 47]]] };
    writeFileSync(join(dir, 'bad.json'), JSON.stringify(bad));
    const rejected = await truceline(['agreement', 'import', join(dir, 'bad.json'), '--db', db]);
    expect(rejected.code).toBe(1);
    expect(rejected.stderr).toMatch(/agreement rejected \(2 problems\); nothing was stored/);
    expect(rejected.stderr).toContain('withdrawal "PoM-2-mlrs": unknown weapon class "katyusha"');
    expect(rejected.stderr).toMatch(/no-fly area "no-fly-znpp": self intersection/);

    writeFileSync(join(dir, 'good.json'), JSON.stringify(defaultAgreementInput()));
    const imported = await truceline(['agreement', 'import', join(dir, 'good.json')], { TRUCELINE_DB: db });
    expect(imported.stdout).toMatch(/agreement "minsk-pattern-default" stored as revision 1/);

    // Observations imported from the command line are judged like those from the API.
    const gun = observationInput({ kind: 'weapon_sighting', subkind: undefined, observedAt: '2026-11-20T10:00:00Z', location: { lat: 48.13, lon: 37.86 }, weapon: { model: 'BM-21', count: 1 } });
    writeFileSync(join(dir, 'obs.json'), JSON.stringify([gun]));
    expect((await truceline(['import', 'observations', join(dir, 'obs.json'), '--db', db])).stdout).toMatch(/1 created/);
    const store = openSqliteStore(db);
    try {
      const j = (await store.judgements.latestFor([gun.id])).get(gun.id)!;
      expect(j.judgement!.breaches.map((b) => b.provision)).toContain('PoM-2-mlrs');
    } finally {
      await store.close();
    }

    const shown = await truceline(['agreement', 'show', '--db', db]);
    expect(shown.stdout).toContain('minsk-pattern-default');
    expect(shown.stdout).toMatch(/withdrawal PoM-2-mlrs: mlrs 35 km/);
    expect(shown.stdout).toMatch(/revision 1, stored .* by cli \(import\)/);

    const re = await truceline(['agreement', 'reevaluate', '--from', '2026-11-20T00:00:00Z', '--to', '2026-11-21T00:00:00Z', '--db', db]);
    expect(re.stdout).toMatch(/re-evaluated 1 observations .* 1 breaching \(withdrawal 1\), 0 changed/);
    const badRange = await truceline(['agreement', 'reevaluate', '--from', 'yesterday', '--db', db]);
    expect(badRange.code).toBe(1);
    expect(badRange.stderr).toMatch(/--from must be an ISO 8601 instant/);
  }, 90_000);

  it.skipIf(!HAVE_SHARED)(`derives the contact line from an occupied area and stores it as an amendment${SHARED_NOTE}`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'truceline-agreement-cli-'));
    const db = join(dir, 'a.db');
    expect((await truceline(['seed-demo', '--db', db])).stdout).toMatch(/stored the default "minsk-pattern-default" as revision 1/);
    const out = join(dir, 'line.geojson');
    const r = await truceline(['agreement', 'line-from-area', DEEPSTATE_20260822, '-o', out, '--amend', '--effective-from', '2026-08-22T00:00:00Z', '--db', db]);
    expect(r.stderr).toMatch(/4 part\(s\) of 1060\.\d, /);
    expect(r.stdout).toMatch(/version 2 from 2026-08-22T00:00:00.000Z with contact line contact-2026-08-22; stored as revision 2/);
    expect(JSON.parse(readFileSync(out, 'utf8')).geometry.type).toBe('MultiLineString');
    const missing = await truceline(['agreement', 'line-from-area', DEEPSTATE_20260822, '--amend', '--db', db]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/--effective-from is needed with --amend/);
  }, 90_000);
});
