/**
 * Property-based fuzzing of the hostile-input surface: the CoT framer, the CoT parser (and the
 * mapping of whatever parses) and the ACLED CSV importer. Properties: no exception, no hang
 * (each case must finish well inside a generous time limit), nothing unaccounted for, the same
 * result whatever the chunking; XML bombs and external entities are always rejected; oversize
 * frames are cut with a record.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ObservationInput } from '../../src/domain/observation';
import { AcledImporter, type AcledItem } from '../../src/ingest/acled/import';
import { ACLED_COLUMNS } from '../../src/ingest/acled/columns';
import { csvLine } from '../../src/ingest/acled/export';
import { CotFramer, type FramerRecord } from '../../src/ingest/cot/framer';
import { mapCot } from '../../src/ingest/cot/map';
import { parseCot } from '../../src/ingest/cot/parse';

/** Generous per-case limit: a case that takes longer is a hang (or quadratic behaviour). */
const CASE_MS = 2_000;
const RUNS = Number(process.env.FUZZ_RUNS ?? 300);

function timed<T>(f: () => T): T {
  const t0 = performance.now();
  const out = f();
  expect(performance.now() - t0).toBeLessThan(CASE_MS);
  return out;
}

const EVENT = `<event version="2.0" uid="u-1" type="a-h-G" how="h-g-i-g-o" time="2026-11-20T12:00:00Z" start="2026-11-20T12:00:00Z" stale="2026-11-20T13:00:00Z"><point lat="48.1" lon="37.7" hae="0" ce="10" le="9999999"/><detail><contact callsign="Obs &amp; 1"/><remarks>explosion — вибух</remarks><link uid="x" relation="p-p" parent_callsign="M"/><shape><ellipse major="10" minor="5" angle="30"/></shape><__x a='1'><y/></__x></detail></event>`;

