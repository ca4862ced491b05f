import { describe, expect, it } from 'vitest';
import { loadDefaultAgreement } from '../../src/agreement/default-agreement';
import { agreementLayers } from '../../src/domain/agreement-layers';
import { buildGeoIndex } from '../../src/domain/rules';

describe('map layers of an agreement version', () => {
  const v = loadDefaultAgreement().versions[0]!;
  const geo = buildGeoIndex(v);
  const fc = agreementLayers(v, geo);

  it('has the line, an edge per provision and side, sites, no-fly areas and storage sites', () => {
    const count = (layer: string) => fc.features.filter((f) => f.properties!.layer === layer).length;
    expect(count('line')).toBe(1);
    expect(count('security_zone_edge')).toBe(2);
    expect(count('withdrawal_line')).toBe(12);
    expect(count('protected_site')).toBe(2);
    expect(count('no_fly_area')).toBe(1);
    expect(count('storage_site')).toBe(2);
  });

  it('draws each withdrawal line at its distance (within a metre) on its side', () => {
    const line = geo.lineIndex(v.provisions.contactLine)!;
    const pj = geo.newPointJudgement();
    for (const f of fc.features) {
      const p = f.properties!;
      if (p.layer !== 'withdrawal_line' && p.layer !== 'security_zone_edge') continue;
      expect(f.geometry.type).toBe('MultiLineString');
      const coords = (f.geometry as { coordinates: number[][][] }).coordinates.flat();
      expect(coords.length).toBeGreaterThan(100);
      for (const [lon, lat] of coords) {
        expect(Math.abs(line.locate(lon!, lat!).distanceM - (p.distanceM as number))).toBeLessThan(1);
        expect(geo.partyId(geo.judgePoint(lon!, lat!, pj).side)).toBe(p.side);
      }
    }
  });
});
