import { describe, expect, it } from 'vitest';
import { ObservationInput } from '../../src/domain/observation';
import { classifyCotKind, cotObservationId, mapCot, observationToCot, type CotMapped } from '../../src/ingest/cot/map';
import { parseCot, type CotEvent } from '../../src/ingest/cot/parse';
import { observationInput } from '../support/factories';

function event(type: string, detail = '', opts: { uid?: string; lat?: number; lon?: number; time?: string; ce?: number } = {}): CotEvent {
  const time = opts.time ?? '2026-11-20T12:00:00.000Z';
  const xml =
    `<event version="2.0" uid="${opts.uid ?? 'uid-1'}" type="${type}" how="h-g-i-g-o" time="${time}" start="${time}" stale="2026-11-20T13:00:00.000Z">` +
    `<point lat="${opts.lat ?? 48.1}" lon="${opts.lon ?? 37.7}" hae="150" ce="${opts.ce ?? 9999999}" le="9999999"/><detail>${detail}</detail></event>`;
  const r = parseCot(xml);
  if (!r.ok) throw new Error(r.reason);
  return r.event;
}

function expectValidObservation(m: CotMapped): ObservationInput {
  if (m.type !== 'observation') throw new Error(`expected an observation, got ${m.type}`);
  const v = ObservationInput.safeParse(m.observation);
  if (!v.success) throw new Error(JSON.stringify(v.error.issues));
  return m.observation;
}

