import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { ChangeEvent } from '../../src/store/repository';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store';
import { storedObservation } from '../support/factories';
import { storeContract } from './store-contract';

storeContract('sqlite (temporary file)', async () => openSqliteStore(join(mkdtempSync(join(tmpdir(), 'truceline-contract-')), 'test.db')));

describe('SQLite change feed across connections', () => {
  it('delivers what another connection commits (a CLI import, a worker), in seq order, once, between its own commits', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'truceline-feed-')), 'test.db');
    const server = openSqliteStore(file);
    const other = openSqliteStore(file);
    try {
      const heard: ChangeEvent[] = [];
      const off = server.changes.subscribe((e) => heard.push(e));
      const ids: string[] = [];
      for (let round = 0; round < 5; round++) {
        const theirs = Array.from({ length: 3 }, () => storedObservation());
        await other.observations.insertMany(theirs);
        const ours = Array.from({ length: 2 }, () => storedObservation());
        // Ours right after theirs: theirs must come first, not be skipped by our later seq.
        await server.observations.insertMany(ours);
        ids.push(...theirs.map((s) => s.observation.id), ...ours.map((s) => s.observation.id));
      }
      await vi.waitFor(() => expect(heard.filter((e) => ids.includes(e.id))).toHaveLength(ids.length), { timeout: 5000 });
      const mine = heard.filter((e) => ids.includes(e.id));
      expect(mine.map((e) => e.id)).toEqual(ids);
      mine.forEach((e, i) => i > 0 && expect(e.seq).toBe(mine[i - 1]!.seq + 1));
      // Only this connection's own inserts carry the observation.
      expect(mine.filter((e) => e.observation).length).toBe(10);
      // Theirs alone, with nothing of ours to wake the feed: the poll finds it.
      const late = storedObservation();
      await other.observations.insertMany([late]);
      await vi.waitFor(() => expect(heard.some((e) => e.id === late.observation.id)).toBe(true), { timeout: 5000 });
      off();
    } finally {
      await other.close();
      await server.close();
    }
  });
});
