import { v7 as uuidv7 } from 'uuid';
import type { ObservationInput, ObservationKind, Subkind } from './types';
import { parseLocal, toLocalInput } from './time-window';

/** What the new-observation form holds, as typed (strings), until it is filed. */
export interface Draft {
  /** Made with the draft, kept across retries: the API is idempotent by id. */
  id: string;
  kind: ObservationKind;
  subkind: Subkind;
  observedAt: string;
  count: string;
  weaponModel: string;
  caliberMm: string;
  notes: string;
  releasability: string;
  nation: string;
  lat: string;
  lon: string;
  /** False until the monitor changes something; an untouched draft is renewed (time = now) on open. */
  touched: boolean;
}

export const RELEASABILITIES = ['MECHANISM', 'COALITION', 'PUBLIC', 'REL TO USA, UKR'];
const NATION_KEY = 'truceline.nation';

export function newDraft(): Draft {
  return {
    // UUIDv7, as the architecture recommends; also works on plain http, where crypto.randomUUID does not.
    id: uuidv7(),
    kind: 'explosion',
    subkind: 'impact',
    observedAt: toLocalInput(new Date()),
    count: '1',
    weaponModel: '',
    caliberMm: '',
    notes: '',
    releasability: 'MECHANISM',
    nation: localStorage.getItem(NATION_KEY) ?? '',
    lat: '',
    lon: '',
    touched: false,
  };
}

/** A monitor's nation rarely changes: the next draft starts with the last one used. */
export function rememberNation(nation: string): void {
  if (nation) localStorage.setItem(NATION_KEY, nation);
  else localStorage.removeItem(NATION_KEY);
}

/** Field path (as the API names it) → message. Location errors are shown at the place field. */
export type FieldErrors = Record<string, string>;

/** The form field that shows an API error for `field` (e.g. "location.lat" → "location"). */
export function formField(field: string): string {
  return field.startsWith('location') ? 'location' : field;
}

const num = (s: string) => (s.trim() === '' ? undefined : Number(s));

/** Checks what the monitor can fix before sending; the server checks everything again. */
export function validate(d: Draft, now = new Date()): FieldErrors {
  const errors: FieldErrors = {};
  const lat = num(d.lat);
  const lon = num(d.lon);
  if (lat === undefined || lon === undefined) errors.location = 'Click the map to set the place, or type latitude and longitude';
  else if (!(lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180)) errors.location = 'Latitude must be −90…90 and longitude −180…180';
  const at = parseLocal(d.observedAt);
  if (!at) errors.observedAt = 'Enter the date and time of the observation';
  else if (at.getTime() > now.getTime() + 5 * 60_000) errors.observedAt = 'Is in the future: check the clock';
  const count = num(d.count);
  if (count === undefined || !Number.isInteger(count) || count < 1) errors.count = 'Must be a whole number, 1 or more';
  if (d.nation && !/^[A-Z]{3}$/.test(d.nation)) errors['source.nation'] = 'Three capital letters (ISO 3166 alpha-3), e.g. FIN';
  const cal = num(d.caliberMm);
  if (d.kind === 'weapon_sighting' && cal !== undefined && !(cal > 0)) errors['weapon.caliberMm'] = 'Must be a positive number of millimetres';
  return errors;
}

/** The API body for a draft that passed `validate`. */
export function toInput(d: Draft): ObservationInput {
  const weapon = d.kind === 'weapon_sighting' && (d.weaponModel.trim() || d.caliberMm.trim())
    ? { ...(d.weaponModel.trim() ? { model: d.weaponModel.trim() } : {}), ...(d.caliberMm.trim() ? { caliberMm: Number(d.caliberMm) } : {}) }
    : undefined;
  return {
    id: d.id,
    kind: d.kind,
    ...(d.kind === 'explosion' ? { subkind: d.subkind } : {}),
    observedAt: parseLocal(d.observedAt)!.toISOString(),
    location: { lat: Number(d.lat), lon: Number(d.lon) },
    count: Number(d.count),
    ...(weapon ? { weapon } : {}),
    source: { kind: 'monitor', ...(d.nation ? { nation: d.nation } : {}) },
    ...(d.notes.trim() ? { notes: d.notes.trim() } : {}),
    releasability: d.releasability,
  };
}
