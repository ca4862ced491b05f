import { describe, expect, it } from 'vitest';
import { parseCot, parseCotTime, type CotEvent } from '../../src/ingest/cot/parse';

const ATTRS = `version="2.0" uid="u-1" type="b-m-p-s-m" how="h-g-i-g-o" time="2026-11-20T12:00:00.000Z" start="2026-11-20T12:00:00.000Z" stale="2026-11-20T13:00:00.000Z"`;
function ev(detail = '', attrs = ATTRS, point = `<point lat="48.1" lon="37.7" hae="150.5" ce="25" le="9999999.0"/>`): string {
  return `<event ${attrs}>${point}<detail>${detail}</detail></event>`;
}
function ok(xml: string | Buffer): CotEvent {
  const r = parseCot(xml);
  if (!r.ok) throw new Error(`${r.code}: ${r.reason}`);
  return r.event;
}
function err(xml: string | Buffer): { code: string; reason: string } {
  const r = parseCot(xml);
  if (r.ok) throw new Error('expected a parse error');
  return r;
}

describe('parseCot: event and point', () => {
  it('reads attributes, point and normalised times', () => {
    const e = ok(`<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n${ev()}\n`);
    expect(e).toMatchObject({ version: '2.0', uid: 'u-1', type: 'b-m-p-s-m', how: 'h-g-i-g-o', time: '2026-11-20T12:00:00.000Z', stale: '2026-11-20T13:00:00.000Z' });
    expect(e.point).toEqual({ lat: 48.1, lon: 37.7, hae: 150.5, ce: 25 });
    expect(e.warnings).toEqual([]);
  });

  it('treats 9999999, NaN and absent hae/ce/le as unknown', () => {
    const e = ok(ev('', ATTRS, `<point lat="0.0" lon="0.0" hae="NaN" ce="9999999" le=""/>`));
    expect(e.point).toEqual({ lat: 0, lon: 0 });
  });

  it.each([
    ['2023-07-18T15:23:09.00Z', '2023-07-18T15:23:09.000Z'],
    ['2024-09-18T22:09:39Z', '2024-09-18T22:09:39.000Z'],
    ['2026-11-20T14:05:00.123456+02:00', '2026-11-20T12:05:00.123Z'],
    ['2026-11-20T14:05:00-0130', '2026-11-20T15:35:00.000Z'],
  ])('normalises time %s', (t, iso) => {
    expect(new Date(parseCotTime(t)).toISOString()).toBe(iso);
  });

  it.each(['2026-02-30T00:00:00Z', '2026-13-01T00:00:00Z', 'yesterday', '2026-11-20 12:00:00Z', ''])('rejects time %j', (t) => {
    expect(Number.isNaN(parseCotTime(t))).toBe(true);
  });

  it('is lenient where CoT senders are: no how, no start/stale, a zone-less time (with warnings)', () => {
    const e = ok(`<event version="2" uid="x" type="a-f-A" time="2024-04-24T16:37:38"><detail/><point lat="39.1" lon="-108.6"/></event>`);
    expect(e.start).toBe('2024-04-24T16:37:38.000Z');
    expect(e.stale).toBe(e.start);
    expect(e.warnings).toEqual(expect.arrayContaining(['no how', 'no start: using time', 'no stale: using start', 'instant without time zone: read as UTC']));
  });

  it.each([
    [`<event type="a" time="2026-11-20T12:00:00Z"><point lat="1" lon="2"/></event>`, 'missing_attribute'],
    [`<event uid=" " type="a" time="2026-11-20T12:00:00Z"><point lat="1" lon="2"/></event>`, 'missing_attribute'],
    [`<event uid="x" time="2026-11-20T12:00:00Z"><point lat="1" lon="2"/></event>`, 'missing_attribute'],
    [`<event uid="x" type="a"><point lat="1" lon="2"/></event>`, 'missing_attribute'],
    [`<event uid="x" type="a" time="soon"><point lat="1" lon="2"/></event>`, 'invalid_time'],
    [`<event uid="x" type="a" time="2026-11-20T12:00:00Z" stale="never"><point lat="1" lon="2"/></event>`, 'invalid_time'],
    [`<event uid="x" type="a" time="2026-11-20T12:00:00Z"><detail/></event>`, 'missing_point'],
    [`<event uid="x" type="a" time="2026-11-20T12:00:00Z"><point lat="north" lon="2"/></event>`, 'invalid_point'],
    [`<event uid="x" type="a" time="2026-11-20T12:00:00Z"><point lat="91" lon="2"/></event>`, 'invalid_point'],
    [`<event uid="x" type="a" time="2026-11-20T12:00:00Z"><point lat="1" lon="-180.5"/></event>`, 'invalid_point'],
    [`<msg uid="x"/>`, 'not_event'],
  ])('rejects %s as %s', (xml, code) => {
    expect(err(xml).code).toBe(code);
  });
});

