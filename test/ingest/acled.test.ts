import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ObservationInput } from '../../src/domain/observation';
import { ACLED_COLUMNS, acledInterval, acledKind, guardCell, parseAcledDate, unguardCell } from '../../src/ingest/acled/columns';
import { CsvReader, type CsvItem } from '../../src/ingest/acled/csv';
import { csvLine, observationToAcledValues, toAcledCsv } from '../../src/ingest/acled/export';
import { AcledImporter, importAcled, type AcledItem, type AcledObservationItem } from '../../src/ingest/acled/import';
import { observationInput } from '../support/factories';
import { SHARED_NOTE, SKIP_SHARED, acledFiles } from './shared-data';

async function importAll(data: Buffer | string, opts: ConstructorParameters<typeof AcledImporter>[0] = {}, chunk = 65536): Promise<{ items: AcledItem[]; importer: AcledImporter }> {
  const importer = new AcledImporter(opts);
  const buf = typeof data === 'string' ? Buffer.from(data) : data;
  const chunks: Buffer[] = [];
  for (let i = 0; i < buf.length; i += chunk) chunks.push(buf.subarray(i, i + chunk));
  const items: AcledItem[] = [];
  for await (const it of importAcled(Readable.from(chunks), opts, importer)) items.push(it);
  return { items, importer };
}

function records(text: string): string[][] {
  const r = new CsvReader();
  return [...r.push(text), ...r.end()].map((x: CsvItem) => (x.type === 'record' ? x.record.fields : ['<error>', x.error.reason]));
}

const HEADER = ACLED_COLUMNS.join(',');
function row(over: Record<string, string> = {}): string {
  const base: Record<string, string> = {
    event_id_cnty: 'UKR1',
    event_date: '16/02/2024 00:00:00',
    year: '2024',
    time_precision: '1',
    event_type: 'Explosions/Remote violence',
    sub_event_type: 'Shelling/artillery/missile attack',
    actor1: 'Military Forces of Russia (2000-)',
    latitude: '50.7746',
    longitude: '35.2597',
    notes: 'On 16 February 2024, Russian forces shelled Krasnopillia. Casualties unknown.',
    fatalities: '0',
    timestamp: '1708472501',
    geo_precision: '2',
    source: 'Suspilne Media',
    ...over,
  };
  return csvLine(ACLED_COLUMNS.map((c) => base[c] ?? ''));
}

describe.skipIf(SKIP_SHARED)(`ACLED sample files${SHARED_NOTE}`, () => {
  it.each(acledFiles().map((f) => [f.name, f] as const))('%s: every row → received = stored + quarantined; export round-trips', async (_name, file) => {
    const { items, importer } = await importAll(file.bytes, {}, 4093);
    const dataRows = records(file.bytes.toString('utf8')).length - 1;
    const stored = items.filter((i) => i.type === 'observation');
    const quarantined = items.filter((i) => i.type === 'quarantine');
    expect(importer.stats.rows).toBe(dataRows);
    expect(stored.length + quarantined.length).toBe(dataRows);
    expect(importer.stats).toEqual({ rows: dataRows, observations: stored.length, quarantined: quarantined.length });
    expect(quarantined).toEqual([]);
    for (const it of stored) {
      const v = ObservationInput.safeParse(it.observation);
      expect(v.success, v.success ? '' : JSON.stringify(v.error.issues)).toBe(true);
      expect(it.observation).toMatchObject({ source: { kind: 'osint' }, releasability: 'COALITION' });
      expect(it.observation.id).toBe(`acled:${it.acledEventId}:${it.acledTimestamp}`);
      expect(it.action).toBe('insert');
    }
    // Kinds follow the sub-event types.
    const bySub = new Map<string, Set<string>>();
    for (const it of stored) {
      const sub = JSON.parse(it.observation.notes!.slice(it.observation.notes!.lastIndexOf('[acled:v1]') + 10)).sub_event_type as string;
      bySub.set(sub, (bySub.get(sub) ?? new Set()).add(it.observation.kind));
    }
    expect([...(bySub.get('Shelling/artillery/missile attack') ?? [])]).toEqual(['explosion']);
    expect([...(bySub.get('Armed clash') ?? [])]).toEqual(['burst']);
    expect([...(bySub.get('Air/drone strike') ?? [])]).toEqual(['explosion']);

    // Export → the same cells as the original file, column by column.
    const observations = stored.map((s) => ObservationInput.parse(s.observation));
    const csv = toAcledCsv(observations);
    const original = records(file.bytes.toString('utf8'));
    const exported = records(csv);
    const [oh, ...orows] = original;
    const [eh, ...erows] = exported;
    expect(erows).toHaveLength(orows.length);
    orows.forEach((r, i) => {
      const byName = (h: string[], vals: string[]) => Object.fromEntries(h.map((c, j) => [c, vals[j]]));
      const a = byName(oh!, r);
      const b = byName(eh!, erows[i]!);
      for (const c of oh!) expect(b[c], `row ${i + 1} column ${c}`).toBe(a[c]);
    });

    // Re-import of the export: the same ids; with the versions known, nothing new.
    const known = new Map(stored.map((s) => [s.acledEventId, s.acledTimestamp]));
    const again = await importAll(csv, { knownTimestamp: (id) => known.get(id) });
    expect(again.items.map((i) => (i.type === 'observation' ? i.observation.id : i.reason))).toEqual(stored.map((s) => s.observation.id));
    expect(new Set(again.items.map((i) => i.type === 'observation' && i.action))).toEqual(new Set(['unchanged']));
  });
});

