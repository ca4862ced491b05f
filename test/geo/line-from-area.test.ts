import { describe, expect, it } from 'vitest';
import { lineFromAreaFile } from '../../src/agreement/line-from-area';
import { PolygonIndex } from '../../src/geo/polygon-index';
import { lineFromArea } from '../../src/geo/line-from-area';
import { LineIndex } from '../../src/geo/line-index';
import { DEEPSTATE_20260822, HAVE_SHARED, SHARED_NOTE } from './shared-data';

describe(`contact line derived from the DeepState area of 2026-08-22${SHARED_NOTE}`, () => {
  it.skipIf(!HAVE_SHARED)('has one ~1,060 km main part from the Russian border in Kharkiv oblast to the Dnipro mouth, and a few short parts', () => {
    const r = lineFromAreaFile(DEEPSTATE_20260822);
    const km = r.parts.map((p) => p.lengthM / 1000);
    console.info(`[line-from-area] parts (km): ${km.map((x) => x.toFixed(1)).join(', ')}; dropped ${r.droppedLengthsM.length} shorter than 20 km`);
    expect(km[0]).toBeGreaterThan(1040);
    expect(km[0]).toBeLessThan(1080);
    const others = km.slice(1);
    expect(others.length).toBeGreaterThanOrEqual(1);
    expect(others.length).toBeLessThanOrEqual(6);
    for (const k of others) {
      expect(k).toBeGreaterThanOrEqual(20);
      expect(k).toBeLessThan(60);
    }
    expect(r.droppedLengthsM.every((m) => m < 20_000)).toBe(true);
    const main = r.parts[0]!.coordinates;
    const [sLon, sLat] = main[0]!;
    const [eLon, eLat] = main[main.length - 1]!;
    // starts in the north-east (Kharkiv oblast, near the Russian border), ends at the Dnipro mouth
    expect(sLat).toBeGreaterThan(49.8);
    expect(sLon).toBeGreaterThan(36.5);
    expect(eLat).toBeLessThan(46.7);
    expect(eLon).toBeLessThan(32.8);
    // it runs down the Dnipro: passes near Kherson and near Nikopol/Enerhodar
    const idx = new LineIndex([main], { marginM: 20_000, cellM: 5_000 });
    expect(idx.distance(32.62, 46.64)).toBeLessThan(8_000); // Kherson, across the river
    expect(idx.distance(34.6, 47.53)).toBeLessThan(10_000); // Enerhodar opposite Nikopol
    expect(idx.distance(37.2, 48.3)).toBeLessThan(30_000); // Pokrovsk area
    // the area is on the left of every part: a point a little to the left of a segment is inside
    const area = new PolygonIndex(r.area);
    let left = 0;
    let total = 0;
    for (const part of r.parts) {
      for (let i = 1; i < part.coordinates.length; i += 7) {
        const [x0, y0] = part.coordinates[i - 1]!;
        const [x1, y1] = part.coordinates[i]!;
        const len = Math.hypot(x1 - x0, y1 - y0);
        if (len < 2e-3) continue;
        const mx = (x0 + x1) / 2 - ((y1 - y0) / len) * 3e-4;
        const my = (y0 + y1) / 2 + ((x1 - x0) / len) * 3e-4;
        total++;
        if (area.contains(mx, my)) left++;
      }
    }
    expect(left / total).toBeGreaterThan(0.97);
  });
});

describe('lineFromArea on hand-made geometry', () => {
  // a square "occupied area" whose east edge lies on a border and south edge on a coast
  const square = [[[30, 48], [32, 48], [32, 50], [30, 50], [30, 48]]];
  // densified, so that geodesic segments follow the meridian and the parallel closely
  const border = [Array.from({ length: 41 }, (_, i) => [32, 47 + i * 0.1])];
  const coast = [Array.from({ length: 41 }, (_, i) => [29 + i * 0.1, 48])];

  it('keeps the boundary far from border and coast, cut at the tolerance, area on the left', () => {
    const r = lineFromArea([square], [...border, ...coast], { toleranceM: 3000, minLengthM: 20_000 });
    expect(r.parts).toHaveLength(1);
    const c = r.parts[0]!.coordinates;
    // CCW outer ring: the kept part runs along the north edge westward, then down the west edge
    expect(c[0]![1]).toBeCloseTo(50, 6);
    expect(c[0]![0]).toBeLessThan(32);
    expect(c[0]![0]).toBeGreaterThan(31.95);
    expect(c[c.length - 1]![0]).toBeCloseTo(30, 6);
    expect(c[c.length - 1]![1]).toBeGreaterThan(48.02);
    expect(c[c.length - 1]![1]).toBeLessThan(48.04);
    // length: 2° of longitude at 50°N (~143 km) + 2° of latitude (~222 km) minus ~6 km of tolerance
    expect(r.parts[0]!.lengthM / 1000).toBeGreaterThan(350);
    expect(r.parts[0]!.lengthM / 1000).toBeLessThan(362);
  });

  it('drops parts shorter than the minimum and keeps whole rings far from everything', () => {
    const tiny = [[[35, 45], [35.1, 45], [35.1, 45.05], [35, 45.05], [35, 45]]];
    const r = lineFromArea([square, tiny], [...border, ...coast], { toleranceM: 3000, minLengthM: 40_000 });
    expect(r.parts).toHaveLength(1);
    expect(r.droppedLengthsM).toHaveLength(1);
    const r2 = lineFromArea([tiny], [], { minLengthM: 1000 });
    expect(r2.parts[0]!.closed).toBe(true);
  });
});
