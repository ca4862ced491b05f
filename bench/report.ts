/**
 * Report benchmark: `npm run bench -- report [--rows 1000000] [--day 10000] [--rounds 3]`.
 * A SQLite store of 1,000,000 observations over 180 days (labels of every kind, the mechanism's
 * own sources and others), 10,000 of them in the report's period; then the daily report of that
 * date for the cell, built from the store and rendered: `report_json_s` (build + canonical JSON),
 * `report_html_s` (build + HTML), `report_pdf_s` (build + PDF), and `report_all_formats_s` (one
 * build rendered as all three). Median of the rounds, wall clock.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { canonicalJson, reportPeriods } from '../src/domain/daily-report';
import type { Observation, ObservationKind } from '../src/domain/observation';
import { dailyReportHtml } from '../src/reports/daily-report.html';
import { dailyReportPdf } from '../src/reports/daily-report.pdf';
import { dailyReport, DEFAULT_CUT_OFF } from '../src/services/daily-report.service';
import { prng } from '../src/demo/prng';
import { ILLUSTRATIVE_LINE_COORDS } from '../src/demo/contact-line';
import type { StoredObservation } from '../src/store/repository';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store';

const args = process.argv.slice(2);
const num = (name: string, dflt: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]!.replace(/_/g, '')) : dflt;
};
const ROWS = num('rows', 1_000_000);
const DAY_ROWS = num('day', 10_000);
const ROUNDS = num('rounds', 3);
const DATE = '2026-06-30';
const info = (m: string) => process.stderr.write(`${m}\n`);
const out = (o: Record<string, unknown>) => process.stdout.write(`${JSON.stringify({ bench: 'report', ...o })}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const KINDS: ObservationKind[] = ['explosion', 'explosion', 'explosion', 'burst', 'shot', 'weapon_sighting', 'damage', 'casualty', 'access_restriction', 'flight'];
const SUBKINDS = ['impact', 'airburst', 'outgoing', 'undetermined'] as const;
const SOURCES = ['monitor', 'monitor', 'camera', 'uav', 'sensor', 'tak', 'partner', 'osint'] as const;
const LABELS = ['PUBLIC', 'COALITION', 'COALITION', 'MECHANISM', 'MECHANISM', 'REL TO FRA, GBR', 'REL TO RUS, UKR'];
const SECTORS = ['kharkiv', 'lyman-siversk', 'donetsk', 'zaporizhzhia', 'kherson'];

function observation(r: () => number, t: number): StoredObservation {
  const line = ILLUSTRATIVE_LINE_COORDS;
  const i = Math.floor(r() * (line.length - 1));
  const [x0, y0] = line[i]!;
  const [x1, y1] = line[i + 1]!;
  const u = r();
  const kind = KINDS[Math.floor(r() * KINDS.length)]!;
  const o: Observation = {
    id: uuidv7({ msecs: t }),
    kind,
    ...(kind === 'explosion' ? { subkind: SUBKINDS[Math.floor(r() * 4)]! } : {}),
    observedAt: new Date(t).toISOString(),
    location: { lon: x0 + (x1 - x0) * u + (r() - 0.5) * 0.3, lat: y0 + (y1 - y0) * u + (r() - 0.5) * 0.3, accuracyM: 300 },
    count: 1 + Math.floor(r() * 4),
    source: { kind: SOURCES[Math.floor(r() * SOURCES.length)]!, reporter: 'bench' },
    releasability: LABELS[Math.floor(r() * LABELS.length)]!,
    sector: SECTORS[Math.floor(r() * SECTORS.length)]!,
    receivedAt: new Date(t + 60_000).toISOString(),
    ...(kind === 'access_restriction' || kind === 'casualty' ? { notes: 'bench note' } : {}),
  } as Observation;
  return { observation: o, contentHash: createHash('sha256').update(o.id).digest('base64url'), rawId: null };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'truceline-bench-report-'));
  const store = openSqliteStore(join(dir, 'report.db'));
  try {
    const { period } = reportPeriods(DATE, DEFAULT_CUT_OFF);
    const dayFrom = Date.parse(period.from);
    const span = 180 * 86_400_000;
    const r = prng(7);
    info(`loading ${ROWS.toLocaleString('en')} observations (${DAY_ROWS.toLocaleString('en')} in the period of ${DATE})…`);
    const t0 = performance.now();
    const BATCH = 5000;
    for (let done = 0; done < ROWS; done += BATCH) {
      const n = Math.min(BATCH, ROWS - done);
      const batch = Array.from({ length: n }, (_, k) => {
        const idx = done + k;
        // The period's rows spread through its 24 hours; the others over the 180 days before it.
        const t = idx < DAY_ROWS ? dayFrom + Math.floor((idx / DAY_ROWS) * 86_400_000) : dayFrom - 1 - Math.floor(r() * span);
        return observation(r, t);
      });
      await store.observations.insertMany(batch);
    }
    info(`loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const json: number[] = [];
    const html: number[] = [];
    const pdf: number[] = [];
    const all: number[] = [];
    let size = 0;
    for (let round = 0; round < ROUNDS; round++) {
      let t = performance.now();
      const a = canonicalJson(await dailyReport(store, DATE, 'cell'));
      json.push((performance.now() - t) / 1000);
      t = performance.now();
      const h = dailyReportHtml(await dailyReport(store, DATE, 'cell'));
      html.push((performance.now() - t) / 1000);
      t = performance.now();
      const p = await dailyReportPdf(await dailyReport(store, DATE, 'cell'));
      pdf.push((performance.now() - t) / 1000);
      t = performance.now();
      const once = await dailyReport(store, DATE, 'cell');
      await Promise.all([canonicalJson(once), dailyReportHtml(once), dailyReportPdf(once)]);
      all.push((performance.now() - t) / 1000);
      size = a.length + h.length + p.length;
      info(`round ${round + 1}: json ${json[round]!.toFixed(3)} s, html ${html[round]!.toFixed(3)} s, pdf ${pdf[round]!.toFixed(3)} s, all ${all[round]!.toFixed(3)} s (${(size / 1e6).toFixed(1)} MB in all)`);
    }
    out({ metric: 'report_json_s', value: Math.round(median(json) * 1000) / 1000, unit: 's', rows: ROWS, period_rows: DAY_ROWS, statistic: `median of ${ROUNDS}` });
    out({ metric: 'report_html_s', value: Math.round(median(html) * 1000) / 1000, unit: 's', statistic: `median of ${ROUNDS}` });
    out({ metric: 'report_pdf_s', value: Math.round(median(pdf) * 1000) / 1000, unit: 's', statistic: `median of ${ROUNDS}` });
    out({ metric: 'report_all_formats_s', value: Math.round(median(all) * 1000) / 1000, unit: 's', target: 2, pass: median(all) < 2, statistic: `median of ${ROUNDS}` });
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
