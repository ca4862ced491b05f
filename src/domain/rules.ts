import { GEOD, GEODESIC_CAPS } from '../geo/ellipsoid';
import { GaussSphere } from '../geo/gauss-sphere';
import type { PolygonCoords } from '../geo/line-from-area';
import { LineIndex, newLineHit, type LineHit, type LineIndexOptions } from '../geo/line-index';
import { PolygonIndex } from '../geo/polygon-index';
import { perSide, versionInForce, type AgreementVersion, type ParsedAgreement, type PolygonGeometry, type ReferenceLine } from './agreement';
import { FIRE_KINDS } from './observation';
import { classifyWeapon, type WeaponClass, type WeaponClassification } from './weapons';

/*
 * The rules engine: judges one observation against the agreement version in force when it was
 * observed. Pure and deterministic: the same observation, version and index give the same
 * judgement, with zones and breaches in the order of the agreement's provisions.
 */

/** What the engine needs of an observation (an ObservationData or a stored Observation both fit). */
export interface ObservationLike {
  kind: string;
  subkind?: string;
  observedAt: string;
  location: { lat: number; lon: number };
  weapon?: { model?: string; caliberMm?: number; count?: number };
}

export const BREACH_KINDS = ['withdrawal', 'weapon_outside_storage', 'fire_in_security_zone', 'impact_at_protected_site', 'flight_in_no_fly_area'] as const;
export type BreachKind = (typeof BREACH_KINDS)[number];

export interface Breach {
  /** Id (code) of the provision breached. */
  provision: string;
  kind: BreachKind;
  /** Geodesic distance from the line (withdrawal, security zone) or from the site centre, metres. */
  distanceM?: number;
  /** Withdrawal distance required of this side for this class, metres. */
  requiredM?: number;
  /** Width of the security zone on this side, metres. */
  halfWidthM?: number;
  /** Radius of the protected site, metres. */
  radiusM?: number;
  weaponClass?: WeaponClass;
  /** Number of weapons seen. */
  count?: number;
  /** Party on whose side of the line the observation lies. */
  side?: string;
  /** Reference line the distance is measured from. */
  line?: string;
}

export interface Judgement {
  agreementId: string;
  version: number;
  /** Party id on whose side of the contact line the observation lies (null if the sides are unknown). */
  side: string | null;
  /** Geodesic distance to the contact line, metres (error < 1 m; exact near every threshold). */
  distanceToLineM: number;
  /** Ids of the zone-like provisions the point falls in (security zone, withdrawal buffers of its side, sites, areas). */
  zones: string[];
  breaches: Breach[];
  /** The weapon's classification, for sightings that carry a weapon. */
  weapon?: WeaponClassification;
}

/** The geometric part of a judgement, written into a reusable object by `judgePoint`. */
export interface PointJudgement {
  /** Index into version.parties of the side, or −1. */
  side: number;
  /** Distance to the contact line, metres. */
  distanceM: number;
  /** Per reference line (version.provisions.lines order): distance in metres, or NaN if not needed. */
  lineDistanceM: Float64Array;
  /** Bit set over zones (AgreementGeoIndex.zoneIds order): bit k of word k>>5 set when the point is in zone k. See inZone(). */
  zoneBits: Uint32Array;
  /** Per protected site: distance in metres to its centre, or NaN when far outside. */
  siteDistanceM: Float64Array;
  /** True when some distance was recomputed exactly (a threshold lay within the fast error bound). */
  exact: boolean;
}

/** True when the point judgement has zone k (AgreementGeoIndex.zoneIds order). */
export function inZone(pj: PointJudgement, k: number): boolean {
  return k >= 0 && ((pj.zoneBits[k >> 5]! >>> (k & 31)) & 1) === 1;
}

type ZoneKind = 'security' | 'withdrawal' | 'site' | 'no_fly' | 'storage';

interface LineEntry {
  line: ReferenceLine;
  index: LineIndex;
  area: PolygonIndex | null;
}

