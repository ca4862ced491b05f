import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as turf from '@turf/turf';
import { describe, expect, it } from 'vitest';
import { equalAreaM2, geodesicAreaM2 } from '../../src/geo/area';
import type { PolygonCoords } from '../../src/geo/line-from-area';
import { DEEPSTATE_20260822, HAVE_SHARED, SHARED_GEO, SHARED_NOTE } from './shared-data';

const polygonsOf = (g: { type: string; coordinates: unknown }): PolygonCoords[] => (g.type === 'Polygon' ? [g.coordinates as PolygonCoords] : (g.coordinates as PolygonCoords[]));

describe('areas on the WGS84 ellipsoid', () => {
  it('gives a 1° × 1° cell at the equator its closed-form area, both ways', () => {
    // Exact area between two parallels on the ellipsoid: 2π a² (q(φ2) − q(φ1)) / 2 per 360°; for 0–1° N, 1° wide: 12,308.778 km² (geographiclib).
    const cell: PolygonCoords = [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]];
    const geodesic = geodesicAreaM2([cell]) / 1e6;
    const projected = equalAreaM2([cell]) / 1e6;
    expect(projected).toBeCloseTo(12_308.78, 0);
    // Geodesic edges along the parallel at 1° N bulge poleward: slightly more area, well under 0.01 %.
    expect(Math.abs(geodesic - projected) / projected).toBeLessThan(1e-4);
  });

  it('subtracts holes and ignores ring orientation', () => {
    const outer = [[30, 48], [31, 48], [31, 49], [30, 49], [30, 48]];
    const hole = [[30.2, 48.2], [30.2, 48.4], [30.4, 48.4], [30.4, 48.2], [30.2, 48.2]];
    const whole = geodesicAreaM2([[outer]]);
    const holed = geodesicAreaM2([[outer, hole]]);
    expect(geodesicAreaM2([[[...outer].reverse()]])).toBeCloseTo(whole, 3);
    expect(whole - holed).toBeCloseTo(geodesicAreaM2([[hole]]), 3);
  });
});

describe(`areas of real boundaries${SHARED_NOTE}`, () => {
  it.skipIf(!HAVE_SHARED)('agrees for every OSM oblast within 0.5 % between geographiclib and the equal-area projection (and with turf)', () => {
    const doc = JSON.parse(readFileSync(join(SHARED_GEO, 'boundaries', 'ukraine-oblasts-osm.geojson'), 'utf8')) as {
      features: { properties: Record<string, string>; geometry: { type: string; coordinates: unknown } }[];
    };
    expect(doc.features).toHaveLength(25);
    let worst = 0;
    let total = 0;
    for (const f of doc.features) {
      const polys = polygonsOf(f.geometry);
      const a = geodesicAreaM2(polys);
      const b = equalAreaM2(polys);
      const t = turf.area(f as never);
      const rel = Math.abs(a - b) / a;
      worst = Math.max(worst, rel);
      total += a;
      expect(rel, f.properties['name:en']).toBeLessThan(0.005);
      expect(Math.abs(a - t) / a, `${f.properties['name:en']} vs turf`).toBeLessThan(0.005);
    }
    console.info(`[area] 25 oblasts: ${(total / 1e6).toFixed(0)} km² in all; worst geodesic/equal-area difference ${(worst * 100).toFixed(4)} %`);
    // Ukraine, Crimea and Sevastopol included: 603,550 km² officially.
    expect(total / 1e6).toBeGreaterThan(595_000);
    expect(total / 1e6).toBeLessThan(610_000);
  });

  it.skipIf(!HAVE_SHARED)('matches @turf/turf for the occupied area of 2026-08-22 within 0.5 %', () => {
    const doc = JSON.parse(readFileSync(DEEPSTATE_20260822, 'utf8')) as { features: { geometry: { type: string; coordinates: unknown } }[] };
    const a = geodesicAreaM2(polygonsOf(doc.features[0]!.geometry));
    const t = turf.area(doc as never);
    console.info(`[area] occupied 2026-08-22: ${(a / 1e6).toFixed(1)} km² (geographiclib), ${(t / 1e6).toFixed(1)} km² (turf, sphere), ${((100 * (a - t)) / t).toFixed(3)} %`);
    expect(Math.abs(a - t) / t).toBeLessThan(0.005);
    expect(Math.abs(equalAreaM2(polygonsOf(doc.features[0]!.geometry)) - a) / a).toBeLessThan(0.001);
  });
});