describe('AcledImporter', () => {
  it('maps a row to an osint observation with an ACLED id, interval and notes', async () => {
    const { items } = await importAll(`${HEADER}\n${row()}\n`);
    expect(items).toHaveLength(1);
    const it = items[0] as AcledObservationItem;
    expect(it).toMatchObject({ type: 'observation', row: 1, line: 2, acledEventId: 'UKR1', acledTimestamp: 1708472501, action: 'insert', fatalities: 0 });
    expect(it.observation).toMatchObject({
      id: 'acled:UKR1:1708472501',
      kind: 'explosion',
      subkind: 'impact',
      observedAt: '2024-02-16T00:00:00.000Z',
      observedUntil: '2024-02-16T23:59:59.000Z',
      location: { lat: 50.7746, lon: 35.2597, accuracyM: 15000 },
      source: { kind: 'osint', reporter: 'ACLED: Suspilne Media' },
      releasability: 'COALITION',
    });
    expect(it.observation.notes).toMatch(/^On 16 February 2024, Russian forces shelled Krasnopillia/);
    expect(it.observation.notes).toContain('ACLED UKR1: Explosions/Remote violence / Shelling/artillery/missile attack; Military Forces of Russia (2000-); fatalities 0');
    expect(ObservationInput.safeParse(it.observation).success).toBe(true);
  });

  it('supersedes an older version, skips an unchanged one, flags an older one', async () => {
    const known = (id: string) => (id === 'UKR1' ? 1708472501 : undefined);
    const csv = [HEADER, row({ timestamp: '1708472501' }), row({ timestamp: '1708479999', fatalities: '2' }), row({ timestamp: '1700000000' }), row({ event_id_cnty: 'UKR2' }), row({ event_id_cnty: 'UKR2', timestamp: '1708472600' })].join('\n');
    const { items } = await importAll(csv, { knownTimestamp: known });
    expect(items.map((i) => i.type === 'observation' && [i.action, i.supersedes])).toEqual([
      ['unchanged', undefined],
      ['supersede', 'acled:UKR1:1708472501'],
      ['older', undefined],
      ['insert', undefined],
      ['supersede', 'acled:UKR2:1708472501'],
    ]);
  });

  it('quarantines bad rows with their reason and raw text, and goes on', async () => {
    const bad = [
      row({ latitude: '' }),
      row({ latitude: '95' }),
      row({ longitude: 'east' }),
      row({ event_date: '31/02/2024' }),
      row({ event_date: 'last Tuesday' }),
      row({ event_date: '16/02/2023', year: '2024' }),
      row({ timestamp: '' }),
      row({ event_id_cnty: '' }),
      row({ fatalities: '-1' }),
      row({ time_precision: '7' }),
      'UKR9,too,few,fields',
      '"unterminated,quote',
    ];
    const csv = [HEADER, row(), ...bad, row({ event_id_cnty: 'UKR3' })].join('\n');
    const { items, importer } = await importAll(csv);
    expect(importer.stats).toEqual({ rows: 14, observations: 2, quarantined: 12 });
    const q = items.filter((i) => i.type === 'quarantine');
    expect(q.map((i) => i.type === 'quarantine' && i.reason)).toEqual([
      expect.stringMatching(/latitude/),
      expect.stringMatching(/latitude/),
      expect.stringMatching(/longitude/),
      expect.stringMatching(/calendar date/),
      expect.stringMatching(/no known date format/),
      expect.stringMatching(/not in year 2024/),
      expect.stringMatching(/timestamp/),
      expect.stringMatching(/event_id_cnty/),
      expect.stringMatching(/fatalities/),
      expect.stringMatching(/time_precision/),
      expect.stringMatching(/4 fields, the header 33/),
      expect.stringMatching(/malformed CSV/),
    ]);
    expect(q.map((i) => i.raw)).toEqual(bad);
    expect(items.at(-1)).toMatchObject({ type: 'observation', acledEventId: 'UKR3' });
  });

  it('quarantines every row when the header lacks required columns', async () => {
    const { items, importer } = await importAll('event_id_cnty,notes\nUKR1,hello\nUKR2,bye\n');
    expect(importer.stats).toEqual({ rows: 2, observations: 0, quarantined: 2 });
    expect(items.every((i) => i.type === 'quarantine' && /lacks column\(s\) event_date, latitude, longitude, timestamp/.test(i.reason))).toBe(true);
  });

  it('gives the same items whatever the chunking (BOM, CRLF, multibyte, quoted newlines)', async () => {
    const csv = `\ufeff${HEADER}\r\n${row({ notes: 'Обстріл "Києва",\nдругий рядок' })}\r\n\r\n${row({ event_id_cnty: 'UKR2', location: 'Харків' })}\r\n`;
    const whole = (await importAll(csv)).items;
    expect(whole).toHaveLength(2);
    expect(whole.map((i) => i.line)).toEqual([2, 5]);
    for (const size of [1, 2, 3, 5, 64]) expect((await importAll(csv, {}, size)).items).toEqual(whole);
  });
});