interface SideLine {
  line: number;
  thresholds: Float64Array;
  /** The largest threshold (−Infinity if none): farther points need no check. */
  maxT: number;
}

/** Withdrawal or security-zone zone: per side, the line and the width (NaN: no zone for that side). */
interface LineZone {
  zone: number;
  lineBySide: Int32Array;
  widthBySide: Float64Array;
  strict: boolean;
}

const polys = (g: PolygonGeometry): PolygonCoords[] => (g.type === 'Polygon' ? [g.coordinates] : g.coordinates);

/**
 * Everything geometric about one agreement version, precomputed: a LineIndex per reference line,
 * a PolygonIndex for each area, no-fly area and storage outline, and the zones in a fixed order.
 * Build once per version (tens to hundreds of milliseconds for a real line) and reuse.
 */
export class AgreementGeoIndex {
  readonly version: AgreementVersion;
  /** Zone ids in the order of PointJudgement.zones. */
  readonly zoneIds: readonly string[];
  readonly zoneKinds: readonly ZoneKind[];
  private readonly lines: LineEntry[];
  private readonly contact: number;
  private readonly sideOfInside: number;
  private readonly sideOfOutside: number;
  private readonly sideOfLeft: number;
  private readonly sideOfRight: number;
  private readonly sideLines: SideLine[][];
  private readonly lineZones: LineZone[];
  private readonly partyCount: number;
  /** lineZones flattened for the hot loop: zone index, strictness, and per (zone, side) line and width. */
  private readonly lzZone: Int32Array;
  private readonly lzStrict: Uint8Array;
  private readonly lzLine: Int32Array;
  private readonly lzWidth: Float64Array;
  private readonly sites: { zone: number; lon: number; lat: number; radiusM: number; dLat: number; dLon: number; u: Float64Array }[];
  private readonly areas: { zone: number; index: PolygonIndex }[];
  private readonly circles: { zone: number; lon: number; lat: number; radiusM: number; dLat: number; dLon: number; u: Float64Array }[];
  private readonly sphere: GaussSphere;
  private readonly hit: LineHit = newLineHit();
  private readonly pu = new Float64Array(3);
  private readonly partyIndex: Map<string, number>;

