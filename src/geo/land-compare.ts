import * as turf from '@turf/turf';
import type { Feature, MultiLineString, MultiPolygon, Polygon } from 'geojson';
import { geodesicAreaM2 } from './area';
import { geodesicDistanceM } from './ellipsoid';
import { polylineLengthM, type PolygonCoords } from './line-from-area';
import { LineIndex, newLineHit, type LinePart } from './line-index';
import { PolygonIndex } from './polygon-index';

/*
 * What a proposed line means on the ground, against a reference line.
 *
 * Method. Each line is made a "side": the area one party would hold (for DeepState data, the
 * occupied area). A line that comes with its area (derived from an occupied-area polygon) uses
 * that area as it is; a bare line is closed against the country's outline: its open ends are
 * extended to the outline, the outline is cut along the line (less a 5 m sliver), and the pieces
 * on the LEFT of the line's direction of travel form the side (the orientation convention of
 * line-from-area: the held area on the left). The area changing sides is the symmetric
 * difference of the two sides, split in what joins the option's side (`gainedKm2`) and what
 * leaves it (`lostKm2`), each measured on the WGS84 ellipsoid (geographiclib's PolygonArea,
 * see area.ts). Settlements change sides when point-in-area differs; distances to the new line
 * are geodesic (LineIndex, error well under a metre).
 */

export interface Settlement {
  id: string;
  name: string;
  /** Ukrainian name where the source has one. */
  nameUk?: string;
  lon: number;
  lat: number;
  /** Null when the source gives none. */
  population: number | null;
  /** ISO 3166-1 alpha-2, where the source gives it. */
  country?: string;
}

export interface LandSide {
  /** The area held on the option's side (outer rings, holes), [lon, lat]. */
  area: PolygonCoords[];
  /** The line itself: parts of [lon, lat], the area on the left of the direction of travel. */
  line: [number, number][][];
}

/** A distance band around the new line: the security zone, or a withdrawal line of a weapon class. */
export interface ZoneBand {
  id: string;
  label: string;
  distanceM: number;
}

/** A road, rail line, power or water site the user loaded. */
export interface InfrastructureFeature {
  id: string;
  name: string;
  /** e.g. road, rail, power, water. */
  kind: string;
  geometry: { type: 'LineString'; coordinates: number[][] } | { type: 'MultiLineString'; coordinates: number[][][] } | { type: 'Point'; coordinates: number[] };
}

export interface SettlementChange extends Settlement {
  /** Geodesic distance to the new line, km (one decimal). */
  distanceKm: number;
}

export interface TownDistance extends Settlement {
  /** Which side of the new line: inside its area, or outside. */
  side: 'inside' | 'outside';
  distanceKm: number;
  referenceSide: 'inside' | 'outside';
  referenceDistanceKm: number;
}

export interface ZoneSettlements {
  band: ZoneBand;
  settlements: SettlementChange[];
  people: number;
}

export interface InfrastructureHit {
  id: string;
  name: string;
  kind: string;
  /** Lines: times the new line crosses it. */
  crossings: number;
  /** Points: whether the site changes sides; lines: whether any part changes sides (crossings differ). */
  changesSide: boolean;
}

export interface LandComparison {
  referenceAreaKm2: number;
  optionAreaKm2: number;
  /** Area that joins the option's side (was outside the reference area, inside the option's). */
  gainedKm2: number;
  /** Area that leaves it. */
  lostKm2: number;
  /** gained + lost: the symmetric difference. */
  changedKm2: number;
  newLineLengthKm: number;
  settlementsGained: SettlementChange[];
  settlementsLost: SettlementChange[];
  peopleGained: number;
  peopleLost: number;
  zones: ZoneSettlements[];
  towns: TownDistance[];
  infrastructure: InfrastructureHit[];
  /** The changed areas, to draw. */
  gainedArea: MultiPolygon | null;
  lostArea: MultiPolygon | null;
}

export interface CompareInput {
  reference: LandSide;
  option: LandSide;
  settlements: readonly Settlement[];
  bands?: readonly ZoneBand[];
  infrastructure?: readonly InfrastructureFeature[];
  /** Towns above this population get their distance to the new line (default 10,000). */
  townMinPopulation?: number;
}

const km = (m: number): number => Math.round(m / 100) / 10;
const km2 = (m2: number): number => Math.round(m2 / 1e4) / 100;

