/**
 * The real ATAK / iTAK / WinTAK / TAK Server captures in ../shared/data/cot: every message is
 * framed, parsed and mapped; for each file received = mapped + quarantined.
 */
import { createServer, connect, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ObservationInput } from '../../src/domain/observation';
import { CotFramer, frameAll, type FramerRecord } from '../../src/ingest/cot/framer';
import { mapCot, type CotMapped } from '../../src/ingest/cot/map';
import { parseCot } from '../../src/ingest/cot/parse';
import { SHARED_NOTE, SKIP_SHARED, cotSamples, type Sample } from './shared-data';

/** What each capture must become. */
const EXPECTED: Record<string, CotMapped['type']> = {
  'node-cot/chat-1-b-t-f-d.xml': 'chat',
  'node-cot/chat-2-b-t-f-r.xml': 'chat',
  'node-cot/cot-emergency-1-b-a-o.xml': 'observation',
  'node-cot/cot-itak-1-a-f-G-E-V-C.xml': 'position',
  'node-cot/cot-routes-1-b-m-r.xml': 'observation',
  'node-cot/cot-routes-2-b-m-r.xml': 'observation',
  'node-cot/cot-shapes-1-u-r-b-c-c.xml': 'observation',
  'node-cot/cot-shapes-2-u-d-c-e.xml': 'area',
  'node-cot/cot-spotted-1-b-m-p-s-m.xml': 'observation',
  'node-cot/cot-spotted-2-b-m-p-s-m.xml': 'observation',
  'node-cot/cot-uas-tool-1-a-f-A-M-H-Q.xml': 'position',
  'node-cot/cot-uas-tool-2-a-f-A-M-H-Q.xml': 'position',
  'node-cot/cot-user-draw-1-u-d-c-c.xml': 'area',
  'node-cot/cot-user-draw-2-u-d-c-c.xml': 'area',
  'node-cot/cot-user-draw-3-u-d-f.xml': 'area',
  'node-cot/cot-user-draw-4-u-d-f.xml': 'area',
  'node-cot/cot-video-2-b-m-p-s-p-loc.xml': 'observation',
  'node-cot/creator-1-a-n-G.xml': 'observation',
  'node-cot/creator-2-a-n-G.xml': 'observation',
  'node-cot/newlines-1-a-f-G.xml': 'position',
  'node-cot/validation-4-b-f-t-a.xml': 'observation',
  'atak-libcotshrink/01-pli.xml': 'position',
  'atak-libcotshrink/02-ha-pli.xml': 'position',
  'atak-libcotshrink/03-hae-pli.xml': 'position',
  'atak-libcotshrink/04-pli-w-o-ip.xml': 'position',
  'atak-libcotshrink/05-complex-shape.xml': 'observation',
  'atak-libcotshrink/06-drawn-shape.xml': 'area',
  'atak-libcotshrink/07-freehand.xml': 'area',
  'atak-libcotshrink/08-group-chat.xml': 'chat',
  'atak-libcotshrink/09-chat-w-messageid.xml': 'chat',
  'atak-libcotshrink/10-op.xml': 'observation',
  'atak-libcotshrink/11-p2p-chat.xml': 'chat',
  'atak-libcotshrink/12-route.xml': 'observation',
  'atak-libcotshrink/13-sensor.xml': 'observation',
  'atak-libcotshrink/14-simple-shape.xml': 'observation',
  'atak-libcotshrink/15-user-icon.xml': 'observation',
  'atak-libcotshrink/16-waypoint.xml': 'observation',
  'atak-libcotshrink/17-casevac-w-all-fields.xml': 'observation',
  'atak-libcotshrink/18-casevac-w-empty-fields.xml': 'observation',
  'atak-libcotshrink/19-circle.xml': 'area',
  'atak-libcotshrink/20-geofence-w-altitude.xml': 'area',
  'atak-libcotshrink/21-geofence-w-o-altitude.xml': 'area',
};

interface Outcome {
  received: number;
  mapped: CotMapped[];
  quarantined: { reason: string }[];
}

/** The whole pipeline on raw bytes: frame, parse, map; every frame or rejected region is counted once. */
function ingest(records: FramerRecord[]): Outcome {
  const out: Outcome = { received: 0, mapped: [], quarantined: [] };
  for (const r of records) {
    out.received++;
    if (r.kind !== 'frame') {
      out.quarantined.push({ reason: `${r.kind}: ${r.reason}` });
      continue;
    }
    const p = parseCot(r.frame);
    if (!p.ok) out.quarantined.push({ reason: `${p.code}: ${p.reason}` });
    else out.mapped.push(mapCot(p.event, { raw: r.frame.toString('utf8') }));
  }
  return out;
}

function checkMapped(m: CotMapped): void {
  if (m.type === 'observation') {
    const v = ObservationInput.safeParse(m.observation);
    expect(v.success, v.success ? '' : JSON.stringify(v.error.issues)).toBe(true);
  }
  if (m.type === 'area') {
    const coords = m.feature.geometry.type === 'Polygon' ? m.feature.geometry.coordinates[0]! : m.feature.geometry.coordinates;
    expect(coords.length).toBeGreaterThanOrEqual(2);
    for (const [lon, lat] of coords) {
      expect(Math.abs(lat!)).toBeLessThanOrEqual(90);
      expect(Math.abs(lon!)).toBeLessThanOrEqual(180);
    }
  }
}

