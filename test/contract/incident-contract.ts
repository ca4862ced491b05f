import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { COALITION_PRESET } from '../../src/domain/coalition';
import { TrucelineError } from '../../src/domain/errors';
import { SEE_ALL, visibilityOf, type OrgKind, type Visibility } from '../../src/domain/identity';
import { claimSummary, type Allegation, type Assessment, type NewIncident } from '../../src/domain/incident';
import type { ObservationInput, Observation } from '../../src/domain/observation';
import type { FusionBatch } from '../../src/store/incident-repository';
import type { ChangeEvent, Store } from '../../src/store/repository';
import { storedObservation } from '../support/factories';

/**
 * The incident and allegation repository contract, the same for every store. Each test works in
 * a sector of its own (a fresh id) and on observations of its own, so tests share one database
 * without seeing each other's rows.
 */
export function incidentContract(name: string, open: () => Promise<Store>): void {
  describe(`incident contract: ${name}`, () => {
    let store: Store;
    beforeAll(async () => {
      store = await open();
    });
    afterAll(async () => {
      await store?.close();
    });

    const members = COALITION_PRESET.members;
    let clock = Date.UTC(2026, 10, 24, 18);
    const tick = () => new Date((clock += 1000)).toISOString();
    const sector = () => `s-${uuidv7()}`;
    const newIncident = (over: Partial<NewIncident> = {}): NewIncident => ({ id: uuidv7(), createdAt: tick(), createdBy: 'system:fusion', ...over });
    const nation = (n: string, orgKind: OrgKind = 'nation'): Visibility => visibilityOf({ type: 'user', id: 'x', username: 'x', nation: n, org: n, orgKind, roles: ['liaison_officer'] }, COALITION_PRESET);
    const mechanism = visibilityOf({ type: 'user', id: 'm', username: 'm', nation: 'USA', org: 'M', orgKind: 'mechanism', roles: ['analyst'] }, COALITION_PRESET);

    /** Stores observations of one sector and answers them as stored. */
    async function observations(sec: string, overs: Partial<ObservationInput>[]): Promise<Observation[]> {
      const items = overs.map((o) => storedObservation(o, sec));
      expect(await store.observations.insertMany(items)).toEqual(items.map(() => 'created'));
      return items.map((i) => i.observation);
    }
    const batch = (over: Partial<FusionBatch>): FusionBatch => ({ creates: [], attaches: [], by: 'system:fusion', at: tick(), coalitionMembers: members, ...over });
    const changesFor = async (from: number, ids: string[]) =>
      (await store.changes.since(from, 100_000)).filter((e: ChangeEvent) => ids.includes(e.id)).map((e) => `${e.entity}:${e.op}:${e.id}`);
    const assessment = (): Assessment => ({
      finding: 'violation',
      attribution: 'RUS',
      confidence: 'high',
      rationale: 'Craters point north-east',
      provisionIds: [],
      draftedBy: { by: 'user:a', userId: 'a', nation: 'USA', at: tick() },
      confirmedBy: null,
      reviewedBy: null,
    });

    it('opens incidents from fusion with their summary, memberships and a change each, and reads them back', async () => {
      const sec = sector();
      const [a, b] = await observations(sec, [
        { observedAt: '2026-11-24T18:00:00Z', location: { lat: 48, lon: 37.5, accuracyM: 100 }, count: 3, releasability: 'PUBLIC' },
        { observedAt: '2026-11-24T18:03:00Z', observedUntil: '2026-11-24T18:10:00Z', location: { lat: 48.01, lon: 37.51, accuracyM: 500 }, releasability: 'COALITION', source: { kind: 'camera' } },
      ]);
      const inc = newIncident();
      const seq = await store.changes.latest();
      const r = await store.incidents.fuse(batch({ creates: [{ incident: inc, observations: [a!, b!] }] }));
      expect(r).toMatchObject({ created: [inc.id], updated: [], refused: [] });
      expect([...r.incidentOf]).toEqual(expect.arrayContaining([[a!.id, inc.id], [b!.id, inc.id]]));
      const got = (await store.incidents.get(inc.id, SEE_ALL))!;
      expect(got).toMatchObject({
        id: inc.id,
        kind: 'fire',
        state: 'received',
        version: 1,
        sector: sec,
        releasability: 'COALITION',
        firstObservedAt: '2026-11-24T18:00:00.000Z',
        lastObservedAt: '2026-11-24T18:10:00.000Z',
        bbox: [37.5, 48, 37.51, 48.01],
        observationCount: 2,
        events: 4,
        allegationCount: 0,
        composition: { kinds: { explosion: 2 }, sources: { monitor: 1, camera: 1 }, sectors: { [sec]: 2 } },
        assessment: null,
        mergedInto: null,
        mergedFrom: [],
        createdBy: 'system:fusion',
        observationIds: [a!.id, b!.id],
        allegationIds: [],
        taskIds: [],
        history: [{ version: 1, action: 'create', from: null, to: 'received', by: 'system:fusion' }],
      });
      expect(got.centroid!.lon).toBeCloseTo(37.505, 9);
      expect(await changesFor(seq, [inc.id])).toEqual([`incident:created:${inc.id}`]);
      const m = await store.incidents.members(inc.id, SEE_ALL);
      expect(m.map((x) => [x.observation.id, x.addedBy, x.reason])).toEqual([
        [a!.id, 'system:fusion', null],
        [b!.id, 'system:fusion', null],
      ]);
      expect(await store.incidents.get(`missing-${uuidv7()}`, SEE_ALL)).toBeUndefined();
      expect(await store.incidents.observationDocs([a!.id, 'nope'])).toEqual([a]);
    });

    it('folds attached observations into the summary and moves the fusion position; an observation stays in its first incident', async () => {
      const sec = sector();
      const [a, b, c] = await observations(sec, [
        { observedAt: '2026-11-24T19:00:00Z', releasability: 'REL TO FRA, GBR' },
        { observedAt: '2026-11-24T19:01:00Z', releasability: 'REL TO GBR, USA' },
        { observedAt: '2026-11-24T19:02:00Z' },
      ]);
      const inc = newIncident();
      await store.incidents.fuse(batch({ creates: [{ incident: inc, observations: [a!] }] }));
      const seq = await store.changes.latest();
      const r = await store.incidents.fuse(batch({ attaches: [{ incidentId: inc.id, observations: [b!], fallback: newIncident() }], cursorSeq: 10 ** 12 }));
      expect(r).toMatchObject({ created: [], updated: [inc.id] });
      expect(await store.incidents.fusionCursor()).toBe(10 ** 12);
      const got = (await store.incidents.get(inc.id, SEE_ALL))!;
      expect(got).toMatchObject({ version: 2, observationCount: 2, releasability: 'REL TO GBR' });
      expect(await changesFor(seq, [inc.id])).toEqual([`incident:updated:${inc.id}`]);
      // Offered again (another process, a replay): it stays where it is.
      const other = newIncident();
      const again = await store.incidents.fuse(batch({ creates: [{ incident: other, observations: [b!, c!] }] }));
      expect(again.incidentOf.get(b!.id)).toBe(inc.id);
      expect(again.incidentOf.get(c!.id)).toBe(other.id);
      expect((await store.incidents.get(other.id, SEE_ALL))!.observationIds).toEqual([c!.id]);
      // The position never moves back.
      await store.incidents.fuse(batch({ cursorSeq: 5 }));
      expect(await store.incidents.fusionCursor()).toBe(10 ** 12);
    });

    it('opens a new incident instead of attaching to one whose observations are fixed', async () => {
      const sec = sector();
      const [a, b] = await observations(sec, [{ observedAt: '2026-11-24T20:00:00Z' }, { observedAt: '2026-11-24T20:01:00Z' }]);
      const inc = newIncident();
      await store.incidents.fuse(batch({ creates: [{ incident: inc, observations: [a!] }] }));
      await store.incidents.transition({ id: inc.id, expectedVersion: 1, from: 'received', to: 'triaged', assessment: null, at: tick(), by: 'user:a', reason: null, detail: null });
      await store.incidents.transition({ id: inc.id, expectedVersion: 2, from: 'triaged', to: 'findings', assessment: assessment(), at: tick(), by: 'user:a', reason: null, detail: null });
      const fallback = newIncident();
      const r = await store.incidents.fuse(batch({ attaches: [{ incidentId: inc.id, observations: [b!], fallback }] }));
      expect(r).toMatchObject({ refused: [inc.id], created: [fallback.id] });
      expect(r.incidentOf.get(b!.id)).toBe(fallback.id);
      expect((await store.incidents.get(inc.id, SEE_ALL))!.observationCount).toBe(1);
      // Editable incidents of the time, with their points, for the fusion index; the fixed one is not among them.
      const recent = await store.incidents.forFusion(Date.parse('2026-11-24T19:59:00Z'), Date.parse('2026-11-24T20:02:00Z'));
      const mine = recent.filter((f) => f.id === inc.id || f.id === fallback.id);
      expect(mine).toEqual([{ id: fallback.id, kind: 'fire', points: [expect.objectContaining({ id: b!.id, kind: 'fire', t0: Date.parse('2026-11-24T20:01:00Z'), lon: b!.location.lon })] }]);
    });

    it('moves an incident only at the version it was decided on, with its history; one of two concurrent transitions wins', async () => {
      const sec = sector();
      const [a] = await observations(sec, [{ observedAt: '2026-11-24T21:00:00Z' }]);
      const inc = newIncident();
      await store.incidents.fuse(batch({ creates: [{ incident: inc, observations: [a!] }] }));
      const seq = await store.changes.latest();
      const step = (to: 'triaged' | 'rejected', reason: string | null) => store.incidents.transition({ id: inc.id, expectedVersion: 1, from: 'received', to, assessment: null, at: tick(), by: 'user:a', reason, detail: { action: to } });
      const results = await Promise.allSettled([step('triaged', null), step('rejected', 'duplicate')]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(failed.reason).toBeInstanceOf(TrucelineError);
      expect(failed.reason).toMatchObject({ status: 409 });
      const got = (await store.incidents.get(inc.id, SEE_ALL))!;
      expect(got.version).toBe(2);
      expect(got.history.map((h) => [h.version, h.action, h.from, h.to])).toEqual([
        [1, 'create', null, 'received'],
        [2, 'transition', 'received', got.state],
      ]);
      expect(await changesFor(seq, [inc.id])).toEqual([`incident:updated:${inc.id}`]);
      await expect(store.incidents.transition({ id: `missing-${uuidv7()}`, expectedVersion: 1, from: 'received', to: 'triaged', assessment: null, at: tick(), by: 'x', reason: null, detail: null })).rejects.toMatchObject({
        status: 404,
      });
      // The assessment goes with the state.
      if (got.state === 'triaged') {
        const drafted = await store.incidents.transition({ id: inc.id, expectedVersion: 2, from: 'triaged', to: 'findings', assessment: assessment(), at: tick(), by: 'user:a', reason: null, detail: null });
        expect(drafted.assessment).toMatchObject({ finding: 'violation', attribution: 'RUS', draftedBy: { nation: 'USA' } });
      }
    });

    it('filters by releasability in the query: what a caller may not see does not exist for them', async () => {
      const sec = sector();
      const [pub, fra, mech] = await observations(sec, [
        { observedAt: '2026-11-24T22:00:00Z', releasability: 'PUBLIC' },
        { observedAt: '2026-11-24T22:01:00Z', releasability: 'REL TO FRA' },
        { observedAt: '2026-11-24T22:02:00Z', releasability: 'MECHANISM' },
      ]);
      const [i1, i2, i3] = [newIncident(), newIncident(), newIncident()];
      await store.incidents.fuse(batch({ creates: [{ incident: i1, observations: [pub!] }, { incident: i2, observations: [fra!] }, { incident: i3, observations: [mech!] }] }));
      const ids = async (v: Visibility) => (await store.incidents.list({ visibility: v, sector: sec, sort: 'age', limit: 10 })).items.map((i) => i.id);
      expect(await ids(mechanism)).toEqual([i1.id, i2.id, i3.id]);
      expect(await ids(nation('FRA'))).toEqual([i1.id, i2.id]);
      expect(await ids(nation('GBR'))).toEqual([i1.id]);
      expect(await store.incidents.get(i2.id, nation('GBR'))).toBeUndefined();
      expect(await store.incidents.get(i2.id, nation('FRA'))).toBeDefined();
      expect([...(await store.incidents.getMany([i1.id, i2.id, i3.id], nation('GBR'))).keys()]).toEqual([i1.id]);
      expect([...(await store.incidents.getMany([i1.id, i2.id, i3.id], nation('FRA'))).keys()].sort()).toEqual([i1.id, i2.id].sort());
      expect(await store.incidents.members(i2.id, nation('GBR'))).toEqual([]);
    });

    it('lists the queue by state, sector, kind, size and age, sorted and paged', async () => {
      const sec = sector();
      const obs = await observations(sec, [
        { observedAt: '2026-11-23T01:00:00Z' },
        { observedAt: '2026-11-23T02:00:00Z', kind: 'weapon_sighting', subkind: undefined },
        { observedAt: '2026-11-23T03:00:00Z' },
        { observedAt: '2026-11-23T04:00:00Z' },
        { observedAt: '2026-11-23T04:01:00Z' },
      ]);
      const incs = [newIncident(), newIncident(), newIncident(), newIncident()];
      await store.incidents.fuse(
        batch({
          creates: [
            { incident: incs[0]!, observations: [obs[0]!] },
            { incident: incs[1]!, observations: [obs[1]!] },
            { incident: incs[2]!, observations: [obs[2]!] },
            { incident: incs[3]!, observations: [obs[3]!, obs[4]!] },
          ],
        }),
      );
      await store.incidents.transition({ id: incs[2]!.id, expectedVersion: 1, from: 'received', to: 'triaged', assessment: null, at: tick(), by: 'user:a', reason: null, detail: null });
      const list = (q: Partial<Parameters<Store['incidents']['list']>[0]>) => store.incidents.list({ visibility: SEE_ALL, sector: sec, sort: 'age', limit: 10, ...q });
      expect((await list({})).items.map((i) => i.id)).toEqual(incs.map((i) => i.id));
      expect((await list({ sort: 'recent' })).items.map((i) => i.id)).toEqual(incs.map((i) => i.id).reverse());
      expect((await list({ states: ['triaged'] })).items.map((i) => i.id)).toEqual([incs[2]!.id]);
      expect((await list({ kinds: ['weapon_sighting'] })).items.map((i) => i.id)).toEqual([incs[1]!.id]);
      expect((await list({ minObservations: 2 })).items.map((i) => i.id)).toEqual([incs[3]!.id]);
      expect((await list({ from: Date.parse('2026-11-23T02:00:00Z'), to: Date.parse('2026-11-23T04:00:00Z') })).items.map((i) => i.id)).toEqual([incs[1]!.id, incs[2]!.id]);
      // Paging: each page follows the last, the total counts them all.
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let i = 0; i < 5; i++) {
        const page = await list({ limit: 3, sort: 'sector', ...(cursor ? { cursor } : {}) });
        expect(page.total).toBe(4);
        seen.push(...page.items.map((x) => x.id));
        if (!page.nextCursor) break;
        cursor = page.nextCursor;
      }
      expect(seen).toEqual(incs.map((i) => i.id));
      await expect(list({ cursor: 'garbage' })).rejects.toMatchObject({ status: 400, field: 'cursor' });
      const outside = newIncident();
      const [none] = await observations(null as unknown as string, [{ observedAt: '2026-11-23T05:00:00Z', location: { lat: 10.123, lon: 10.456, accuracyM: 1 } }]);
      await store.incidents.fuse(batch({ creates: [{ incident: outside, observations: [none!] }] }));
      expect((await store.incidents.list({ visibility: SEE_ALL, sector: null, sort: 'recent', limit: 500 })).items.map((i) => i.id)).toContain(outside.id);
    });

    it('merges one incident into another: observations and allegations move, both histories say so', async () => {
      const sec = sector();
      const [a, b, c] = await observations(sec, [
        { observedAt: '2026-11-22T10:00:00Z', releasability: 'PUBLIC' },
        { observedAt: '2026-11-22T10:20:00Z', releasability: 'COALITION' },
        { observedAt: '2026-11-22T10:21:00Z', releasability: 'PUBLIC' },
      ]);
      const [survivor, other] = [newIncident(), newIncident()];
      await store.incidents.fuse(batch({ creates: [{ incident: survivor, observations: [a!] }, { incident: other, observations: [b!, c!] }] }));
      const alleged = await store.allegations.file(allegation({ claimedAt: '2026-11-22T10:15:00Z' }), { incidentId: other.id });
      const seq = await store.changes.latest();
      await expect(store.incidents.merge({ survivorId: survivor.id, survivorVersion: 1, otherId: other.id, otherVersion: 1, at: tick(), by: 'user:a', reason: 'same shelling', coalitionMembers: members })).rejects.toMatchObject({
        status: 409,
      });
      const r = await store.incidents.merge({ survivorId: survivor.id, survivorVersion: 1, otherId: other.id, otherVersion: 2, at: tick(), by: 'user:a', reason: 'same shelling', coalitionMembers: members });
      expect(r.survivor).toMatchObject({
        observationIds: [a!.id, b!.id, c!.id],
        observationCount: 3,
        releasability: 'COALITION',
        allegationIds: [alleged.id],
        allegationCount: 1,
        mergedFrom: [other.id],
        version: 2,
        lastObservedAt: '2026-11-22T10:21:00.000Z',
      });
      expect(r.survivor.history.at(-1)).toMatchObject({ action: 'merge', by: 'user:a', reason: 'same shelling', detail: { otherId: other.id, observationIds: [b!.id, c!.id].sort(), allegationIds: [alleged.id] } });
      expect(r.other).toMatchObject({ state: 'merged', mergedInto: survivor.id, observationIds: [], allegationIds: [] });
      expect(r.other.history.at(-1)).toMatchObject({ action: 'merged_into', from: 'received', to: 'merged' });
      expect((await store.incidents.members(survivor.id, SEE_ALL)).find((m) => m.observation.id === b!.id)).toMatchObject({ addedBy: 'user:a', reason: 'same shelling' });
      expect((await store.allegations.get(alleged.id, SEE_ALL))!.incidentId).toBe(survivor.id);
      expect((await changesFor(seq, [survivor.id, other.id, alleged.id])).sort()).toEqual([`allegation:updated:${alleged.id}`, `incident:updated:${other.id}`, `incident:updated:${survivor.id}`].sort());
      // The batch read (the transparency log's) answers exactly what one read per incident does.
      const many = await store.incidents.getMany([survivor.id, other.id, `missing-${uuidv7()}`, survivor.id], SEE_ALL);
      expect([...many.keys()].sort()).toEqual([survivor.id, other.id].sort());
      expect(many.get(survivor.id)).toEqual(await store.incidents.get(survivor.id, SEE_ALL));
      expect(many.get(other.id)).toEqual(await store.incidents.get(other.id, SEE_ALL));
    });

    it('splits observations off into a new incident, with who and why', async () => {
      const sec = sector();
      const [a, b, c] = await observations(sec, [
        { observedAt: '2026-11-22T11:00:00Z', releasability: 'MECHANISM' },
        { observedAt: '2026-11-22T11:01:00Z', releasability: 'PUBLIC' },
        { observedAt: '2026-11-22T11:02:00Z', releasability: 'PUBLIC' },
      ]);
      const inc = newIncident();
      await store.incidents.fuse(batch({ creates: [{ incident: inc, observations: [a!, b!, c!] }] }));
      const created = newIncident({ createdBy: 'user:a' });
      const split = (ids: string[], version = 1) =>
        store.incidents.split({ id: inc.id, expectedVersion: version, observationIds: ids, incident: { ...created, id: uuidv7() }, at: tick(), by: 'user:a', reason: 'two events', coalitionMembers: members });
      await expect(split([a!.id, b!.id, c!.id])).rejects.toMatchObject({ status: 400, field: 'observationIds' });
      await expect(split([b!.id], 7)).rejects.toMatchObject({ status: 409 });
      const r = await split([b!.id, c!.id]);
      expect(r.original).toMatchObject({ observationIds: [a!.id], observationCount: 1, releasability: 'MECHANISM', version: 2 });
      expect(r.created).toMatchObject({ state: 'received', observationIds: [b!.id, c!.id], releasability: 'PUBLIC', createdBy: 'user:a', version: 1 });
      expect(r.created.history).toEqual([expect.objectContaining({ version: 1, action: 'split_from', to: 'received', reason: 'two events', detail: { fromIncidentId: inc.id, observationIds: [b!.id, c!.id].sort() } })]);
      expect(r.original.history.at(-1)).toMatchObject({ action: 'split', detail: { newIncidentId: r.created.id } });
      expect((await store.incidents.members(r.created.id, SEE_ALL)).map((m) => m.addedBy)).toEqual(['user:a', 'user:a']);
    });

    function allegation(over: Partial<Allegation> = {}): Allegation {
      return {
        id: uuidv7(),
        source: { kind: 'party', name: 'General Staff' },
        kind: 'fire',
        claimedAt: '2026-11-24T18:00:00Z',
        location: { lat: 48, lon: 37.5 },
        accusedParty: 'RUS',
        narrative: 'Shelling of the village from the east',
        attachments: [{ sha256: 'a'.repeat(64), name: 'crater.jpg', mediaType: 'image/jpeg' }],
        releasability: 'REL TO UKR',
        incidentId: null,
        filedAt: tick(),
        filedBy: 'user:ukr',
        filerId: 'ukr',
        filerNation: 'UKR',
        filerOrgKind: 'party',
        ...over,
      };
    }

    it('files allegations beside the observations: opening an incident, or linked to one, with a history step and changes', async () => {
      const seq = await store.changes.latest();
      const open = newIncident({ createdBy: 'user:ukr' });
      const a = allegation();
      const filed = await store.allegations.file(a, { create: open, summary: claimSummary('fire', Date.parse(a.claimedAt), Date.parse(a.claimedAt), a.location!) });
      expect(filed).toEqual({ ...a, incidentId: open.id });
      expect(await store.allegations.get(a.id, SEE_ALL)).toEqual(filed);
      const inc = (await store.incidents.get(open.id, SEE_ALL))!;
      expect(inc).toMatchObject({ state: 'received', observationCount: 0, allegationCount: 1, allegationIds: [a.id], releasability: 'MECHANISM', centroid: { lon: 37.5, lat: 48 }, firstObservedAt: '2026-11-24T18:00:00.000Z' });
      expect(inc.history).toEqual([expect.objectContaining({ version: 1, action: 'create', by: 'user:ukr', detail: { allegationId: a.id } })]);
      const b = allegation();
      await store.allegations.file(b, { incidentId: open.id });
      const again = (await store.incidents.get(open.id, SEE_ALL))!;
      expect(again).toMatchObject({ allegationCount: 2, allegationIds: [a.id, b.id], version: 2 });
      expect(again.history.at(-1)).toMatchObject({ action: 'allegation_linked', detail: { allegationId: b.id } });
      expect((await changesFor(seq, [a.id, b.id, open.id])).sort()).toEqual([`allegation:created:${a.id}`, `allegation:created:${b.id}`, `incident:created:${open.id}`, `incident:updated:${open.id}`].sort());
      await expect(store.allegations.file(allegation({ id: a.id }), { incidentId: open.id })).rejects.toMatchObject({ status: 409, field: 'id' });
      await expect(store.allegations.file(allegation(), { incidentId: `missing-${uuidv7()}` })).rejects.toMatchObject({ status: 404 });
      // Nothing of a failed filing stays.
      expect((await store.incidents.get(open.id, SEE_ALL))!.allegationCount).toBe(2);
    });

    it('reads allegations by releasability, filters and pages them, and moves a link with both histories', async () => {
      const tag = newIncident();
      const seed = allegation({ releasability: 'MECHANISM' });
      await store.allegations.file(seed, { create: tag, summary: claimSummary('fire', 0, 0, null) });
      const ukr = allegation({ releasability: 'REL TO UKR' });
      const pub = allegation({ releasability: 'PUBLIC', accusedParty: 'UKR', source: { kind: 'public' } });
      await store.allegations.file(ukr, { incidentId: tag.id });
      await store.allegations.file(pub, { incidentId: tag.id });
      const ids = async (v: Visibility, q: object = {}) => (await store.allegations.list({ visibility: v, incidentId: tag.id, limit: 10, ...q })).items.map((x) => x.id);
      expect(await ids(SEE_ALL)).toEqual([pub.id, ukr.id, seed.id]);
      expect(await ids(nation('UKR', 'party'))).toEqual([pub.id, ukr.id]);
      expect(await ids(nation('RUS', 'party'))).toEqual([pub.id]);
      expect(await store.allegations.get(ukr.id, nation('RUS', 'party'))).toBeUndefined();
      expect(await ids(SEE_ALL, { accusedParty: 'UKR' })).toEqual([pub.id]);
      expect(await ids(SEE_ALL, { sourceKind: 'party' })).toEqual([ukr.id, seed.id]);
      const first = await store.allegations.list({ visibility: SEE_ALL, incidentId: tag.id, limit: 2 });
      expect(first.total).toBe(3);
      const second = await store.allegations.list({ visibility: SEE_ALL, incidentId: tag.id, limit: 2, cursor: first.nextCursor! });
      expect([...first.items, ...second.items].map((x) => x.id)).toEqual([pub.id, ukr.id, seed.id]);

      const target = newIncident();
      await store.allegations.file(allegation(), { create: target, summary: claimSummary('fire', 0, 0, null) });
      const moved = await store.allegations.link({ allegationId: ukr.id, incidentId: target.id, at: tick(), by: 'user:a', reason: 'same event' });
      expect(moved.incidentId).toBe(target.id);
      const from = (await store.incidents.get(tag.id, SEE_ALL))!;
      const to = (await store.incidents.get(target.id, SEE_ALL))!;
      expect(from).toMatchObject({ allegationCount: 2 });
      expect(from.history.at(-1)).toMatchObject({ action: 'allegation_unlinked', detail: { allegationId: ukr.id, to: target.id } });
      expect(to).toMatchObject({ allegationCount: 2 });
      expect(to.history.at(-1)).toMatchObject({ action: 'allegation_linked', detail: { allegationId: ukr.id, from: tag.id, reason: 'same event' } });
      await expect(store.allegations.link({ allegationId: `x-${uuidv7()}`, incidentId: target.id, at: tick(), by: 'a', reason: 'r' })).rejects.toMatchObject({ status: 404 });
    });

    it('finds candidate incidents for an allegation by kind, time and box, and lists observations in no incident', async () => {
      const sec = sector();
      const [a, loose] = await observations(sec, [
        { observedAt: '2025-03-01T10:00:00Z', location: { lat: 47.123, lon: 36.456, accuracyM: 10 } },
        { observedAt: '2025-03-01T10:00:00Z', location: { lat: 47.123, lon: 36.456, accuracyM: 10 }, source: { kind: 'uav' } },
      ]);
      const inc = newIncident();
      await store.incidents.fuse(batch({ creates: [{ incident: inc, observations: [a!] }] }));
      const found = await store.incidents.candidates({ kind: 'fire', fromMs: Date.parse('2025-03-01T09:00:00Z'), toMs: Date.parse('2025-03-01T11:00:00Z'), bbox: [36.4, 47.1, 36.5, 47.2] });
      expect(found.map((i) => i.id)).toContain(inc.id);
      expect((await store.incidents.candidates({ kind: 'mine', fromMs: 0, toMs: Date.parse('2030-01-01T00:00:00Z'), bbox: [36.4, 47.1, 36.5, 47.2] })).map((i) => i.id)).not.toContain(inc.id);
      expect((await store.incidents.candidates({ kind: 'fire', fromMs: Date.parse('2025-03-01T11:00:00Z'), toMs: Date.parse('2025-03-01T12:00:00Z'), bbox: [36.4, 47.1, 36.5, 47.2] })).map((i) => i.id)).not.toContain(inc.id);
      const after = { t: Date.parse('2025-03-01T09:59:59Z'), id: '' };
      const unassigned = await store.incidents.unassigned({ sourceKinds: ['uav', 'monitor'], after, limit: 100 });
      expect(unassigned.map((o) => o.id)).toContain(loose!.id);
      expect(unassigned.map((o) => o.id)).not.toContain(a!.id);
      expect((await store.incidents.unassigned({ sourceKinds: ['monitor'], after, limit: 100 })).map((o) => o.id)).not.toContain(loose!.id);
    });

    it('recomputes the label after an observation is relabelled, and records linked tasks', async () => {
      const sec = sector();
      const [a, b] = await observations(sec, [
        { observedAt: '2026-11-21T10:00:00Z', releasability: 'PUBLIC' },
        { observedAt: '2026-11-21T10:01:00Z', releasability: 'PUBLIC' },
      ]);
      const inc = newIncident();
      await store.incidents.fuse(batch({ creates: [{ incident: inc, observations: [a!, b!] }] }));
      expect((await store.incidents.get(inc.id, SEE_ALL))!.releasability).toBe('PUBLIC');
      await store.observations.relabel(b!.id, 'REL TO FRA', SEE_ALL);
      const seq = await store.changes.latest();
      expect(await store.incidents.refresh([b!.id], members)).toEqual([inc.id]);
      expect((await store.incidents.get(inc.id, SEE_ALL))!.releasability).toBe('REL TO FRA');
      expect(await changesFor(seq, [inc.id])).toEqual([`incident:relabelled:${inc.id}`]);
      expect(await store.incidents.refresh([b!.id], members)).toEqual([]);

      const task = await store.tasks.create({
        id: uuidv7(),
        kind: 'investigation',
        title: 'Visit the craters',
        description: '',
        assignee: { nation: null, team: 'Team D-1' },
        place: { type: 'Point', coordinates: [37.5, 48] },
        dueAt: '2026-11-22T10:00:00Z',
        releasability: 'MECHANISM',
        incidentId: inc.id,
        createdAt: tick(),
        createdBy: 'user:a',
        creatorId: 'a',
      });
      const linked = await store.incidents.linkTask({ id: inc.id, taskId: task.id, at: tick(), by: 'user:a' });
      expect(linked.taskIds).toEqual([task.id]);
      expect(linked.history.at(-1)).toMatchObject({ action: 'task_linked', from: 'received', to: 'received', detail: { taskId: task.id } });

      // Merged into another incident, its task counts for the survivor too, read alone or in one batch with it.
      const [c] = await observations(sec, [{ observedAt: '2026-11-21T10:30:00Z', releasability: 'PUBLIC' }]);
      const survivor = newIncident();
      await store.incidents.fuse(batch({ creates: [{ incident: survivor, observations: [c!] }] }));
      const current = (await store.incidents.get(inc.id, SEE_ALL))!;
      await store.incidents.merge({ survivorId: survivor.id, survivorVersion: 1, otherId: inc.id, otherVersion: current.version, at: tick(), by: 'user:a', reason: 'one shelling', coalitionMembers: members });
      const alone = await Promise.all([survivor.id, inc.id].map((id) => store.incidents.get(id, SEE_ALL)));
      expect(alone.map((i) => i!.taskIds)).toEqual([[task.id], [task.id]]);
      const both = await store.incidents.getMany([survivor.id, inc.id], SEE_ALL);
      expect([both.get(survivor.id), both.get(inc.id)]).toEqual(alone);
    });
  });
}
