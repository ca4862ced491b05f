import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COALITION_PRESET } from '../../src/domain/coalition';
import { fuseSequence, pointOf } from '../../src/domain/fusion';
import { SEE_ALL } from '../../src/domain/identity';
import type { Observation } from '../../src/domain/observation';
import { IncidentService } from '../../src/services/incident.service';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store';
import { storedObservation } from '../support/factories';

/**
 * Fusion of late reports (an import of last week, a site's backlog) after live ones: the index
 * keeps the window a late batch worked in, so the next late batch still finds the incidents it
 * continues, and the grouping is the one the pure algorithm gives for the same order.
 */
describe('fusion of late batches', () => {
  it('groups last week\'s reports, fed in batches after live ones, as one pass in order would', async () => {
    const store = openSqliteStore(join(mkdtempSync(join(tmpdir(), 'truceline-fusion-late-')), 'test.db'));
    try {
      const service = new IncidentService(store, { coalition: COALITION_PRESET, follow: false });
      const now = Date.now();
      const stored = async (list: ReturnType<typeof storedObservation>[]): Promise<Observation[]> => {
        await store.observations.insertMany(list);
        return list.map((s) => s.observation);
      };
      // Live: a few reports now, far from the late ones.
      await service.fuseObservations(await stored(Array.from({ length: 5 }, (_, i) => storedObservation({ observedAt: new Date(now - i * 60_000).toISOString(), location: { lat: 47.0, lon: 35.0 + i * 0.2, accuracyM: 100 } }))), { by: 'test' });
      // Late: 8 days ago, pairs of impacts 2 minutes and ~300 m apart, each pair cut across two batches.
      const t0 = now - 8 * 86_400_000;
      const late: Observation[] = await stored(
        Array.from({ length: 120 }, (_, i) => {
          const pair = Math.floor(i / 2);
          return storedObservation({
            observedAt: new Date(t0 + pair * 30 * 60_000 + (i % 2) * 120_000).toISOString(),
            location: { lat: 48.0 + (pair % 6) * 0.05 + (i % 2) * 0.002, lon: 37.5 + (i % 2) * 0.002, accuracyM: 100 },
          });
        }),
      );
      // Batches of 7: every pair straddling a boundary needs the previous batch's incident.
      for (let i = 0; i < late.length; i += 7) await service.fuseObservations(late.slice(i, i + 7), { by: 'test' });

      const expected = fuseSequence(late.map(pointOf));
      const groups = (m: Map<string, string>) => [...new Set(late.map((o) => m.get(o.id)))].map((g) => late.filter((o) => m.get(o.id) === g).map((o) => o.id).sort()).sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
      const actual = new Map<string, string>();
      const page = await store.incidents.list({ visibility: SEE_ALL, sort: 'age', limit: 500 });
      for (const inc of (await store.incidents.getMany(page.items.map((h) => h.id), SEE_ALL)).values()) for (const id of inc.observationIds) actual.set(id, inc.id);
      expect(groups(actual)).toEqual(groups(expected));
      expect(groups(actual).length).toBe(60);
    } finally {
      await store.close();
    }
  });

  it('finds a kept incident by its earliest reports when a late one about its start arrives after a prune', async () => {
    const store = openSqliteStore(join(mkdtempSync(join(tmpdir(), 'truceline-fusion-late-')), 'test.db'));
    try {
      const service = new IncidentService(store, { coalition: COALITION_PRESET, follow: false });
      const MIN = 60_000;
      const live = Math.floor((Date.now() - MIN) / MIN) * MIN;
      const t0 = live - 3 * 86_400_000;
      const at = (t: number, lat = 48.3, lon = 37.9) => storedObservation({ observedAt: new Date(t).toISOString(), location: { lat, lon, accuracyM: 100 } });
      const fuse = async (list: ReturnType<typeof storedObservation>[]) => {
        await store.observations.insertMany(list);
        return service.fuseObservations(list.map((s) => s.observation), { by: 'test' });
      };
      await fuse([at(live, 47.0, 36.0)]);
      // A shelling three days ago, reported late: an hour of impacts five minutes apart.
      const chain = Array.from({ length: 13 }, (_, i) => at(t0 + i * 5 * MIN));
      const incident = (await fuse(chain)).incidentOf.get(chain[0]!.observation.id)!;
      await fuse([at(t0 + 65 * MIN)]);
      // Then a report of its first minutes: it belongs to the same incident.
      const early = at(t0 + 2 * MIN);
      expect((await fuse([early])).incidentOf.get(early.observation.id)).toBe(incident);
    } finally {
      await store.close();
    }
  });
});
