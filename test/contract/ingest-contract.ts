import { SEE_ALL } from '../../src/domain/identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import type { OutcomeRun, TakRecord } from '../../src/store/ingest-repository';
import { unreplayedItems } from '../../src/store/ingest-repository';
import type { RawInput, Store } from '../../src/store/repository';
import { storedObservation } from '../support/factories';

/**
 * The ingest repositories' contract (TAK records, versions, feeds, inbox ledger): the same tests
 * on every store. Each test makes its own uids, names and raw inputs, so tests share a database.
 */
export function ingestContract(name: string, open: () => Promise<Store>): void {
  describe(`ingest store contract: ${name}`, () => {
    let store: Store;
    beforeAll(async () => {
      store = await open();
    });
    afterAll(async () => {
      await store?.close();
    });

    const uid = (what: string) => `${what}-${uuidv7()}`;
    const at = (isoOrMs: string | number) => new Date(isoOrMs).toISOString();
    const tak = (over: Partial<TakRecord> & Pick<TakRecord, 'kind' | 'subject'>): TakRecord => ({
      time: at(Date.UTC(2026, 10, 20, 12)),
      stale: null,
      rawId: null,
      receivedAt: new Date().toISOString(),
      doc: { note: 'ünïcode "quoted" \\ \u2028' },
      ...over,
    });
    const raw = (channel: RawInput['channel'], body = 'x', over: Partial<RawInput> = {}): RawInput => ({
      id: uuidv7(),
      channel,
      receivedAt: new Date().toISOString(),
      contentType: 'text/plain',
      size: Buffer.byteLength(body),
      body: Buffer.from(body),
      truncated: false,
      ...over,
    });

    it('keeps the latest position per uid, hides stale ones and those deleted later, and appends only', async () => {
      const now = Date.UTC(2026, 10, 20, 12, 0);
      const [a, b, c, d] = [uid('pos-a'), uid('pos-b'), uid('pos-c'), uid('pos-d')];
      await store.ingest.tak.append([
        tak({ kind: 'position', subject: a, time: at(now - 60_000), stale: at(now + 60_000), doc: { lat: 1, callsign: 'A old' } }),
        tak({ kind: 'position', subject: a, time: at(now - 30_000), stale: at(now + 60_000), doc: { lat: 2, callsign: 'A new' } }),
        // Arrives later but is older: not the current one.
        tak({ kind: 'position', subject: a, time: at(now - 90_000), stale: at(now + 60_000), doc: { lat: 0, callsign: 'A oldest' } }),
        tak({ kind: 'position', subject: b, time: at(now - 30_000), stale: at(now - 1), doc: { callsign: 'B stale' } }),
        tak({ kind: 'position', subject: c, time: at(now - 30_000), stale: at(now + 60_000), doc: { callsign: 'C' } }),
        tak({ kind: 'delete', subject: c, time: at(now - 10_000) }),
        tak({ kind: 'delete', subject: d, time: at(now - 50_000) }),
        tak({ kind: 'position', subject: d, time: at(now - 40_000), stale: at(now + 60_000), doc: { callsign: 'D back after a deletion' } }),
      ]);
      const current = (await store.ingest.tak.current('position', { visibility: SEE_ALL, now: at(now) })).filter((r) => [a, b, c, d].includes(r.subject));
      expect(current.map((r) => [r.subject, (r.doc as { callsign: string }).callsign])).toEqual(
        [
          [a, 'A new'],
          [d, 'D back after a deletion'],
        ].sort((x, y) => (x[0]! < y[0]! ? -1 : 1)),
      );
      expect(current[0]!.stale).toBe(at(now + 60_000));
      // Without `now`, stale ones count too.
      const all = (await store.ingest.tak.current('position', { visibility: SEE_ALL })).filter((r) => [a, b, c, d].includes(r.subject)).map((r) => r.subject);
      expect(all.sort()).toEqual([a, b, d].sort());
      // By subject: the marker lookup of the CoT ingest.
      const some = await store.ingest.tak.current('position', { visibility: SEE_ALL, subjects: [a, c, 'nobody'] });
      expect(some.map((r) => r.subject)).toEqual([a]);
      expect(some[0]!.doc).toEqual({ lat: 2, callsign: 'A new' });
    });

    it('keeps areas and markers apart from positions, and the chat log in arrival order with paging', async () => {
      const [area, marker] = [uid('area'), uid('marker')];
      const msgs = [uid('chat'), uid('chat'), uid('chat')];
      await store.ingest.tak.append([
        tak({ kind: 'area', subject: area, stale: at(Date.UTC(2030, 0, 1)), doc: { feature: { type: 'Feature' } } }),
        tak({ kind: 'marker', subject: marker, doc: { observationId: 'cot:x:1', contentHash: 'h1' } }),
        ...msgs.map((m, i) => tak({ kind: 'chat', subject: m, doc: { text: `message ${i}` } })),
      ]);
      expect((await store.ingest.tak.current('area', { visibility: SEE_ALL, subjects: [area, marker] })).map((r) => r.subject)).toEqual([area]);
      expect((await store.ingest.tak.current('marker', { visibility: SEE_ALL, subjects: [area, marker] })).map((r) => r.doc)).toEqual([{ observationId: 'cot:x:1', contentHash: 'h1' }]);
      const first = await store.ingest.tak.chat({ visibility: SEE_ALL, limit: 2 });
      expect(first.total).toBeGreaterThanOrEqual(3);
      const mine: string[] = [];
      let page = first;
      for (;;) {
        mine.push(...page.items.filter((r) => msgs.includes(r.subject)).map((r) => r.subject));
        if (!page.nextCursor || mine.length === 3) break;
        page = await store.ingest.tak.chat({ visibility: SEE_ALL, limit: 2, cursor: Number(page.nextCursor) });
      }
      expect(mine).toEqual([...msgs].reverse());
    });

    it('links versions once, both ways, and finds the newest ACLED timestamp per event', async () => {
      const ev = `UKR${Math.floor(Math.random() * 1e9)}`;
      const v1 = storedObservation({ id: `acled:${ev}:1700000000` });
      const v2 = storedObservation({ id: `acled:${ev}:1700000500` });
      const odd = storedObservation({ id: `acled:${ev}:with:colons:1700000100` });
      await store.observations.insertMany([v1, v2, odd]);
      const t = new Date().toISOString();
      await store.ingest.versions.link([{ newId: v2.observation.id, oldId: v1.observation.id, at: t }]);
      await store.ingest.versions.link([{ newId: v2.observation.id, oldId: v1.observation.id, at: t }]);
      expect(await store.ingest.versions.supersedes(v2.observation.id)).toEqual([v1.observation.id]);
      expect(await store.ingest.versions.supersededBy(v1.observation.id)).toEqual([v2.observation.id]);
      expect(await store.ingest.versions.supersedes(v1.observation.id)).toEqual([]);
      const latest = await store.ingest.versions.acledLatest();
      expect(latest.get(ev)).toBe(1700000500);
      expect(latest.get(`${ev}:with:colons`)).toBe(1700000100);
    });

    it('adds, finds, revokes and re-adds feeds; an active name cannot be taken twice', async () => {
      const name = uid('feed');
      const createdAt = new Date().toISOString();
      expect(await store.ingest.feeds.add({ name, tokenHash: 'a'.repeat(64).replace(/a$/, '1') + '', createdAt })).toBe(true);
      expect(await store.ingest.feeds.add({ name, tokenHash: 'b'.repeat(64), createdAt })).toBe(false);
      expect((await store.ingest.feeds.get(name))?.revokedAt).toBeNull();
      expect(await store.ingest.feeds.revoke(name, createdAt)).toBe(true);
      expect(await store.ingest.feeds.revoke(name, createdAt)).toBe(false);
      expect((await store.ingest.feeds.get(name))?.revokedAt).toBe(createdAt);
      expect(await store.ingest.feeds.add({ name, tokenHash: 'c'.repeat(64), createdAt })).toBe(true);
      const back = await store.ingest.feeds.get(name);
      expect(back).toEqual({ name, tokenHash: 'c'.repeat(64), createdAt, revokedAt: null });
      expect((await store.ingest.feeds.list()).some((f) => f.name === name)).toBe(true);
      expect(await store.ingest.feeds.get(uid('none'))).toBeUndefined();
    });

    it('counts received = accepted + quarantined + pending per channel, replays append, and repeats count once', async () => {
      const before = await store.ingest.ledger.stats();
      const frames = [raw('cot', '<event/>'), raw('cot', '<bad'), raw('cot', '<event/>')];
      const batch = raw('feed', '{"type":"FeatureCollection"}');
      await store.ingest.ledger.storeRawMany([...frames, batch]);
      let now = await store.ingest.ledger.stats();
      expect(now.cot.pending - before.cot.pending).toBe(3);
      expect(now.cot.received - before.cot.received).toBe(3);
      expect(now.feed.pending - before.feed.pending).toBe(1);

      const t = new Date().toISOString();
      const run = (r: RawInput, item: number, count: number, outcome: OutcomeRun['outcome']): OutcomeRun => ({ rawId: r.id, channel: r.channel, item, count, outcome, at: t });
      const q = { id: uuidv7(), rawId: frames[1]!.id, channel: 'cot' as const, receivedAt: t, reason: 'parse: "<bad" \u0000 NUL kept', field: null, size: 4, excerpt: '<bad' };
      await store.ingest.ledger.settle([run(frames[0]!, 0, 1, 'accepted'), run(frames[1]!, 0, 1, 'quarantined')], [q]);
      await store.ingest.ledger.settle([run(frames[0]!, 0, 1, 'accepted')]); // again: ignored
      // A feed body of 10 features: 0-6 accepted, 7 quarantined, 8-9 accepted.
      await store.ingest.ledger.settle([run(batch, 0, 7, 'accepted'), run(batch, 7, 1, 'quarantined'), run(batch, 8, 2, 'accepted')]);
      now = await store.ingest.ledger.stats();
      const d = (c: 'cot' | 'feed', k: 'received' | 'accepted' | 'quarantined' | 'pending' | 'replayed') => now[c][k] - before[c][k];
      expect([d('cot', 'received'), d('cot', 'accepted'), d('cot', 'quarantined'), d('cot', 'pending')]).toEqual([3, 1, 1, 1]);
      expect([d('feed', 'received'), d('feed', 'accepted'), d('feed', 'quarantined'), d('feed', 'pending')]).toEqual([10, 9, 1, 0]);
      const quarantine = await store.inbox.listQuarantine({ limit: 1000, channel: 'cot' });
      expect(quarantine.items.find((x) => x.id === q.id)).toEqual(q);

      // Replay candidates: the quarantined frame and the never settled one, in arrival order; not the accepted one.
      const cands = await store.ingest.ledger.replayCandidates({ channels: ['cot'], since: frames[0]!.receivedAt, limit: 1000 });
      const ids = cands.map((c) => c.raw.id).filter((id) => frames.some((f) => f.id === id));
      expect(ids).toEqual([frames[1]!.id, frames[2]!.id]);
      const cand = cands.find((c) => c.raw.id === frames[1]!.id)!;
      expect(cand.raw.body.toString()).toBe('<bad');
      expect(unreplayedItems(cand.outcomes)).toEqual(new Set([0]));
      const pendingOnly = await store.ingest.ledger.replayCandidates({ channels: ['cot'], since: frames[0]!.receivedAt, pendingOnly: true, limit: 1000 });
      expect(pendingOnly.map((c) => c.raw.id).filter((id) => frames.some((f) => f.id === id))).toEqual([frames[2]!.id]);
      const tooNew = await store.ingest.ledger.replayCandidates({ channels: ['cot'], since: frames[0]!.receivedAt, pendingOnly: true, pendingBefore: frames[0]!.receivedAt, limit: 1000 });
      expect(tooNew.map((c) => c.raw.id).filter((id) => frames.some((f) => f.id === id))).toEqual([]);

      // The replay accepts the quarantined frame: appended, counted once however often it is written.
      await store.ingest.ledger.settle([run(frames[1]!, 0, 1, 'replayed'), run(frames[2]!, 0, 1, 'accepted')]);
      await store.ingest.ledger.settle([run(frames[1]!, 0, 1, 'replayed')]);
      now = await store.ingest.ledger.stats();
      expect([d('cot', 'received'), d('cot', 'accepted'), d('cot', 'quarantined'), d('cot', 'pending'), d('cot', 'replayed')]).toEqual([3, 3, 0, 0, 1]);
      expect((await store.ingest.ledger.outcomes(frames[1]!.id)).map((r) => r.outcome)).toEqual(['quarantined', 'replayed']);
      expect(unreplayedItems(await store.ingest.ledger.outcomes(frames[1]!.id)).size).toBe(0);
      // The quarantine record stays.
      expect((await store.inbox.listQuarantine({ limit: 1000, channel: 'cot' })).items.some((x) => x.id === q.id)).toBe(true);
      for (const c of ['cot', 'acled', 'feed', 'http'] as const) expect(now[c].received).toBe(now[c].accepted + now[c].quarantined + now[c].pending);
    });
  });
}