describe('ACLED columns', () => {
  it.each([
    ['2024-02-16', '2024-02-16'],
    ['16/02/2024 00:00:00', '2024-02-16'],
    ['16/02/2024', '2024-02-16'],
    ['2/16/2024 12:00:00 AM', '2024-02-16'],
    ['16-02-2024', '2024-02-16'],
    ['16 February 2024', '2024-02-16'],
    ['16-Feb-24', '2024-02-16'],
    ['February 16, 2024', '2024-02-16'],
    ['45338', '2024-02-16'],
  ])('reads event_date %j', (v, iso) => {
    expect(parseAcledDate(v)).toEqual({ date: iso });
  });

  it('settles ambiguous day/month dates from the notes, else day-first (or as configured)', () => {
    expect(parseAcledDate('03/04/2020', { notes: 'On 4 March 2020, shelling...' })).toEqual({ date: '2020-03-04' });
    expect(parseAcledDate('03/04/2020', { notes: 'On 3 April 2020, shelling...' })).toEqual({ date: '2020-04-03' });
    expect(parseAcledDate('03/04/2020')).toEqual({ date: '2020-04-03' });
    expect(parseAcledDate('03/04/2020', { order: 'mdy' })).toEqual({ date: '2020-03-04' });
  });

  it('widens the interval with time_precision', () => {
    expect(acledInterval('2024-02-16', 2)).toEqual({ observedAt: '2024-02-13T00:00:00.000Z', observedUntil: '2024-02-19T23:59:59.000Z' });
    expect(acledInterval('2024-02-15', 3)).toEqual({ observedAt: '2024-02-01T00:00:00.000Z', observedUntil: '2024-02-29T23:59:59.000Z' });
  });

  it('maps event types to kinds', () => {
    expect(acledKind('Explosions/Remote violence', 'Air/drone strike')).toEqual({ kind: 'explosion', subkind: 'impact' });
    expect(acledKind('Explosions/Remote violence', 'Remote explosive/landmine/IED', 'A civilian stepped on a landmine')).toEqual({ kind: 'mine' });
    expect(acledKind('Explosions/Remote violence', 'Remote explosive/landmine/IED', 'A car bomb went off')).toEqual({ kind: 'explosion', subkind: 'undetermined' });
    expect(acledKind('Battles', 'Armed clash')).toEqual({ kind: 'burst' });
    expect(acledKind('Strategic developments', 'Non-violent transfer of territory')).toEqual({ kind: 'movement' });
    expect(acledKind('Protests', 'Peaceful protest')).toEqual({ kind: 'other' });
  });

  it('guards spreadsheet formulas on export and restores them on import', () => {
    for (const v of ['=HYPERLINK("x")', '+1+1', '@SUM(A1)', "'=x", "''-y", 'plain', '-104.99', "'quoted"]) {
      expect(unguardCell(guardCell(v))).toBe(v);
    }
    expect(guardCell('=cmd')).toBe("'=cmd");
    expect(guardCell('-104.99')).toBe('-104.99');
  });
});

describe('ACLED export of other observations', () => {
  it('describes a monitor observation in ACLED columns and re-imports it', async () => {
    const o = ObservationInput.parse(
      observationInput({ id: 'obs-1', kind: 'burst', subkind: undefined, notes: '=danger, "quoted"\nline', observedAt: '2026-11-20T14:05:00+02:00', location: { lat: 48.1, lon: 37.7, accuracyM: 100 } }),
    );
    const values = observationToAcledValues({ ...o, receivedAt: '2026-11-20T12:06:00.000Z' });
    const byName = Object.fromEntries(ACLED_COLUMNS.map((c, i) => [c, values[i]]));
    expect(byName).toMatchObject({
      event_id_cnty: 'obs-1',
      event_date: '2026-11-20',
      year: '2026',
      event_type: 'Battles',
      sub_event_type: 'Armed clash',
      latitude: '48.1',
      longitude: '37.7',
      geo_precision: '1',
      source: 'monitor: Team D-1 (FRA)',
      fatalities: '0',
      timestamp: String(Date.parse('2026-11-20T12:06:00.000Z') / 1000),
    });
    const csv = toAcledCsv([{ ...o, receivedAt: '2026-11-20T12:06:00.000Z' }]);
    expect(csv).toContain(`"[burst] =danger, ""quoted""\nline"`);
    // A sector name that looks like a formula is guarded.
    expect(toAcledCsv([{ ...o, sector: '=1+1' }])).toContain(`,'=1+1,`);
    const { items } = await importAll(csv);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ type: 'observation', observation: { kind: 'burst', location: { lat: 48.1, lon: 37.7 } } });
    expect(items[0]!.type === 'observation' && items[0]!.observation.notes).toMatch(/^\[burst\] =danger, "quoted"\nline/);
  });
});