describe('parseCot: detail', () => {
  it('types the common detail elements and keeps unknown ones as raw XML', () => {
    const detail =
      `<contact callsign="Patrol &amp; 7" endpoint="10.0.0.1:4242:tcp" phone="1"/>` +
      `<__group name="Cyan" role="Team Lead"/><status battery="58" readiness="true"/><track course="327.6" speed="1.5"/>` +
      `<takv device="Pixel" platform="ATAK-CIV" os="29" version="4.0"/><precisionlocation geopointsrc="GPS" altsrc="DTED2"/>` +
      `<usericon iconsetpath="COT_MAPPING_2525B/a-h/a-h-G"/><remarks source="BAO.F.ATAK.x" time="2026-11-20T12:00:00Z">line 1\nline &lt;2&gt; &#x1F4A5;</remarks>` +
      `<link uid="ANDROID-1" type="a-f-G-U-C" parent_callsign="Monitor" relation="p-p" production_time="2026-11-20T11:59:00Z"/>` +
      `<link point="48.1,37.7,150"/><link point="48.2,37.8"/><archive/><uid Droid="dog"/>` +
      `<strokeColor value="-16744704"/><fillColor value="-1778352384"/><strokeWeight value="4.0"/><color argb="-1"/><color value="-2"/><labels_on value="false"/>` +
      `<creator uid="c1" callsign="Creator" time="2026-11-20T11:00:00Z" type="a-f-G-E-V-C"/>` +
      `<_flow-tags_ TAK-Server-1="2026-11-20T12:00:00Z"/>` +
      `<__video url="rtsp://x"><ConnectionEntry uid="v" alias="cam &quot;1&quot;"/></__video><_medevac_ litter="4"/>`;
    const d = ok(ev(detail)).detail;
    expect(d.contact).toMatchObject({ callsign: 'Patrol & 7', endpoint: '10.0.0.1:4242:tcp', phone: '1' });
    expect(d.group).toEqual({ name: 'Cyan', role: 'Team Lead' });
    expect(d.status).toEqual({ battery: 58, readiness: true });
    expect(d.track).toEqual({ course: 327.6, speed: 1.5 });
    expect(d.takv).toEqual({ device: 'Pixel', platform: 'ATAK-CIV', os: '29', version: '4.0' });
    expect(d.precisionLocation).toEqual({ geopointsrc: 'GPS', altsrc: 'DTED2' });
    expect(d.usericon).toEqual({ iconsetpath: 'COT_MAPPING_2525B/a-h/a-h-G' });
    expect(d.remarks).toEqual({ text: 'line 1\nline <2> 💥', source: 'BAO.F.ATAK.x', time: '2026-11-20T12:00:00Z' });
    expect(d.links).toHaveLength(3);
    expect(d.links[0]).toMatchObject({ uid: 'ANDROID-1', relation: 'p-p', parentCallsign: 'Monitor', productionTime: '2026-11-20T11:59:00Z' });
    expect(d.links[1]!.point).toEqual({ lat: 48.1, lon: 37.7, hae: 150 });
    expect(d.links[2]!.point).toEqual({ lat: 48.2, lon: 37.8 });
    expect(d.archive).toBe(true);
    expect(d.droid).toBe('dog');
    expect(d.style).toEqual({ strokeColor: -16744704, fillColor: -1778352384, strokeWeight: 4, color: -1, labelsOn: false });
    expect(d.creator).toEqual({ uid: 'c1', callsign: 'Creator', time: '2026-11-20T11:00:00Z', type: 'a-f-G-E-V-C' });
    expect(d.flowTags).toEqual({ 'TAK-Server-1': '2026-11-20T12:00:00Z' });
    expect(d.unknown).toEqual([
      { name: 'color', xml: '<color value="-2"/>' },
      { name: '__video', xml: '<__video url="rtsp://x"><ConnectionEntry uid="v" alias="cam &quot;1&quot;"/></__video>' },
      { name: '_medevac_', xml: '<_medevac_ litter="4"/>' },
    ]);
    expect(d.xml).toBe(`<detail>${detail}</detail>`);
  });

  it('reads chat, shapes and emergencies', () => {
    const chat = ok(
      ev(
        `<__chat parent="RootContactGroup" groupOwner="false" chatroom="All Chat Rooms" id="All Chat Rooms" senderCallsign="maya" messageId="m-1"><chatgrp uid0="A" uid1="All Chat Rooms" id="All Chat Rooms"/><hierarchy><group/></hierarchy></__chat>`,
      ),
    ).detail.chat;
    expect(chat).toMatchObject({ element: '__chat', chatroom: 'All Chat Rooms', senderCallsign: 'maya', messageId: 'm-1', groupOwner: false, chatgrp: { uid0: 'A' } });
    expect(chat?.childrenXml).toBe('<hierarchy><group/></hierarchy>');

    const shape = ok(
      ev(`<shape><ellipse major="10.5" minor="8" angle="45"/><link uid="s.Style" type="b-x-KmlStyle" relation="p-c"><Style><LineStyle><color>ff0000ff</color></LineStyle></Style></link></shape>`),
    ).detail.shape;
    expect(shape?.ellipse).toEqual({ major: 10.5, minor: 8, angle: 45 });
    expect(shape?.links[0]?.childrenXml).toBe('<Style><LineStyle><color>ff0000ff</color></LineStyle></Style>');

    const poly = ok(ev(`<shape><polyline closed="true"><vertex lat="1" lon="2"/><vertex lat="3" lon="4"/></polyline></shape>`)).detail.shape;
    expect(poly).toMatchObject({ closed: true, vertices: [{ lat: 1, lon: 2 }, { lat: 3, lon: 4 }] });

    const emergency = ok(ev(`<emergency type="Manual Alert: Gunshot" cancel="false">SP-Dev</emergency>`)).detail.emergency;
    expect(emergency).toEqual({ type: 'Manual Alert: Gunshot', text: 'SP-Dev', cancel: false });
  });

  it('keeps attribute newlines written as &#10; and normalises literal ones', () => {
    const d = ok(ev(`<contact callsign="SP-Dev&#10;Manual Alert"/><remarks to="a\nb"/>`)).detail;
    expect(d.contact?.callsign).toBe('SP-Dev\nManual Alert');
    expect(d.remarks?.to).toBe('a b');
  });

  it('accepts CDATA, comments and processing instructions in content', () => {
    const e = ok(ev(`<!-- hi --><remarks><![CDATA[a <b> & c]]> d</remarks><?app x?>`));
    expect(e.detail.remarks?.text).toBe('a <b> & c d');
  });
});

