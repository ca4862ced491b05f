/**
 * Partner feeds, the inbox stats of HTTP bodies, and replay after a parser fix.
 */
import { SEE_ALL } from '../../src/domain/identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import type { FastifyInstance } from 'fastify';
import { addFeed } from '../../src/services/feed-ingest';
import { replayInbox } from '../../src/services/inbox-replay';
import { ObservationIngest } from '../../src/services/observation-ingest';
import { ACLED_ROW_CONTENT_TYPE } from '../../src/services/acled-import';
import { COT_CONTENT_TYPE } from '../../src/ingest/cot/server';
import { ACLED_COLUMNS } from '../../src/ingest/acled/columns';
import type { ChannelStats, StatsChannel } from '../../src/store/ingest-repository';
import type { RawInput, Store } from '../../src/store/repository';
import { markerXml } from '../support/cot';
import { observationInput } from '../support/factories';
import { testApp } from '../support/app';

let app: FastifyInstance;
let store: Store;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ app, store, close } = await testApp());
});
afterAll(async () => {
  await close();
});

const stats = async () => (await app.inject({ method: 'GET', url: '/api/inbox/stats' })).json() as Record<StatsChannel, ChannelStats>;
const delta = (a: Record<StatsChannel, ChannelStats>, b: Record<StatsChannel, ChannelStats>, c: StatsChannel) => ({
  received: b[c].received - a[c].received,
  accepted: b[c].accepted - a[c].accepted,
  quarantined: b[c].quarantined - a[c].quarantined,
  pending: b[c].pending - a[c].pending,
  replayed: b[c].replayed - a[c].replayed,
});
const feature = (over: Record<string, unknown> = {}, coordinates: number[] = [37.81, 48.02]) => {
  const { location: _l, ...props } = observationInput({ releasability: undefined, source: undefined });
  return { type: 'Feature', geometry: { type: 'Point', coordinates }, properties: { ...props, accuracyM: 250, ...over } };
};