/** Moves every point (not 0,0) of a capture into eastern Ukraine, keeping the shape. */
function relocateToUkraine(xml: string): string {
  const lat = (v: number): number => (v === 0 ? 0 : 48 + (v - Math.trunc(v)));
  const lon = (v: number): number => (v === 0 ? 0 : 37 + Math.abs(v - Math.trunc(v)));
  return xml
    .replace(/\blat=(['"])(-?[\d.]+)\1/g, (_m, q: string, v: string) => `lat=${q}${lat(Number(v))}${q}`)
    .replace(/\blon=(['"])(-?[\d.]+)\1/g, (_m, q: string, v: string) => `lon=${q}${lon(Number(v))}${q}`)
    .replace(/\bpoint=(['"])(-?[\d.]+),(-?[\d.]+)((?:,[^'"]*)?)\1/g, (_m, q: string, a: string, b: string, rest: string) => `point=${q}${lat(Number(a))},${lon(Number(b))}${rest}${q}`);
}

describe.skipIf(SKIP_SHARED)(`real CoT captures${SHARED_NOTE}`, () => {
  const samples: Sample[] = cotSamples();

  it('finds every capture listed in SOURCES.md (42 messages)', () => {
    expect(samples.map((s) => s.name).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(cotSamples().map((s) => [s.name, s] as const))('%s: received = mapped + quarantined, mapped as expected', (name, sample) => {
    const o = ingest(frameAll(sample.bytes));
    expect(o.received).toBe(1);
    expect(o.mapped.length + o.quarantined.length).toBe(o.received);
    expect(o.quarantined).toEqual([]);
    expect(o.mapped[0]!.type).toBe(EXPECTED[name]);
    checkMapped(o.mapped[0]!);
    // Moved into Ukraine, it maps the same way, inside Ukraine's box.
    const moved = ingest(frameAll(relocateToUkraine(sample.bytes.toString('utf8'))));
    expect(moved.mapped.map((m) => m.type)).toEqual([EXPECTED[name]]);
    const m = moved.mapped[0]!;
    checkMapped(m);
    if (m.type === 'observation') {
      const { lat, lon } = m.observation.location;
      if (lat !== 0 || lon !== 0) {
        expect(lat).toBeGreaterThan(44);
        expect(lat).toBeLessThan(53);
        expect(lon).toBeGreaterThan(22);
        expect(lon).toBeLessThan(41);
      }
    }
  });

  it('gives the same frames when a capture is split at every byte boundary', () => {
    for (const s of samples) {
      const data = Buffer.concat([s.bytes, Buffer.from('\n')]);
      const whole = frameAll(data).map((r) => (r.kind === 'frame' ? r.frame.toString('latin1') : r.kind));
      expect(whole).toHaveLength(1);
      for (let cut = 1; cut < data.length; cut++) {
        const f = new CotFramer();
        const got = [...f.push(data.subarray(0, cut)), ...f.push(data.subarray(cut)), ...f.end()].map((r) => (r.kind === 'frame' ? r.frame.toString('latin1') : r.kind));
        if (got.length !== 1 || got[0] !== whole[0]) expect({ file: s.name, cut, got }).toEqual({ file: s.name, cut, got: whole });
      }
    }
  });

  it('frames all captures back to back, dripped one byte at a time, into the same events', () => {
    const stream = Buffer.concat(samples.flatMap((s) => [s.bytes, Buffer.from('\n')]));
    const f = new CotFramer();
    const records: FramerRecord[] = [];
    for (let i = 0; i < stream.length; i++) records.push(...f.push(stream.subarray(i, i + 1)));
    records.push(...f.end());
    const o = ingest(records);
    expect(o.received).toBe(samples.length);
    expect(o.mapped.length + o.quarantined.length).toBe(o.received);
    expect(o.mapped.map((m) => m.type)).toEqual(samples.map((s) => EXPECTED[s.name]));
  });

  it('frames the captures written to a real TCP socket in small, odd writes', async () => {
    const stream = Buffer.concat(samples.flatMap((s) => [s.bytes, Buffer.from('\r\n')]));
    const framer = new CotFramer();
    const records: FramerRecord[] = [];
    const server = createServer((sock) => {
      sock.on('data', (chunk: Buffer) => records.push(...framer.push(chunk)));
      sock.on('end', () => {
        records.push(...framer.end());
        server.emit('done');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const done = new Promise<void>((resolve) => server.once('done', resolve));
    const { port } = server.address() as AddressInfo;
    const client = connect({ port, host: '127.0.0.1', noDelay: true });
    await new Promise<void>((resolve) => client.once('connect', resolve));
    let at = 0;
    let step = 1;
    while (at < stream.length) {
      const n = Math.min(stream.length - at, step);
      if (!client.write(stream.subarray(at, at + n))) await new Promise<void>((resolve) => client.once('drain', resolve));
      at += n;
      step = (step * 7 + 3) % 977; // 1, 10, 73, 514, ... odd sizes that cut tags and characters
      if (step === 0) step = 1;
    }
    client.end();
    await done;
    server.close();
    const o = ingest(records);
    expect(o.received).toBe(samples.length);
    expect(o.mapped.length + o.quarantined.length).toBe(o.received);
    expect(o.quarantined).toEqual([]);
    expect(framer.stats.frameBytes + framer.stats.ignoredBytes).toBe(stream.length);
  });
});
