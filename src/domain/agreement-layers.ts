import type { Feature, FeatureCollection, Geometry } from 'geojson';
import { contourLines } from '../geo/contours';
import { GEOD } from '../geo/ellipsoid';
import type { AgreementVersion } from './agreement';
import { perSide } from './agreement';
import type { AgreementGeoIndex } from './rules';

export interface LayerOptions {
  /** Sampling step for withdrawal lines and zone edges, metres (default 2,000); vertices are then pulled onto the exact distance. */
  cellM?: number;
  /** Vertices of a protected site's circle (default 72). */
  circleVertices?: number;
}

export type LayerKind = 'line' | 'area' | 'security_zone_edge' | 'withdrawal_line' | 'protected_site' | 'no_fly_area' | 'storage_site';

/**
 * The map layers of an agreement version, as one GeoJSON FeatureCollection; each feature has
 * `properties.layer` (a LayerKind) and the provision id:
 * - `line`: each reference line (`role`: contact or reference), `area`: its side area if any;
 * - `security_zone_edge` and `withdrawal_line`: per side, the line at the provision's distance
 *   (isolines of the geodesic distance sampled every `cellM`, each vertex then moved onto the
 *   distance by Newton steps to within a metre; for drawing: judgements use the exact geometry;
 *   where sides change beyond the ends of a plain line the edge may have a gap of one cell);
 * - `protected_site` (geodesic circle), `no_fly_area`, `storage_site`.
 */