describe('mapCot', () => {
  it('maps a friendly PLI to a position with stale expiry', () => {
    const m = mapCot(
      event('a-f-G-U-C', `<contact callsign="Monitor 3" endpoint="*:-1:stcp"/><__group name="Cyan" role="Team Lead"/><status battery="80"/><track course="90" speed="1.2"/><takv device="Pixel" platform="ATAK-CIV"/>`, { ce: 12 }),
    );
    expect(m).toMatchObject({
      type: 'position',
      uid: 'uid-1',
      callsign: 'Monitor 3',
      lat: 48.1,
      lon: 37.7,
      hae: 150,
      accuracyM: 12,
      course: 90,
      speed: 1.2,
      battery: 80,
      group: { name: 'Cyan', role: 'Team Lead' },
      platform: 'ATAK-CIV',
      stale: '2026-11-20T13:00:00.000Z',
    });
  });

  it('maps markers and spot reports to observations of source tak, kind from remarks', () => {
    const cases: [string, string, string, string | undefined][] = [
      ['b-m-p-s-m', '<remarks>Impact, shelling from the east</remarks>', 'explosion', 'impact'],
      ['a-h-G', '<remarks>Airburst over the village</remarks>', 'explosion', 'airburst'],
      ['a-u-G', '<remarks>Вибух біля мосту</remarks>', 'explosion', 'undetermined'],
      ['u-d-p', '<remarks>small arms fire, bursts</remarks>', 'burst', undefined],
      ['b-m-p-s-p-op', '<remarks>sniper shots</remarks>', 'shot', undefined],
      ['a-u-G', '<remarks>anti-tank mines on the road</remarks>', 'mine', undefined],
      ['a-h-G', '<remarks>T-72 tanks in the tree line</remarks>', 'weapon_sighting', undefined],
      ['b-m-p-s-m', '<remarks>checkpoint, access denied</remarks>', 'access_restriction', undefined],
      ['b-m-p-s-m', '<remarks>nothing to report</remarks>', 'other', undefined],
      ['a-u-G-E-W', '<remarks/>', 'weapon_sighting', undefined],
      ['a-h-A', '', 'flight', undefined],
      ['b-m-p-w-GOTO', '<contact callsign="bombing 1"/>', 'explosion', 'undetermined'],
    ];
    for (const [type, detail, kind, subkind] of cases) {
      const o = expectValidObservation(mapCot(event(type, detail)));
      expect({ type, kind: o.kind, subkind: o.subkind }).toEqual({ type, kind, subkind });
      expect(o).toMatchObject({ id: 'cot:uid-1:2026-11-20T12:00:00.000Z', observedAt: '2026-11-20T12:00:00.000Z', source: { kind: 'tak' }, releasability: 'MECHANISM', count: 1 });
    }
  });

  it('does not match keywords inside other words', () => {
    expect(classifyCotKind('b-m-p-s-m', 'determined to examine the tankard').kind).toBe('other');
  });

  it('keeps who placed a marker as reporter, and applies authenticated sender and label', () => {
    const ev = event('a-h-G', `<link uid="ANDROID-1" relation="p-p" type="a-f-G-U-C" parent_callsign="Monitor 7"/><remarks>explosion</remarks>`, { ce: 30 });
    expect(expectValidObservation(mapCot(ev))).toMatchObject({ source: { kind: 'tak', reporter: 'Monitor 7' }, location: { lat: 48.1, lon: 37.7, accuracyM: 30 } });
    const o = expectValidObservation(mapCot(ev, { reporter: 'alice', nation: 'FRA', releasability: 'REL TO FRA, UKR' }));
    expect(o).toMatchObject({ source: { kind: 'tak', reporter: 'alice', nation: 'FRA' }, releasability: 'REL TO FRA, UKR' });
  });

  it('treats an archived friendly marker as a marker, not a position', () => {
    expect(mapCot(event('a-f-G', '<archive/><remarks>explosion</remarks>')).type).toBe('observation');
  });

  it('keeps any other event type as an `other` observation with its raw event', () => {
    const raw = '<event ...raw.../>';
    const m = mapCot(event('b-m-r', '<link uid="w1" point="48.3,37.9,100" relation="c"/><remarks>route</remarks>', { lat: 0, lon: 0 }), { raw });
    const o = expectValidObservation(m);
    expect(o.kind).toBe('other');
    expect(o.location).toEqual({ lat: 48.3, lon: 37.9 }); // a 0,0 route uses its first point
    expect(m.type === 'observation' && m.raw).toBe(raw);
    expect(o.notes).toContain(raw);
    // Without the raw frame, the event is re-serialised and still parses.
    const again = mapCot(event('b-f-t-a', '<ackresponse success="true"/>'));
    expect(again.type === 'observation' && parseCot(again.raw!).ok).toBe(true);
  });

  it('clips notes to the observation limit for huge events', () => {
    const big = `<remarks>${'r'.repeat(20_000)}</remarks>`;
    const o = expectValidObservation(mapCot(event('b-m-r', big)));
    expect(o.notes!.length).toBeLessThanOrEqual(10_000);
  });

  it('maps drawn shapes to GeoJSON areas', () => {
    const rect = mapCot(event('u-d-r', `<link point="48.0,37.0"/><link point="48.0,37.1"/><link point="48.1,37.1"/><link point="48.1,37.0"/><contact callsign="Zone A"/><remarks>no go</remarks><strokeColor value="-1"/>`));
    expect(rect).toMatchObject({ type: 'area', name: 'Zone A', remarks: 'no go', feature: { type: 'Feature', geometry: { type: 'Polygon' }, properties: { shape: 'rectangle', strokeColor: -1 } } });
    if (rect.type !== 'area') throw new Error('unreachable');
    expect(rect.feature.geometry.coordinates[0]).toHaveLength(5);
    expect(rect.feature.geometry.coordinates[0]![0]).toEqual([37.0, 48.0]); // GeoJSON: lon, lat

    const line = mapCot(event('u-d-f', `<link point="48.0,37.0"/><link point="48.1,37.1"/><link point="48.2,37.0"/>`));
    expect(line.type === 'area' && line.feature.geometry.type).toBe('LineString');

    const circle = mapCot(event('u-d-c-c', `<shape><ellipse major="1000" minor="1000" angle="360"/></shape>`));
    if (circle.type !== 'area') throw new Error('expected an area');
    expect(circle.feature.properties).toMatchObject({ shape: 'circle', majorM: 1000, center: [37.7, 48.1] });
    const ring = circle.feature.geometry.coordinates[0] as [number, number][];
    for (const [lon, lat] of ring) {
      const dy = (lat - 48.1) * 111_195;
      const dx = (lon - 37.7) * 111_195 * Math.cos((48.1 * Math.PI) / 180);
      expect(Math.abs(Math.hypot(dx, dy) - 1000)).toBeLessThan(5);
    }

    const ellipse = mapCot(event('u-d-c-e', `<shape><ellipse major="2000" minor="500" angle="90"/></shape>`));
    expect(ellipse.type === 'area' && ellipse.feature.properties.shape).toBe('ellipse');

    // A shape without geometry is kept as `other`, with the reason.
    const empty = mapCot(event('u-d-r', '<link point="48.0,37.0"/>'));
    expect(empty.type === 'observation' && empty.fallbackReason).toMatch(/geometry/);
    expectValidObservation(empty);
  });

  it('maps chat to message log entries (messages and receipts)', () => {
    const msg = mapCot(
      event(
        'b-t-f',
        `<__chat parent="RootContactGroup" chatroom="maya" id="ANDROID-2" senderCallsign="dog"><chatgrp uid0="ANDROID-1" uid1="ANDROID-2" id="ANDROID-2"/></__chat><remarks source="BAO.F.ATAK.ANDROID-1" to="ANDROID-2" time="2026-11-20T12:00:00Z">hello &amp; bye</remarks>`,
        { uid: 'GeoChat.ANDROID-1.maya.af7f7c7b' },
      ),
    );
    expect(msg).toMatchObject({ type: 'chat', status: 'message', messageId: 'af7f7c7b', chatroom: 'maya', senderCallsign: 'dog', senderUid: 'ANDROID-1', to: 'ANDROID-2', text: 'hello & bye' });
    const receipt = mapCot(event('b-t-f-r', `<__chat messageId="m1" chatroom="x" senderCallsign="a"/>`));
    expect(receipt).toMatchObject({ type: 'chat', status: 'read', messageId: 'm1' });
  });

  it('maps t-x-d-d to a delete of the linked uid', () => {
    expect(mapCot(event('t-x-d-d', `<link uid="marker-9" relation="none" type="b-m-p-s-m"/><__forcedelete/>`, { uid: 'del-1' }))).toEqual({
      type: 'delete',
      uid: 'del-1',
      targetUid: 'marker-9',
      time: '2026-11-20T12:00:00.000Z',
    });
  });

  it('accepts events anywhere on Earth', () => {
    for (const [lat, lon] of [
      [90, 180],
      [-90, -180],
      [0, 0],
      [-33.9, 151.2],
    ] as const) {
      expectValidObservation(mapCot(event('a-h-G', '<remarks>explosion</remarks>', { lat, lon })));
    }
  });
});