  constructor(version: AgreementVersion, lineOptions: LineIndexOptions = {}) {
    this.version = version;
    const p = version.provisions;
    const parties = version.parties;
    this.partyIndex = new Map(parties.map((x, i) => [x.id, i]));
    const pi = (id: string | undefined): number => (id === undefined ? -1 : (this.partyIndex.get(id) ?? -1));
    this.lines = p.lines.map((line) => ({
      line,
      index: new LineIndex(line.geometry.type === 'LineString' ? [line.geometry.coordinates] : line.geometry.coordinates, lineOptions),
      area: line.area ? new PolygonIndex(polys(line.area)) : null,
    }));
    this.contact = Math.max(0, p.lines.findIndex((l) => l.id === p.contactLine));
    const c = p.lines[this.contact]!;
    this.sideOfInside = pi(c.insideParty);
    this.sideOfOutside = pi(c.outsideParty);
    this.sideOfLeft = pi(c.leftParty);
    this.sideOfRight = pi(c.rightParty);
    const lineIdx = (id: string | undefined): number => (id === undefined ? this.contact : p.lines.findIndex((l) => l.id === id));

    const ids: string[] = [];
    const kinds: ZoneKind[] = [];
    const addZone = (id: string, kind: ZoneKind): number => {
      ids.push(id);
      kinds.push(kind);
      return ids.length - 1;
    };
    this.lineZones = [];
    const np = parties.length;
    if (p.securityZone) {
      const z = p.securityZone;
      const zone = addZone(z.id, 'security');
      const lineBySide = new Int32Array(np).fill(lineIdx(z.line));
      const widthBySide = Float64Array.from(parties, (x) => perSide(z.halfWidthM, x.id) ?? NaN);
      this.lineZones.push({ zone, lineBySide, widthBySide, strict: false });
    }
    for (const w of p.withdrawal) {
      const zone = addZone(w.id, 'withdrawal');
      const lineBySide = Int32Array.from(parties, (x) => lineIdx(typeof w.measuredFrom === 'object' ? w.measuredFrom[x.id] : w.measuredFrom));
      const widthBySide = Float64Array.from(parties, (x) => perSide(w.distanceM, x.id) ?? NaN);
      this.lineZones.push({ zone, lineBySide, widthBySide, strict: true });
    }
    this.partyCount = np;
    this.lzZone = Int32Array.from(this.lineZones, (z) => z.zone);
    this.lzStrict = Uint8Array.from(this.lineZones, (z) => (z.strict ? 1 : 0));
    this.lzLine = Int32Array.from(this.lineZones.flatMap((z) => Array.from(z.lineBySide)));
    this.lzWidth = Float64Array.from(this.lineZones.flatMap((z) => Array.from(z.widthBySide)));
    // per side: which lines to measure, and the thresholds near which to compute exactly
    this.sideLines = [];
    for (let s = 0; s < Math.max(1, np); s++) {
      const byLine = new Map<number, number[]>([[this.contact, []]]);
      for (const z of this.lineZones) {
        const w = z.widthBySide[s];
        if (w === undefined || Number.isNaN(w)) continue;
        const l = z.lineBySide[s]!;
        if (!byLine.has(l)) byLine.set(l, []);
        byLine.get(l)!.push(w);
      }
      this.sideLines.push(
        [...byLine.entries()].map(([line, t]) => ({ line, thresholds: Float64Array.from(new Set(t)).sort(), maxT: t.length ? Math.max(...t) : -Infinity })),
      );
    }
    // a sphere for site distances: around every site, 1° margin
    const siteLats = [...p.protectedSites.map((s) => s.point[1]!), ...p.storageSites.filter((s) => s.point).map((s) => s.point![1]!)];
    const contactSphere = this.lines[this.contact]!.index.sphere;
    this.sphere =
      siteLats.length > 0
        ? GaussSphere.forRange(Math.min(...siteLats), Math.max(...siteLats), contactSphere.lon0, contactSphere.lon0, 1.5)
        : contactSphere;
    const circle = (zone: number, lon: number, lat: number, radiusM: number) => {
      const u = new Float64Array(3);
      this.sphere.toUnit(lon, lat, u, 0);
      // degree box around the circle (generous: the geodesic test decides)
      const dLat = (radiusM / 110_574) * 1.01 + 1e-6;
      const dLon = (radiusM / (111_320 * Math.max(0.01, Math.cos(((Math.abs(lat) + dLat) * Math.PI) / 180)))) * 1.01 + 1e-6;
      return { zone, lon, lat, radiusM, dLat, dLon, u };
    };
    this.sites = p.protectedSites.map((s) => circle(addZone(s.id, 'site'), s.point[0]!, s.point[1]!, s.radiusM));
    this.areas = p.noFlyAreas.map((a) => ({ zone: addZone(a.id, 'no_fly'), index: new PolygonIndex(polys(a.geometry)) }));
    this.circles = [];
    for (const s of p.storageSites) {
      const zone = addZone(s.id, 'storage');
      if (s.geometry) this.areas.push({ zone, index: new PolygonIndex(polys(s.geometry)) });
      else this.circles.push(circle(zone, s.point![0]!, s.point![1]!, s.radiusM!));
    }
    this.zoneIds = ids;
    this.zoneKinds = kinds;
  }

  /** Bytes of the typed arrays of every index (lines, areas, zones). */
  get bytes(): number {
    let b = 0;
    for (const l of this.lines) b += l.index.bytes + (l.area?.bytes ?? 0);
    for (const a of this.areas) b += a.index.bytes;
    return b;
  }