describe('parseCot: hostile input', () => {
  const billionLaughs = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><event uid="x" type="a" time="2026-11-20T12:00:00Z"><point lat="1" lon="2"/><detail><remarks>&lol3;</remarks></detail></event>`;
  const xxe = `<?xml version="1.0"?><!DOCTYPE event [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><event uid="x" type="a" time="2026-11-20T12:00:00Z"><point lat="1" lon="2"/><detail><remarks>&xxe;</remarks></detail></event>`;

  it('rejects DOCTYPE outright (billion laughs, external entities)', () => {
    expect(err(billionLaughs).code).toBe('doctype_forbidden');
    expect(err(xxe).code).toBe('doctype_forbidden');
    expect(err(ev(`<!DOCTYPE x>`)).code).toBe('doctype_forbidden');
    expect(err(ev(`<!ENTITY x "y">`)).code).toBe('doctype_forbidden');
  });

  it('rejects entities other than the predefined five, and bad character references', () => {
    expect(err(ev(`<remarks>&xxe;</remarks>`)).code).toBe('entity_forbidden');
    expect(err(ev(`<remarks a="&lol;"/>`)).code).toBe('entity_forbidden');
    expect(err(ev(`<remarks>AT&T</remarks>`)).code).toBe('malformed');
    expect(err(ev(`<remarks>&#0;</remarks>`)).code).toBe('invalid_char');
    expect(err(ev(`<remarks>&#xD800;</remarks>`)).code).toBe('invalid_char');
    expect(err(ev(`<remarks>&#x110000;</remarks>`)).code).toBe('invalid_char');
    expect(err(ev(`<remarks>&#xZZ;</remarks>`)).code).toBe('malformed');
  });

  it('enforces size, depth, element and attribute limits', () => {
    expect(parseCot(ev(`<remarks>${'x'.repeat(2000)}</remarks>`), { limits: { maxChars: 1000 } })).toMatchObject({ ok: false, code: 'too_large' });
    const deep = `${'<a>'.repeat(10_000)}${'</a>'.repeat(10_000)}`;
    expect(err(ev(deep)).code).toBe('too_deep');
    expect(err(ev('<a/>'.repeat(30_000))).code).toBe('too_many_elements');
    const attrs = Array.from({ length: 300 }, (_, i) => `a${i}="1"`).join(' ');
    expect(err(ev(`<x ${attrs}/>`)).code).toBe('too_many_attributes');
  });

  it.each([
    ['invalid UTF-8', Buffer.concat([Buffer.from(ev('<remarks>')), Buffer.from([0xc3, 0x28]), Buffer.from('</remarks></detail></event>')])],
    ['a control character', ev('<remarks>\u0001</remarks>')],
    ['mismatched tags', ev('<remarks></remark>')],
    ['an unclosed element', ev('<remarks>').replace('</detail></event>', '')],
    ['a duplicate attribute', ev('<contact callsign="a" callsign="b"/>')],
    ['an attribute named __proto__', ev('<contact __proto__="x"/>')],
    ['a "<" in an attribute', ev('<contact callsign="a<b"/>')],
    ['an unquoted attribute', ev('<contact callsign=a/>')],
    ['content after the root', `${ev()}<event/>`],
    ['text before the root', `hello${ev()}`],
    ['an empty document', ''],
    ['"]]>" in text', ev('<remarks>a ]]> b</remarks>')],
    ['an attribute value running to the end', '<event uid="x" type="a'],
    ['a start tag running to the end', '<event uid="x" type="a" '],
    ['an end tag running to the end', '<event uid="x"></event'],
  ])('rejects %s without throwing', (_name, input) => {
    const r = parseCot(input);
    expect(r.ok).toBe(false);
  });

  it('rejects every truncation of a valid event (no hang at any cut)', () => {
    const full = `<?xml version='1.0'?>${ev(`<contact callsign='a &amp; b'/><remarks>x<![CDATA[y]]><!--c--></remarks><link point="1,2"/>`)}`;
    expect(parseCot(full).ok).toBe(true);
    for (let n = 0; n < full.length; n++) {
      const r = parseCot(full.slice(0, n));
      expect(r.ok, `prefix of ${n}`).toBe(false);
    }
  });

  it('does not let attribute names touch Object.prototype', () => {
    const e = ok(ev('<contact toString="x" constructor="y" callsign="z"/>'));
    expect(e.detail.contact?.attrs.toString).toBe('x');
    expect(({} as Record<string, unknown>).toString).toBe(Object.prototype.toString);
  });
});