function multi(area: readonly PolygonCoords[]): Feature<MultiPolygon> | null {
  const coords = area.filter((p) => p.length > 0 && p[0]!.length >= 4).map((p) => p.map((r) => r.map((c) => [c[0]!, c[1]!])));
  return coords.length ? turf.multiPolygon(coords) : null;
}

function polygonsOfFeature(f: Feature<Polygon | MultiPolygon> | null): PolygonCoords[] {
  if (!f) return [];
  return f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates;
}

function difference(a: Feature<MultiPolygon> | null, b: Feature<MultiPolygon> | null): PolygonCoords[] {
  if (!a) return [];
  if (!b) return polygonsOfFeature(a);
  return polygonsOfFeature(turf.difference(turf.featureCollection([a, b])) as Feature<Polygon | MultiPolygon> | null);
}

function lineIndexOf(line: readonly LinePart[]): LineIndex | null {
  const parts = line.filter((p) => p.length >= 2);
  // Coarse cells: queries are few (settlements near the line and towns), and a fine grid costs
  // more to build than it saves: 20 km cells build in ~65 ms against ~180 ms for 5 km on the
  // 2026-08-22 line; the distances are the same (the cell size only sets the candidates).
  return parts.length ? new LineIndex(parts, { marginM: 80_000, cellM: 20_000 }) : null;
}

/** Compares an option's side with the reference's: area, settlements, zones, towns, infrastructure. */
export function compareLand(input: CompareInput): LandComparison {
  const { reference, option } = input;
  // The symmetric difference is bounded by the edges the two areas do not share, so both are
  // clipped to the box of those edges first: the border, the coast and unchanged stretches
  // (most of the vertices) stay out of the overlay, its slowest part.
  const box = changedBox(reference.area, option.area);
  const clip = (area: readonly PolygonCoords[]) => (box ? clipToBox(area, box) : []);
  const refF = multi(clip(reference.area));
  const optF = multi(clip(option.area));
  const gained = difference(optF, refF);
  const lost = difference(refF, optF);
  const gainedKm2 = km2(geodesicAreaM2(gained));
  const lostKm2 = km2(geodesicAreaM2(lost));

  const refIn = new PolygonIndex(reference.area);
  const optIn = new PolygonIndex(option.area);
  const optLine = lineIndexOf(option.line);
  const refLine = lineIndexOf(reference.line);
  const hit = newLineHit();
  const distanceTo = (index: LineIndex | null, s: Settlement): number => (index ? index.locate(s.lon, s.lat, hit, false).distanceM : Infinity);

  const settlementsGained: SettlementChange[] = [];
  const settlementsLost: SettlementChange[] = [];
  const bands = [...(input.bands ?? [])].sort((a, b) => a.distanceM - b.distanceM);
  const maxBandM = bands.length ? bands[bands.length - 1]!.distanceM : 0;
  const zones: ZoneSettlements[] = bands.map((band) => ({ band, settlements: [], people: 0 }));
  const towns: TownDistance[] = [];
  const townMin = input.townMinPopulation ?? 10_000;
  const bbox = optLine ? lineBox(option.line, maxBandM) : null;

  for (const s of input.settlements) {
    const wasIn = refIn.contains(s.lon, s.lat);
    const isIn = optIn.contains(s.lon, s.lat);
    const isTown = (s.population ?? 0) > townMin;
    const nearLine = bbox !== null && s.lon >= bbox[0] && s.lon <= bbox[2] && s.lat >= bbox[1] && s.lat <= bbox[3];
    if (wasIn === isIn && !isTown && !nearLine) continue;
    const d = distanceTo(optLine, s);
    const change = { ...s, distanceKm: km(d) };
    if (!wasIn && isIn) settlementsGained.push(change);
    if (wasIn && !isIn) settlementsLost.push(change);
    if (nearLine && d <= maxBandM) {
      for (const z of zones)
        if (d <= z.band.distanceM) {
          z.settlements.push(change);
          z.people += s.population ?? 0;
        }
    }
    if (isTown) {
      towns.push({
        ...s,
        side: isIn ? 'inside' : 'outside',
        distanceKm: km(d),
        referenceSide: wasIn ? 'inside' : 'outside',
        referenceDistanceKm: km(distanceTo(refLine, s)),
      });
    }
  }
  const byPeople = (a: Settlement, b: Settlement) => (b.population ?? 0) - (a.population ?? 0) || a.name.localeCompare(b.name);
  settlementsGained.sort(byPeople);
  settlementsLost.sort(byPeople);
  for (const z of zones) z.settlements.sort(byPeople);
  towns.sort((a, b) => a.distanceKm - b.distanceKm);

  const infrastructure = (input.infrastructure ?? []).map((f) => infrastructureHit(f, option, refIn, optIn));
  const people = (list: readonly Settlement[]) => list.reduce((n, s) => n + (s.population ?? 0), 0);
  const asMulti = (polys: PolygonCoords[]): MultiPolygon | null =>
    polys.length ? { type: 'MultiPolygon', coordinates: polys.map((p) => p.map((r) => r.map((c) => [c[0]!, c[1]!]))) } : null;
  return {
    referenceAreaKm2: km2(geodesicAreaM2(reference.area)),
    optionAreaKm2: km2(geodesicAreaM2(option.area)),
    gainedKm2,
    lostKm2,
    changedKm2: Math.round((gainedKm2 + lostKm2) * 100) / 100,
    newLineLengthKm: km(option.line.reduce((n, p) => n + polylineLengthM(p), 0)),
    settlementsGained,
    settlementsLost,
    peopleGained: people(settlementsGained),
    peopleLost: people(settlementsLost),
    zones,
    towns,
    infrastructure,
    gainedArea: asMulti(gained),
    lostArea: asMulti(lost),
  };
}

