import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SEE_ALL } from '../../src/domain/identity';
import { encodeLeaf, leafHash } from '../../src/domain/merkle';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store';
import { TransparencyLog } from '../../src/services/transparency-log';
import { storedObservation } from '../support/factories';

/**
 * `truceline verify-log` as an operator runs it, on a real SQLite file, after tampering with the
 * database directly (issue 7: "edit, directly in the database, a log entry and, separately, an
 * observation row, and see verify-log fail naming that entry").
 */

const run = promisify(execFile);
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'truceline.js');
const verifyLog = (db: string, ...args: string[]) =>
  run(process.execPath, [BIN, 'verify-log', '--db', db, ...args], { timeout: 60_000 }).then(
    (r) => ({ code: 0, stdout: r.stdout }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout + e.stderr }),
  );

/** A store whose log holds 8 observations, a relabel and a checkpoint, written as the server would. */
async function loggedStore(): Promise<{ db: string; dir: string; ids: string[]; publicKeyPem: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'truceline-verify-'));
  const db = join(dir, 'log.db');
  const store = openSqliteStore(db);
  const items = Array.from({ length: 8 }, () => storedObservation());
  await store.observations.insertMany(items);
  await store.observations.relabel(items[2]!.observation.id, 'COALITION', SEE_ALL);
  const log = new TransparencyLog(store, { log: () => undefined });
  await log.start();
  await log.checkpoint();
  const publicKeyPem = (await log.publicKeys())[0]!.publicKey.export({ format: 'pem', type: 'spki' }).toString();
  await log.stop();
  await store.close();
  return { db, dir, ids: items.map((i) => i.observation.id), publicKeyPem };
}

/** Direct access to the file, as someone with the database in hand has. */
function tamper(db: string, fn: (sql: Database.Database) => void): void {
  const sql = new Database(db);
  try {
    fn(sql);
  } finally {
    sql.close();
  }
}

// Each run starts node and tsx: seconds apiece on a loaded machine.
describe('truceline verify-log', { timeout: 120_000 }, () => {
  it('says OK, with counts, for an untouched log', async () => {
    const { db } = await loggedStore();
    const ok = await verifyLog(db);
    expect(ok.stdout).toMatch(/^OK: 9 entries, 1 checkpoints, \d+ tree nodes, 8 records checked against their latest entry/);
    expect(ok.code).toBe(0);
  });

  it('trusts a pinned key that signed the checkpoints, and refuses one that did not', async () => {
    const { db, dir, publicKeyPem } = await loggedStore();
    const right = join(dir, 'right.pem');
    writeFileSync(right, publicKeyPem);
    expect((await verifyLog(db, '--public-key', right)).code).toBe(0);
    const wrong = join(dir, 'wrong.pem');
    writeFileSync(wrong, generateKeyPairSync('ed25519').publicKey.export({ format: 'pem', type: 'spki' }));
    const refused = await verifyLog(db, '--public-key', wrong);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/^FAILED: checkpoint of tree size 9 .* is signed by key [0-9a-f]{64}, which is not a pinned key/);
  });

  it('fails naming the entry whose data was edited in the database', async () => {
    const { db, ids } = await loggedStore();
    tamper(db, (sql) => {
      // The log refuses in-place edits; it takes dropping the guard to rewrite it.
      expect(() => sql.prepare("UPDATE log_entries SET data = '{}' WHERE leaf_index = 4").run()).toThrow(/append-only/);
      sql.exec('DROP TRIGGER log_entries_append_only_u');
      const r = sql.prepare(`UPDATE log_entries SET data = replace(data, '"count":1', '"count":5') WHERE leaf_index = 4`).run();
      expect(r.changes).toBe(1);
    });
    const out = await verifyLog(db);
    expect(out.code).toBe(1);
    expect(out.stdout).toMatch(new RegExp(`^FAILED: entry 4 \\(seq 5, observation ${ids[4]}\\): its stored data does not hash to its stored leaf hash`));
  });

  it('fails naming the latest entry of an observation whose row was edited in the database', async () => {
    const { db, ids } = await loggedStore();
    tamper(db, (sql) => {
      sql.prepare("UPDATE observations SET doc = json_set(doc, '$.count', 12) WHERE id = ?").run(ids[2]);
    });
    const out = await verifyLog(db);
    expect(out.code).toBe(1);
    // Its latest entry is the relabel, the last change: entry 8, seq 9.
    expect(out.stdout).toMatch(new RegExp(`^FAILED: entry 8 \\(seq 9, observation ${ids[2]}\\): the observation as now stored differs from its latest log entry \\(count\\)`));
  });

  it('catches an entry rewritten together with its leaf hash: the signed checkpoint no longer matches', async () => {
    const { db, ids } = await loggedStore();
    tamper(db, (sql) => {
      sql.exec('DROP TRIGGER log_entries_append_only_u');
      const e = sql.prepare('SELECT change_seq, entity, entity_id, op, at, data FROM log_entries WHERE leaf_index = 1').get() as { change_seq: number; entity: string; entity_id: string; op: string; at: string; data: string };
      const data = { ...(JSON.parse(e.data) as Record<string, unknown>), count: 40 };
      const hash = leafHash(encodeLeaf({ seq: e.change_seq, entity: e.entity, id: e.entity_id, op: e.op, at: e.at, data }));
      sql.prepare('UPDATE log_entries SET data = ?, leaf_hash = ? WHERE leaf_index = 1').run(JSON.stringify(data), hash);
      sql.prepare("UPDATE observations SET doc = json_set(doc, '$.count', 40) WHERE id = ?").run(ids[1]);
    });
    const out = await verifyLog(db);
    expect(out.code).toBe(1);
    expect(out.stdout).toMatch(/the stored tree node over entries 0\.\.1 differs/);
    expect(out.stdout).toMatch(/checkpoint of tree size 9 .*: its root does not match the entries: one of entries 0\.\.8 was changed after it was signed/);
  });

  it('notes changes the log has not appended yet instead of failing on them', async () => {
    const { db } = await loggedStore();
    const store = openSqliteStore(db);
    await store.observations.insertMany([storedObservation(), storedObservation()]);
    await store.close();
    const out = await verifyLog(db);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/note: 2 changes not yet in the log/);
  });
});