describe('partner feeds', () => {
  it('takes a FeatureCollection with the feed\'s own token: partner source, COALITION by default', async () => {
    const token = await addFeed(store, 'osint-cell');
    const f1 = feature({ notes: 'Seen on a verified video' });
    const f2 = feature({ releasability: 'PUBLIC', source: { kind: 'osint', nation: 'GBR' } });
    const before = await stats();
    const r = await app.inject({
      method: 'POST',
      url: '/api/feeds/osint-cell/observations',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/geo+json' },
      payload: { type: 'FeatureCollection', features: [f1, f2] },
    });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ created: 2, invalid: 0 });
    const o1 = await store.observations.get(f1.properties.id, SEE_ALL);
    expect(o1).toMatchObject({ location: { lon: 37.81, lat: 48.02, accuracyM: 250 }, source: { kind: 'partner', reporter: 'feed osint-cell' }, releasability: 'COALITION' });
    expect((await store.observations.get(f2.properties.id, SEE_ALL))?.source).toEqual({ kind: 'osint', nation: 'GBR', reporter: 'feed osint-cell' });
    expect(delta(before, await stats(), 'feed')).toEqual({ received: 2, accepted: 2, quarantined: 0, pending: 0, replayed: 0 });
    // Posting again: known, nothing new.
    const again = await app.inject({ method: 'POST', url: '/api/feeds/osint-cell/observations', headers: { authorization: `Bearer ${token}` }, payload: { type: 'FeatureCollection', features: [f1, f2] } });
    expect(again.json()).toMatchObject({ created: 0, duplicate: 2 });
  });

  it('answers per feature, with paths into the body, and quarantines what it cannot take', async () => {
    const token = await addFeed(store, 'partner-fra');
    const good = feature();
    const features = [
      good,
      { ...feature(), geometry: { type: 'Polygon', coordinates: [] } },
      feature({ kind: 'rumour' }),
      feature({ source: { kind: 'monitor' } }),
      feature({}, [200, 48]),
    ];
    const before = await stats();
    const r = await app.inject({ method: 'POST', url: '/api/feeds/partner-fra/observations', headers: { authorization: `Bearer ${token}` }, payload: { type: 'FeatureCollection', features } });
    expect(r.statusCode).toBe(207);
    const body = r.json() as { results: { index: number; status: string; errors?: { field: string }[] }[]; created: number; invalid: number };
    expect(body).toMatchObject({ created: 1, invalid: 4 });
    expect(body.results.map((x) => [x.index, x.status, x.errors?.[0]?.field])).toEqual([
      [0, 'created', undefined],
      [1, 'invalid', 'features.1.geometry'],
      [2, 'invalid', 'features.2.properties.kind'],
      [3, 'invalid', 'features.3.properties.source.kind'],
      [4, 'invalid', 'features.4.geometry.coordinates'],
    ]);
    expect(delta(before, await stats(), 'feed')).toEqual({ received: 5, accepted: 1, quarantined: 4, pending: 0, replayed: 0 });
    const q = await store.inbox.listQuarantine({ limit: 10, channel: 'feed' });
    expect(q.items.filter((x) => x.rawId === q.items[0]!.rawId)).toHaveLength(4);

    const notGeoJson = await app.inject({ method: 'POST', url: '/api/feeds/partner-fra/observations', headers: { authorization: `Bearer ${token}` }, payload: { observations: [] } });
    expect(notGeoJson.statusCode).toBe(400);
    expect(delta(before, await stats(), 'feed')).toMatchObject({ received: 6, quarantined: 5 });
  });

  it('refuses a missing, wrong, other feed\'s or revoked token before reading the body', async () => {
    const a = await addFeed(store, 'feed-a');
    const b = await addFeed(store, 'feed-b');
    await expect(addFeed(store, 'feed-a')).rejects.toThrow(/exists/);
    const before = await stats();
    const post = (auth?: string, feed = 'feed-a') =>
      app.inject({ method: 'POST', url: `/api/feeds/${feed}/observations`, headers: auth ? { authorization: auth } : {}, payload: { type: 'FeatureCollection', features: [feature()] } });
    expect((await post()).statusCode).toBe(401);
    expect((await post('Bearer nonsense')).statusCode).toBe(401);
    expect((await post(`Bearer ${b}`)).statusCode).toBe(401);
    expect((await post(`Bearer ${a}`, 'no-such-feed')).statusCode).toBe(401);
    expect((await post(`Bearer ${a}`)).statusCode).toBe(200);
    await store.ingest.feeds.revoke('feed-a', new Date().toISOString());
    const revoked = await post(`Bearer ${a}`);
    expect(revoked.statusCode).toBe(401);
    expect(revoked.headers['content-type']).toMatch(/problem\+json/);
    // Only the accepted post's body was stored.
    expect(delta(before, await stats(), 'feed')).toMatchObject({ received: 1, accepted: 1 });
  });
});

describe('the inbox stats of HTTP bodies', () => {
  it('counts a batch per item, a single observation as one, and any other body as one', async () => {
    const before = await stats();
    const batch = [observationInput(), observationInput(), { ...observationInput(), kind: 'rumour' }, observationInput()];
    const r = await app.inject({ method: 'POST', url: '/api/observations', payload: { observations: batch } });
    expect(r.statusCode).toBe(207);
    await app.inject({ method: 'POST', url: '/api/observations', payload: observationInput() });
    await app.inject({ method: 'POST', url: '/api/observations', headers: { 'content-type': 'application/json' }, payload: '{broken' });
    const notArray = await app.inject({ method: 'POST', url: '/api/observations', payload: { observations: 'many' } });
    expect(notArray.statusCode).toBe(400);
    expect(delta(before, await stats(), 'http')).toEqual({ received: 7, accepted: 4, quarantined: 3, pending: 0, replayed: 0 });
    const q = await store.inbox.listQuarantine({ limit: 1, channel: 'http' });
    expect(q.items[0]!.reason).toMatch(/observations must be a non-empty array/);
  });
});

