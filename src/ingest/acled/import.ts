/**
 * ACLED CSV → observations (source kind `osint`), streaming, one item per data row: either an
 * observation or a quarantine record `{row, reason, raw}`. Every data row yields exactly one
 * item, so received rows = observations + quarantined (blank lines are not rows).
 *
 * Ids and versions: `acled:<event_id_cnty>:<timestamp>`. ACLED's `timestamp` is the time the row
 * was last changed, so a re-import of an unchanged event maps to the same id (nothing new), and a
 * changed event to a new id that supersedes the old version (append-only; the old one stays
 * readable). Each item says what to do (`action`) given the versions already stored (the caller
 * passes `knownTimestamp`) and those earlier in the same file, and names the version it
 * `supersedes`.
 *
 * Fatalities are kept in the notes summary and as `fatalities` on the item, not as separate
 * `casualty` observations: ACLED's counts are estimates, often split across events ("[4
 * fatalities split across 22 events]"), and a second observation per row would break the
 * one-row-one-record accounting.
 *
 * Notes hold the ACLED narrative, a one-line summary (type, actors, place, fatalities,
 * precision, source) and, last, a machine line `[acled:v1]{...}` with every column of the row as
 * read, so the exporter can write the row back exactly (see export.ts).
 */
import type { ObservationInput } from '../../domain/observation';
import { CsvReader, type CsvItem } from './csv';
import { ACLED_REQUIRED_COLUMNS, GEO_PRECISION_ACCURACY_M, acledInterval, acledKind, parseAcledDate, unguardCell } from './columns';

export const ACLED_TRAILER = '[acled:v1]';
const NOTES_MAX = 10_000;

export interface AcledImportOptions {
  /** Label for the observations (default `COALITION`: imported third-party data). */
  releasability?: string;
  /** Latest `timestamp` already stored for an ACLED event id (from the store), if any. */
  knownTimestamp?: (eventId: string) => number | undefined;
  /** Order of ambiguous slash dates that the notes do not settle (default `dmy`). */
  dateOrder?: 'dmy' | 'mdy';
  /** Longest row in characters (default 1 MiB). */
  maxRecordChars?: number;
}

export interface AcledObservationItem {
  type: 'observation';
  /** 1-based data row (the header is row 0). */
  row: number;
  /** 1-based line in the file where the row starts. */
  line: number;
  observation: ObservationInput;
  acledEventId: string;
  /** ACLED's `timestamp` (Unix seconds) of this version. */
  acledTimestamp: number;
  /**
   * `insert`: first version of this event; `supersede`: newer than the latest known version
   * (store it, marking `supersedes`); `unchanged`: same timestamp as a known version (store
   * nothing new); `older`: older than a known version (may be stored as history; supersedes nothing).
   */
  action: 'insert' | 'supersede' | 'unchanged' | 'older';
  /** Id of the version this one supersedes (`supersede` only). */
  supersedes?: string;
  fatalities: number;
  raw: string;
}

export interface AcledQuarantineItem {
  type: 'quarantine';
  row: number;
  line: number;
  reason: string;
  raw: string;
}

export type AcledItem = AcledObservationItem | AcledQuarantineItem;

export interface AcledImportStats {
  /** Data rows received (header and blank lines excluded). */
  rows: number;
  observations: number;
  quarantined: number;
}

export function acledObservationId(eventId: string, timestamp: number): string {
  return `acled:${eventId}:${timestamp}`;
}

const EVENT_ID = /^[\x21-\x7e]{1,100}$/;

function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/** Streaming importer: push chunks (Buffers or strings), get items; call `end()` at the end. */
export class AcledImporter {
  readonly stats: AcledImportStats = { rows: 0, observations: 0, quarantined: 0 };
  private readonly csv: CsvReader;
  private header: string[] | undefined;
  private headerError: string | undefined;
  private index: Map<string, number> = new Map();
  private readonly seen = new Map<string, number>();

  constructor(private readonly opts: AcledImportOptions = {}) {
    this.csv = new CsvReader({ maxRecordChars: opts.maxRecordChars ?? 1024 * 1024 });
  }

  push(chunk: Buffer | string): AcledItem[] {
    return this.handle(this.csv.push(chunk));
  }

  end(): AcledItem[] {
    return this.handle(this.csv.end());
  }

  /** The header line as received (to store a row on its own as a CSV that parses again). */
  headerRaw: string | undefined;

