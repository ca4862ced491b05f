/**
 * ACLED's export columns and the field-level conversions shared by the importer and exporter:
 * dates in ACLED's several formats, event types to observation kinds, precision codes.
 */
import type { ObservationKind } from '../../domain/observation';

/** The columns of a standard ACLED export (Data Export Tool, as in ../shared/data/events/acled), in that order. */
export const ACLED_COLUMNS = [
  'id',
  'iso',
  'event_id_cnty',
  'event_date',
  'year',
  'time_precision',
  'event_type',
  'sub_event_type',
  'actor1',
  'assoc_actor_1',
  'inter1',
  'actor2',
  'assoc_actor_2',
  'inter2',
  'interaction',
  'region',
  'country',
  'admin1',
  'admin2',
  'admin3',
  'location',
  'latitude',
  'longitude',
  'source_scale',
  'notes',
  'fatalities',
  'timestamp',
  'geo_precision',
  'source',
  'civilian_targeting',
  'disorder_type',
  'tags',
  'actor_dyad',
] as const;
export type AcledColumn = (typeof ACLED_COLUMNS)[number];

/** Columns a row cannot be imported without. */
export const ACLED_REQUIRED_COLUMNS = ['event_id_cnty', 'event_date', 'latitude', 'longitude', 'timestamp'] as const;

// ---------------------------------------------------------------------------------------------
// Dates

const MONTHS: Record<string, number> = {
  jan: 1,
  january: 1,
  feb: 2,
  february: 2,
  mar: 3,
  march: 3,
  apr: 4,
  april: 4,
  may: 5,
  jun: 6,
  june: 6,
  jul: 7,
  july: 7,
  aug: 8,
  august: 8,
  sep: 9,
  sept: 9,
  september: 9,
  oct: 10,
  october: 10,
  nov: 11,
  november: 11,
  dec: 12,
  december: 12,
};

function isRealDate(y: number, m: number, d: number): boolean {
  if (!(y >= 1900 && y <= 2200 && m >= 1 && m <= 12 && d >= 1 && d <= 31)) return false;
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}
function iso(y: number, m: number, d: number): string {
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}
function fullYear(y: string): number {
  const n = Number(y);
  if (y.length === 4) return n;
  return n < 70 ? 2000 + n : 1900 + n;
}

/** "On 14 August 2020, ..." at the start of ACLED notes: used to settle 03/04/2020 (3 April or 4 March?). */
const NOTES_DATE = /\bOn (?:or (?:around|about) )?(\d{1,2}) ([A-Z][a-z]+) (\d{4})\b/;

export interface AcledDateHint {
  /** ACLED notes (their first sentence usually restates the date). */
  notes?: string;
  /** The `year` column. */
  year?: string;
  /** Order for ambiguous slash dates with no hint in the notes (default `dmy`: ACLED Excel exports are day-first). */
  order?: 'dmy' | 'mdy';
}

const TIME_SUFFIX = String.raw`(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?: ?[AaPp][Mm])?(?:Z|[+-]\d{2}:?\d{2})?)?`;
const RE_ISO = new RegExp(String.raw`^(\d{4})-(\d{1,2})-(\d{1,2})${TIME_SUFFIX}$`);
const RE_NUMERIC = new RegExp(String.raw`^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})${TIME_SUFFIX}$`);
const RE_DAY_MONTH = new RegExp(String.raw`^(\d{1,2})[ -]([A-Za-z]+)\.?[-, ]*(\d{4}|\d{2})${TIME_SUFFIX}$`);
const RE_MONTH_DAY = new RegExp(String.raw`^([A-Za-z]+)\.? (\d{1,2}),? (\d{4})${TIME_SUFFIX}$`);
const RE_SERIAL = /^\d{5}(?:\.\d+)?$/;

/**
 * An ACLED `event_date` as `YYYY-MM-DD`. Accepts the API's ISO `2024-02-16`, Excel-style
 * `16/02/2024 00:00:00` (also with `-` or `.`; day-first unless the notes or `order` say
 * otherwise), `16 February 2024` / `16-Feb-24`, `February 16, 2024`, and Excel serial numbers.
 */
