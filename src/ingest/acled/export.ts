/**
 * Observations → ACLED CSV (the columns of ACLED_COLUMNS, in that order, with a header row).
 *
 * - An ACLED-origin observation (id `acled:...` with the `[acled:v1]` line in its notes) is
 *   written back with exactly the values it was imported with, so import → export → import is
 *   lossless and gives the same ids.
 * - Any other observation is described in ACLED's terms: event/sub-event type from its kind,
 *   `event_date` as ISO `YYYY-MM-DD` (the API's format), `geo_precision` from its accuracy,
 *   `source` from its source, `fatalities` 0 (an observation does not count deaths),
 *   `timestamp` = when it was received (or observed), `event_id_cnty` = its id.
 * Text cells that a spreadsheet would run as a formula are written with a leading `'`
 * (see guardCell); the importer removes it.
 */
import { createHash } from 'node:crypto';
import type { ObservationInput } from '../../domain/observation';
import { ACLED_COLUMNS, acledTypesForKind, geoPrecisionForAccuracy, guardCell, type AcledColumn } from './columns';
import { acledColumnsFromNotes, ACLED_TRAILER } from './import';

export type ExportableObservation = ObservationInput & { sector?: string | null; receivedAt?: string };

/** One CSV cell: quoted when it holds a delimiter, quote, line break or edge whitespace. */
export function csvCell(v: string): string {
  const g = guardCell(v);
  return /[",\r\n]|^\s|\s$/.test(g) ? `"${g.replace(/"/g, '""')}"` : g;
}

export function csvLine(values: readonly string[]): string {
  return values.map(csvCell).join(',');
}

function label(kind: string): string {
  return kind.replace(/_/g, ' ');
}

/** The ACLED column values for one observation, in ACLED_COLUMNS order. */
export function observationToAcledValues(o: ExportableObservation): string[] {
  const imported = o.id.startsWith('acled:') ? acledColumnsFromNotes(o.notes) : undefined;
  if (imported) return ACLED_COLUMNS.map((c) => imported[c] ?? '');

  const v: Partial<Record<AcledColumn, string>> = {};
  const observedAt = new Date(o.observedAt);
  const date = observedAt.toISOString().slice(0, 10);
  const types = acledTypesForKind(o.kind);
  const source = o.source ?? { kind: 'monitor' as const };
  const eventId = /^[\x21-\x7e]{1,100}$/.test(o.id) ? o.id : `sha256-${createHash('sha256').update(o.id).digest('hex').slice(0, 40)}`;
  const stamp = Date.parse(o.receivedAt ?? o.observedAt);
  let notes = o.notes ?? '';
  // Keep a stray trailer from being taken for imported columns on re-import.
  notes = notes.split(`\n${ACLED_TRAILER}`).join(`\n${ACLED_TRAILER.replace('[', '(').replace(']', ')')}`);
  const head = `[${label(o.kind)}${o.subkind ? `/${o.subkind}` : ''}${(o.count ?? 1) > 1 ? ` x${o.count}` : ''}]`;
  v.event_id_cnty = eventId;
  v.event_date = date;
  v.year = date.slice(0, 4);
  v.time_precision = '1';
  v.disorder_type = types.disorder_type;
  v.event_type = types.event_type;
  v.sub_event_type = types.sub_event_type;
  v.location = o.sector ?? '';
  v.latitude = String(o.location.lat);
  v.longitude = String(o.location.lon);
  v.geo_precision = geoPrecisionForAccuracy(o.location.accuracyM);
  v.source = `${source.kind}${source.reporter ? `: ${source.reporter}` : ''}${source.nation ? ` (${source.nation})` : ''}`;
  v.notes = notes ? `${head} ${notes}` : head;
  v.fatalities = '0';
  v.timestamp = String(Math.floor((Number.isFinite(stamp) ? stamp : Date.now()) / 1000));
  return ACLED_COLUMNS.map((c) => v[c] ?? '');
}

/** Streams an ACLED CSV: the header line, then one line per observation (each ends with `\n`). */
export function* observationsToAcledCsv(observations: Iterable<ExportableObservation>): Generator<string> {
  yield `${ACLED_COLUMNS.join(',')}\n`;
  for (const o of observations) yield `${csvLine(observationToAcledValues(o))}\n`;
}

/** The whole CSV as one string (small exports, tests). */
export function toAcledCsv(observations: Iterable<ExportableObservation>): string {
  let out = '';
  for (const line of observationsToAcledCsv(observations)) out += line;
  return out;
}
