import { SEE_ALL } from '../../src/domain/identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { loadDefaultAgreement } from '../../src/agreement/default-agreement';
import { TrucelineError } from '../../src/domain/errors';
import type { Judgement } from '../../src/domain/rules';
import type { StoredJudgement } from '../../src/store/agreement-repository';
import type { Observation } from '../../src/domain/observation';
import type { ObservationQuery, Store } from '../../src/store/repository';
import { storedObservation } from '../support/factories';

/**
 * The agreements and judgements contract, the same for every store. Each test makes its own
 * observations in a box of its own and its own provision ids, so tests share one database.
 */
export function agreementContract(name: string, open: () => Promise<Store>): void {
  describe(`agreement and judgement contract: ${name}`, () => {
    let store: Store;
    beforeAll(async () => {
      store = await open();
    });
    afterAll(async () => {
      await store?.close();
    });

    let box = 0;
    /** n observations in a 0.1° box no other test uses; the query for that box. */
    async function observations(n: number): Promise<{ obs: Observation[]; q: ObservationQuery }> {
      const b = box++;
      const lon = 100 + (b % 50) * 0.2;
      const lat = -40 + Math.floor(b / 50) * 0.2 + ((name.length * 7) % 10) * 0.01;
      const items = Array.from({ length: n }, (_, i) =>
        storedObservation({ location: { lon: lon + 0.01 * (i % 9), lat: lat + 0.001 * i }, observedAt: new Date(Date.UTC(2026, 10, 20, 12, 0, i)).toISOString() }),
      );
      expect(await store.observations.insertMany(items)).toEqual(items.map(() => 'created'));
      return { obs: items.map((s) => s.observation), q: { visibility: SEE_ALL, bbox: [lon - 0.001, lat - 0.001, lon + 0.1, lat + 0.1], limit: 1000 } };
    }

    const judgement = (breaches: string[], zones: string[] = []): Judgement => ({
      agreementId: 'test-agreement',
      version: 1,
      side: 'UKR',
      distanceToLineM: 1234.5,
      zones,
      breaches: breaches.map((provision) => ({ provision, kind: 'fire_in_security_zone', distanceM: 1234.5, halfWidthM: 15_000, side: 'UKR', line: 'contact' })),
    });
    let clock = Date.UTC(2026, 10, 21);
    const judged = (o: Observation, j: Judgement | null, over: Partial<StoredJudgement> = {}): StoredJudgement => ({
      id: uuidv7(),
      observationId: o.id,
      agreementId: 'test-agreement',
      agreementRevision: 1,
      judgedAt: new Date((clock += 1000)).toISOString(),
      judgement: j,
      ...over,
    });
    const ids = async (q: ObservationQuery) => (await store.observations.list({ ...q, visibility: SEE_ALL })).items.map((o) => o.id).sort();
    const sorted = (os: Observation[]) => os.map((o) => o.id).sort();

    it('appends agreement revisions, numbered in order; the latest is in force', async () => {
      const doc = loadDefaultAgreement().agreement;
      const before = await store.agreements.latestRevision();
      const a = await store.agreements.save({ agreementId: doc.id, by: 'test', reason: 'import', doc });
      expect(a.revision).toBe(before + 1);
      const amended = { ...doc, name: `${doc.name} (amended)` };
      const b = await store.agreements.save({ agreementId: doc.id, by: 'user:alice', reason: 'amendment', doc: amended });
      expect(b.revision).toBe(before + 2);
      expect(await store.agreements.latestRevision()).toBe(b.revision);
      const latest = await store.agreements.latest();
      expect(latest).toEqual(b);
      expect(latest!.doc).toEqual(amended);
      expect(await store.agreements.get(a.revision)).toEqual(a);
      expect((await store.agreements.get(a.revision))!.doc).toEqual(doc);
      expect(await store.agreements.get(999_999)).toBeUndefined();
      const list = await store.agreements.list();
      expect(list[0]).toEqual({ revision: b.revision, agreementId: doc.id, storedAt: b.storedAt, by: 'user:alice', reason: 'amendment' });
      expect(list[1]!.revision).toBe(a.revision);
      expect(list.map((r) => r.revision)).toEqual([...list.map((r) => r.revision)].sort((x, y) => y - x));
    });

    it('refuses a revision made on a stale copy (ifLatest) and stores nothing', async () => {
      const doc = loadDefaultAgreement().agreement;
      const latest = await store.agreements.latestRevision();
      const stale = store.agreements.save({ agreementId: doc.id, by: 'test', reason: 'amendment', doc }, { ifLatest: latest - 1 });
      await expect(stale).rejects.toBeInstanceOf(TrucelineError);
      await expect(stale).rejects.toMatchObject({ status: 409 });
      expect(await store.agreements.latestRevision()).toBe(latest);
      const fresh = await store.agreements.save({ agreementId: doc.id, by: 'test', reason: 'amendment', doc }, { ifLatest: latest });
      expect(fresh.revision).toBe(latest + 1);
    });

    it('numbers concurrent revisions without gaps or repeats; with ifLatest only one of a race wins', async () => {
      const doc = loadDefaultAgreement().agreement;
      const before = await store.agreements.latestRevision();
      const saved = await Promise.all(Array.from({ length: 6 }, (_, i) => store.agreements.save({ agreementId: `race-${i}`, by: 'test', reason: 'import', doc })));
      expect(saved.map((s) => s.revision).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6].map((k) => before + k));
      const base = before + 6;
      const race = await Promise.allSettled(Array.from({ length: 4 }, () => store.agreements.save({ agreementId: 'race', by: 'test', reason: 'amendment', doc }, { ifLatest: base })));
      expect(race.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(await store.agreements.latestRevision()).toBe(base + 1);
    });

    it('keeps every judgement; the latest per observation (judgedAt, then id) is the one that counts', async () => {
      const { obs } = await observations(3);
      const [a, b, c] = obs as [Observation, Observation, Observation];
      const first = judged(a, judgement(['p-1'], ['z-1']));
      const second = judged(a, judgement([], ['z-1']), { agreementRevision: 2 });
      const older = judged(a, judgement(['p-old']), { judgedAt: '2020-01-01T00:00:00.000Z' });
      await store.judgements.addMany([first]);
      await store.judgements.addMany([second, judged(b, null)]);
      await store.judgements.addMany([older]);
      const latest = await store.judgements.latestFor([a.id, b.id, c.id, 'no-such-id']);
      expect([...latest.keys()].sort()).toEqual([a.id, b.id].sort());
      expect(latest.get(a.id)).toEqual(second);
      expect(latest.get(b.id)!.judgement).toBeNull();
      expect(await store.judgements.history(a.id)).toEqual([older, first, second]);
      // equal instants: the higher id wins, whichever arrives first
      const t = '2030-01-01T00:00:00.000Z';
      const [lo, hi] = [uuidv7(), uuidv7()].sort();
      await store.judgements.addMany([judged(c, judgement(['hi']), { id: hi!, judgedAt: t })]);
      await store.judgements.addMany([judged(c, judgement(['lo']), { id: lo!, judgedAt: t })]);
      expect((await store.judgements.latestFor([c.id])).get(c.id)!.id).toBe(hi);
      // a batch that judges one observation twice
      const x1 = judged(b, judgement(['b-1']));
      const x2 = judged(b, judgement(['b-2']));
      await store.judgements.addMany([x2, x1]);
      expect((await store.judgements.latestFor([b.id])).get(b.id)).toEqual(x2);
      expect(await store.judgements.latestFor([])).toEqual(new Map());
    });

    it('round-trips a judgement exactly, numbers and all', async () => {
      const { obs } = await observations(1);
      const j: Judgement = {
        agreementId: 'test-agreement',
        version: 3,
        side: null,
        distanceToLineM: 12_345.678_901_234,
        zones: ['z-a', 'z-b'],
        breaches: [
          { provision: 'w-1', kind: 'withdrawal', distanceM: 11_178.741_768_549_515, requiredM: 25_000, weaponClass: 'artillery_ge_100mm', count: 3, side: 'UKR', line: 'l' },
          { provision: 'site-1', kind: 'impact_at_protected_site', distanceM: 0.5, radiusM: 2000 },
        ],
        weapon: { weaponClass: 'artillery_ge_100mm', model: '2S3', caliberMm: 152, basis: 'model' },
      };
      const s = judged(obs[0]!, j);
      await store.judgements.addMany([s]);
      expect((await store.judgements.latestFor([obs[0]!.id])).get(obs[0]!.id)).toEqual(s);
    });

    it('filters observations by the latest judgement: breach, provision and zone, with the other filters and paging', async () => {
      const tag = uuidv7().slice(-8);
      const P = `prov-${tag}`;
      const Q = `other-${tag}`;
      const Z = `zone-${tag}`;
      const { obs, q } = await observations(8);
      const [o0, o1, o2, o3, o4, o5] = obs as Observation[] & [Observation, Observation, Observation, Observation, Observation, Observation];
      await store.judgements.addMany([
        judged(o0, judgement([P], [Z])),
        judged(o1, judgement([P, Q], [Z])),
        judged(o2, judgement([Q])),
        judged(o3, judgement([], [Z])),
        judged(o4, null),
        judged(o5, judgement([P], [Z])),
      ]);
      // o5 re-judged: no longer a breach, out of the zone
      await store.judgements.addMany([judged(o5, judgement([], []))]);
      const unjudged = obs.slice(6);
      expect(await ids({ ...q, breach: true })).toEqual(sorted([o0, o1, o2]));
      expect(await ids({ ...q, breach: false })).toEqual(sorted([o3, o4, o5, ...unjudged]));
      expect(await ids({ ...q, provision: P })).toEqual(sorted([o0, o1]));
      expect(await ids({ ...q, provision: Q })).toEqual(sorted([o1, o2]));
      expect(await ids({ ...q, provision: P.toUpperCase() })).toEqual([]);
      expect(await ids({ ...q, provision: `prov-${tag.slice(0, 4)}%` })).toEqual([]);
      expect(await ids({ ...q, zone: Z })).toEqual(sorted([o0, o1, o3]));
      expect(await ids({ ...q, zone: P })).toEqual([]);
      expect(await ids({ ...q, breach: true, zone: Z, provision: Q })).toEqual(sorted([o1]));
      expect(await ids({ ...q, breach: true, kinds: ['burst'] })).toEqual([]);
      expect(await ids({ ...q, breach: true, from: Date.parse(o1.observedAt), to: Date.parse(o2.observedAt) })).toEqual(sorted([o1]));
      const page = await store.observations.list({ ...q, breach: true, limit: 2 });
      expect(page.total).toBe(3);
      expect(page.items).toHaveLength(2);
      const rest = await store.observations.list({ ...q, breach: true, limit: 2, cursor: page.nextCursor! });
      expect(rest.total).toBe(3);
      expect([...page.items, ...rest.items].map((o) => o.id).sort()).toEqual(sorted([o0, o1, o2]));
      expect(rest.nextCursor).toBeNull();
      const chunks: string[] = [];
      for await (const c of store.observations.iterate({ visibility: SEE_ALL, bbox: q.bbox, provision: P }, 1)) chunks.push(...c.map((o) => o.id));
      expect(chunks.sort()).toEqual(sorted([o0, o1]));
      // the raw observations are untouched by judging
      for (const o of obs) expect(await store.observations.get(o.id, SEE_ALL)).toEqual(o);
    });

    it('writes concurrent judgements of the same observations consistently', async () => {
      const { obs, q } = await observations(20);
      const tag = uuidv7().slice(-8);
      const batches = Array.from({ length: 6 }, (_, k) => obs.map((o) => judged(o, judgement(k % 2 ? [`odd-${tag}`] : [], [`z${k}-${tag}`]))));
      await Promise.all(batches.map((b) => store.judgements.addMany(b)));
      const latest = await store.judgements.latestFor(obs.map((o) => o.id));
      // the last batch built has the latest judgedAt for every observation
      for (const o of obs) expect(latest.get(o.id)).toEqual(batches[5]!.find((j) => j.observationId === o.id));
      expect(await ids({ ...q, provision: `odd-${tag}` })).toEqual(sorted(obs));
      expect(await ids({ ...q, zone: `z5-${tag}` })).toEqual(sorted(obs));
      expect(await ids({ ...q, zone: `z4-${tag}` })).toEqual([]);
      expect((await store.judgements.history(obs[0]!.id)).length).toBe(6);
    });
  });
}