  /** Column names as read from the header (after `end()` or the first row). */
  get columns(): readonly string[] | undefined {
    return this.header;
  }

  private handle(items: CsvItem[]): AcledItem[] {
    const out: AcledItem[] = [];
    for (const it of items) {
      if (this.header === undefined && this.headerError === undefined) {
        if (it.type === 'error') {
          this.headerError = `the header line is malformed (${it.error.reason})`;
          this.headerRaw = it.error.raw;
          continue;
        }
        this.headerRaw = it.record.raw;
        this.setHeader(it.record.fields);
        continue;
      }
      const row = ++this.stats.rows;
      let item: AcledItem;
      if (it.type === 'error') item = { type: 'quarantine', row, line: it.error.line, reason: `malformed CSV: ${it.error.reason}`, raw: it.error.raw };
      else if (this.headerError) item = { type: 'quarantine', row, line: it.record.line, reason: this.headerError, raw: it.record.raw };
      else item = this.mapRow(row, it.record.line, it.record.fields, it.record.raw);
      if (item.type === 'observation') this.stats.observations++;
      else this.stats.quarantined++;
      out.push(item);
    }
    return out;
  }

  private setHeader(fields: string[]): void {
    this.header = fields.map((f) => f.trim().toLowerCase());
    this.index = new Map();
    this.header.forEach((name, i) => {
      if (!this.index.has(name)) this.index.set(name, i);
    });
    const missing = ACLED_REQUIRED_COLUMNS.filter((c) => !this.index.has(c));
    if (missing.length) this.headerError = `the header lacks column(s) ${missing.join(', ')}`;
  }

