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

      // An analyst merges a second incident (an impact 30 km away) into the first, in the serving
      // thread; a new report next to the merged-away one must join the survivor, not open a third.
      const post = async (list: unknown[]) => {
        const res = await fetch(`${server.baseUrl}/api/observations`, { method: 'POST', headers: { 'content-type': 'application/json', ...server.auth }, body: JSON.stringify({ observations: list }) });
        expect(res.status).toBe(200);
      };
      const incidentOf = async (observationId: string) => {
        const page = (await (await fetch(`${server.baseUrl}/api/incidents?limit=50&observation=${observationId}&state=received,merged`, { headers: server.auth })).json()) as { items: { id: string; state: string }[] };
        return page.items.find((i) => i.state !== 'merged')?.id;
      };
      const away = (minute: number) => observationInput({ id: uuidv7(), observedAt: new Date(Date.UTC(2026, 10, 24, 8, minute)).toISOString(), location: { lat: 48.57, lon: 37.9, accuracyM: 100 }, source: { kind: 'monitor', nation: 'FRA', reporter: 'Team D-4' } });
      const second = away(3);
      await post([second]);
      let otherId: string | undefined;
      await vi.waitFor(async () => expect((otherId = await incidentOf(second.id))).toBeDefined(), { timeout: 15_000, interval: 200 });
      const survivorId = (await incidentOf(first[0]!.id))!;
      expect(otherId).not.toBe(survivorId);
      const merged = await fetch(`${server.baseUrl}/api/incidents/${survivorId}/merge`, { method: 'POST', headers: { 'content-type': 'application/json', ...server.auth }, body: JSON.stringify({ otherId, reason: 'the same shelling, seen from two posts' }) });
      expect(merged.status).toBe(200);
      const next = away(4);
      await post([next]);
      await vi.waitFor(async () => expect(await incidentOf(next.id)).toBe(survivorId), { timeout: 15_000, interval: 200 });

      // The serving thread names the key the thread signs with (it loads the key without appending).
      const key = (await (await fetch(`${server.baseUrl}/api/log/public-key`, { headers: server.auth })).json()) as { keys: { keyId: string; inUse: boolean }[]; keyId: string };
      expect(key.keys.filter((k) => k.inUse).map((k) => k.keyId)).toEqual([key.keyId]);

      expect(server.log).toMatch(/followers thread \d+: fusion and the transparency log follow the change feed/);
      expect(server.log).not.toMatch(/followers thread (failed|exited)/);
    } finally {
      await server.stop(15_000);
    }
    expect(server.child.exitCode).toBe(0);
  }, 90_000);
});
