import { describe, expect, it } from 'vitest';
import { CotFramer, frameAll, type FramerRecord, type FramerStats } from '../../src/ingest/cot/framer';

/** Records as comparable plain values. */
function plain(records: FramerRecord[]): unknown[] {
  return records.map((r) => (r.kind === 'frame' ? { kind: 'frame', text: r.frame.toString('utf8'), offset: r.offset } : { ...r, head: r.head.toString('latin1') }));
}

function framesOf(records: FramerRecord[]): string[] {
  return records.filter((r) => r.kind === 'frame').map((r) => (r.kind === 'frame' ? r.frame.toString('utf8') : ''));
}

function inChunks(data: Buffer, cuts: number[], opts?: ConstructorParameters<typeof CotFramer>[0]): { records: FramerRecord[]; stats: FramerStats } {
  const f = new CotFramer(opts);
  const records: FramerRecord[] = [];
  let at = 0;
  for (const c of [...cuts, data.length]) {
    records.push(...f.push(data.subarray(at, c)));
    at = c;
  }
  records.push(...f.end());
  return { records, stats: f.stats };
}

function accounted(s: FramerStats): number {
  return s.frameBytes + s.garbageBytes + s.oversizeBytes + s.incompleteBytes + s.ignoredBytes;
}

const E1 = `<event version="2.0" uid="a" type="a-f-G" time="2026-01-01T00:00:00Z" start="2026-01-01T00:00:00Z" stale="2026-01-01T00:05:00Z"><point lat="48.1" lon="37.7"/><detail><remarks>Київ — «вибух» 💥</remarks></detail></event>`;
const E2 = `<event uid='b' x='a > b &amp; "</event>"'/>`;
const E3 = `<event uid="c"><detail><![CDATA[ </event> ]]><!-- </event> --><?pi </event>?><event uid="nested"></event></detail></event>`;

