/**
 * The releasability matrix (issue 6): users of every kind x records of every label x every read
 * route (list, detail, search, versions, CSV export, live stream, CoT fan-out). The oracle is the
 * one-label rule `canSee`; a record a user may not see must not exist for them (404, absent).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COALITION_PRESET } from '../../src/domain/coalition';
import { canSee, visibilityOf, type OrgKind, type Role, type UserActor } from '../../src/domain/identity';
import { AuthService } from '../../src/services/auth';
import { CotIngest } from '../../src/services/cot-ingest';
import { ObservationIngest } from '../../src/services/observation-ingest';
import { TRUCELINE_UID_PREFIX } from '../../src/ingest/cot/map';
import { testApp } from '../support/app';
import { testUser } from '../support/auth';
import { observationInput } from '../support/factories';

interface Reader {
  name: string;
  nation?: string;
  orgKind?: OrgKind;
  roles?: Role[];
  headers: Record<string, string>;
  actor: UserActor | { type: 'public' };
}

const LABELS = ['PUBLIC', 'COALITION', 'MECHANISM', 'REL TO FRA', 'REL TO GBR, USA', 'REL TO UKR', 'REL TO DEU, FRA'];
const READERS: Omit<Reader, 'headers' | 'actor'>[] = [
  { name: 'public' },
  { name: 'fra-liaison', nation: 'FRA', orgKind: 'nation', roles: ['liaison_officer'] },
  { name: 'gbr-liaison', nation: 'GBR', orgKind: 'nation', roles: ['liaison_officer'] },
  { name: 'ukr-liaison', nation: 'UKR', orgKind: 'nation', roles: ['liaison_officer'] },
  { name: 'rus-party', nation: 'RUS', orgKind: 'party', roles: ['liaison_officer'] },
  { name: 'deu-cell', nation: 'DEU', orgKind: 'cell', roles: ['cell_officer'] },
  { name: 'usa-monitor', nation: 'USA', orgKind: 'mechanism', roles: ['monitor'] },
  { name: 'ita-admin', nation: 'ITA', orgKind: 'nation', roles: ['admin'] },
];

let t: Awaited<ReturnType<typeof testApp>>;
let base: string;
const readers: Reader[] = [];
const records: { id: string; label: string; kind: string }[] = [];
let seqBefore = 0;
const sentinelId = () => records[records.length - 1]!.id;

beforeAll(async () => {
  t = await testApp({ anonymous: true });
  base = await t.app.listen({ port: 0, host: '127.0.0.1' });
  const auth = new AuthService(t.store.identity, t.store.audit);
  for (const r of READERS) {
    if (!r.nation) {
      readers.push({ ...r, headers: {}, actor: { type: 'public' } });
      continue;
    }
    const u = await testUser(t.store, { username: r.name, nation: r.nation, orgKind: r.orgKind, roles: r.roles, scopes: ['read'] });
    const actor = (await auth.tokenActor(u.token))!;
    readers.push({ ...r, headers: u.headers, actor });
  }
  seqBefore = await t.store.changes.latest();
  const ingest = new ObservationIngest(t.store);
  // Two of each label (explosions and mine sightings: the search filters by kind); the last one
  // PUBLIC, which every stream must reach (the end of each stream's replay).
  const inputs = LABELS.flatMap((label, i) => [
    observationInput({ releasability: label, notes: `matrix ${label}`, location: { lat: 47.1 + i * 0.001, lon: 36.1, accuracyM: 100 } }),
    observationInput({ releasability: label, kind: 'mine', subkind: undefined, notes: `matrix ${label} mine`, location: { lat: 47.1 + i * 0.001, lon: 36.101, accuracyM: 100 } }),
  ]);
  inputs.push(observationInput({ releasability: 'PUBLIC', notes: 'sentinel', location: { lat: 47.2, lon: 36.1, accuracyM: 100 } }));
  const results = await ingest.submit(inputs, { channel: 'http', rawId: null });
  expect(results.every((r) => r.status === 'created')).toBe(true);
  inputs.forEach((o) => records.push({ id: o.id, label: o.releasability!, kind: o.kind }));
});

afterAll(async () => {
  await t?.close();
});

const visibleTo = (r: Reader, filter: (rec: (typeof records)[number]) => boolean = () => true) =>
  records
    .filter((rec) => filter(rec) && canSee(visibilityOf(r.actor, COALITION_PRESET), rec.label))
    .map((rec) => rec.id)
    .sort();
const get = (r: Reader, url: string) => fetch(`${base}${url}`, { headers: r.headers });
const bbox = 'bbox=36.09,47.09,36.11,47.21';

describe('releasability matrix: every reader x every label x every read route', () => {
  it('the oracle itself is not trivial: each reader sees a different, non-empty subset', () => {
    const sets = readers.map((r) => visibleTo(r).join(','));
    expect(new Set(sets).size).toBeGreaterThanOrEqual(6);
    expect(visibleTo(readers[0]!)).toHaveLength(3); // public: two PUBLIC and the sentinel
    expect(visibleTo(readers.find((r) => r.name === 'ita-admin')!)).toHaveLength(records.length);
  });

  it('list and search (filters, paging) hold exactly what is released', async () => {
    for (const r of readers) {
      const all = (await (await get(r, `/api/observations?${bbox}&limit=1000`)).json()) as { items: { id: string }[]; total: number };
      expect(all.items.map((o) => o.id).sort(), r.name).toEqual(visibleTo(r));
      expect(all.total, r.name).toBe(visibleTo(r).length);
      const mines = (await (await get(r, `/api/observations?${bbox}&kind=mine&limit=1000`)).json()) as { items: { id: string }[]; total: number };
      expect(mines.items.map((o) => o.id).sort(), r.name).toEqual(visibleTo(r, (rec) => rec.kind === 'mine'));
      // Paging one by one: the total and the pages agree with the released set.
      const ids: string[] = [];
      let cursor: string | null = null;
      do {
        const page = (await (await get(r, `/api/observations?${bbox}&limit=4${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)).json()) as { items: { id: string }[]; total: number; nextCursor: string | null };
        expect(page.total).toBe(visibleTo(r).length);
        ids.push(...page.items.map((o) => o.id));
        cursor = page.nextCursor;
      } while (cursor);
      expect(ids.sort(), r.name).toEqual(visibleTo(r));
    }
  });

  it('detail and versions answer 404 (not 403) for what is not released', async () => {
    for (const r of readers) {
      const visible = new Set(visibleTo(r));
      for (const rec of records) {
        const detail = await get(r, `/api/observations/${rec.id}`);
        expect(detail.status, `${r.name} ${rec.label}`).toBe(visible.has(rec.id) ? 200 : 404);
        const versions = await get(r, `/api/observations/${rec.id}/versions`);
        expect(versions.status, `${r.name} ${rec.label} versions`).toBe(visible.has(rec.id) ? 200 : 404);
        if (!visible.has(rec.id)) expect(detail.headers.get('content-type')).toMatch(/problem\+json/);
      }
    }
  });

  it('the CSV export holds exactly what is released', async () => {
    for (const r of readers) {
      const csv = await (await get(r, `/api/observations.csv?${bbox}`)).text();
      const present = records.filter((rec) => csv.includes(rec.id)).map((rec) => rec.id).sort();
      expect(present, r.name).toEqual(visibleTo(r));
    }
  });

  it('the live stream (replay from before the records) carries exactly what is released', async () => {
    for (const r of readers) {
      const ids = await streamIds(r);
      expect(ids.sort(), r.name).toEqual(visibleTo(r));
    }
  });

  it('the CoT fan-out sends each connected TAK user exactly what is released (snapshot and live)', async () => {
    const cot = new CotIngest(t.store, new ObservationIngest(t.store), { snapshotWindowMs: 10 * 365 * 24 * 3600_000, snapshotMax: 10_000 });
    try {
      const received = new Map<string, string[]>();
      const unsubscribe = readers.map((r) => {
        const got: string[] = [];
        received.set(r.name, got);
        const send = (xml: string) => got.push(xml);
        return r.actor.type === 'user' ? cot.subscribeFor(r.actor, send) : cot.subscribePublic(send);
      });
      // Live: one more of each label, after the clients connected.
      // PUBLIC last: the fan-out keeps commit order, so when everyone has it, everyone has all.
      const live = [...LABELS.slice(1), 'PUBLIC'].map((label, i) => observationInput({ releasability: label, location: { lat: 47.15 + i * 0.001, lon: 36.105, accuracyM: 100 } }));
      await new ObservationIngest(t.store).submit(live, { channel: 'http', rawId: null });
      const all = [...records, ...live.map((o) => ({ id: o.id, label: o.releasability!, kind: o.kind }))];
      const deadline = Date.now() + 5000;
      const lastLive = live.find((o) => o.releasability === 'PUBLIC')!.id;
      while (Date.now() < deadline && ![...received.values()].every((xs) => xs.some((x) => x.includes(lastLive)))) await new Promise((res) => setTimeout(res, 20));
      for (const r of readers) {
        const xs = received.get(r.name)!;
        const sent = all.filter((rec) => xs.some((x) => x.includes(`uid="${TRUCELINE_UID_PREFIX}${rec.id}"`) || x.includes(`uid='${TRUCELINE_UID_PREFIX}${rec.id}'`))).map((rec) => rec.id);
        const expected = all.filter((rec) => canSee(visibilityOf(r.actor, COALITION_PRESET), rec.label)).map((rec) => rec.id);
        expect(sent.sort(), r.name).toEqual(expected.sort());
      }
      unsubscribe.forEach((u) => u());
    } finally {
      cot.close();
    }
  });
});

/** Replays the stream from before the records; stops at the PUBLIC sentinel, which everyone sees. */
async function streamIds(r: Reader): Promise<string[]> {
  const abort = new AbortController();
  const res = await fetch(`${base}/api/stream?since=${seqBefore}`, { headers: { accept: 'text/event-stream', ...r.headers }, signal: abort.signal });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const ids: string[] = [];
  const timer = setTimeout(() => abort.abort(), 10_000);
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
      let cut: number;
      while ((cut = text.indexOf('\n\n')) >= 0) {
        const frame = text.slice(0, cut);
        text = text.slice(cut + 2);
        const data = /^data: (.*)$/m.exec(frame)?.[1];
        // Incidents fused from these observations stream too (under their own, most restrictive label): the matrix is of observations.
        if (!data || !/^event: observation$/m.test(frame)) continue;
        const { id } = JSON.parse(data) as { id: string };
        ids.push(id);
        if (id === sentinelId()) return ids;
      }
    }
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
  throw new Error(`${r.name}: the stream ended before the sentinel`);
}