describe('inbox replay', () => {
  const ingest = () => new ObservationIngest(store);
  const raw = (channel: RawInput['channel'], body: string, contentType: string): RawInput => ({
    id: uuidv7(),
    channel,
    receivedAt: new Date().toISOString(),
    contentType,
    size: Buffer.byteLength(body),
    body: Buffer.from(body),
    truncated: false,
  });
  /** As if an earlier, buggy parser had rejected these items of `r`. */
  const quarantinedBefore = async (r: RawInput, items: number[]) => {
    await store.ingest.ledger.storeRawMany([r]);
    const at = new Date().toISOString();
    await store.ingest.ledger.settle(
      items.map((item) => ({ rawId: r.id, channel: r.channel, item, count: 1, outcome: 'quarantined' as const, at })),
      items.map(() => ({ id: uuidv7(), rawId: r.id, channel: r.channel, receivedAt: at, reason: 'rejected by the old parser', field: null, size: r.size, excerpt: 'x' })),
    );
  };

  it('accepts what now parses (appending, keeping the quarantine record), leaves what still fails, and settles what was never settled', async () => {
    const uid = `replayed-${uuidv7()}`;
    const frame = raw('cot', markerXml(uid), COT_CONTENT_TYPE);
    const badFrame = raw('cot', '<event uid="x"><point/></event>', COT_CONTENT_TYPE);
    const neverSettled = raw('cot', markerXml(`pending-${uuidv7()}`), COT_CONTENT_TYPE);
    const header = ACLED_COLUMNS.join(',');
    const acledRow = raw(
      'acled',
      `${header}\n${ACLED_COLUMNS.map((c) => ({ event_id_cnty: `UKR${Date.now()}`, event_date: '2024-02-16', year: '2024', event_type: 'Battles', sub_event_type: 'Armed clash', latitude: '48', longitude: '37', fatalities: '0', timestamp: '1700000000' })[c as string] ?? '').join(',')}`,
      ACLED_ROW_CONTENT_TYPE,
    );
    await addFeed(store, 'replay-feed');
    const features = [feature(), feature(), feature({ kind: 'rumour' })];
    const feedBody = raw('feed', JSON.stringify({ type: 'FeatureCollection', features }), 'application/json; feed=replay-feed');
    const httpBody = raw('http', JSON.stringify({ observations: [observationInput(), { ...observationInput(), kind: 'rumour' }] }), 'application/json');

    await quarantinedBefore(frame, [0]);
    await quarantinedBefore(badFrame, [0]);
    await quarantinedBefore(acledRow, [0]);
    await quarantinedBefore(feedBody, [0, 1, 2]);
    await quarantinedBefore(httpBody, [0, 1]);
    await store.ingest.ledger.storeRawMany([neverSettled]);
    const quarantineBefore = (await store.inbox.listQuarantine({ limit: 1 })).total;
    const before = await stats();

    const report = await replayInbox(store, ingest(), { since: frame.receivedAt, pendingBefore: new Date(Date.now() + 1000).toISOString() });
    expect(report).toMatchObject({ replayed: 5, stillQuarantined: 3, pendingAccepted: 1, pendingQuarantined: 0 });
    expect(report.failures.map((f) => f.rawId).sort()).toEqual([badFrame.id, feedBody.id, httpBody.id].sort());
    const after = await stats();
    expect(delta(before, after, 'cot')).toEqual({ received: 0, accepted: 2, quarantined: -1, pending: -1, replayed: 1 });
    expect(delta(before, after, 'acled')).toEqual({ received: 0, accepted: 1, quarantined: -1, pending: 0, replayed: 1 });
    expect(delta(before, after, 'feed')).toEqual({ received: 0, accepted: 2, quarantined: -2, pending: 0, replayed: 2 });
    expect(delta(before, after, 'http')).toEqual({ received: 0, accepted: 1, quarantined: -1, pending: 0, replayed: 1 });
    for (const c of ['cot', 'acled', 'feed', 'http'] as const) expect(after[c].received).toBe(after[c].accepted + after[c].quarantined + after[c].pending);
    // Nothing removed from the quarantine; what still fails got no second record.
    expect((await store.inbox.listQuarantine({ limit: 1 })).total).toBe(quarantineBefore);
    expect(await store.observations.get(`cot:${uid}:${/time="([^"]+)"/.exec(frame.body.toString())![1]}`, SEE_ALL)).toBeDefined();
    expect((await store.observations.get(features[0]!.properties.id, SEE_ALL))?.source.reporter).toBe('feed replay-feed');

    // Replaying again changes nothing.
    const twice = await replayInbox(store, ingest(), { since: frame.receivedAt, pendingBefore: new Date(Date.now() + 1000).toISOString() });
    expect(twice).toMatchObject({ replayed: 0, stillQuarantined: 3, pendingAccepted: 0 });
    expect(await stats()).toEqual(after);
    const onlyCot = await replayInbox(store, ingest(), { channels: ['cot'], since: frame.receivedAt });
    expect(onlyCot).toMatchObject({ replayed: 0, stillQuarantined: 1 });
  });
});