/** Pieces that exercise every framer state, including ones split across pieces. */
const framerToken = fc.oneof(
  fc.constantFrom(
    EVENT,
    `<event uid='s'/>`,
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<!-- c -->`,
    '\n',
    '\r\n',
    '  ',
    '<event',
    ' uid="q">',
    '</event>',
    '</event',
    '>',
    '"',
    "'",
    '<',
    '<!',
    '<![CDATA[',
    ']]>',
    '<?',
    '?>',
    '<!DOCTYPE x [<!ENTITY a "b">]>',
    '<eventx/>',
    '💥',
    '\u0000',
    'garbage',
  ),
  fc.string({ maxLength: 20 }),
);
const framerStream = fc.array(framerToken, { maxLength: 40 }).map((parts) => Buffer.from(parts.join('')));

function runFramer(data: Buffer, cuts: number[], opts?: ConstructorParameters<typeof CotFramer>[0]): { records: FramerRecord[]; framer: CotFramer } {
  const framer = new CotFramer(opts);
  const records: FramerRecord[] = [];
  let at = 0;
  for (const c of [...cuts.filter((c) => c <= data.length).sort((a, b) => a - b), data.length]) {
    records.push(...framer.push(data.subarray(at, c)));
    at = c;
  }
  records.push(...framer.end());
  return { records, framer };
}
function comparable(records: FramerRecord[]): unknown[] {
  return records.map((r) => (r.kind === 'frame' ? ['frame', r.frame.toString('hex'), r.offset] : [r.kind, r.head.toString('hex'), r.size, r.offset, r.reason]));
}

describe('fuzz: CoT framer', () => {
  it('never throws, accounts for every byte, and does not depend on chunking', () => {
    fc.assert(
      fc.property(framerStream, fc.array(fc.nat({ max: 4000 }), { maxLength: 12 }), fc.integer({ min: 64, max: 4096 }), (data, cuts, maxFrameBytes) => {
        timed(() => {
          const whole = runFramer(data, [], { maxFrameBytes });
          const chunked = runFramer(data, cuts, { maxFrameBytes });
          expect(comparable(chunked.records)).toEqual(comparable(whole.records));
          const s = chunked.framer.stats;
          expect(s.frameBytes + s.garbageBytes + s.oversizeBytes + s.incompleteBytes + s.ignoredBytes).toBe(data.length);
          for (const r of chunked.records) {
            if (r.kind === 'frame') expect(r.frame.length).toBeLessThanOrEqual(maxFrameBytes);
            else expect(r.head.length).toBeLessThanOrEqual(Math.min(1024, r.size));
          }
        });
      }),
      { numRuns: RUNS },
    );
  });

  it('survives random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.array(fc.nat({ max: 3000 }), { maxLength: 8 }), (bytes, cuts) => {
        timed(() => {
          const { framer } = runFramer(Buffer.from(bytes), cuts);
          const s = framer.stats;
          expect(s.frameBytes + s.garbageBytes + s.oversizeBytes + s.incompleteBytes + s.ignoredBytes).toBe(bytes.length);
        });
      }),
      { numRuns: RUNS },
    );
  });

  it('cuts any oversize frame with a record (first KiB, exact size) and frames the next event', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20_000 }), fc.integer({ min: 1024, max: 8192 }), fc.array(fc.nat({ max: 30_000 }), { maxLength: 6 }), (pad, maxFrameBytes, cuts) => {
        const big = `<event uid="big"><detail><remarks>${'p'.repeat(pad)}</remarks></detail></event>`;
        const data = Buffer.from(`${big}${EVENT}`);
        const { records } = timed(() => runFramer(data, cuts, { maxFrameBytes }));
        if (big.length <= maxFrameBytes) {
          expect(records.map((r) => r.kind)).toEqual(['frame', 'frame']);
        } else {
          expect(records.map((r) => r.kind)).toEqual(['oversize', 'frame']);
          const o = records[0]!;
          expect(o.kind === 'oversize' && [o.size, o.head.toString()]).toEqual([big.length, big.slice(0, 1024)]);
          expect(records[1]!.kind === 'frame' && records[1]!.frame.toString()).toBe(EVENT);
        }
      }),
      { numRuns: 100 },
    );
  });
});

/** Random edits of a valid event: the parser must answer (ok or a reason), never throw or hang. */
const mutatedEvent = fc
  .array(
    fc.tuple(
      fc.nat({ max: EVENT.length }),
      fc.nat({ max: 8 }),
      fc.oneof(fc.constantFrom('<', '>', '&', '"', "'", '/', '=', ' ', '&amp;', '&#0;', '&#x41;', '<!DOCTYPE', '<![CDATA[', ']]>', '<a>', '</a>', '\u0001', '💥'), fc.string({ maxLength: 5 })),
    ),
    { maxLength: 6 },
  )
  .map((edits) => {
    let s = EVENT;
    for (const [at, del, ins] of edits) {
      const p = Math.min(at, s.length);
      s = s.slice(0, p) + ins + s.slice(p + del);
    }
    return s;
  });

function parseAndMap(input: string | Buffer): void {
  const r = parseCot(input);
  if (!r.ok) {
    expect(typeof r.code).toBe('string');
    expect(r.reason.length).toBeGreaterThan(0);
    return;
  }
  expect(r.event.uid.trim().length).toBeGreaterThan(0);
  expect(Math.abs(r.event.point.lat)).toBeLessThanOrEqual(90);
  const m = mapCot(r.event, { raw: typeof input === 'string' ? input : input.toString('utf8') });
  if (m.type === 'observation') {
    const v = ObservationInput.safeParse(m.observation);
    expect(v.success, v.success ? '' : JSON.stringify(v.error.issues)).toBe(true);
  }
}

describe('fuzz: CoT parser and mapping', () => {
  it('answers for any string, any bytes and any edit of a valid event', () => {
    fc.assert(
      fc.property(fc.oneof(mutatedEvent, fc.string({ maxLength: 500 }), fc.string({ unit: 'binary', maxLength: 300 })), (s) => timed(() => parseAndMap(s))),
      { numRuns: RUNS * 2 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 500 }), (b) => timed(() => parseAndMap(Buffer.from(b)))),
      { numRuns: RUNS },
    );
  });

  it('maps any well-formed event of any type and content to something valid', () => {
    // eslint-disable-next-line no-control-regex
    const text = fc.string({ maxLength: 40 }).map((s) => s.replace(/[<&"\]\u0000-\u001f\ud800-\udfff\ufffe\uffff]/g, ''));
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-zA-Z](-[a-zA-Z0-9]{1,3}){0,5}$/),
        text,
        text,
        fc.double({ min: -90, max: 90, noNaN: true }),
        fc.double({ min: -180, max: 180, noNaN: true }),
        fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2200-01-01T00:00:00Z'), noInvalidDate: true }),
        (type, uid, remarks, lat, lon, time) => {
          const t = time.toISOString();
          const xml = `<event version="2.0" uid="x${uid}" type="${type}" time="${t}" start="${t}" stale="${t}"><point lat="${lat}" lon="${lon}"/><detail><remarks>${remarks}</remarks><link point="${lat},${lon}"/><shape><ellipse major="5" minor="3" angle="0"/></shape></detail></event>`;
          const r = parseCot(xml);
          expect(r.ok, r.ok ? '' : r.reason).toBe(true);
          timed(() => parseAndMap(xml));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('always rejects XML bombs and external entities, whatever their shape', () => {
    const name = fc.stringMatching(/^[a-z]{1,8}$/);
    fc.assert(
      fc.property(name, fc.integer({ min: 1, max: 12 }), fc.integer({ min: 2, max: 12 }), fc.webUrl(), fc.boolean(), (n, depth, fan, url, external) => {
        const defs: string[] = [`<!ENTITY ${n}0 "lol">`];
        for (let d = 1; d <= depth; d++) defs.push(`<!ENTITY ${n}${d} "${`&${n}${d - 1};`.repeat(fan)}">`);
        if (external) defs.push(`<!ENTITY ext SYSTEM "${url}">`, `<!ENTITY % pe SYSTEM "${url}"> %pe;`);
        const xml = `<?xml version="1.0"?><!DOCTYPE event [${defs.join('')}]>${EVENT.replace('explosion', `&${n}${depth};${external ? '&ext;' : ''}`)}`;
        const r = timed(() => parseCot(xml));
        expect(r).toMatchObject({ ok: false, code: 'doctype_forbidden' });
        // Without the DOCTYPE, the entity references alone are refused too.
        const bare = timed(() => parseCot(EVENT.replace('explosion', `&${n}${depth};`)));
        expect(bare).toMatchObject({ ok: false, code: 'entity_forbidden' });
        // Framed from a stream, the DOCTYPE between events is reported as garbage, the event still parses.
        const f = new CotFramer();
        const recs = [...f.push(xml), ...f.end()];
        expect(recs.some((x) => x.kind === 'garbage')).toBe(true);
      }),
      { numRuns: 100 },
    );
  });
});

describe('fuzz: ACLED importer', () => {
  const HEADER = ACLED_COLUMNS.join(',');
  const cell = fc.oneof(fc.constantFrom('', '"', '""', ',', '\n', '\r\n', '\r', 'UKR1', '48.1', '37.7', '16/02/2024', '1708472501', 'é', '💥', '=1+1', "'"), fc.string({ maxLength: 8 }));
  const good = (i: number) => {
    const v: Record<string, string> = { event_id_cnty: `UKR${i}`, event_date: '2024-02-16', year: '2024', latitude: '48.1', longitude: '37.7', timestamp: '1708472501', sub_event_type: 'Armed clash' };
    return csvLine(ACLED_COLUMNS.map((c) => v[c] ?? ''));
  };
  const body = fc.array(fc.oneof(fc.integer({ min: 1, max: 999 }).map(good), fc.array(cell, { maxLength: 40 }).map((cs) => cs.join(''))), { maxLength: 30 }).map((lines) => `${HEADER}\n${lines.join('\n')}`);

  function run(text: string, cuts: number[]): { items: AcledItem[]; importer: AcledImporter } {
    const importer = new AcledImporter({ maxRecordChars: 4000 });
    const bytes = Buffer.from(text);
    const items: AcledItem[] = [];
    let at = 0;
    for (const c of [...cuts.filter((c) => c <= bytes.length).sort((a, b) => a - b), bytes.length]) {
      items.push(...importer.push(bytes.subarray(at, c)));
      at = c;
    }
    items.push(...importer.end());
    return { items, importer };
  }

  it('never throws; every row is an observation or a quarantine item; chunking does not matter', () => {
    fc.assert(
      fc.property(body, fc.array(fc.nat({ max: 6000 }), { maxLength: 10 }), (text, cuts) => {
        timed(() => {
          const whole = run(text, []);
          const chunked = run(text, cuts);
          expect(chunked.items).toEqual(whole.items);
          const s = chunked.importer.stats;
          expect(s.observations + s.quarantined).toBe(s.rows);
          expect(chunked.items).toHaveLength(s.rows);
          for (const it of chunked.items) {
            if (it.type === 'observation') expect(ObservationInput.safeParse(it.observation).success).toBe(true);
            else expect(it.reason.length).toBeGreaterThan(0);
          }
        });
      }),
      { numRuns: RUNS },
    );
  });

  it('recovers from a runaway quote: one bad row, not the rest of the file', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 20 }), (before, after) => {
        const lines = [...Array.from({ length: before }, (_, i) => good(i)), '"runaway,quote', ...Array.from({ length: after }, (_, i) => good(100 + i))];
        const { importer } = timed(() => run(`${HEADER}\n${lines.join('\n')}\n`, []));
        expect(importer.stats).toEqual({ rows: before + after + 1, observations: before + after, quarantined: 1 });
      }),
      { numRuns: 50 },
    );
  });
});
