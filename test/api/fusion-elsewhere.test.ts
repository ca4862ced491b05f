import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { COALITION_PRESET } from '../../src/domain/coalition';
import { SEE_ALL } from '../../src/domain/identity';
import { IncidentService } from '../../src/services/incident.service';
import { ObservationIngest } from '../../src/services/observation-ingest';
import type { Store } from '../../src/store/repository';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store';
import { observationInput } from '../support/factories';

/**
 * Fusion in one thread or process, analysts in another (the followers thread; several servers on
 * PostgreSQL): an incident merged, split or moved elsewhere is re-read into fusion's index from
 * the change feed, so the next report joins the incident that now holds its neighbours.
 */
describe('fusion hears of incidents regrouped elsewhere', () => {
  it('puts a report next to a merged-away incident into the survivor, not into a new incident', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'truceline-fusion-elsewhere-')), 'test.db');
    const fusing = openSqliteStore(file);
    const serving = openSqliteStore(file);
    const fusion = new IncidentService(fusing, { coalition: COALITION_PRESET, follow: true });
    try {
      await fusion.start();
      const ingest = new ObservationIngest(serving);
      const at = (minute: number, lat: number) => observationInput({ observedAt: new Date(Date.UTC(2026, 10, 24, 8, minute)).toISOString(), location: { lat, lon: 37.9, accuracyM: 100 } });
      const incidentOf = async (store: Store, observationId: string) => (await store.incidents.list({ visibility: SEE_ALL, sort: 'updated', limit: 5, observationId })).items[0]?.id;
      const [near, far] = [at(0, 48.3), at(0, 48.6)];
      await ingest.submit([near, far], { channel: 'http', rawId: null });
      let survivor: string | undefined;
      let other: string | undefined;
      await vi.waitFor(async () => {
        survivor = await incidentOf(serving, near.id);
        other = await incidentOf(serving, far.id);
        expect(survivor && other && survivor !== other).toBe(true);
      });
      const [s, o] = await Promise.all([survivor!, other!].map((id) => serving.incidents.get(id, SEE_ALL)));
      await serving.incidents.merge({ survivorId: s!.id, survivorVersion: s!.version, otherId: o!.id, otherVersion: o!.version, at: new Date().toISOString(), by: 'user:analyst', reason: 'the same shelling', coalitionMembers: COALITION_PRESET.members });
      // Give the fusing connection's feed a poll to hear of the merge, then the next report.
      await new Promise((r) => setTimeout(r, 400));
      const next = at(1, 48.6);
      await ingest.submit([next], { channel: 'http', rawId: null });
      await vi.waitFor(async () => expect(await incidentOf(serving, next.id)).toBeDefined());
      await fusion.idle();
      expect(await incidentOf(serving, next.id)).toBe(survivor);
    } finally {
      await fusion.stop();
      await serving.close();
      await fusing.close();
    }
  });
});