  private mapRow(row: number, line: number, fields: string[], raw: string): AcledItem {
    const header = this.header!;
    const q = (reason: string): AcledQuarantineItem => ({ type: 'quarantine', row, line, reason, raw });
    if (fields.length !== header.length) return q(`row has ${fields.length} fields, the header ${header.length}`);
    const values = fields.map(unguardCell);
    const get = (name: string): string => {
      const i = this.index.get(name);
      return i === undefined ? '' : values[i]!.trim();
    };

    const eventId = get('event_id_cnty');
    if (!EVENT_ID.test(eventId)) return q(eventId ? `event_id_cnty "${eventId.slice(0, 40)}" is not 1-100 printable ASCII characters` : 'event_id_cnty is empty');
    const tsText = get('timestamp');
    if (!/^\d{1,12}$/.test(tsText)) return q(`timestamp "${tsText.slice(0, 20)}" is not Unix seconds`);
    const timestamp = Number(tsText);

    const notesText = get('notes');
    const date = parseAcledDate(get('event_date'), { notes: notesText, year: get('year'), order: this.opts.dateOrder });
    if ('error' in date) return q(date.error);
    const year = get('year');
    if (year !== '' && year !== date.date.slice(0, 4)) return q(`event_date ${date.date} is not in year ${year.slice(0, 10)}`);

    const latText = get('latitude');
    const lonText = get('longitude');
    const lat = latText === '' ? NaN : Number(latText);
    const lon = lonText === '' ? NaN : Number(lonText);
    if (!Number.isFinite(lat) || lat < -90 || lat > 90) return q(`latitude "${latText.slice(0, 30)}" is not a WGS84 latitude`);
    if (!Number.isFinite(lon) || lon < -180 || lon > 180) return q(`longitude "${lonText.slice(0, 30)}" is not a WGS84 longitude`);

    const tpText = get('time_precision');
    const timePrecision = tpText === '' ? 1 : Number(tpText);
    if (timePrecision !== 1 && timePrecision !== 2 && timePrecision !== 3) return q(`time_precision "${tpText.slice(0, 10)}" is not 1, 2 or 3`);
    const gpText = get('geo_precision');
    const geoPrecision = gpText === '' ? undefined : Number(gpText);
    if (geoPrecision !== undefined && geoPrecision !== 1 && geoPrecision !== 2 && geoPrecision !== 3) return q(`geo_precision "${gpText.slice(0, 10)}" is not 1, 2 or 3`);
    const fatText = get('fatalities');
    const fatalities = fatText === '' ? 0 : Number(fatText);
    if (!Number.isInteger(fatalities) || fatalities < 0) return q(`fatalities "${fatText.slice(0, 10)}" is not a count`);

    const eventType = get('event_type');
    const subEventType = get('sub_event_type');
    const { kind, subkind } = acledKind(eventType, subEventType, notesText);
    const { observedAt, observedUntil } = acledInterval(date.date, timePrecision);

    // Notes: narrative, summary, then every column as read (for an exact export).
    const actor1 = get('actor1');
    const actor2 = get('actor2');
    const place = [get('location'), get('admin2'), get('admin1'), get('country')].filter(Boolean).join(', ');
    const source = get('source');
    const summary =
      `ACLED ${eventId}: ${eventType || '?'} / ${subEventType || '?'}` +
      `${actor1 ? `; ${actor1}${actor2 ? ` vs ${actor2}` : ''}` : ''}` +
      `; fatalities ${fatalities}${place ? `; ${place}` : ''}` +
      `; date ${date.date} (precision ${timePrecision})${geoPrecision ? `, geo precision ${geoPrecision}` : ''}` +
      `${source ? `; source: ${source}` : ''}`;
    const columns: Record<string, string> = Object.create(null) as Record<string, string>;
    header.forEach((name, i) => {
      if (name !== '' && !Object.hasOwn(columns, name)) columns[name] = values[i]!;
    });
    const trailer = `${ACLED_TRAILER}${JSON.stringify(columns)}`;
    let notes = `${notesText ? `${notesText}\n` : ''}${summary}\n${trailer}`;
    if (notes.length > NOTES_MAX) notes = `${clip(summary, 2000)}\n${trailer}`;
    if (notes.length > NOTES_MAX) notes = clip(`${notesText}\n${summary}`, NOTES_MAX); // no exact export for such a row

    const location: ObservationInput['location'] = { lat, lon };
    if (geoPrecision !== undefined) location.accuracyM = GEO_PRECISION_ACCURACY_M[geoPrecision]!;
    const observation: ObservationInput = {
      id: acledObservationId(eventId, timestamp),
      kind,
      observedAt,
      observedUntil,
      location,
      count: 1,
      source: { kind: 'osint', reporter: clip(source ? `ACLED: ${source}` : 'ACLED', 200) },
      notes,
      releasability: this.opts.releasability ?? 'COALITION',
    };
    if (subkind) observation.subkind = subkind;

    // Versions: against the store and earlier rows of this file.
    const known = this.opts.knownTimestamp?.(eventId);
    const earlier = this.seen.get(eventId);
    const prev = known === undefined ? earlier : earlier === undefined ? known : Math.max(known, earlier);
    let action: AcledObservationItem['action'] = 'insert';
    let supersedes: string | undefined;
    if (prev !== undefined) {
      if (timestamp > prev) {
        action = 'supersede';
        supersedes = acledObservationId(eventId, prev);
      } else action = timestamp === prev ? 'unchanged' : 'older';
    }
    this.seen.set(eventId, prev === undefined ? timestamp : Math.max(prev, timestamp));

    const item: AcledObservationItem = { type: 'observation', row, line, observation, acledEventId: eventId, acledTimestamp: timestamp, action, fatalities, raw };
    if (supersedes) item.supersedes = supersedes;
    return item;
  }
}

/**
 * Imports an ACLED CSV from any (async) iterable of chunks, e.g. `fs.createReadStream(path)` or
 * a request body; yields one item per data row. `importer.stats` holds the counts at the end.
 */
export async function* importAcled(source: AsyncIterable<Buffer | string> | Iterable<Buffer | string>, opts: AcledImportOptions = {}, importer = new AcledImporter(opts)): AsyncGenerator<AcledItem> {
  for await (const chunk of source) yield* importer.push(chunk);
  yield* importer.end();
}

/** The machine line of an ACLED-origin observation's notes: the columns as imported, or undefined. */
export function acledColumnsFromNotes(notes: string | undefined): Record<string, string> | undefined {
  if (!notes) return undefined;
  const at = notes.lastIndexOf(`\n${ACLED_TRAILER}`);
  const start = at >= 0 ? at + 1 : notes.startsWith(ACLED_TRAILER) ? 0 : -1;
  if (start < 0) return undefined;
  try {
    const parsed: unknown = JSON.parse(notes.slice(start + ACLED_TRAILER.length));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
    const out: Record<string, string> = Object.create(null) as Record<string, string>;
    for (const [k, v] of Object.entries(parsed)) if (typeof v === 'string') out[k] = v;
    return out;
  } catch {
    return undefined;
  }
}
