import { describe, expect, it } from 'vitest';
import { ILLUSTRATIVE_LINE_COORDS } from '../../src/demo/contact-line';
import { demoSectors } from '../../src/demo/demo-sectors';
import { demoWeek } from '../../src/demo/demo-week';
import { EXPLOSION_SUBKINDS, ObservationInput } from '../../src/domain/observation';
import { SectorIndex } from '../../src/domain/sector';

describe('the illustrative contact line', () => {
  it('has 50-150 vertices from the Russian border in Kharkiv oblast to the sea', () => {
    expect(ILLUSTRATIVE_LINE_COORDS.length).toBeGreaterThanOrEqual(50);
    expect(ILLUSTRATIVE_LINE_COORDS.length).toBeLessThanOrEqual(150);
    const [first, last] = [ILLUSTRATIVE_LINE_COORDS[0]!, ILLUSTRATIVE_LINE_COORDS.at(-1)!];
    expect(first[1]).toBeGreaterThan(50.2); // north of Vovchansk, on the border
    expect(last[1]).toBeLessThan(46.6); // at the Dnipro mouth
  });
});

describe('the demo week', () => {
  const end = new Date('2026-11-25T00:00:00Z');
  const week = demoWeek({ end });
  const sectors = new SectorIndex(demoSectors());

  it('is valid, deterministic, and inside the seven days before its end', () => {
    expect(week.length).toBeGreaterThan(1000);
    for (const o of week) expect(ObservationInput.safeParse(o).success).toBe(true);
    expect(demoWeek({ end }).map((o) => o.id)).toEqual(week.map((o) => o.id));
    const times = week.map((o) => Date.parse(o.observedAt));
    expect(Math.min(...times)).toBeGreaterThanOrEqual(end.getTime() - 7 * 86_400_000);
    expect(Math.max(...times)).toBeLessThan(end.getTime());
  });

  it('holds explosions of every subkind, bursts, shots, weapon sightings and access restrictions', () => {
    const kinds = new Set(week.map((o) => o.kind));
    for (const k of ['explosion', 'burst', 'shot', 'weapon_sighting', 'access_restriction'] as const) expect(kinds).toContain(k);
    const subkinds = new Set(week.filter((o) => o.kind === 'explosion').map((o) => o.subkind));
    for (const s of EXPLOSION_SUBKINDS) expect(subkinds).toContain(s);
  });

  it('clusters by sector with a daily rhythm: more fire by night than at noon', () => {
    const bySector = new Map<string | null, number>();
    for (const o of week) {
      const s = sectors.sectorOf(o.location.lon, o.location.lat);
      bySector.set(s, (bySector.get(s) ?? 0) + 1);
    }
    for (const s of demoSectors()) expect(bySector.get(s.id) ?? 0).toBeGreaterThan(50);
    const hour = (o: (typeof week)[number]) => new Date(o.observedAt).getUTCHours();
    const night = week.filter((o) => [18, 19, 20, 21, 22].includes(hour(o))).length;
    const day = week.filter((o) => [6, 7, 8, 9, 10].includes(hour(o))).length;
    expect(night).toBeGreaterThan(2 * day);
  });
});
