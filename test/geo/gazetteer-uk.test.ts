/**
 * The bundled gazetteer's Ukrainian names: the towns along the line carry them, with the modern
 * English spelling romanized from them; towns renamed lately have their new names; the
 * neighbours stay English only; and (with ../shared) the names agree with OpenStreetMap's.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { geodesicDistanceM } from '../../src/geo/ellipsoid';
import { bundledGazetteer, displayName, parseOsmSettlementsCsv } from '../../src/geo/gazetteer';
import { romanizeUk } from '../../src/geo/romanize';
import { HAVE_SHARED, SHARED_GEO, SHARED_NOTE } from './shared-data';

const g = bundledGazetteer();
const ukraine = g.settlements.filter((s) => s.country === 'UA');
const CYRILLIC = /[\u0400-\u04ff]/;

describe('bundled gazetteer: Ukrainian names', () => {
  it.each([
    // English, Ukrainian, where (lon, lat).
    ['Avdiivka', 'Авдіївка', 37.742, 48.139],
    ['Kupiansk', "Куп'янськ", 37.615, 49.71],
    ['Kramatorsk', 'Краматорськ', 37.556, 48.723],
    ['Pokrovsk', 'Покровськ', 37.176, 48.282],
    ['Bakhmut', 'Бахмут', 38.0, 48.594],
    ['Zaporizhzhia', 'Запоріжжя', 35.19, 47.823],
    ['Kherson', 'Херсон', 32.618, 46.656],
    ['Kharkiv', 'Харків', 36.253, 49.981],
    ['Sievierodonetsk', 'Сєвєродонецьк', 38.49, 48.95],
    ['Kyiv', 'Київ', 30.524, 50.455],
  ])('%s is %s, where it should be', (name, nameUk, lon, lat) => {
    // The town of that name near there (there is a village Avdiivka in Chernihiv Oblast too).
    const found = ukraine.filter((s) => s.name === name && geodesicDistanceM(s.lon, s.lat, lon, lat) < 3_000);
    expect(found, `${name} in the gazetteer`).toHaveLength(1);
    const s = found[0]!;
    expect(s.nameUk).toBe(nameUk);
    expect(s.population).toBeGreaterThan(10_000);
    expect(displayName(s)).toBe(`${name} (${nameUk})`);
  });

  it('says where a point is in both languages, beside a town and in it; English alone where no Ukrainian is known', () => {
    // ~12 km west of Kupiansk (49.71 N, 37.615 E).
    const west = g.nearest(37.45, 49.71, { minPopulation: 10_000 })!;
    expect(west.text).toBe("12 km W of Kupiansk (Куп'янськ)");
    expect(g.nearest(37.742, 48.139, { minPopulation: 10_000 })!.text).toBe('in Avdiivka (Авдіївка)');
    // A neighbour's town: English only, never "()".
    const belgorod = g.nearest(36.59, 50.6, { minPopulation: 100_000 })!;
    expect(belgorod.settlement.country).toBe('RU');
    expect(belgorod.text).toMatch(/^[\d.]+ km [NESW]+ of Belgorod$/);
    const unnamed = ukraine.find((s) => !s.nameUk)!;
    expect(g.nearest(unnamed.lon, unnamed.lat, { maxKm: 0.5 })!.text).toBe(`in ${unnamed.name}`);
  });

  it('names most of Ukraine: English romanized from the Ukrainian; the neighbours English only', () => {
    const named = ukraine.filter((s) => s.nameUk);
    const towns = ukraine.filter((s) => (s.population ?? 0) >= 10_000);
    const namedTowns = towns.filter((s) => s.nameUk);
    console.info(`[gazetteer] Ukrainian names: ${named.length} of ${ukraine.length} settlements in Ukraine, ${namedTowns.length} of ${towns.length} of 10,000 people or more`);
    expect(ukraine.length).toBe(1651);
    expect(named.length / ukraine.length).toBeGreaterThan(0.85);
    expect(namedTowns.length / towns.length).toBeGreaterThan(0.97);
    for (const s of named) {
      expect(s.nameUk).toMatch(/^[\u0400-\u04ff' -]+$/);
      expect(s.nameUk).not.toMatch(/[ыэъё]/i);
      expect(s.name).toBe(romanizeUk(s.nameUk!));
    }
    expect(ukraine.every((s) => !CYRILLIC.test(s.name))).toBe(true);
    const neighbours = g.settlements.filter((s) => s.country !== 'UA');
    expect(neighbours.length).toBeGreaterThan(5_000);
    expect(neighbours.some((s) => s.nameUk !== undefined || CYRILLIC.test(s.name))).toBe(false);
  });

  it('uses the current names of towns renamed since GeoNames named them (from OSM)', () => {
    const at = (lon: number, lat: number) => g.nearest(lon, lat, { minPopulation: 10_000, maxKm: 2 })!.settlement;
    expect(displayName(at(24.235, 50.391))).toBe('Sheptytskyi (Шептицький)'); // Chervonohrad until 2024
    expect(displayName(at(35.245, 48.638))).toBe('Samar (Самар)'); // Novomoskovsk until 2024
    expect(displayName(at(37.999, 48.594))).toBe('Bakhmut (Бахмут)'); // not Artemivsk
  });

  it('credits GeoNames and OpenStreetMap', () => {
    expect(g.attribution).toMatch(/GeoNames.*CC BY 4\.0/);
    expect(g.attribution).toMatch(/© OpenStreetMap contributors \(ODbL 1\.0\)/);
  });

  describe(`against OpenStreetMap's settlements${SHARED_NOTE}`, () => {
    it.skipIf(!HAVE_SHARED)("a town of OSM's (10,000 people or more) has OSM's Ukrainian name in the gazetteer, also where renamed since GeoNames' data", () => {
      const osm = parseOsmSettlementsCsv(readFileSync(join(SHARED_GEO, 'settlements', 'ukraine-settlements-osm-partial.csv'), 'utf8'));
      const towns = osm.filter((s) => (s.population ?? 0) >= 10_000 && s.nameUk);
      let compared = 0;
      const differ: string[] = [];
      for (const t of towns) {
        // The same town: the nearest of 5,000 people or more within 4 km, of a like population (GeoNames puts Brianka 8 km off, beside Zorynsk).
        const near = g.nearest(t.lon, t.lat, { minPopulation: 5_000, maxKm: 4 });
        const [a, b] = [near?.settlement.population ?? 0, t.population!];
        if (!near || near.settlement.country !== 'UA' || Math.max(a, b) / Math.min(a, b) > 2) continue;
        compared++;
        if (near.settlement.nameUk !== t.nameUk!.replace(/[’ʼ]/g, "'")) differ.push(`${t.nameUk} (OSM) ≠ ${near.settlement.nameUk ?? '–'} (${near.settlement.name})`);
      }
      console.info(`[gazetteer] OSM towns compared: ${compared}, Ukrainian names differing: ${differ.length}${differ.length ? `: ${differ.join('; ')}` : ''}`);
      expect(compared).toBeGreaterThan(50);
      expect(differ.length / compared).toBeLessThan(0.05);
    });
  });
});