/** The box (padded by ~1 km) of the edges one area has and the other does not; null when none differ. */
function changedBox(a: readonly PolygonCoords[], b: readonly PolygonCoords[]): [number, number, number, number] | null {
  const edges = (area: readonly PolygonCoords[]) => {
    const set = new Set<string>();
    for (const p of area)
      for (const r of p)
        for (let i = 1; i < r.length; i++) {
          const [x0, y0] = [r[i - 1]![0]!, r[i - 1]![1]!];
          const [x1, y1] = [r[i]![0]!, r[i]![1]!];
          set.add(x0 < x1 || (x0 === x1 && y0 < y1) ? `${x0},${y0},${x1},${y1}` : `${x1},${y1},${x0},${y0}`);
        }
    return set;
  };
  const ea = edges(a);
  const eb = edges(b);
  const box: [number, number, number, number] = [Infinity, Infinity, -Infinity, -Infinity];
  const grow = (key: string) => {
    const [x0, y0, x1, y1] = key.split(',').map(Number) as [number, number, number, number];
    box[0] = Math.min(box[0], x0, x1);
    box[1] = Math.min(box[1], y0, y1);
    box[2] = Math.max(box[2], x0, x1);
    box[3] = Math.max(box[3], y0, y1);
  };
  for (const k of ea) if (!eb.has(k)) grow(k);
  for (const k of eb) if (!ea.has(k)) grow(k);
  if (box[0] === Infinity) return null;
  const pad = 0.01;
  return [box[0] - pad, box[1] - pad, box[2] + pad, box[3] + pad];
}

/** Polygons clipped to a box (Sutherland–Hodgman per ring; slivers along the box edge are the same for both sides, so they cancel in the overlay). */
function clipToBox(area: readonly PolygonCoords[], box: [number, number, number, number]): PolygonCoords[] {
  const out: PolygonCoords[] = [];
  for (const p of area) {
    const clipped = turf.bboxClip(turf.polygon(p.map((r) => r.map((c) => [c[0]!, c[1]!]))), box).geometry as Polygon;
    // An outer ring clipped away takes its holes with it.
    if ((clipped.coordinates[0]?.length ?? 0) >= 4) out.push(clipped.coordinates.filter((r) => r.length >= 4));
  }
  return out;
}

/** The line's bounding box padded by `padM` (plus a little), degrees. */
function lineBox(line: readonly LinePart[], padM: number): [number, number, number, number] {
  const b: [number, number, number, number] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const p of line)
    for (const c of p) {
      b[0] = Math.min(b[0], c[0]!);
      b[1] = Math.min(b[1], c[1]!);
      b[2] = Math.max(b[2], c[0]!);
      b[3] = Math.max(b[3], c[1]!);
    }
  const dLat = (padM + 1_000) / 111_000;
  const dLon = dLat / Math.cos((Math.max(Math.abs(b[1]), Math.abs(b[3])) * Math.PI) / 180);
  return [b[0] - dLon, b[1] - dLat, b[2] + dLon, b[3] + dLat];
}

