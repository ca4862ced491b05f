/**
 * The daily report on a fixed fixture day: counts checked against hand-computed figures, the
 * previous period compared, other sources kept apart, audiences holding only what is released to
 * them (the public one never a non-PUBLIC record), and the same inputs giving the same bytes.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportNumber, reportPeriods, zonedInstant } from '../../src/domain/daily-report';
import { demoSectors } from '../../src/demo/demo-sectors';
import { ObservationIngest } from '../../src/services/observation-ingest';
import { testApp } from '../support/app';
import { testUser } from '../support/auth';
import { observationInput } from '../support/factories';

let t: Awaited<ReturnType<typeof testApp>>;
const havePoppler = (() => {
  try {
    execFileSync('pdftotext', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
if (!havePoppler && process.env.CI === 'true') throw new Error('pdftotext/pdftoppm (Debian poppler-utils) are needed for the PDF tests; .ci/run installs them');
// 2026-03-10: Kyiv is UTC+2, so the 19:30 cut-off is 17:30Z; the period is 9 Mar 17:30Z to 10 Mar 17:30Z.
const DATE = '2026-03-10';
const at = (iso: string) => new Date(iso).toISOString();
const DONETSK = { lat: 47.9, lon: 37.0, accuracyM: 200 }; // in the demo's Donetsk sector
const KHARKIV = { lat: 49.7, lon: 37.6, accuracyM: 200 };

beforeAll(async () => {
  t = await testApp({ anonymous: true });
  await t.store.sectors.upsertMany(demoSectors());
  const ingest = new ObservationIngest(t.store);
  ingest.invalidateSectors();
  const rows = [
    // The period: own sources.
    observationInput({ kind: 'explosion', subkind: 'impact', count: 3, observedAt: at('2026-03-09T18:00:00Z'), location: DONETSK, releasability: 'PUBLIC' }),
    observationInput({ kind: 'explosion', subkind: 'outgoing', count: 2, observedAt: at('2026-03-10T05:00:00Z'), location: DONETSK, releasability: 'COALITION' }),
    observationInput({ kind: 'burst', subkind: undefined, count: 4, observedAt: at('2026-03-10T17:29:00Z'), location: KHARKIV, releasability: 'PUBLIC' }),
    observationInput({ kind: 'shot', subkind: undefined, count: 1, observedAt: at('2026-03-10T10:00:00Z'), location: KHARKIV, releasability: 'MECHANISM' }),
    observationInput({ kind: 'explosion', subkind: 'airburst', count: 5, observedAt: at('2026-03-10T11:00:00Z'), location: DONETSK, releasability: 'REL TO RUS, UKR' }),
    // A partner's report in the period: listed apart, not counted.
    observationInput({ kind: 'explosion', subkind: 'impact', count: 7, observedAt: at('2026-03-10T12:00:00Z'), location: DONETSK, releasability: 'PUBLIC', source: { kind: 'partner', reporter: 'partner-a' } }),
    // Other kinds of the period.
    observationInput({ kind: 'access_restriction', subkind: undefined, count: 1, observedAt: at('2026-03-10T08:00:00Z'), location: KHARKIV, releasability: 'PUBLIC', notes: 'Patrol stopped at a checkpoint near the bridge (Патруль зупинено біля мосту)' }),
    observationInput({ kind: 'casualty', subkind: undefined, count: 2, observedAt: at('2026-03-10T09:00:00Z'), location: DONETSK, releasability: 'COALITION', notes: 'Two civilians injured' }),
    // Just outside: at the cut-off (belongs to the next report) and the previous period.
    observationInput({ kind: 'burst', subkind: undefined, count: 9, observedAt: at('2026-03-10T17:30:00Z'), location: KHARKIV, releasability: 'PUBLIC' }),
    observationInput({ kind: 'explosion', subkind: 'impact', count: 6, observedAt: at('2026-03-09T12:00:00Z'), location: DONETSK, releasability: 'PUBLIC' }),
  ];
  const results = await ingest.submit(rows, { channel: 'http', rawId: null });
  expect(results.map((r) => r.status)).toEqual(rows.map(() => 'created'));
});
afterAll(async () => {
  await t?.close();
});

const get = async (url: string, headers: Record<string, string> = {}) => t.app.inject({ url, headers });
type Json = {
  number: string;
  observationIds: string[];
  violations: { total: Record<string, number>; previousTotal: Record<string, number>; bySector: { area: string; current: Record<string, number>; change: number }[] };
  otherSources: { sourceKind: string; total: number }[];
  restrictions: { notes: string; place: string | null }[];
  casualties: { place: string | null }[];
  trend: { day: string; sector: string; total: number }[];
};

describe('daily report', () => {
  it('numbers and periods follow from the date and the cut-off in Kyiv time, DST included', () => {
    expect(reportNumber('2026-03-10')).toBe('069/2026');
    expect(reportNumber('2026-12-31')).toBe('365/2026');
    expect(reportPeriods(DATE, { time: '19:30', timeZone: 'Europe/Kyiv' }).period).toEqual({ from: '2026-03-09T17:30:00.000Z', to: '2026-03-10T17:30:00.000Z' });
    // Summer time: UTC+3.
    expect(zonedInstant('2026-07-01', '19:30', 'Europe/Kyiv').toISOString()).toBe('2026-07-01T16:30:00.000Z');
  });

  it('the cell version: hand-computed counts by kind and sector, against the previous period', async () => {
    const cell = await testUser(t.store, { nation: 'DEU', orgKind: 'cell', roles: ['cell_officer'] });
    const res = await get(`/api/reports/daily/${DATE}?audience=cell`, cell.headers);
    expect(res.statusCode).toBe(200);
    const r = res.json() as Json;
    expect(r.number).toBe('069/2026');
    // PUBLIC + COALITION own sources in the period: impact 3, outgoing 2, burst 4 (the MECHANISM shot and the REL TO airburst are not the cell's).
    expect(r.violations.total).toMatchObject({ explosion_impact: 3, explosion_outgoing: 2, explosion_airburst: 0, burst: 4, shot: 0, total: 9 });
    expect(r.violations.previousTotal).toMatchObject({ explosion_impact: 6, total: 6 });
    const donetsk = r.violations.bySector.find((s) => s.area === 'donetsk')!;
    expect(donetsk.current.total).toBe(5);
    expect(donetsk.change).toBe(-1);
    expect(r.otherSources).toEqual([{ sourceKind: 'partner', total: 7 }]);
    expect(r.restrictions.map((x) => x.notes)).toEqual(['Patrol stopped at a checkpoint near the bridge (Патруль зупинено біля мосту)']);
    expect(r.casualties).toHaveLength(1);
    // Places in English with the Ukrainian in brackets: the restriction is 1-2 km from Kupiansk.
    expect(r.restrictions[0]!.place).toMatch(/^\d\.\d km [NESW]{1,2} of Kupiansk \(Куп'янськ\)$/);
    expect(r.casualties[0]!.place).toMatch(/^(in |\d+(\.\d)? km [NESW]{1,2} of )[A-Z][a-z' -]+ \([\u0400-\u04ff' -]+\)$/);
    expect(r.trend.reduce((n, x) => n + x.total, 0)).toBe(15); // 9 now + 6 before, own sources, cell labels
  });

  it('the parties version adds what is released to both parties; the public one holds PUBLIC records only', async () => {
    const parties = await testUser(t.store, { nation: 'RUS', orgKind: 'party', roles: ['liaison_officer'] });
    // A party's liaison may not read the cell version (COALITION is not released to a party).
    expect((await get(`/api/reports/daily/${DATE}?audience=cell`, parties.headers)).statusCode).toBe(404);
    const pub = (await get(`/api/reports/daily/${DATE}?audience=public`)).json() as Json;
    expect(pub.violations.total).toMatchObject({ explosion_impact: 3, burst: 4, total: 7 });
    const stored = await Promise.all(pub.observationIds.map((id) => t.store.observations.get(id, { all: true })));
    expect(stored.every((o) => o?.releasability === 'PUBLIC')).toBe(true);
    const mech = await testUser(t.store, { roles: ['analyst'] });
    const both = (await get(`/api/reports/daily/${DATE}?audience=parties`, mech.headers)).json() as Json;
    expect(both.violations.total).toMatchObject({ explosion_airburst: 5, total: 12 });
    // Anonymous readers get the public version only.
    expect((await get(`/api/reports/daily/${DATE}?audience=parties`)).statusCode).toBe(404);
  });

  it('the same inputs give byte-identical JSON; the HTML names the report and its counts', async () => {
    const a = (await get(`/api/reports/daily/${DATE}?audience=public`)).body;
    const b = (await get(`/api/reports/daily/${DATE}?audience=public`)).body;
    expect(a).toBe(b);
    const html = await get(`/api/reports/daily/${DATE}?audience=public&format=html`);
    expect(html.headers['content-type']).toMatch(/text\/html/);
    expect(html.body).toContain('Daily report 069/2026');
    expect(html.body).toContain('Kupiansk (Куп&#39;янськ)');
    expect(html.body).toContain('<svg');
    expect(html.body).not.toContain('<script');
  });

  it('drafts, reviews, approves and publishes by role; the public sees only published public reports, also in the Atom feed', async () => {
    const analyst = await testUser(t.store, { roles: ['analyst'] });
    const chief = await testUser(t.store, { roles: ['chief_monitor'] });
    const draft = await t.app.inject({ method: 'POST', url: '/api/reports', headers: analyst.headers, payload: { date: DATE, audience: 'public' } });
    expect(draft.statusCode).toBe(201);
    const id = (draft.json() as { id: string }).id;
    const step = (headers: Record<string, string>, to: string, reason?: string) => t.app.inject({ method: 'POST', url: `/api/reports/${id}/steps`, headers, payload: { to, ...(reason ? { reason } : {}) } });
    // Not public before it is published, not even a public-audience draft.
    expect((await get(`/api/reports/${id}`)).statusCode).toBe(404);
    expect((await step(analyst.headers, 'approved')).statusCode).toBe(409); // draft cannot be approved
    expect((await step(analyst.headers, 'reviewed')).statusCode).toBe(200);
    expect((await step(analyst.headers, 'approved')).statusCode).toBe(403); // an analyst does not approve
    expect((await step(chief.headers, 'draft')).statusCode).toBe(400); // back to draft needs a reason
    expect((await step(chief.headers, 'approved')).statusCode).toBe(200);
    const published = await step(chief.headers, 'published');
    expect(published.statusCode).toBe(200);
    expect((published.json() as { history: { to: string }[] }).history.map((h) => h.to)).toEqual(['draft', 'reviewed', 'approved', 'published']);
    const mine = (await get(`/api/reports/${id}`)).json() as { number: string; content: { number: string } };
    expect(mine.content.number).toBe('069/2026');
    expect((await get('/api/reports')).json().items.map((r: { id: string }) => r.id)).toContain(id);
    const html = await get(`/api/reports/${id}/html`);
    expect(html.body).toContain('Daily report 069/2026');
    const feed = await get('/api/reports/feed.atom');
    expect(feed.headers['content-type']).toMatch(/atom\+xml/);
    expect(feed.body).toContain(`urn:uuid:${id}`);
    // A cell report drafted and published stays out of the public list and feed.
    const cellDraft = (await t.app.inject({ method: 'POST', url: '/api/reports', headers: analyst.headers, payload: { date: DATE, audience: 'cell' } })).json() as { id: string };
    expect((await get(`/api/reports/${cellDraft.id}`)).statusCode).toBe(404);
    const admin = await testUser(t.store, { roles: ['admin'] });
    const audit = (await get(`/api/audit?entity=report&entityId=${id}`, admin.headers)).json() as { items: { action: string }[] };
    expect(audit.items.map((e) => e.action).sort()).toEqual(['report.approved', 'report.draft', 'report.published', 'report.reviewed']);
  });

  it('open data: the mechanism\'s own PUBLIC observations only, as ACLED CSV, GeoJSON and KML, with attribution', async () => {
    const all = await Promise.all((await t.store.observations.list({ visibility: { all: true }, limit: 1000 })).items.map(async (o) => o));
    const expected = all.filter((o) => o.releasability === 'PUBLIC' && o.source.kind !== 'partner' && o.source.kind !== 'osint').map((o) => o.id).sort();
    expect(expected.length).toBeGreaterThan(2);
    const geo = await get('/api/open-data/observations.geojson');
    expect(geo.statusCode).toBe(200);
    const fc = geo.json() as { attribution: string; features: { id: string }[] };
    expect(fc.attribution).toMatch(/OpenStreetMap/);
    expect(fc.features.map((f) => f.id).sort()).toEqual(expected);
    const csv = await get('/api/open-data/observations.csv');
    expect(csv.headers.attribution).toMatch(/OpenStreetMap/);
    expect(all.filter((o) => csv.body.includes(o.id)).map((o) => o.id).sort()).toEqual(expected);
    const kml = await get('/api/open-data/observations.kml');
    expect((kml.body.match(/<Placemark /g) ?? []).length).toBe(expected.length);
    expect(kml.body).toContain('<description>Observations: Truceline');
  });

  it.skipIf(!havePoppler)(`the PDF: expected pages rendered, numbers and Cyrillic text extractable${havePoppler ? '' : ' (skipped: poppler-utils not installed)'}`, async () => {
    const cell = await testUser(t.store, { nation: 'DEU', orgKind: 'cell', roles: ['cell_officer'] });
    const res = await get(`/api/reports/daily/${DATE}?audience=cell&format=pdf`, cell.headers);
    expect(res.headers['content-type']).toBe('application/pdf');
    const dir = mkdtempSync(join(tmpdir(), 'truceline-pdf-'));
    const file = join(dir, 'report.pdf');
    writeFileSync(file, res.rawPayload);
    const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    expect(text).toContain('Daily report 069/2026');
    expect(text).toContain('Патруль зупинено біля мосту');
    expect(text).toContain("of Kupiansk (Куп'янськ)");
    expect(text).not.toContain('()');
    expect(text).toMatch(/In all: 9 \(previous period 6, \+3\)/);
    execFileSync('pdftoppm', ['-png', '-r', '50', file, join(dir, 'page')]);
    const pages = readdirSync(dir).filter((f) => f.endsWith('.png'));
    expect(pages.length).toBeGreaterThanOrEqual(1);
    expect(pages.length).toBeLessThanOrEqual(3);
  });

  it('an issued report cites the log checkpoint made for it', async () => {
    const analyst = await testUser(t.store, { roles: ['analyst'] });
    const issued = (await t.app.inject({ method: 'POST', url: '/api/reports', headers: analyst.headers, payload: { date: DATE, audience: 'cell' } })).json() as { id: string; cites: { treeSize: number; rootHash: string } };
    expect(issued.cites.treeSize).toBeGreaterThan(0);
    const latest = (await get('/api/log/checkpoints')).json() as { latest: { treeSize: number; rootHash: string } };
    expect(latest.latest.treeSize).toBe(issued.cites.treeSize);
    expect(latest.latest.rootHash).toBe(issued.cites.rootHash);
    expect((await get(`/api/reports/${issued.id}/html`, analyst.headers)).body).toContain(`checkpoint ${issued.cites.treeSize}`);
  });

  it('lists the incidents verified in the period, with finding and attribution, for the audiences that may see them', async () => {
    const [fra, deu, chief, mon] = await Promise.all([
      testUser(t.store, { nation: 'FRA', roles: ['analyst'] }),
      testUser(t.store, { nation: 'DEU', roles: ['analyst'] }),
      testUser(t.store, { nation: 'NOR', roles: ['chief_monitor'] }),
      testUser(t.store, { roles: ['monitor'] }),
    ]);
    const at = Date.now() - 3600_000;
    for (let k = 0; k < 2; k++) {
      const o = observationInput({ kind: 'explosion', subkind: 'impact', observedAt: new Date(at + k * 60_000).toISOString(), location: { lat: 47.95, lon: 37.05 + k * 0.001, accuracyM: 200 }, releasability: 'COALITION' });
      expect((await t.app.inject({ method: 'POST', url: '/api/observations', headers: mon.headers, payload: o })).statusCode).toBe(201);
    }
    let id: string | undefined;
    for (let i = 0; i < 50 && !id; i++) {
      const page = (await get('/api/incidents?state=received&sort=recent', mon.headers)).json() as { items: { id: string; releasability: string }[] };
      id = page.items.find((x) => x.releasability === 'COALITION')?.id;
      if (!id) await new Promise((r) => setTimeout(r, 100));
    }
    expect(id).toBeDefined();
    const step = async (h: Record<string, string>, body: object) => {
      const r = await t.app.inject({ method: 'POST', url: `/api/incidents/${id}/transitions`, headers: h, payload: body });
      expect(r.statusCode, r.body).toBe(200);
    };
    await step(fra.headers, { to: 'triaged' });
    await step(fra.headers, { to: 'findings', assessment: { finding: 'violation', attribution: 'RUS', confidence: 'medium', rationale: 'Two impacts seen from two posts.' } });
    await step(deu.headers, { to: 'review' });
    await step(chief.headers, { to: 'verified_violation' });
    // The report of the period that holds now.
    const today = new Date().toISOString().slice(0, 10);
    const date = Date.now() < Date.parse(reportPeriods(today, { time: '19:30', timeZone: 'Europe/Kyiv' }).period.to) ? today : new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const cell = (await get(`/api/reports/daily/${date}?audience=cell`, mon.headers)).json() as { verifiedIncidents: { id: string; verdict: string; attribution: string }[] };
    expect(cell.verifiedIncidents).toEqual([expect.objectContaining({ id, verdict: 'verified_violation', attribution: 'RUS' })]);
    const pub = (await get(`/api/reports/daily/${date}?audience=public`)).json() as { verifiedIncidents: unknown[] };
    expect(pub.verifiedIncidents).toEqual([]);
    // The spot report of that incident, from its page, in the same formats.
    const spot = (await get(`/api/incidents/${id}/spot-report?format=json`, mon.headers)).json() as { where: string; observations: { place: string }[]; assessment: { attribution: string; confirmedBy: string } };
    expect(spot.observations).toHaveLength(2);
    // Where, in words, English with the Ukrainian beside it: the town and the oblast.
    expect(spot.where).toMatch(/^\d+(\.\d)? km [NSEW]{1,2} of [A-Z][a-z' -]+ \([А-ЯІЇЄҐа-яіїєґ'’ -]+\), Donetsk Oblast \(Донецька область\)$/);
    expect(spot.observations.every((o) => / of .+ \(.+\)$/.test(o.place))).toBe(true);
    expect(spot.assessment).toMatchObject({ attribution: 'RUS', confirmedBy: expect.stringMatching(/\(DEU\)$/) });
    expect((await get(`/api/incidents/${id}/spot-report?format=html`, mon.headers)).body).toContain('<h1>Spot report: fire');
    const pdf = await get(`/api/incidents/${id}/spot-report?format=pdf`, mon.headers);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    if (havePoppler) {
      const file = join(mkdtempSync(join(tmpdir(), 'truceline-spot-')), 'spot.pdf');
      writeFileSync(file, pdf.rawPayload);
      expect(execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' })).toContain(`Where: ${spot.where}`);
    }
    const rus = await testUser(t.store, { nation: 'RUS', orgKind: 'party', roles: ['liaison_officer'] });
    expect((await get(`/api/incidents/${id}/spot-report`, rus.headers)).statusCode).toBe(404);
  });
});