describe('cotObservationId', () => {
  it('is cot:<uid>:<time>, printable ASCII, at most 128 characters', () => {
    expect(cotObservationId('abc-1', '2026-11-20T12:00:00.000Z')).toBe('cot:abc-1:2026-11-20T12:00:00.000Z');
    expect(cotObservationId('All Chat Rooms.é%', 't')).toBe('cot:All%20Chat%20Rooms.%C3%A9%25:t');
    const long = cotObservationId('u'.repeat(500), '2026-11-20T12:00:00.000Z');
    expect(long.length).toBeLessThanOrEqual(128);
    expect(long).toMatch(/^cot:#[\w-]{32}:2026-11-20T12:00:00.000Z$/);
    expect(cotObservationId('u'.repeat(500), 't')).not.toBe(cotObservationId('u'.repeat(501), 't'));
  });

  it('gives a re-sent event the same id, a changed one (new time) a new id and a new content hash', () => {
    const a = mapCot(event('a-h-G', '<remarks>explosion</remarks>'));
    const same = mapCot(event('a-h-G', '<remarks>explosion</remarks>'));
    const bumped = mapCot(event('a-h-G', '<remarks>explosion</remarks>', { time: '2026-11-20T12:05:00.000Z' }));
    const changed = mapCot(event('a-h-G', '<remarks>two explosions</remarks>', { time: '2026-11-20T12:06:00.000Z' }));
    if (a.type !== 'observation' || same.type !== 'observation' || bumped.type !== 'observation' || changed.type !== 'observation') throw new Error('unreachable');
    expect(same.observation.id).toBe(a.observation.id);
    expect(bumped.observation.id).not.toBe(a.observation.id);
    expect(bumped.contentHash).toBe(a.contentHash); // only time changed: the caller may skip it
    expect(changed.contentHash).not.toBe(a.contentHash);
  });
});

describe('observationToCot', () => {
  it('writes a CoT event that parses back, with type from kind, escaped text and stale = time + 1 h', () => {
    const o = ObservationInput.parse(
      observationInput({
        id: 'obs<&>"1\'',
        kind: 'explosion',
        subkind: 'impact',
        count: 3,
        notes: 'Crater & smoke <near> "the" bridge\nsecond line \u0001',
        observedAt: '2026-11-20T14:05:00+02:00',
        location: { lat: 48.123, lon: 37.456, accuracyM: 250 },
        releasability: 'REL TO FRA, UKR',
      }),
    );
    const xml = observationToCot(o, { now: new Date('2026-11-20T12:10:00Z') });
    const r = parseCot(xml);
    if (!r.ok) throw new Error(r.reason);
    const e = r.event;
    expect(e).toMatchObject({ uid: `truceline.obs.${o.id}`, type: 'a-u-G', time: '2026-11-20T12:10:00.000Z', stale: '2026-11-20T13:10:00.000Z' });
    expect(e.point).toEqual({ lat: 48.123, lon: 37.456, ce: 250 });
    expect(e.detail.remarks?.text).toContain('Explosion (impact), 3 events observed 2026-11-20T12:05:00.000Z');
    expect(e.detail.remarks?.text).toContain('Crater & smoke <near> "the" bridge\nsecond line');
    expect(e.detail.remarks?.text).toContain('REL TO FRA, UKR');
    expect(e.detail.contact?.callsign).toBe('Explosion x3 12:05Z');
    // Coming back from a TAK client it is recognised, not stored again.
    expect(mapCot(e)).toEqual({ type: 'echo', uid: `truceline.obs.${o.id}`, observationId: o.id });
  });

  it('chooses the CoT type from the kind', () => {
    const types = Object.fromEntries(
      (['explosion', 'weapon_sighting', 'flight', 'mine', 'damage', 'other'] as const).map((kind) => {
        const r = parseCot(observationToCot(ObservationInput.parse(observationInput({ kind, subkind: undefined }))));
        return [kind, r.ok ? r.event.type : r.reason];
      }),
    );
    expect(types).toEqual({ explosion: 'a-u-G', weapon_sighting: 'a-u-G-E-W', flight: 'a-u-A', mine: 'a-u-G-E-X-M', damage: 'b-m-p-s-m', other: 'b-m-p-s-m' });
  });
});
