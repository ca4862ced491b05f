/**
 * `truceline serve` runs fusion and the transparency log in their own thread (config
 * `followers: worker`, the default): reports posted to the API are grouped into incidents and
 * every change is logged there, what another process writes to the same SQLite file is taken in
 * too, and the server stops cleanly with the thread.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { ObservationIngest } from '../../src/services/observation-ingest';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store';
import { observationInput } from '../support/factories';
import { ServerProcess } from './server-process';

const dir = mkdtempSync(join(tmpdir(), 'truceline-followers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('followers in their own thread (serve)', () => {
  it('groups reports into incidents and logs every change off the serving thread, including another process\'s writes', async () => {
    const db = join(dir, 'followers.db');
    const server = await ServerProcess.start('followers', db);
    try {
      const impact = (minute: number, reporter: string) =>
        observationInput({ id: uuidv7(), observedAt: new Date(Date.UTC(2026, 10, 24, 8, minute)).toISOString(), location: { lat: 48.3, lon: 37.9, accuracyM: 100 }, source: { kind: 'monitor', nation: 'FRA', reporter } });
      const first = [impact(0, 'Team D-1'), impact(1, 'Team D-2')];
      const r = await fetch(`${server.baseUrl}/api/observations`, { method: 'POST', headers: { 'content-type': 'application/json', ...server.auth }, body: JSON.stringify({ observations: first }) });
      expect(r.status).toBe(200);
      // A third report of the same impact, written by another process straight into the file (as `truceline import` does).
      const other = openSqliteStore(db);
      const third = impact(2, 'Team D-3');
      try {
        expect((await new ObservationIngest(other).submit([third], { channel: 'http', rawId: null }))[0]!.status).toBe('created');
      } finally {
        await other.close();
      }
      const ids = [...first, third].map((o) => o.id).sort();
      await vi.waitFor(
        async () => {
          const page = (await (await fetch(`${server.baseUrl}/api/incidents?limit=50`, { headers: server.auth })).json()) as { items: { id: string }[] };
          const incidents = await Promise.all(page.items.map(async (i) => (await (await fetch(`${server.baseUrl}/api/incidents/${i.id}`, { headers: server.auth })).json()) as { observationIds: string[] }));
          expect(incidents.find((i) => i.observationIds.length === 3)?.observationIds.slice().sort()).toEqual(ids);
        },
        { timeout: 15_000, interval: 200 },
      );
      // Every change (the observations, the incident's opening and growth) is in the log, in seq order.
      await vi.waitFor(
        () => {
          const look = new Database(db, { readonly: true });
          try {
            const changes = look.prepare('SELECT seq FROM changes ORDER BY seq').pluck().all() as number[];
            const logged = look.prepare('SELECT change_seq FROM log_entries ORDER BY leaf_index').pluck().all() as number[];
            expect(logged).toEqual(changes);
          } finally {
            look.close();
          }
        },
        { timeout: 15_000, interval: 200 },
      );
      expect(server.log).toMatch(/followers thread \d+: fusion and the transparency log follow the change feed/);
      expect(server.log).not.toMatch(/followers thread (failed|exited)/);
    } finally {
      await server.stop(15_000);
    }
    expect(server.child.exitCode).toBe(0);
  }, 90_000);
});
