import { describe, expect, it } from 'vitest';
import { landOptionProblems, LandOptionInput } from '../../src/domain/land-option';
import { geodesicAreaM2 } from '../../src/geo/area';
import { Gazetteer, bundledGazetteer, parseOsmSettlementsCsv } from '../../src/geo/gazetteer';
import { compareLand, sideOfLine, type Settlement } from '../../src/geo/land-compare';
import type { PolygonCoords } from '../../src/geo/line-from-area';
import { geometryFromGeoJson, geometryFromKml } from '../../src/services/land.service';

const box = (x0: number, y0: number, x1: number, y1: number): PolygonCoords => [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]];
const town = (id: string, lon: number, lat: number, population: number | null, nameUk?: string): Settlement => ({ id, name: id, lon, lat, population, ...(nameUk ? { nameUk } : {}) });

describe('land option validation', () => {
  it('needs a line or an area, defaults the status to draft, and names bad geometry by field', () => {
    const ok = LandOptionInput.parse({ name: 'A', date: '2026-11-25', line: { type: 'LineString', coordinates: [[37, 48], [38, 48]] } });
    expect(ok.status).toBe('draft');
    expect(landOptionProblems({})).toEqual([{ field: 'line', message: 'an option needs a line or an area' }]);
    expect(landOptionProblems({ line: { type: 'LineString', coordinates: [[37, 48]] } })[0]!.field).toBe('line');
    expect(landOptionProblems({ area: { type: 'Polygon', coordinates: [[[37, 48], [38, 48], [38, 49]]] } })[0]!.field).toBe('area');
    expect(LandOptionInput.safeParse({ name: 'A', date: '2026-11-25', status: 'signed', line: { type: 'LineString', coordinates: [[37, 48], [38, 48]] } }).success).toBe(false);
  });
});

describe('compareLand', () => {
  // Reference holds the eastern half of a 2° × 1° block; the option moves the line 0.25° west.
  const reference = { area: [box(38, 48, 39, 49)], line: [[[38, 48], [38, 49]]] as [number, number][][] };
  const option = { area: [box(37.75, 48, 39, 49)], line: [[[37.75, 48], [37.75, 49]]] as [number, number][][] };
  const settlements = [town('Moved', 37.9, 48.5, 12_000, 'Переміщене'), town('Kept', 38.5, 48.5, 500), town('West', 37.2, 48.5, 50_000), town('Nameless', 37.8, 48.2, null)];

  it('measures the area changing sides geodesically and lists who changes sides, the towns and the zones', () => {
    const c = compareLand({ reference, option, settlements, bands: [{ id: 'sz', label: 'Security zone', distanceM: 15_000 }] });
    const strip = geodesicAreaM2([box(37.75, 48, 38, 49)]) / 1e6;
    expect(c.gainedKm2).toBeCloseTo(strip, 0);
    expect(c.lostKm2).toBe(0);
    expect(c.changedKm2).toBeCloseTo(strip, 0);
    expect(c.settlementsGained.map((s) => s.name)).toEqual(['Moved', 'Nameless']);
    expect(c.peopleGained).toBe(12_000);
    expect(c.settlementsLost).toEqual([]);
    // 0.15° of longitude at 48.5° N is ~11.1 km.
    expect(c.settlementsGained[0]!.distanceKm).toBeGreaterThan(10.9);
    expect(c.settlementsGained[0]!.distanceKm).toBeLessThan(11.3);
    expect(c.zones[0]!.settlements.map((s) => s.name).sort()).toEqual(['Moved', 'Nameless']);
    expect(c.towns.map((t) => [t.name, t.side, t.referenceSide])).toEqual([
      ['Moved', 'inside', 'outside'],
      ['West', 'outside', 'outside'],
    ]);
    expect(c.gainedArea?.type).toBe('MultiPolygon');
    expect(c.newLineLengthKm).toBeCloseTo(111.2, 0);
  });

  it('counts crossings of infrastructure and sites changing sides', () => {
    const c = compareLand({
      reference,
      option,
      settlements: [],
      infrastructure: [
        { id: 'r1', name: 'M-04', kind: 'road', geometry: { type: 'LineString', coordinates: [[37, 48.5], [39, 48.5]] } },
        { id: 'p1', name: 'Pumping station', kind: 'water', geometry: { type: 'Point', coordinates: [37.9, 48.9] } },
        { id: 'p2', name: 'Substation', kind: 'power', geometry: { type: 'Point', coordinates: [37.1, 48.9] } },
      ],
    });
    expect(c.infrastructure).toEqual([
      { id: 'r1', name: 'M-04', kind: 'road', crossings: 1, changesSide: false },
      { id: 'p1', name: 'Pumping station', kind: 'water', crossings: 0, changesSide: true },
      { id: 'p2', name: 'Substation', kind: 'power', crossings: 0, changesSide: false },
    ]);
  });

  it('closes a bare line against the outline: the held side on its left', () => {
    const outline = [box(36, 47, 40, 50)];
    // Northwards along 38° E: the left is the west.
    const side = sideOfLine([[[38, 47.3], [38, 49.7]]], outline);
    const west = geodesicAreaM2([box(36, 47, 38, 50)]);
    expect(Math.abs(geodesicAreaM2(side.area) - west) / west).toBeLessThan(0.002);
    const east = sideOfLine([[[38, 49.7], [38, 47.3]]], outline);
    expect(Math.abs(geodesicAreaM2(east.area) - geodesicAreaM2([box(38, 47, 40, 50)])) / west).toBeLessThan(0.002);
  });
});

