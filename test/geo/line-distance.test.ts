import geographiclib from 'geographiclib-geodesic';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lineFromAreaFile } from '../../src/agreement/line-from-area';
import { loadDefaultAgreement } from '../../src/agreement/default-agreement';
import { amendWithDerivedLine } from '../../src/agreement/agreement-file';
import { ExactPolyline } from '../../src/geo/geodesic';
import { LineIndex, newLineHit } from '../../src/geo/line-index';
import { buildGeoIndex, inZone } from '../../src/domain/rules';
import { DEEPSTATE_20260822, HAVE_SHARED, SHARED_NOTE, prng } from './shared-data';

const G = geographiclib.Geodesic.WGS84;

describe(`distance to the real 2026-08-22 line vs the geographiclib reference${SHARED_NOTE}`, () => {
  it.skipIf(!HAVE_SHARED)(
    '100,000 random points around the line: within 1 m, within the proven bound, and every zone decision agrees',
    () => {
      const derived = lineFromAreaFile(DEEPSTATE_20260822);
      const parts = derived.parts.map((p) => p.coordinates);
      const parsed = amendWithDerivedLine(loadDefaultAgreement(), derived, { effectiveFrom: '2026-08-22T00:00:00Z', insideParty: 'RUS', outsideParty: 'UKR' });
      const version = parsed.versions[parsed.versions.length - 1]!;
      const geo = buildGeoIndex(version);
      const line = geo.lineIndex(version.provisions.contactLine)!;
      const reference = new ExactPolyline(parts);
      const zoneIds = geo.zoneIds;
      // zone id → (threshold, strict) for the line-based zones of the Minsk pattern
      const lineZones = [
        ...(version.provisions.securityZone ? [{ id: version.provisions.securityZone.id, t: version.provisions.securityZone.halfWidthM as number, strict: false }] : []),
        ...version.provisions.withdrawal.map((w) => ({ id: w.id, t: w.distanceM as number, strict: true })),
      ].map((z) => ({ ...z, k: zoneIds.indexOf(z.id) }));
      const thresholds = [...new Set(lineZones.map((z) => z.t))];

      const rnd = prng(20260822);
      const all = parts.flat();
      const lons = all.map((p) => p[0]!);
      const lats = all.map((p) => p[1]!);
      const box = [Math.min(...lons) - 1.5, Math.min(...lats) - 1, Math.max(...lons) + 1.5, Math.max(...lats) + 1];
      const pts: [number, number][] = [];
      const N = 100_000;
      for (let i = 0; i < N; i++) {
        if (i % 2 === 0) {
          pts.push([box[0]! + rnd() * (box[2]! - box[0]!), box[1]! + rnd() * (box[3]! - box[1]!)]);
        } else {
          // near the line: a random vertex, moved up to 90 km in a random direction
          const v = all[Math.floor(rnd() * all.length)]!;
          const r = G.Direct(v[1]!, v[0]!, rnd() * 360, rnd() * 90_000);
          pts.push([r.lon2!, r.lat2!]);
        }
      }
      // points placed a few millimetres to a metre from each threshold: from the nearest point F
      // of a random point, along the geodesic F→point (the normal to the line), at T ± δ
      let nearThreshold = 0;
      const segs = parts.flatMap((c) => c.slice(1).map((b, i) => [c[i]!, b] as const));
      for (let i = 0; i < 3000; i++) {
        const v = all[Math.floor(rnd() * all.length)]!;
        const T = thresholds[i % thresholds.length]!;
        const p = G.Direct(v[1]!, v[0]!, rnd() * 360, T);
        const r = reference.distance(p.lon2!, p.lat2!);
        const [a, b] = segs[r.segment]!;
        const f = G.InverseLine(a[1]!, a[0]!, b[1]!, b[0]!).Position(r.alongM);
        const az = G.Inverse(f.lat2!, f.lon2!, p.lat2!, p.lon2!).azi1!;
        const delta = (rnd() - 0.5) * 2 * (i % 3 === 0 ? 0.05 : 1);
        const q = G.Direct(f.lat2!, f.lon2!, az, T + delta);
        pts.push([q.lon2!, q.lat2!]);
        nearThreshold++;
      }

      const hit = newLineHit();
      const pj = geo.newPointJudgement();
      let maxErr = 0;
      let overBound = 0;
      let overMetre = 0;
      let decisions = 0;
      let disagreements = 0;
      let undecidable = 0;
      let exactUsed = 0;
      let closeToThreshold = 0;
      for (const [lon, lat] of pts) {
        const ref = reference.distance(lon, lat).distanceM;
        line.locate(lon, lat, hit);
        const err = Math.abs(hit.distanceM - ref);
        maxErr = Math.max(maxErr, err);
        if (err > hit.errorM) overBound++;
        geo.judgePoint(lon, lat, pj);
        if (Math.abs(pj.distanceM - ref) > 1) overMetre++;
        if (pj.exact) exactUsed++;
        for (const z of lineZones) {
          if (Math.abs(ref - z.t) < 1e-6) {
            undecidable++;
            continue;
          }
          if (Math.abs(ref - z.t) < 1) closeToThreshold++;
          decisions++;
          const want = z.strict ? ref < z.t : ref <= z.t;
          if (inZone(pj, z.k) !== want) disagreements++;
        }
      }
      console.info(
        `[line-distance] ${pts.length} points (${nearThreshold} placed near thresholds); max |fast − reference| ${maxErr.toFixed(3)} m; ` +
          `bound ${line.sphere.relErr.toExponential(2)}·d + ${line.absErrM.toFixed(4)} m; exact fallback on ${exactUsed} points; ` +
          `${decisions} zone decisions (${closeToThreshold} within 1 m of a threshold), ${disagreements} disagreements; ${undecidable} undecidable (< 1 µm)`,
      );
      expect(overBound).toBe(0);
      expect(overMetre).toBe(0);
      expect(maxErr).toBeLessThan(1);
      expect(disagreements).toBe(0);
      expect(closeToThreshold).toBeGreaterThan(1000);
    },
    240_000,
  );
});