export function parseAcledDate(value: string, hint: AcledDateHint = {}): { date: string } | { error: string } {
  const v = value.trim();
  if (v === '') return { error: 'event_date is empty' };
  let m = RE_ISO.exec(v);
  if (m) {
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    return isRealDate(y, mo, d) ? { date: iso(y, mo, d) } : { error: `event_date "${v}" is not a calendar date` };
  }
  m = RE_NUMERIC.exec(v);
  if (m) {
    const a = Number(m[1]);
    const b = Number(m[2]);
    const y = fullYear(m[3]!);
    const dmy = isRealDate(y, b, a);
    const mdy = isRealDate(y, a, b);
    if (dmy && mdy && a !== b) {
      // Ambiguous: ask the notes, then the configured order.
      const n = hint.notes ? NOTES_DATE.exec(hint.notes) : null;
      const nMonth = n ? MONTHS[n[2]!.toLowerCase()] : undefined;
      if (n && nMonth && Number(n[3]) === y) {
        if (Number(n[1]) === a && nMonth === b) return { date: iso(y, b, a) };
        if (Number(n[1]) === b && nMonth === a) return { date: iso(y, a, b) };
      }
      return hint.order === 'mdy' ? { date: iso(y, a, b) } : { date: iso(y, b, a) };
    }
    if (dmy) return { date: iso(y, b, a) };
    if (mdy) return { date: iso(y, a, b) };
    return { error: `event_date "${v}" is not a calendar date` };
  }
  m = RE_DAY_MONTH.exec(v);
  if (m) {
    const mo = MONTHS[m[2]!.toLowerCase()];
    const y = fullYear(m[3]!);
    const d = Number(m[1]);
    if (mo && isRealDate(y, mo, d)) return { date: iso(y, mo, d) };
    return { error: `event_date "${v}" is not a calendar date` };
  }
  m = RE_MONTH_DAY.exec(v);
  if (m) {
    const mo = MONTHS[m[1]!.toLowerCase()];
    const y = Number(m[3]);
    const d = Number(m[2]);
    if (mo && isRealDate(y, mo, d)) return { date: iso(y, mo, d) };
    return { error: `event_date "${v}" is not a calendar date` };
  }
  if (RE_SERIAL.test(v)) {
    const serial = Math.floor(Number(v));
    if (serial >= 1 && serial < 110_000) {
      const t = new Date(Date.UTC(1899, 11, 30) + serial * 86_400_000);
      return { date: iso(t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate()) };
    }
  }
  return { error: `event_date "${v.slice(0, 40)}" is in no known date format` };
}

/**
 * The interval an ACLED date stands for, by `time_precision`: 1 the day itself; 2 "sometime in
 * a week or similar period" (the date ± 3 days); 3 only the month is known (ACLED puts the date
 * mid-month): the whole month. Instants are UTC.
 */
export function acledInterval(date: string, timePrecision: number): { observedAt: string; observedUntil: string } {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const DAY = 86_400_000;
  if (timePrecision === 3) {
    const from = Date.UTC(y, m - 1, 1);
    const to = Date.UTC(y, m, 1) - 1000;
    return { observedAt: new Date(from).toISOString(), observedUntil: new Date(to).toISOString() };
  }
  const day = Date.UTC(y, m - 1, d);
  const spread = timePrecision === 2 ? 3 : 0;
  return { observedAt: new Date(day - spread * DAY).toISOString(), observedUntil: new Date(day + (spread + 1) * DAY - 1000).toISOString() };
}

/**
 * Estimated horizontal accuracy for `geo_precision` (ACLED: 1 a town with coordinates; 2 part of
 * a region or near a town; 3 a larger region / natural feature / provincial capital). The metres
 * are our estimates, not ACLED's.
 */
export const GEO_PRECISION_ACCURACY_M: Record<number, number> = { 1: 2_000, 2: 15_000, 3: 50_000 };