  /** The LineIndex of a reference line (for drawing, or for distances to other lines). */
  lineIndex(lineId: string): LineIndex | undefined {
    return this.lines.find((l) => l.line.id === lineId)?.index;
  }

  newPointJudgement(): PointJudgement {
    return {
      side: -1,
      distanceM: 0,
      lineDistanceM: new Float64Array(this.lines.length),
      zoneBits: new Uint32Array(Math.max(1, Math.ceil(this.zoneIds.length / 32))),
      siteDistanceM: new Float64Array(this.sites.length),
      exact: false,
    };
  }

  /** Geodesic distance from a point to a circle's centre, exact when near the radius. */
  private circleDistance(c: { lon: number; lat: number; radiusM: number; u: Float64Array }, lon: number, lat: number): { d: number; exact: boolean } {
    const sp = this.sphere;
    if (lat >= sp.latLo + 0.25 && lat <= sp.latHi - 0.25 && c.lat >= sp.latLo + 0.25 && c.lat <= sp.latHi - 0.25) {
      sp.toUnit(lon, lat, this.pu, 0);
      const dx = this.pu[0]! - c.u[0]!, dy = this.pu[1]! - c.u[1]!, dz = this.pu[2]! - c.u[2]!;
      const d = 2 * sp.R * Math.asin(Math.min(1, Math.sqrt(dx * dx + dy * dy + dz * dz) / 2));
      const err = sp.relErr * d + 1e-3;
      if (d < 300_000 && Math.abs(d - c.radiusM) > err) return { d, exact: false };
    }
    return { d: GEOD.Inverse(lat, lon, c.lat, c.lon, GEODESIC_CAPS.DISTANCE).s12!, exact: true };
  }

  /**
   * The geometric judgement of a point: side, distance to the contact line (and to any other
   * reference line a provision of its side uses), and membership of every zone. Distances are
   * the fast estimates unless a threshold lies within their proven error bound, in which case
   * they are recomputed exactly, so every zone decision is the one exact geodesics give.
   */
  judgePoint(lon: number, lat: number, out: PointJudgement = this.newPointJudgement()): PointJudgement {
    const hit = this.hit;
    const contact = this.lines[this.contact]!;
    const area = contact.area;
    contact.index.locate(lon, lat, hit, area === null);
    let side: number;
    if (area !== null) side = area.contains(lon, lat) ? this.sideOfInside : this.sideOfOutside;
    else side = hit.side > 0 ? this.sideOfLeft : this.sideOfRight;
    out.side = side;
    let exact = false;
    const ld = out.lineDistanceM;
    for (let k = 0; k < ld.length; k++) ld[k] = NaN;
    const sl = this.sideLines[side < 0 ? 0 : side] ?? this.sideLines[0]!;
    // all line zones are out of reach when every line is farther than its largest threshold
    let inReach = false;
    for (let k = 0; k < sl.length; k++) {
      const entry = sl[k]!;
      const line = entry.line;
      const index = this.lines[line]!.index;
      if (k > 0) index.locate(lon, lat, hit, false);
      const d = hit.distanceM;
      const e = hit.errorM;
      if (d - e <= entry.maxT) {
        inReach = true;
        const thresholds = entry.thresholds;
        let near = false;
        for (let t = 0; t < thresholds.length; t++) {
          const diff = d - thresholds[t]!;
          near = near || (diff <= e && diff >= -e);
        }
        if (near) {
          this.refineHit(index, lon, lat);
          exact = true;
        }
      }
      ld[line] = hit.distanceM;
    }
    out.distanceM = ld[this.contact]!;
    const zones = out.zoneBits;
    for (let k = 0; k < zones.length; k++) zones[k] = 0;
    if (side >= 0 && inReach) {
      const np = this.partyCount;
      const lz = this.lzZone;
      const lzWidth = this.lzWidth;
      const lzLine = this.lzLine;
      const lzStrict = this.lzStrict;
      const n = lz.length;
      for (let k = 0, o = side; k < n; k++, o += np) {
        const w = lzWidth[o]!;
        const d = ld[lzLine[o]!]!;
        // NaN width (no zone on this side) or NaN distance compare false
        if (d < w || (d === w && lzStrict[k] === 0)) {
          const z = lz[k]!;
          zones[z >> 5] = zones[z >> 5]! | (1 << (z & 31));
        }
      }
    }
    const sd = out.siteDistanceM;
    const sites = this.sites;
    for (let k = 0; k < sites.length; k++) {
      const s = sites[k]!;
      sd[k] = NaN;
      const dy = lat - s.lat;
      const dx = lon - s.lon;
      if (dy > s.dLat || dy < -s.dLat || dx > s.dLon || dx < -s.dLon) continue;
      const r = this.circleDistance(s, lon, lat);
      sd[k] = r.d;
      if (r.exact) exact = true;
      if (r.d <= s.radiusM) zones[s.zone >> 5] = zones[s.zone >> 5]! | (1 << (s.zone & 31));
    }
    const areas = this.areas;
    for (let k = 0; k < areas.length; k++) {
      const a = areas[k]!;
      const ix = a.index;
      if (lon < ix.x0 || lon > ix.x1 || lat < ix.y0 || lat > ix.y1) continue;
      if (ix.contains(lon, lat)) zones[a.zone >> 5] = zones[a.zone >> 5]! | (1 << (a.zone & 31));
    }
    const circles = this.circles;
    for (let k = 0; k < circles.length; k++) {
      const s = circles[k]!;
      const dy = lat - s.lat;
      const dx = lon - s.lon;
      if (dy > s.dLat || dy < -s.dLat || dx > s.dLon || dx < -s.dLon) continue;
      if (this.circleDistance(s, lon, lat).d <= s.radiusM) zones[s.zone >> 5] = zones[s.zone >> 5]! | (1 << (s.zone & 31));
    }
    out.exact = exact;
    return out;
  }

