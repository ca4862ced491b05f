import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { HAVE_SHARED, SHARED_GEO, SHARED_NOTE } from '../geo/shared-data';

const run = promisify(execFile);
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'truceline.js');
type Result = { stdout: string; stderr: string; code?: number };
const truceline = (args: string[]) => run(process.execPath, [BIN, ...args], { timeout: 120_000, maxBuffer: 64 << 20 }).catch((e: Result) => e) as Promise<Result>;
const DS = (date: string) => join(SHARED_GEO, 'deepstate-occupied', `deepstatemap_data_${date}.geojson`);
const OSM_SETTLEMENTS = join(SHARED_GEO, 'settlements', 'ukraine-settlements-osm-partial.csv');

function hasPdftotext(): boolean {
  try {
    execFileSync('pdftotext', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    if (process.env.CI === 'true') throw new Error('pdftotext (poppler-utils) is required when CI=true');
    console.warn('[land cli] SKIPPING the PDF text check: pdftotext (poppler-utils) is not installed');
    return false;
  }
}

describe('truceline land compare', () => {
  it('compares two drawn lines (each closed against the border, held side on its left) with infrastructure', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'truceline-land-cli-'));
    const line = (lon: number) => ({ type: 'Feature', properties: {}, geometry: { type: 'LineString', coordinates: [[lon, 47.0], [lon, 48.0], [lon, 49.0], [lon, 50.2]] } });
    writeFileSync(join(dir, 'ref.geojson'), JSON.stringify(line(37.5)));
    writeFileSync(join(dir, 'option.geojson'), JSON.stringify(line(37.4)));
    writeFileSync(
      join(dir, 'roads.geojson'),
      JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', properties: { name: 'H-20', highway: 'primary' }, geometry: { type: 'LineString', coordinates: [[36.5, 48.5], [38.5, 48.5]] } }] }),
    );
    const r = await truceline(['land', 'compare', join(dir, 'ref.geojson'), join(dir, 'option.geojson'), '--infrastructure', join(dir, 'roads.geojson')]);
    expect(r.code ?? 0).toBe(0);
    expect(r.stdout).toContain('option against ref');
    // Northward lines: the held side is the west, so moving the line 0.1° west gives area back.
    const lost = Number(/area leaving the option side \(km²\)\s+([\d,.]+)/.exec(r.stdout)![1]!.replaceAll(',', ''));
    expect(lost).toBeGreaterThan(1_000);
    expect(lost).toBeLessThan(3_000);
    expect(r.stdout).toMatch(/area joining the option side \(km²\)\s+0\b/);
    expect(r.stdout).toMatch(/primary H-20: crossed 1×/);
    expect(r.stdout).toMatch(/GeoNames.*CC BY 4\.0/);
  }, 120_000);

  it('refuses more than three options', async () => {
    const r = await truceline(['land', 'compare', 'a.geojson', 'b', 'c', 'd', 'e']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/one to three option files/);
  });

  describe(`two DeepState dates${SHARED_NOTE}`, () => {
    it.skipIf(!HAVE_SHARED)(
      'prints the table of 2026-08-22 against 2025-08-01 (lines derived from the areas) with settlements on each side, and writes a PDF with Ukrainian names',
      async () => {
        const dir = mkdtempSync(join(tmpdir(), 'truceline-land-cli-'));
        const pdf = join(dir, 'compare.pdf');
        const r = await truceline(['land', 'compare', DS('20250801'), DS('20260822'), '--settlements', OSM_SETTLEMENTS, '--pdf', pdf, '--top', '10']);
        expect(r.code ?? 0).toBe(0);
        console.info(`[land cli]\n${r.stdout.split('\n').slice(0, 12).join('\n')}`);
        const num = (label: string) => Number(new RegExp(`${label} \\(km²\\)\\s+([\\d,.]+)`).exec(r.stdout)![1]!.replaceAll(',', ''));
        expect(num('area joining the option side')).toBeGreaterThan(1_000);
        expect(num('area joining the option side')).toBeLessThan(10_000);
        expect(num('area changing sides')).toBeCloseTo(num('area joining the option side') + num('area leaving the option side'), 0);
        expect(r.stdout).toMatch(/joining: Pokrovsk \(Покровськ\)/);
        expect(r.stdout).toMatch(/leaving: \S/);
        expect(r.stdout).toMatch(/within 15 km \(Security zone\)\s+\d+ settlements/);
        expect(r.stdout).toMatch(/© OpenStreetMap contributors/);
        expect(existsSync(pdf)).toBe(true);
        expect(readFileSync(pdf).subarray(0, 5).toString()).toBe('%PDF-');
        if (hasPdftotext()) {
          const text = execFileSync('pdftotext', ['-enc', 'UTF-8', pdf, '-'], { encoding: 'utf8' });
          expect(text).toContain('Покровськ');
          expect(text).toMatch(/Settlements joining the option side \(\d+\)/);
        }
      },
      180_000,
    );
  });
});