function infrastructureHit(f: InfrastructureFeature, option: LandSide, refIn: PolygonIndex, optIn: PolygonIndex): InfrastructureHit {
  const base = { id: f.id, name: f.name, kind: f.kind };
  if (f.geometry.type === 'Point') {
    const [lon, lat] = f.geometry.coordinates as [number, number];
    return { ...base, crossings: 0, changesSide: refIn.contains(lon, lat) !== optIn.contains(lon, lat) };
  }
  const lines = f.geometry.type === 'LineString' ? [f.geometry.coordinates] : f.geometry.coordinates;
  let crossings = 0;
  let changesSide = false;
  const newLine = option.line.filter((p) => p.length >= 2);
  for (const l of lines) {
    if (l.length < 2) continue;
    const feature = turf.lineString(l.map((c) => [c[0]!, c[1]!]));
    if (newLine.length) crossings += turf.lineIntersect(feature, turf.multiLineString(newLine)).features.length;
    if (!changesSide) changesSide = l.some((c) => refIn.contains(c[0]!, c[1]!) !== optIn.contains(c[0]!, c[1]!));
  }
  return { ...base, crossings, changesSide };
}

/**
 * The side of a bare line: the country's outline cut along the line, the pieces on the line's
 * left kept. Open ends within `reachM` of the outline's boundary are extended to it (and 2 km
 * beyond) so the cut is complete; a line that does not reach the boundary leaves the outline
 * uncut there, and the pieces are told apart only where it does.
 */
export function sideOfLine(line: readonly LinePart[], outline: readonly PolygonCoords[], reachM = 40_000): LandSide {
  const parts = line.filter((p) => p.length >= 2).map((p) => p.map((c) => [c[0]!, c[1]!] as [number, number]));
  if (parts.length === 0) return { area: [], line: [] };
  const boundary = turf.multiLineString(outline.flatMap((p) => p.map((r) => r.map((c) => [c[0]!, c[1]!]))));
  const inside = new PolygonIndex(outline);
  const extended = parts.map((p) => extendToBoundary(p, boundary, reachM, (c) => inside.contains(c[0], c[1])));
  const cutter = turf.buffer(turf.multiLineString(extended), 0.005, { units: 'kilometers', steps: 2 });
  const outlineF = multi(outline);
  if (!cutter || !outlineF) return { area: [], line: parts };
  const pieces = polygonsOfFeature(turf.difference(turf.featureCollection([outlineF, cutter])) as Feature<Polygon | MultiPolygon> | null);
  const index = new LineIndex(extended, { marginM: 50_000, cellM: 2_000 });
  const hit = newLineHit();
  const kept = pieces.filter((poly) => {
    const inner = turf.pointOnFeature(turf.polygon(poly.map((r) => r.map((c) => [c[0]!, c[1]!])))).geometry.coordinates;
    return index.locate(inner[0]!, inner[1]!, hit).side === 1;
  });
  return { area: kept, line: parts };
}

function extendToBoundary(part: [number, number][], boundary: Feature<MultiLineString>, reachM: number, inOutline: (c: [number, number]) => boolean): [number, number][] {
  const out = [...part];
  const reach = (end: [number, number], inner: [number, number]): [number, number] | null => {
    // An end already beyond the border or out at sea cuts the outline as it is.
    if (!inOutline(end)) return null;
    const near = turf.nearestPointOnLine(boundary, end, { units: 'meters' });
    const [lon, lat] = near.geometry.coordinates as [number, number];
    const d = geodesicDistanceM(end[0], end[1], lon, lat);
    if (d > reachM) return null;
    // Past the boundary by ~2 km, along the direction from the line's inner neighbour (or towards the boundary point).
    const from = d > 10 ? end : inner;
    const to: [number, number] = d > 10 ? [lon, lat] : end;
    const len = Math.hypot(to[0] - from[0], to[1] - from[1]) || 1;
    const step = 2_000 / 111_000 / len;
    return [to[0] + (to[0] - from[0]) * step, to[1] + (to[1] - from[1]) * step];
  };
  const closed = part.length > 3 && part[0]![0] === part[part.length - 1]![0] && part[0]![1] === part[part.length - 1]![1];
  if (closed) return out;
  const head = reach(part[0]!, part[1]!);
  const tail = reach(part[part.length - 1]!, part[part.length - 2]!);
  if (head) out.unshift(head);
  if (tail) out.push(tail);
  return out;
}