export function geoPrecisionForAccuracy(accuracyM: number | undefined): string {
  if (accuracyM === undefined) return '';
  if (accuracyM <= GEO_PRECISION_ACCURACY_M[1]!) return '1';
  if (accuracyM <= GEO_PRECISION_ACCURACY_M[2]!) return '2';
  return '3';
}

// ---------------------------------------------------------------------------------------------
// Kinds

const MINE_WORDS = /\b(?:land ?mines?|mines?|minefields?|anti-(?:tank|personnel)|uxo|unexploded|explosive remnants?|tripwires?|booby[- ]trap\w*)\b/i;

/**
 * Observation kind for an ACLED event/sub-event type:
 * - Shelling/artillery/missile attack → explosion (impact)
 * - Air/drone strike → explosion (impact): ACLED codes where the strike landed; `flight` would
 *   drop it from the daily count of fire, and the aircraft itself is rarely what was observed
 * - Grenade, Suicide bomb → explosion (impact)
 * - Remote explosive/landmine/IED → mine when the notes speak of mines or unexploded ordnance,
 *   else explosion (undetermined: an IED or remote detonation)
 * - Armed clash → burst
 * - Government regains territory, Non-state actor overtakes territory, Non-violent transfer of
 *   territory → movement
 * - Looting/property destruction → damage
 * - anything else (Chemical weapon, Disrupted weapons use, protests, riots, violence against
 *   civilians, other strategic developments) → other; the event and sub-event type stay in notes.
 */
export function acledKind(eventType: string, subEventType: string, notes = ''): { kind: ObservationKind; subkind?: 'impact' | 'undetermined' } {
  const sub = subEventType.trim().toLowerCase();
  switch (sub) {
    case 'shelling/artillery/missile attack':
    case 'air/drone strike':
    case 'grenade':
    case 'suicide bomb':
      return { kind: 'explosion', subkind: 'impact' };
    case 'remote explosive/landmine/ied':
      return MINE_WORDS.test(notes) ? { kind: 'mine' } : { kind: 'explosion', subkind: 'undetermined' };
    case 'armed clash':
      return { kind: 'burst' };
    case 'government regains territory':
    case 'non-state actor overtakes territory':
    case 'non-violent transfer of territory':
      return { kind: 'movement' };
    case 'looting/property destruction':
      return { kind: 'damage' };
    default:
      break;
  }
  void eventType;
  return { kind: 'other' };
}

/** ACLED event/sub-event type and disorder type for an observation kind (export of non-ACLED observations). */
export function acledTypesForKind(kind: ObservationKind): { disorder_type: string; event_type: string; sub_event_type: string } {
  switch (kind) {
    case 'explosion':
      return { disorder_type: 'Political violence', event_type: 'Explosions/Remote violence', sub_event_type: 'Shelling/artillery/missile attack' };
    case 'mine':
      return { disorder_type: 'Political violence', event_type: 'Explosions/Remote violence', sub_event_type: 'Remote explosive/landmine/IED' };
    case 'burst':
    case 'shot':
    case 'muzzle_flash':
      return { disorder_type: 'Political violence', event_type: 'Battles', sub_event_type: 'Armed clash' };
    case 'damage':
      return { disorder_type: 'Strategic developments', event_type: 'Strategic developments', sub_event_type: 'Looting/property destruction' };
    default:
      return { disorder_type: 'Strategic developments', event_type: 'Strategic developments', sub_event_type: 'Other' };
  }
}

// ---------------------------------------------------------------------------------------------
// Spreadsheet formula guard

const FORMULA_START = /^'*[=+\-@\t\r]/;
const GUARDED = /^'+[=+\-@\t\r]/;
const NUMERIC = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/**
 * A text cell starting with = + - @ would run as a formula when an analyst opens the export in a
 * spreadsheet; it is written with a leading `'` (not for numbers such as a negative longitude).
 * `unguardCell` undoes it on import, so export → import gives back the same text.
 */
export function guardCell(v: string): string {
  return FORMULA_START.test(v) && !NUMERIC.test(v) ? `'${v}` : v;
}
export function unguardCell(v: string): string {
  return GUARDED.test(v) ? v.slice(1) : v;
}