export function agreementLayers(version: AgreementVersion, geo: AgreementGeoIndex, options: LayerOptions = {}): FeatureCollection {
  const p = version.provisions;
  const features: Feature[] = [];
  const add = (geometry: Geometry, properties: Record<string, unknown>): void => void features.push({ type: 'Feature', geometry, properties });
  for (const l of p.lines) {
    add(l.geometry as Geometry, { layer: 'line', id: l.id, name: l.name ?? l.id, role: l.id === p.contactLine ? 'contact' : 'reference', source: l.source ?? null });
    if (l.area) add(l.area as Geometry, { layer: 'area', id: `${l.id}:area`, line: l.id, party: l.insideParty ?? null });
  }

  // zone edges: one isoline per (provision, side)
  const wanted: { layer: LayerKind; provision: string; line: string; side: string; distanceM: number; weaponClass?: string }[] = [];
  for (const party of version.parties) {
    if (p.securityZone) {
      const w = perSide(p.securityZone.halfWidthM, party.id);
      if (w !== undefined) wanted.push({ layer: 'security_zone_edge', provision: p.securityZone.id, line: p.securityZone.line ?? p.contactLine, side: party.id, distanceM: w });
    }
    for (const wd of p.withdrawal) {
      const w = perSide(wd.distanceM, party.id);
      const from = typeof wd.measuredFrom === 'object' ? wd.measuredFrom[party.id] : wd.measuredFrom;
      if (w !== undefined) wanted.push({ layer: 'withdrawal_line', provision: wd.id, line: from ?? p.contactLine, side: party.id, distanceM: w, weaponClass: wd.weaponClass });
    }
  }
  if (wanted.length > 0) {
    const cellM = options.cellM ?? 2_000;
    const maxW = Math.max(...wanted.map((w) => w.distanceM));
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (const l of p.lines) {
      const parts = l.geometry.type === 'LineString' ? [l.geometry.coordinates] : l.geometry.coordinates;
      for (const part of parts)
        for (const c of part) {
          x0 = Math.min(x0, c[0]!);
          y0 = Math.min(y0, c[1]!);
          x1 = Math.max(x1, c[0]!);
          y1 = Math.max(y1, c[1]!);
        }
    }
    const dy = cellM / 110_574;
    const padLat = (maxW + 3 * cellM) / 110_574;
    y0 = Math.max(-80, y0 - padLat);
    y1 = Math.min(80, y1 + padLat);
    const cosMax = Math.cos((Math.max(Math.abs(y0), Math.abs(y1)) * Math.PI) / 180);
    const dx = cellM / (111_320 * Math.cos((((y0 + y1) / 2) * Math.PI) / 180));
    const padLon = (maxW + 3 * cellM) / (111_320 * cosMax);
    x0 -= padLon;
    x1 += padLon;
    const nx = Math.ceil((x1 - x0) / dx) + 1;
    const ny = Math.ceil((y1 - y0) / dy) + 1;
    const sides = new Int16Array(nx * ny);
    const pj = geo.newPointJudgement();
    for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) sides[j * nx + i] = geo.judgePoint(x0 + i * dx, y0 + j * dy, pj).side;
    const dist = new Map<string, Float64Array>();
    const distanceTo = (lineId: string): Float64Array => {
      let d = dist.get(lineId);
      if (!d) {
        const idx = geo.lineIndex(lineId)!;
        d = new Float64Array(nx * ny);
        for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) d[j * nx + i] = idx.locate(x0 + i * dx, y0 + j * dy).distanceM;
        dist.set(lineId, d);
      }
      return d;
    };
    for (const w of wanted) {
      const side = geo.sideIndex(w.side);
      const d = distanceTo(w.line);
      const field = new Float64Array(nx * ny);
      for (let k = 0; k < field.length; k++) field[k] = sides[k] === side ? w.distanceM - d[k]! : NaN;
      // a cell where the side changes holds no zone edge of this side (only the line itself, or
      // where an area's side changes along a border): skip it
      const skip = (i: number, j: number): boolean => {
        const k = j * nx + i;
        const a = sides[k] === side;
        return a !== (sides[k + 1] === side) || a !== (sides[k + nx] === side) || a !== (sides[k + nx + 1] === side);
      };
      // inside the zone field > 0: the edge is the level-0 isoline
      const lines = contourLines(field, nx, ny, 0, x0, y0, dx, dy, skip);
      if (lines.length === 0) continue;
      // pull each vertex onto the distance w: Newton steps along the distance gradient (|∇d| = 1)
      const idx = geo.lineIndex(w.line)!;
      for (const line of lines) {
        for (const c of line) {
          for (let it = 0; it < 3; it++) {
            const mx = 111_320 * Math.cos((c[1] * Math.PI) / 180);
            const my = 110_574;
            const h = 20; // metres
            const d0 = idx.locate(c[0], c[1]).distanceM;
            const gx = (idx.locate(c[0] + h / mx, c[1]).distanceM - d0) / h;
            const gy = (idx.locate(c[0], c[1] + h / my).distanceM - d0) / h;
            const g2 = gx * gx + gy * gy;
            if (!(g2 > 0.25) || Math.abs(d0 - w.distanceM) < 0.5) break;
            const step = (w.distanceM - d0) / g2;
            c[0] += (step * gx) / mx;
            c[1] += (step * gy) / my;
          }
        }
      }
      add(
        { type: 'MultiLineString', coordinates: lines },
        { layer: w.layer, provision: w.provision, side: w.side, distanceM: w.distanceM, line: w.line, ...(w.weaponClass ? { weaponClass: w.weaponClass } : {}) },
      );
    }
  }

  const n = options.circleVertices ?? 72;
  const circle = (lon: number, lat: number, r: number): number[][] => {
    const ring: number[][] = [];
    for (let k = 0; k < n; k++) {
      const q = GEOD.Direct(lat, lon, (360 * k) / n, r);
      ring.push([q.lon2!, q.lat2!]);
    }
    ring.push(ring[0]!);
    return ring.reverse(); // counter-clockwise, as RFC 7946 asks of outer rings
  };
  for (const s of p.protectedSites) {
    add({ type: 'Polygon', coordinates: [circle(s.point[0]!, s.point[1]!, s.radiusM)] }, { layer: 'protected_site', provision: s.id, name: s.name, radiusM: s.radiusM, kind: s.kind ?? null });
  }
  for (const a of p.noFlyAreas) add(a.geometry as Geometry, { layer: 'no_fly_area', provision: a.id, name: a.name });
  for (const s of p.storageSites) {
    const g: Geometry = s.geometry ? (s.geometry as Geometry) : { type: 'Polygon', coordinates: [circle(s.point![0]!, s.point![1]!, s.radiusM!)] };
    add(g, { layer: 'storage_site', provision: s.id, name: s.name, party: s.party ?? null });
  }
  return { type: 'FeatureCollection', features };
}