describe('LineIndex on arbitrary lines (property-based)', () => {
  it('the fast distance is within its proven bound of the exact one, and under a metre', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -65, max: 65, noNaN: true }),
        fc.double({ min: -170, max: 170, noNaN: true }),
        fc.array(fc.tuple(fc.double({ min: -0.3, max: 0.3, noNaN: true }), fc.double({ min: -0.3, max: 0.3, noNaN: true })), { minLength: 1, maxLength: 12 }),
        fc.array(fc.tuple(fc.double({ min: -2.5, max: 2.5, noNaN: true }), fc.double({ min: -2, max: 2, noNaN: true })), { minLength: 1, maxLength: 6 }),
        (lat, lon, steps, probes) => {
          const coords: number[][] = [[lon, lat]];
          for (const [dx, dy] of steps) {
            const last = coords[coords.length - 1]!;
            coords.push([last[0]! + dx, Math.max(-75, Math.min(75, last[1]! + dy))]);
          }
          const idx = new LineIndex([coords], { marginM: 150_000, cellM: 5_000 });
          const ref = new ExactPolyline([coords]);
          const hit = newLineHit();
          for (const [dx, dy] of probes) {
            const p = [lon + dx, Math.max(-78, Math.min(78, lat + dy))] as const;
            idx.locate(p[0], p[1], hit);
            const exact = ref.distance(p[0], p[1]).distanceM;
            expect(Math.abs(hit.distanceM - exact)).toBeLessThanOrEqual(hit.errorM);
            expect(Math.abs(hit.distanceM - exact)).toBeLessThan(1);
            expect(idx.exactDistance(p[0], p[1])).toBeCloseTo(exact, 2);
          }
        },
      ),
      { numRuns: 60, seed: 11 },
    );
  });

  it('tells sides consistently: left of the direction of travel is +1, also around corners', () => {
    // an L-shaped line going north then east: left is west of the first leg and north of the second
    const idx = new LineIndex([[[30, 48], [30, 49], [31, 49]]], { marginM: 100_000 });
    expect(idx.locate(29.9, 48.5).side).toBe(1);
    expect(idx.locate(30.1, 48.5).side).toBe(-1);
    expect(idx.locate(30.5, 49.1).side).toBe(1);
    expect(idx.locate(30.5, 48.9).side).toBe(-1);
    // the outer corner (north-west of the turn) is on the left, the inner one on the right
    expect(idx.locate(29.9, 49.1).side).toBe(1);
    expect(idx.locate(30.1, 48.9).side).toBe(-1);
  });
});
