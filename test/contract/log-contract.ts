import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { SEE_ALL } from '../../src/domain/identity';
import { MemoryTree, rangeHash, rangeNodes, nodeKey, verifyConsistency, verifyInclusion } from '../../src/domain/merkle';
import type { LogEntry, NewLogEntry } from '../../src/store/log-repository';
import type { ChangeEvent, Store } from '../../src/store/repository';
import { checkpointText, keyIdOf, logEntryOf, logReaderFor, TransparencyLog, verifyCheckpointSignature, verifyLog } from '../../src/services/transparency-log';
import { storedObservation } from '../support/factories';

/**
 * The transparency log contract, the same for every store. The log is one per store, so tests
 * share it: each works on the changes it makes itself and on sizes relative to what it finds,
 * and leaves the log whole (every change appended, every checkpoint genuine), so the last test
 * can verify all of it.
 */
export function logContract(name: string, open: () => Promise<Store>): void {
  describe(`transparency log contract: ${name}`, () => {
    let store: Store;
    beforeAll(async () => {
      store = await open();
    });
    afterAll(async () => {
      await store?.close();
    });

    let hour = 0;
    async function observe(n: number, over: Parameters<typeof storedObservation>[0] = {}): Promise<string[]> {
      const items = Array.from({ length: n }, () => storedObservation({ observedAt: new Date(Date.UTC(2026, 10, 20, hour++ % 24)).toISOString(), ...over }));
      expect(await store.observations.insertMany(items)).toEqual(items.map(() => 'created'));
      return items.map((i) => i.observation.id);
    }
    /** Entries for every change the log has not passed yet, as the writer would make them. */
    async function pendingEntries(): Promise<{ changes: ChangeEvent[]; entries: NewLogEntry[] }> {
      const changes = await store.changes.since((await store.log.head()).position, 100_000);
      const entries = await Promise.all(changes.map(async (c) => logEntryOf(c, await logReaderFor(c.entity)!(c.id, { store, visibility: SEE_ALL }))));
      return { changes, entries };
    }
    async function all(): Promise<LogEntry[]> {
      return store.log.range(0, 1_000_000);
    }

    it('appends in seq order with dense indexes, each change once, however often it is offered', async () => {
      const before = await store.log.head();
      const ids = await observe(6);
      const { changes, entries } = await pendingEntries();
      expect(changes.map((c) => c.id).slice(-6)).toEqual(ids);
      const cut = entries.length - 2;
      // Offered out of order: the store puts them in seq order.
      const first = await store.log.append([...entries.slice(0, cut)].reverse(), entries[cut - 1]!.seq);
      expect(first).toEqual({ appended: cut, size: before.size + cut });
      const again = await store.log.append(entries, changes[changes.length - 1]!.seq);
      expect(again).toEqual({ appended: 2, size: before.size + entries.length });
      expect(await store.log.append(entries, changes[changes.length - 1]!.seq)).toEqual({ appended: 0, size: before.size + entries.length });

      const head = await store.log.head();
      expect(head).toEqual({ position: changes[changes.length - 1]!.seq, size: before.size + entries.length });
      const stored = await store.log.range(before.size, 100);
      expect(stored.map((e) => e.index)).toEqual(entries.map((_, i) => before.size + i));
      expect(stored.map((e) => e.seq)).toEqual(changes.map((c) => c.seq));
      expect(stored.map((e) => ({ seq: e.seq, entity: e.entity, id: e.id, op: e.op, at: e.at, data: e.data, leafHash: e.leafHash.toString('hex') }))).toEqual(
        entries.map((e) => ({ ...e, leafHash: e.leafHash.toString('hex') })),
      );
      const one = await store.log.get(before.size + 2);
      expect(one?.id).toBe(entries[2]!.id);
      expect(await store.log.get(head.size)).toBeUndefined();
      const data = JSON.parse(stored[stored.length - 1]!.data) as { id: string; releasability: string };
      expect(data.id).toBe(ids[5]);
      expect(await store.log.forRecord('observation', ids[5]!, 10)).toEqual([stored[stored.length - 1]]);
    });

    it('keeps the nodes of the tree: heads and proofs from O(log n) reads equal the whole tree\'s', async () => {
      // Batches of awkward sizes, so frontiers of every shape are extended.
      for (const n of [1, 3, 2, 7, 1]) {
        await observe(n);
        const { changes, entries } = await pendingEntries();
        await store.log.append(entries, changes[changes.length - 1]!.seq);
      }
      const entries = await all();
      const tree = new MemoryTree();
      for (const e of entries) tree.append(e.leafHash);
      const size = tree.size;
      const hashOf = async (r: { start: number; end: number }) => {
        const refs = rangeNodes(r);
        const got = await store.log.nodes(refs);
        const byKey = new Map(refs.map((ref, i) => [nodeKey(ref), got[i]!]));
        return rangeHash(r, (ref) => byKey.get(nodeKey(ref))!);
      };
      for (let m = 1; m <= size; m++) expect((await hashOf({ start: 0, end: m })).toString('hex'), `size ${m}`).toBe(tree.root(m).toString('hex'));
      const stored: { level: number; index: number; hash: Buffer }[] = [];
      for (let after: { level: number; index: number } | null = null; ; ) {
        const page = await store.log.storedNodes(after, 7);
        stored.push(...page);
        if (page.length < 7) break;
        after = page[page.length - 1]!;
      }
      let expected = 0;
      for (let level = 1; tree.count(level) > 0; level++) expected += tree.count(level);
      expect(stored).toHaveLength(expected);
      for (const n of stored) expect(n.hash.toString('hex')).toBe(tree.node(n).toString('hex'));
      await expect(store.log.nodes([{ level: 0, index: size }])).rejects.toThrow(/missing/);
      await expect(store.log.nodes([{ level: 30, index: 0 }])).rejects.toThrow(/missing/);
    });

    it("lists each record's latest entry, by entity and id, in pages", async () => {
      const entries = await all();
      const latest = new Map<string, LogEntry>();
      for (const e of entries) latest.set(`${e.entity}\u0000${e.id}`, e);
      const got: LogEntry[] = [];
      for (let after: { entity: string; id: string } | null = null; ; ) {
        const page = await store.log.latestByRecord(after, 4);
        got.push(...page);
        if (page.length < 4) break;
        after = page[page.length - 1]!;
      }
      const want = [...latest.values()].sort((a, b) => (a.entity === b.entity ? (a.id < b.id ? -1 : 1) : a.entity < b.entity ? -1 : 1));
      expect(got.map((e) => e.index)).toEqual(want.map((e) => e.index));
    });

    it('keeps one generated key however many processes offer one, and records file keys', async () => {
      const pem = () => {
        const k = generateKeyPairSync('ed25519');
        return { keyId: keyIdOf(k.publicKey), publicKey: k.publicKey.export({ format: 'pem', type: 'spki' }).toString(), privateKey: k.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString() };
      };
      const [a, b] = await Promise.all([store.log.saveKey({ ...pem(), source: 'generated', createdAt: new Date().toISOString() }), store.log.saveKey({ ...pem(), source: 'generated', createdAt: new Date().toISOString() })]);
      expect(a.keyId).toBe(b.keyId);
      expect(a.privateKey).toMatch(/PRIVATE KEY/);
      const file = pem();
      const saved = await store.log.saveKey({ keyId: file.keyId, publicKey: file.publicKey, privateKey: null, source: 'file', createdAt: new Date().toISOString() });
      expect(saved).toMatchObject({ keyId: file.keyId, privateKey: null, source: 'file' });
      const keys = await store.log.keys();
      expect(keys.filter((k) => k.source === 'generated').map((k) => k.keyId)).toEqual([a.keyId]);
      expect(keys.some((k) => k.keyId === file.keyId)).toBe(true);
    });

    it('follows the change feed: every change once, the record as of it, signed checkpoints, proofs that verify', async () => {
      const log = new TransparencyLog(store, { log: () => undefined });
      await log.start();
      try {
        const ids = await observe(5, { releasability: 'COALITION' });
        await store.observations.relabel(ids[0]!, 'PUBLIC', SEE_ALL);
        await log.drain();
        const head = await store.log.head();
        expect(head.position).toBe(await store.changes.latest());
        const history = await store.log.forRecord('observation', ids[0]!, 10);
        expect(history.map((e) => e.op)).toEqual(['created', 'relabelled']);
        expect((JSON.parse(history[1]!.data) as { releasability: string }).releasability).toBe('PUBLIC');

        const c1 = await log.checkpoint();
        expect(c1.treeSize).toBe(head.size);
        expect(c1.keyId).toBe(log.keyId);
        const keys = await log.publicKeys();
        const key = keys.find((k) => k.inUse)!.publicKey;
        expect(verifyCheckpointSignature(c1, key)).toBe(true);
        expect(verifyCheckpointSignature({ ...c1, treeSize: c1.treeSize + 1 }, key)).toBe(false);
        expect(checkpointText(c1)).toBe(`truceline-checkpoint\n${c1.treeSize}\n${c1.rootHash.toString('base64')}\n${c1.timestamp}\n`);

        const more = await observe(3);
        await log.drain();
        const c2 = await log.checkpoint();
        const c3 = await log.checkpoint();
        expect(c2.treeSize).toBe(c1.treeSize + 3);
        expect(c3.treeSize).toBe(c2.treeSize);
        const listed = await store.log.checkpoints({ limit: 3 });
        expect(listed.map((c) => [c.treeSize, c.timestamp])).toEqual([c3, c2, c1].map((c) => [c.treeSize, c.timestamp]));
        expect((await store.log.checkpoints({ limit: 1, beforeSize: c2.treeSize }))[0]?.timestamp).toBe(c1.timestamp);
        expect((await store.log.checkpointAt(c2.treeSize))?.timestamp).toBe(c3.timestamp);

        // The proofs a server hands out check against the signed heads with the merkle verifiers alone.
        const newest = (await store.log.forRecord('observation', more[2]!, 1))[0]!;
        const p = await log.inclusionProof(newest.index);
        expect(p.treeSize).toBe(c3.treeSize);
        expect(verifyInclusion(newest.leafHash, newest.index, p.treeSize, p.proof, c3.rootHash)).toBe(true);
        const early = history[0]!;
        const pe = await log.inclusionProof(early.index, c1.treeSize);
        expect(pe.checkpoint?.timestamp).toBe(c1.timestamp);
        expect(verifyInclusion(early.leafHash, early.index, c1.treeSize, pe.proof, c1.rootHash)).toBe(true);
        await expect(log.inclusionProof(newest.index, c1.treeSize)).rejects.toMatchObject({ status: 400 });
        const cp = await log.consistencyProof(c1.treeSize);
        expect(cp.to).toBe(c3.treeSize);
        expect(cp.fromCheckpoint?.timestamp).toBe(c1.timestamp);
        expect(verifyConsistency(c1.treeSize, c3.treeSize, c1.rootHash, c3.rootHash, cp.proof)).toBe(true);
        expect((await log.consistencyProof(0)).proof).toEqual([]);
        await expect(log.consistencyProof(c3.treeSize + 1, c3.treeSize)).rejects.toMatchObject({ status: 400 });
      } finally {
        await log.stop();
      }
    });

    it('checkpoints by itself when the last checkpoint is older than the interval and the log has grown', async () => {
      const log = new TransparencyLog(store, { checkpointEveryS: 1, log: () => undefined });
      await log.start();
      try {
        await observe(2);
        // In the log first (otherwise an older checkpoint can equal the size before the append).
        await log.drain();
        const grown = (await store.log.head()).size;
        const deadline = Date.now() + 10_000;
        let latest = await log.latestCheckpoint();
        while (Date.now() < deadline && latest?.treeSize !== (await store.log.head()).size) {
          await new Promise((r) => setTimeout(r, 200));
          latest = await log.latestCheckpoint();
        }
        expect(latest?.treeSize).toBe((await store.log.head()).size);
        expect(latest?.treeSize).toBe(grown);
      } finally {
        await log.stop();
      }
    });

    it('verifies whole after all of the above: leaves, nodes, checkpoints, records', async () => {
      const log = new TransparencyLog(store, { log: () => undefined });
      await log.start();
      await log.drain();
      await log.stop();
      const r = await verifyLog(store, { chunk: 5 });
      expect(r.problems).toEqual([]);
      expect(r.ok).toBe(true);
      expect(r.entries).toBe((await store.log.head()).size);
      expect(r.recordsChecked).toBeGreaterThan(10);
      expect(r.checkpoints).toBeGreaterThanOrEqual(3);
      // The same with a key pinned by the checker that never signed anything here.
      const other = generateKeyPairSync('ed25519').publicKey;
      const pinned = await verifyLog(store, { publicKeys: [other] });
      expect(pinned.ok).toBe(false);
      expect(pinned.problems[0]?.what).toMatch(/not a pinned key/);
    });
  });
}