describe('CotFramer', () => {
  it('frames events with declarations, whitespace and newlines between them', () => {
    const stream = `<?xml version='1.0' encoding='UTF-8' standalone='yes'?>${E1}\n\r\n  <?xml version="1.0"?>\n${E2}${E3}\n`;
    const records = frameAll(stream);
    expect(framesOf(records)).toEqual([E1, E2, E3]);
    expect(records.every((r) => r.kind === 'frame')).toBe(true);
  });

  it('reports the stream offset of each frame', () => {
    const stream = `  ${E1}${E2}`;
    const records = frameAll(stream);
    expect(records.map((r) => r.offset)).toEqual([2, 2 + Buffer.byteLength(E1)]);
  });

  it('reports garbage between frames instead of dropping it', () => {
    const stream = `junk${E1}\u00bf\u0001binary<foo>bar</foo>${E2}<!DOCTYPE x [<!ENTITY a "b">]>${E3}<eventually/>`;
    const records = frameAll(stream);
    expect(framesOf(records)).toEqual([E1, E2, E3]);
    const garbage = records.filter((r) => r.kind === 'garbage');
    expect(garbage.map((g) => (g.kind === 'garbage' ? g.head.toString('utf8') : ''))).toEqual([
      'junk',
      '\u00bf\u0001binary<foo>bar</foo>',
      '<!DOCTYPE x [<!ENTITY a "b">]>',
      '<eventually/>',
    ]);
    for (const g of garbage) expect(g.kind === 'garbage' && g.reason.length > 0).toBe(true);
  });

  it('keeps a self-closing event and ignores an `event` prefix in other names', () => {
    expect(framesOf(frameAll(`<event uid="x"/><event\tuid="y"\n/>`))).toEqual([`<event uid="x"/>`, `<event\tuid="y"\n/>`]);
    const r = frameAll(`<events/><event-x/>`);
    expect(r.every((x) => x.kind === 'garbage')).toBe(true);
  });

  it('gives the same records whatever the chunking, at every byte boundary (multibyte UTF-8 too)', () => {
    const data = Buffer.from(`<?xml version="1.0"?>\n${E1}\n garbage ${E2}${E3}<!-- c -->${E1}<event uid="tail"`);
    const whole = plain(inChunks(data, []).records);
    for (let cut = 0; cut <= data.length; cut++) {
      expect(plain(inChunks(data, [cut]).records)).toEqual(whole);
    }
    // Byte by byte (slow drip).
    const drip = inChunks(
      data,
      Array.from({ length: data.length - 1 }, (_, i) => i + 1),
    );
    expect(plain(drip.records)).toEqual(whole);
    expect(accounted(drip.stats)).toBe(data.length);
  });

  it('cuts an oversize frame with a record (first KiB and size) and resyncs at the next <event', () => {
    const big = `<event uid="big"><detail><remarks>${'x'.repeat(5000)}</remarks></detail></event>`;
    const data = Buffer.from(`${E1}${big}\n${E2}`);
    for (const cuts of [[], [100, 1500, 3000], Array.from({ length: 60 }, (_, i) => i * 97)]) {
      const { records, stats } = inChunks(data, cuts, { maxFrameBytes: 2048 });
      expect(framesOf(records)).toEqual([E1, E2]);
      const over = records.filter((r) => r.kind === 'oversize');
      expect(over).toHaveLength(1);
      const o = over[0]!;
      if (o.kind !== 'oversize') throw new Error('unreachable');
      expect(o.head.length).toBe(1024);
      expect(o.head.toString()).toBe(big.slice(0, 1024));
      expect(o.size).toBe(Buffer.byteLength(big) + 1); // the newline before the next <event goes with it
      expect(o.offset).toBe(Buffer.byteLength(E1));
      expect(accounted(stats)).toBe(data.length);
    }
  });

  it('holds at most maxFrameBytes of one frame (a never-ending event does not grow memory)', () => {
    const f = new CotFramer({ maxFrameBytes: 4096 });
    const records: FramerRecord[] = [];
    records.push(...f.push('<event uid="endless"><detail>'));
    for (let i = 0; i < 100; i++) records.push(...f.push('y'.repeat(1000)));
    records.push(...f.push(E2));
    records.push(...f.end());
    expect(records.map((r) => r.kind)).toEqual(['oversize', 'frame']);
    expect(records[0]!.kind === 'oversize' && records[0]!.size).toBe('<event uid="endless"><detail>'.length + 100_000);
  });

  it('reports an event still open at the end as incomplete', () => {
    const records = frameAll(`${E1}<event uid="cut"><detail>`);
    expect(records.map((r) => r.kind)).toEqual(['frame', 'incomplete']);
    const last = records[1]!;
    expect(last.kind === 'incomplete' && last.head.toString()).toBe('<event uid="cut"><detail>');
  });

  it('is linear on slow-drip input (no rescans)', () => {
    const payload = `<event uid="drip"><detail><remarks>${'z'.repeat(300_000)}</remarks></detail></event>`;
    const data = Buffer.from(payload);
    const f = new CotFramer();
    const t0 = performance.now();
    const out: FramerRecord[] = [];
    for (let i = 0; i < data.length; i++) out.push(...f.push(data.subarray(i, i + 1)));
    const ms = performance.now() - t0;
    expect(framesOf(out)).toEqual([payload]);
    // ~300k single-byte pushes; a quadratic framer would need minutes.
    expect(ms).toBeLessThan(5_000);
  });

  it('reports an unterminated XML declaration and still frames the event after it', () => {
    const r = frameAll(`<?xml version="1.0"${E2}`);
    expect(r.map((x) => x.kind)).toEqual(['garbage', 'frame']);
    expect(r[0]!.kind === 'garbage' && r[0]!.head.toString()).toBe('<?xml version="1.0"');
  });

  it('tells a server what it holds (for slow-loris time-outs)', () => {
    const f = new CotFramer({ maxFrameBytes: 100 });
    f.push('<event uid="slow"><det');
    expect(f.pendingFrameBytes).toBe(22);
    f.push('x'.repeat(200));
    expect(f.discarding).toBe(true);
    expect(f.pendingFrameBytes).toBe(0);
  });

  it('tolerates long comments/declarations up to a limit, then calls them garbage', () => {
    const ok = frameAll(`<!-- ${'c'.repeat(100)} -->${E2}`);
    expect(ok.map((r) => r.kind)).toEqual(['frame']);
    const long = frameAll(`<?xml ${'v'.repeat(10_000)}?>${E2}`, { maxPrologBytes: 1000 });
    expect(long.map((r) => r.kind)).toEqual(['garbage', 'frame']);
  });
});
