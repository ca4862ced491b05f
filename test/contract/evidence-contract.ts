import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, unlink, utimes, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { COALITION_PRESET } from '../../src/domain/coalition';
import type { EvidenceContent, EvidenceTarget } from '../../src/domain/evidence';
import { SEE_ALL, canSee, visibilityOf, PUBLIC_ACTOR, type OrgKind, type Visibility } from '../../src/domain/identity';
import { sweepStaging, type EvidenceWrite, type NewAttachment, type StagedBlob } from '../../src/store/evidence-repository';
import type { ChangeEvent, Store } from '../../src/store/repository';

/**
 * The evidence repository contract, the same for every store. Each test uploads bytes of its own
 * (random) and attaches them to reports of its own, so tests share one database without seeing
 * each other's rows.
 */
export function evidenceContract(name: string, open: () => Promise<Store>): void {
  describe(`evidence contract: ${name}`, () => {
    let store: Store;
    beforeAll(async () => {
      store = await open();
    });
    afterAll(async () => {
      await store?.close();
    });

    let clock = Date.UTC(2026, 10, 25, 6);
    const tick = () => new Date((clock += 1000)).toISOString();
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    const bytes = (n = 2000) => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(n)]);
    async function* pieces(b: Buffer, size = 700): AsyncGenerator<Buffer> {
      for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size);
    }
    const stage = (b: Buffer, limit = 50 * 1024 * 1024) => store.evidence.stage(pieces(b), limit);
    const content = (s: StagedBlob): EvidenceContent => ({ sha256: s.sha256, size: s.size, mediaType: 'image/jpeg', capture: null, firstSeenAt: tick() });
    const attachment = (over: Partial<NewAttachment> = {}): NewAttachment => ({
      id: uuidv7(),
      target: { kind: 'observation', id: `obs-${uuidv7()}` },
      releasability: 'MECHANISM',
      filename: 'crater.jpg',
      declaredType: 'image/jpeg',
      addedBy: 'user:monitor',
      addedAt: tick(),
      check: null,
      ...over,
    });
    const write = (c: EvidenceContent, attachments: NewAttachment[], action: 'added' | 'linked' = 'added', actor = 'user:monitor'): EvidenceWrite => ({
      content: c,
      attachments,
      custody: { action, actor, at: tick(), address: '192.0.2.7' },
    });
    const readAll = async (s: Readable): Promise<Buffer> => {
      const parts: Buffer[] = [];
      for await (const p of s) parts.push(p as Buffer);
      return Buffer.concat(parts);
    };
    const nationUser = (nation: string, orgKind: OrgKind = 'nation'): Visibility =>
      visibilityOf({ type: 'user', id: 'x', username: 'x', nation, org: nation, orgKind, roles: ['liaison_officer'] }, COALITION_PRESET);
    const mechanism = visibilityOf({ type: 'user', id: 'm', username: 'm', nation: 'USA', org: 'Mechanism', orgKind: 'mechanism', roles: ['analyst'] }, COALITION_PRESET);
    const staged = async (): Promise<string[]> => (await readdir(store.evidence.stagingDir).catch(() => [] as string[])).sort();

    it('stages and stores bytes under their SHA-256, and gives them back identical', async () => {
      const b = bytes(5000);
      const s = await stage(b);
      expect(s).toMatchObject({ sha256: sha(b), size: b.length });
      expect(s.head.equals(b.subarray(0, 4096))).toBe(true);
      const a = attachment();
      const added = await store.evidence.add(s, write(content(s), [a]));
      expect(added.contentCreated).toBe(true);
      expect(added.attachments).toEqual([{ attachment: { ...a, sha256: s.sha256 }, created: true }]);
      const e = (await store.evidence.get(s.sha256, SEE_ALL))!;
      expect(e).toMatchObject({ sha256: sha(b), size: b.length, mediaType: 'image/jpeg', capture: null });
      expect(e.attachments).toEqual([{ ...a, sha256: s.sha256 }]);
      expect(e.custody).toEqual([
        { seq: expect.any(Number), sha256: s.sha256, action: 'added', actor: 'user:monitor', at: expect.any(String), address: '192.0.2.7', attachmentId: a.id, releasability: 'MECHANISM', range: null },
      ]);
      const out = (await store.evidence.open(s.sha256, SEE_ALL))!;
      expect([out.start, out.end]).toEqual([0, b.length - 1]);
      expect((await readAll(out.stream)).equals(b)).toBe(true);
      expect(await store.evidence.get('0'.repeat(64), SEE_ALL)).toBeUndefined();
      expect(await store.evidence.get('not-a-hash', SEE_ALL)).toBeUndefined();
      expect(await store.evidence.attachment(a.id, SEE_ALL)).toEqual({ ...a, sha256: s.sha256 });
    });

    it('stores the same bytes once: an upload again to the same report and label adds a custody entry only', async () => {
      const b = bytes();
      const a = attachment();
      const first = await stage(b);
      await store.evidence.add(first, write(content(first), [a]));
      const again = await stage(b);
      const second = await store.evidence.add(again, write(content(again), [{ ...a, id: uuidv7(), addedBy: 'user:other' }], 'added', 'user:other'));
      expect(second.contentCreated).toBe(false);
      expect(second.attachments).toEqual([{ attachment: { ...a, sha256: sha(b) }, created: false }]);
      const e = (await store.evidence.get(sha(b), SEE_ALL))!;
      expect(e.attachments).toHaveLength(1);
      expect(e.custody.map((c) => [c.action, c.actor, c.attachmentId])).toEqual([
        ['added', 'user:monitor', a.id],
        ['added', 'user:other', a.id],
      ]);
      // Another report, another label: more attachments of the same bytes.
      const third = await stage(b);
      const more = await store.evidence.add(third, write(content(third), [attachment(), attachment({ target: a.target, releasability: 'REL TO UKR' })]));
      expect(more.attachments.map((x) => x.created)).toEqual([true, true]);
      expect((await store.evidence.get(sha(b), SEE_ALL))!.attachments).toHaveLength(3);
      expect((await store.evidence.list({ visibility: SEE_ALL, sha256: sha(b), limit: 10 })).total).toBe(3);
    });

    it('links stored bytes to more reports without the bytes, and refuses to link unknown bytes (404)', async () => {
      const b = bytes();
      const s = await stage(b);
      const first = await store.evidence.add(s, write(content(s), [attachment({ target: null })]));
      expect(first.contentCreated).toBe(true);
      expect(first.attachments[0]!.attachment.target).toBeNull();
      const target: EvidenceTarget = { kind: 'allegation', id: `alg-${uuidv7()}` };
      const linked = await store.evidence.add(null, write({ sha256: sha(b), size: b.length, mediaType: 'image/jpeg', capture: null, firstSeenAt: tick() }, [attachment({ target })], 'linked'));
      expect(linked).toMatchObject({ contentCreated: false, attachments: [{ created: true, attachment: { target } }] });
      const e = (await store.evidence.get(sha(b), SEE_ALL))!;
      expect(e.custody.map((x) => x.action)).toEqual(['added', 'linked']);
      const listed = await store.evidence.list({ visibility: SEE_ALL, target, limit: 10 });
      expect(listed.items.map((i) => [i.content.sha256, i.attachment.target])).toEqual([[sha(b), target]]);
      const missing = '1'.repeat(64);
      await expect(store.evidence.add(null, write({ sha256: missing, size: 1, mediaType: 'image/jpeg', capture: null, firstSeenAt: tick() }, [attachment()], 'linked'))).rejects.toMatchObject({
        status: 404,
      });
    });

    it('filters by releasability in the query: evidence exists for a reader when one of its attachments is released to them', async () => {
      const labels = ['PUBLIC', 'COALITION', 'MECHANISM', 'REL TO FRA', 'REL TO GBR', 'REL TO FRA, GBR', 'REL TO RUS'];
      const target: EvidenceTarget = { kind: 'incident', id: `inc-${uuidv7()}` };
      // One file per label, and one more file carrying two attachments (MECHANISM and REL TO RUS).
      const files: { sha256: string; labels: string[] }[] = [];
      for (const releasability of labels) {
        const s = await stage(bytes(300));
        await store.evidence.add(s, write(content(s), [attachment({ target, releasability })]));
        files.push({ sha256: s.sha256, labels: [releasability] });
      }
      const shared = await stage(bytes(300));
      await store.evidence.add(shared, write(content(shared), [attachment({ target, releasability: 'MECHANISM' }), attachment({ target: null, releasability: 'REL TO RUS' })]));
      files.push({ sha256: shared.sha256, labels: ['MECHANISM', 'REL TO RUS'] });
      await store.evidence.recordCustody({ sha256: shared.sha256, action: 'viewed', actor: 'user:mech', at: tick(), address: null, attachmentId: null, releasability: 'MECHANISM', range: null });
      await store.evidence.recordCustody({ sha256: shared.sha256, action: 'viewed', actor: 'user:rus', at: tick(), address: null, attachmentId: null, releasability: 'REL TO RUS', range: '0-9' });

      const callers: [string, Visibility][] = [
        ['FRA nation', nationUser('FRA')],
        ['RUS party', nationUser('RUS', 'party')],
        ['cell (DEU)', nationUser('DEU', 'cell')],
        ['mechanism', mechanism],
        ['public', visibilityOf(PUBLIC_ACTOR, COALITION_PRESET)],
        ['system', SEE_ALL],
      ];
      for (const [who, v] of callers) {
        const page = await store.evidence.list({ visibility: v, target, limit: 100 });
        const expected = files.filter((f) => canSee(v, f.labels[0]!)).map((f) => f.sha256);
        expect(page.items.map((i) => i.content.sha256).sort(), who).toEqual(expected.sort());
        expect(page.total, who).toBe(expected.length);
        for (const f of files) {
          const visible = f.labels.filter((l) => canSee(v, l));
          const e = await store.evidence.get(f.sha256, v);
          expect(e?.sha256, `${who} reading ${f.labels.join(' + ')}`).toBe(visible.length ? f.sha256 : undefined);
          expect(e?.attachments.map((a) => a.releasability).sort() ?? [], who).toEqual(visible.sort());
          const bytesOut = await store.evidence.open(f.sha256, v);
          expect(bytesOut !== undefined, `${who} opening ${f.labels.join(' + ')}`).toBe(visible.length > 0);
          bytesOut?.stream.destroy();
        }
      }
      // The party sees its own attachment of the shared file and its own view, not the mechanism's.
      const rus = (await store.evidence.get(shared.sha256, nationUser('RUS', 'party')))!;
      expect(rus.attachments.map((a) => [a.releasability, a.target])).toEqual([['REL TO RUS', null]]);
      expect(rus.custody.map((c) => [c.action, c.actor, c.range])).toEqual([
        ['added', 'user:monitor', null],
        ['viewed', 'user:rus', '0-9'],
      ]);
      expect((await store.evidence.get(shared.sha256, mechanism))!.custody.map((c) => c.actor)).toEqual(['user:monitor', 'user:monitor', 'user:mech', 'user:rus']);
    });

    it('serves byte ranges, across chunk boundaries too', async () => {
      const b = randomBytes(2.5 * 1024 * 1024);
      const s = await store.evidence.stage(pieces(b, 64 * 1024), 10 * 1024 * 1024);
      await store.evidence.add(s, write(content(s), [attachment()]));
      for (const [start, end] of [
        [0, 9],
        [1024 * 1024 - 5, 1024 * 1024 + 5],
        [1024 * 1024, 2 * 1024 * 1024 - 1],
        [2 * 1024 * 1024 + 100, b.length - 1],
        [b.length - 1, b.length - 1],
      ] as const) {
        const out = (await store.evidence.open(s.sha256, SEE_ALL, () => ({ start, end })))!;
        expect([out.start, out.end]).toEqual([start, end]);
        expect((await readAll(out.stream)).equals(b.subarray(start, end + 1)), `${start}-${end}`).toBe(true);
      }
      expect((await readAll((await store.evidence.open(s.sha256, SEE_ALL))!.stream)).equals(b)).toBe(true);
      await expect(
        store.evidence.open(s.sha256, SEE_ALL, () => {
          throw Object.assign(new Error('416'), { status: 416 });
        }),
      ).rejects.toMatchObject({ status: 416 });
    });

    it('refuses an upload over the limit (413 naming it) and leaves nothing staged or stored', async () => {
      const before = await staged();
      const b = bytes(3000);
      const err = await stage(b, 1000).catch((e: unknown) => e);
      expect(err).toMatchObject({ status: 413, type: 'evidence-too-large', extra: { limit: 1000 } });
      expect((err as Error).message).toContain('TRUCELINE_MAX_EVIDENCE');
      expect(await staged()).toEqual(before);
      expect(await store.evidence.get(sha(b), SEE_ALL)).toBeUndefined();
    });

    it('leaves nothing staged or stored when the upload is cut off, or empty', async () => {
      const before = await staged();
      async function* cut(): AsyncGenerator<Buffer> {
        yield bytes(1000);
        yield bytes(1000);
        throw new Error('aborted');
      }
      await expect(store.evidence.stage(cut(), 1_000_000)).rejects.toMatchObject({ status: 400, type: 'upload-interrupted', extra: { received: 2008 } });
      await expect(store.evidence.stage(pieces(Buffer.alloc(0)), 1_000_000)).rejects.toMatchObject({ status: 400, field: '(body)' });
      expect(await staged()).toEqual(before);
    });

    it('sweeps what a crash left staged a day ago, and nothing of a live upload', async () => {
      await mkdir(store.evidence.stagingDir, { recursive: true });
      const old = join(store.evidence.stagingDir, `${uuidv7()}.part`);
      const live = join(store.evidence.stagingDir, `${uuidv7()}.part`);
      await writeFile(old, 'left by a crash');
      await writeFile(live, 'an upload in progress');
      const twoDaysAgo = new Date(Date.now() - 48 * 3600 * 1000);
      await utimes(old, twoDaysAgo, twoDaysAgo);
      expect(await sweepStaging(store.evidence.stagingDir)).toBe(1);
      const left = await staged();
      expect(left).toContain(basename(live));
      expect(left).not.toContain(basename(old));
      await unlink(live);
    });

    it('stores bytes uploaded twice at once exactly once, whole', async () => {
      const b = bytes(1_500_000);
      const [s1, s2] = await Promise.all([stage(b), stage(b)]);
      const results = await Promise.all([store.evidence.add(s1!, write(content(s1!), [attachment()])), store.evidence.add(s2!, write(content(s2!), [attachment()]))]);
      expect(results.map((r) => r.contentCreated).sort()).toEqual([false, true]);
      expect((await readAll((await store.evidence.open(sha(b), SEE_ALL))!.stream)).equals(b)).toBe(true);
      expect((await store.evidence.get(sha(b), SEE_ALL))!.attachments).toHaveLength(2);
    });

    it('lists newest first and pages by keyset without gaps or repeats, also among equal times', async () => {
      const target: EvidenceTarget = { kind: 'observation', id: `obs-${uuidv7()}` };
      const at = (ms: number) => new Date(Date.UTC(2026, 10, 1) + ms).toISOString();
      const made: { id: string; addedAt: string }[] = [];
      for (const t of [0, 5000, 5000, 5000, 9000, 1000, 7000]) {
        const s = await stage(bytes(100));
        const a = attachment({ target, addedAt: at(t) });
        await store.evidence.add(s, write(content(s), [a]));
        made.push(a);
      }
      const expected = [...made].sort((x, y) => Date.parse(y.addedAt) - Date.parse(x.addedAt) || (x.id < y.id ? 1 : -1)).map((a) => a.id);
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.evidence.list({ visibility: SEE_ALL, target, limit: 3, cursor });
        expect(page.total).toBe(7);
        seen.push(...page.items.map((i) => i.attachment.id));
        cursor = page.nextCursor ?? undefined;
        pages++;
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen).toEqual(expected);
      await expect(store.evidence.list({ visibility: SEE_ALL, limit: 3, cursor: 'not-a-cursor' })).rejects.toMatchObject({ status: 400, field: 'cursor' });
    });

    it('records a change for every new attachment, and none for an upload again', async () => {
      const before = await store.changes.latest();
      const heard: ChangeEvent[] = [];
      const off = store.changes.subscribe((e) => heard.push(e));
      try {
        const b = bytes();
        const a = attachment();
        const s1 = await stage(b);
        await store.evidence.add(s1, write(content(s1), [a]));
        const s2 = await stage(b);
        await store.evidence.add(s2, write(content(s2), [{ ...a, id: uuidv7() }]));
        const other = attachment();
        await store.evidence.add(null, write(content(s2), [other], 'linked'));
        const mine = (events: ChangeEvent[]) => events.filter((e) => e.entity === 'evidence' && (e.id === a.id || e.id === other.id)).map((e) => [e.op, e.id]);
        const expected = [
          ['created', a.id],
          ['created', other.id],
        ];
        expect(mine(await store.changes.since(before, 1000))).toEqual(expected);
        await expect.poll(() => mine(heard)).toEqual(expected);
      } finally {
        off();
      }
    });
  });
}
