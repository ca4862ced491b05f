import { oblastNear } from '../agreement/oblasts';
import { bundledGazetteer } from '../geo/gazetteer';

/**
 * "Donetsk Oblast (Донецька область)": English, with the Ukrainian beside it where it differs;
 * "near Kherson Oblast (…)" for a point within 10 km of one but in none (the Dnipro estuary, the
 * coast, or across the border: the report does not claim which).
 */
export function oblastName(lon: number, lat: number): string | null {
  const near = oblastNear(lon, lat);
  if (!near) return null;
  const o = near.oblast;
  const name = o.nameUk && o.nameUk !== o.nameEn ? `${o.nameEn} (${o.nameUk})` : o.nameEn;
  return near.inside ? name : `near ${name}`;
}

/**
 * "12 km W of Kupiansk (Куп'янськ)", "in Avdiivka (Авдіївка)": the nearest settlement of at least
 * 1,000 people within 60 km, in English with the Ukrainian beside it where the gazetteer has it.
 */
export function placeName(lon: number, lat: number): string | null {
  return bundledGazetteer().nearest(lon, lat, { minPopulation: 1000, maxKm: 60 })?.text ?? null;
}

/** Both, as a report says where something was: "12 km W of Kupiansk (Куп'янськ), Kharkiv Oblast (Харківська область)". */
export function whereText(lon: number, lat: number): string | null {
  const parts = [placeName(lon, lat), oblastName(lon, lat)].filter((p): p is string => p !== null);
  return parts.length ? parts.join(', ') : null;
}