  /** Kept out of judgePoint so that the hot path stays small. */
  private refineHit(index: LineIndex, lon: number, lat: number): void {
    index.refine(lon, lat, this.hit);
  }

  partyId(side: number): string | null {
    return side >= 0 ? (this.version.parties[side]?.id ?? null) : null;
  }

  sideIndex(partyId: string): number {
    return this.partyIndex.get(partyId) ?? -1;
  }
}

/** Builds the geometric index of a version (cache it: one per version). */
export function buildGeoIndex(version: AgreementVersion, lineOptions?: LineIndexOptions): AgreementGeoIndex {
  return new AgreementGeoIndex(version, lineOptions);
}

const WEAPON_KINDS = new Set(['weapon_sighting', 'movement']);
const FIRE = new Set<string>(FIRE_KINDS);

/**
 * Judges an observation against an agreement version (the one in force at its observedAt: see
 * AgreementJudge or versionInForce). Rules:
 * - a weapon of a class with a withdrawal provision, on side S, closer to the line than S's
 *   distance and not in a storage site: `withdrawal` (distanceM, requiredM);
 * - the same weapon at or beyond that distance but outside every storage site, when storage is
 *   required: `weapon_outside_storage` (recorded as the OSCE did, a distinct finding);
 * - fire (explosion, burst, shot, muzzle flash, projectile in flight) within the security zone:
 *   `fire_in_security_zone` (distanceM, halfWidthM);
 * - an explosion other than outgoing fire within a protected site's radius:
 *   `impact_at_protected_site` (distanceM, radiusM);
 * - a `flight` inside a no-fly area: `flight_in_no_fly_area`.
 * Weapons that cannot be classified are recorded (weapon.basis = unclassified), never a breach.
 */
