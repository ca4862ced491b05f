import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { readAgreementFile } from '../agreement/agreement-file';
import { loadDefaultAgreement } from '../agreement/default-agreement';
import { InvalidInputError } from '../domain/errors';
import { bundledGazetteer, displayName, osmGazetteer } from '../geo/gazetteer';
import { compareLand, type InfrastructureFeature, type LandComparison } from '../geo/land-compare';
import { landComparisonPdf } from '../services/land-pdf';
import { bandsOf, geometryFromGeoJson, geometryFromKml, landSideOf, type LandCompareResult } from '../services/land.service';

interface CompareOptions {
  settlements?: string;
  agreement?: string;
  infrastructure?: string[];
  json?: boolean;
  pdf?: string;
  top: string;
}

function readSideFile(path: string) {
  const text = readFileSync(path, 'utf8');
  const g = /\.kml$/i.test(path) || text.trimStart().startsWith('<') ? geometryFromKml(text) : geometryFromGeoJson(JSON.parse(text), path);
  return { name: basename(path).replace(/\.(geo)?json$|\.kml$/i, ''), line: g.line ?? null, area: g.area ?? null };
}

function readInfrastructure(paths: readonly string[]): InfrastructureFeature[] {
  const out: InfrastructureFeature[] = [];
  for (const path of paths) {
    const doc = JSON.parse(readFileSync(path, 'utf8')) as { features?: { id?: unknown; properties?: Record<string, unknown>; geometry?: InfrastructureFeature['geometry'] }[] };
    (doc.features ?? []).forEach((f, i) => {
      if (!f.geometry || !['LineString', 'MultiLineString', 'Point'].includes(f.geometry.type)) return;
      const p = f.properties ?? {};
      const kind = String(p.kind ?? p.railway ?? p.highway ?? p.power ?? p.man_made ?? basename(path).replace(/\.(geo)?json$/i, ''));
      out.push({ id: String(f.id ?? p.id ?? `${basename(path)}#${i}`), name: String(p.name ?? p.ref ?? `${kind} ${i}`), kind, geometry: f.geometry });
    });
  }
  return out;
}

const n = (x: number) => x.toLocaleString('en-GB', { maximumFractionDigits: 1 });

function printComparison(name: string, reference: string, c: LandComparison, top: number): void {
  console.log(`\n${name} against ${reference}`);
  const rows: [string, string][] = [
    ['area held, reference (km²)', n(c.referenceAreaKm2)],
    ['area held, option (km²)', n(c.optionAreaKm2)],
    ['area joining the option side (km²)', n(c.gainedKm2)],
    ['area leaving the option side (km²)', n(c.lostKm2)],
    ['area changing sides (km²)', n(c.changedKm2)],
    ['settlements joining / people', `${c.settlementsGained.length} / ${n(c.peopleGained)}`],
    ['settlements leaving / people', `${c.settlementsLost.length} / ${n(c.peopleLost)}`],
    ['new line length (km)', n(c.newLineLengthKm)],
    ...c.zones.map((z): [string, string] => [`within ${n(z.band.distanceM / 1000)} km (${z.band.label})`, `${z.settlements.length} settlements / ${n(z.people)} people`]),
  ];
  const w = Math.max(...rows.map((r) => r[0].length));
  for (const [k, v] of rows) console.log(`  ${k.padEnd(w)}  ${v}`);
  const names = (list: LandComparison['settlementsGained']) =>
    list.slice(0, top).map((s) => `${displayName(s)}${s.population ? ` (${n(s.population)})` : ''}`).join(', ') + (list.length > top ? `, … ${list.length - top} more` : '');
  if (c.settlementsGained.length) console.log(`  joining: ${names(c.settlementsGained)}`);
  if (c.settlementsLost.length) console.log(`  leaving: ${names(c.settlementsLost)}`);
  const towns = c.towns.filter((t) => t.distanceKm <= 50);
  if (towns.length) {
    console.log(`  towns over 10,000 within 50 km of the new line (km, side):`);
    for (const t of towns.slice(0, top)) console.log(`    ${displayName(t).padEnd(36)} ${n(t.distanceKm).padStart(6)}  ${t.side === 'inside' ? 'option side' : 'other side'}${t.side !== t.referenceSide ? ' (changes side)' : ''}`);
  }
  for (const f of c.infrastructure) if (f.crossings || f.changesSide) console.log(`  ${f.kind} ${f.name}: crossed ${f.crossings}×${f.changesSide ? ', changes side' : ''}`);
}

/**
 * `truceline land compare REFERENCE OPTION [OPTION...]`: each file a line or an occupied-area
 * polygon (GeoJSON or KML); the line of a polygon is derived as `agreement line-from-area` does.
 */
export async function landCompareCommand(reference: string, options: string[], opts: CompareOptions): Promise<void> {
  if (options.length < 1 || options.length > 3) throw new InvalidInputError('OPTION', 'name one to three option files');
  const started = performance.now();
  const gazetteer = opts.settlements ? osmGazetteer(opts.settlements) : bundledGazetteer();
  const settlements = gazetteer.settlements.filter((s) => s.country === undefined || s.country === 'UA');
  const agreement = opts.agreement ? readAgreementFile(opts.agreement) : loadDefaultAgreement();
  const version = agreement.versions[agreement.versions.length - 1];
  const bands = version ? bandsOf(version) : [];
  const infrastructure = readInfrastructure(opts.infrastructure ?? []);
  const ref = readSideFile(reference);
  const refSide = landSideOf(ref);
  const comparisons = options.map((path) => {
    const o = readSideFile(path);
    const side = landSideOf(o);
    return { ...compareLand({ reference: refSide, option: side, settlements, bands, infrastructure }), option: { ...o, line: { type: 'MultiLineString' as const, coordinates: side.line } } };
  });
  const result: LandCompareResult = {
    reference: { ...ref, line: { type: 'MultiLineString', coordinates: refSide.line } },
    bands,
    comparisons,
    attribution: gazetteer.attribution,
    ms: Math.round(performance.now() - started),
  };
  if (opts.json) console.log(JSON.stringify(result));
  else {
    console.log(`Land options against ${ref.name} (areas geodesic on WGS84; zones of agreement "${agreement.agreement.id}")`);
    for (const c of comparisons) printComparison(c.option.name, ref.name, c, Number(opts.top));
    console.log(`\n${gazetteer.attribution}`);
  }
  if (opts.pdf) {
    writeFileSync(opts.pdf, await landComparisonPdf(result));
    console.error(`PDF written to ${opts.pdf}`);
  }
}

export function registerLandCommands(program: Command): void {
  const land = program.command('land').description('Land options: compare proposed demarcation lines');
  land
    .command('compare')
    .description('Compare options with a reference: area changing sides (km²), settlements and people, zones, towns over 10,000, infrastructure')
    .argument('<reference>', 'GeoJSON or KML file: a line, or an occupied-area polygon (its line is derived)')
    .argument('<options...>', 'one to three option files, each like the reference')
    .option('--settlements <csv>', 'OSM settlements CSV instead of the bundled GeoNames list')
    .option('--agreement <file>', 'agreement file whose zones to apply around each new line (default: the shipped default)')
    .option('--infrastructure <files...>', 'GeoJSON layers of roads, rail, power or water sites')
    .option('--json', 'print the whole comparison as JSON')
    .option('--pdf <file>', 'also write the comparison as a PDF')
    .option('--top <n>', 'how many settlements and towns to list', '15')
    .action(landCompareCommand);
}