describe('gazetteer', () => {
  const g = new Gazetteer([town('Avdiivka', 37.7497, 48.1394, 31_000, 'Авдіївка'), town('Donetsk', 37.8028, 48.0159, 900_000, 'Донецьк'), town('Village', 37.8, 48.17, 300)], 'test');

  it('says where a point is from the nearest town, in English and Ukrainian', () => {
    // ~5 km north-east of Avdiivka.
    const p = g.nearest(37.797, 48.171, { minPopulation: 10_000 })!;
    expect(p.settlement.name).toBe('Avdiivka');
    expect(p.direction).toBe('NE');
    expect(p.text).toMatch(/^5(\.\d)? km NE of Avdiivka \(Авдіївка\)$/);
    expect(g.nearest(37.75, 48.1394)!.text).toBe('in Avdiivka (Авдіївка)');
    expect(g.nearest(30, 50, { maxKm: 50 })).toBeNull();
  });

  it('reads the OSM settlements CSV with quoted fields and empty populations', () => {
    const rows = parseOsmSettlementsCsv('osm_id,name_uk,name_en,place,population,lat,lon\nnode/1,"Київ, місто",Kyiv,city,2952301,50.45,30.52\nnode/2,Село,,village,,49,31\n');
    expect(rows).toEqual([
      { id: 'osm:node/1', name: 'Kyiv', nameUk: 'Київ, місто', lon: 30.52, lat: 50.45, population: 2_952_301 },
      { id: 'osm:node/2', name: 'Село', nameUk: 'Село', lon: 31, lat: 49, population: null },
    ]);
  });

  it('ships GeoNames settlements of Ukraine with population', () => {
    const b = bundledGazetteer();
    expect(b.attribution).toMatch(/GeoNames.*CC BY 4\.0/);
    const kharkiv = b.nearest(36.23, 49.99, { minPopulation: 1_000_000 })!;
    expect(kharkiv.settlement.name).toBe('Kharkiv');
    expect(b.atLeast(10_000).filter((s) => s.country === 'UA').length).toBeGreaterThan(300);
  });
});

describe('import of KML and GeoJSON', () => {
  const kml = `<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><name>Option K</name>
<LineString><coordinates>37.0,48.0,0 37.5,48.5,0 38.0,49.0,0</coordinates></LineString></Placemark></Document></kml>`;

  it('reads the line and the name of a KML placemark', () => {
    expect(geometryFromKml(kml)).toEqual({ line: { type: 'MultiLineString', coordinates: [[[37, 48], [37.5, 48.5], [38, 49]]] }, name: 'Option K' });
  });

  it('refuses a DTD (entity expansion) and a document without lines or polygons', () => {
    const bomb = `<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><kml><Document><name>&b;</name></Document></kml>`;
    expect(() => geometryFromKml(bomb)).toThrow(/DOCTYPE/);
    expect(() => geometryFromGeoJson({ type: 'Point', coordinates: [37, 48] })).toThrow(/no LineString or Polygon/);
  });
});