export function evaluate(observation: ObservationLike, version: AgreementVersion, geoIndex: AgreementGeoIndex): Judgement {
  const { lon, lat } = observation.location;
  const pj = geoIndex.judgePoint(lon, lat);
  const p = version.provisions;
  const side = geoIndex.partyId(pj.side);
  const zoneIds = geoIndex.zoneIds;
  const zones: string[] = [];
  for (let k = 0; k < zoneIds.length; k++) if (inZone(pj, k)) zones.push(zoneIds[k]!);
  const breaches: Breach[] = [];
  const zoneIndex = (id: string): number => zoneIds.indexOf(id);
  const judgement: Judgement = {
    agreementId: version.agreementId,
    version: version.version,
    side,
    distanceToLineM: pj.distanceM,
    zones,
    breaches,
  };
  const lineIds = p.lines.map((l) => l.id);
  const lineOf = (measuredFrom: string | Record<string, string> | undefined): string => {
    const id = typeof measuredFrom === 'object' ? (side ? measuredFrom[side] : undefined) : measuredFrom;
    return id ?? p.contactLine;
  };
  if (observation.weapon && WEAPON_KINDS.has(observation.kind)) {
    const cls = classifyWeapon(observation.weapon);
    judgement.weapon = cls;
    if (cls.weaponClass && side) {
      const inStorage = p.storageSites.some((s) => inZone(pj, zoneIndex(s.id)) && (!s.weaponClasses || s.weaponClasses.includes(cls.weaponClass!)));
      for (const w of p.withdrawal) {
        if (w.weaponClass !== cls.weaponClass) continue;
        const required = perSide(w.distanceM, side);
        if (required === undefined || inStorage) continue;
        const line = lineOf(w.measuredFrom);
        const d = pj.lineDistanceM[lineIds.indexOf(line)]!;
        const base = { distanceM: d, requiredM: required, weaponClass: cls.weaponClass, side, line, ...(observation.weapon.count ? { count: observation.weapon.count } : {}) };
        if (d < required) breaches.push({ provision: w.id, kind: 'withdrawal', ...base });
        else if (w.storageRequired) breaches.push({ provision: w.id, kind: 'weapon_outside_storage', ...base });
      }
    }
  }
  if (FIRE.has(observation.kind) && p.securityZone && inZone(pj, zoneIndex(p.securityZone.id)) && side) {
    const z = p.securityZone;
    const line = z.line ?? p.contactLine;
    breaches.push({
      provision: z.id,
      kind: 'fire_in_security_zone',
      distanceM: pj.lineDistanceM[lineIds.indexOf(line)]!,
      halfWidthM: perSide(z.halfWidthM, side)!,
      side,
      line,
    });
  }
  if (observation.kind === 'explosion' && observation.subkind !== 'outgoing') {
    p.protectedSites.forEach((s, k) => {
      if (inZone(pj, zoneIndex(s.id))) {
        breaches.push({ provision: s.id, kind: 'impact_at_protected_site', distanceM: pj.siteDistanceM[k]!, radiusM: s.radiusM });
      }
    });
  }
  if (observation.kind === 'flight') {
    for (const a of p.noFlyAreas) if (inZone(pj, zoneIndex(a.id))) breaches.push({ provision: a.id, kind: 'flight_in_no_fly_area' });
  }
  return judgement;
}

/**
 * Judges observations against an agreement, picking the version in force at each observation's
 * observedAt and caching one geometric index per version.
 */
export class AgreementJudge {
  private readonly cache = new Map<number, AgreementGeoIndex>();

  constructor(
    readonly agreement: ParsedAgreement,
    private readonly lineOptions?: LineIndexOptions,
  ) {}

  /** The geometric index of a version (built on first use). */
  indexFor(version: AgreementVersion): AgreementGeoIndex {
    let idx = this.cache.get(version.version);
    if (!idx) {
      idx = buildGeoIndex(version, this.lineOptions);
      this.cache.set(version.version, idx);
    }
    return idx;
  }

  /** The judgement, or null when no version of the agreement was in force at observedAt. */
  evaluate(observation: ObservationLike): Judgement | null {
    const v = versionInForce(this.agreement, observation.observedAt);
    if (!v) return null;
    return evaluate(observation, v, this.indexFor(v));
  }
}
