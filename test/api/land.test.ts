import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHARED_GEO, HAVE_SHARED, SHARED_NOTE } from '../geo/shared-data';
import { testApp } from '../support/app';
import { testUser } from '../support/auth';

const deepstate = (date: string) => JSON.parse(readFileSync(join(SHARED_GEO, 'deepstate-occupied', `deepstatemap_data_${date}.geojson`), 'utf8')).features[0].geometry;

/** pdftotext (poppler-utils) reads the PDF's text as a reader would; CI installs it. */
function pdfText(pdf: Buffer): string | null {
  const file = join(mkdtempSync(join(tmpdir(), 'truceline-land-pdf-')), 'c.pdf');
  writeFileSync(file, pdf);
  try {
    return execFileSync('pdftotext', ['-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && process.env.CI !== 'true') return null;
    throw err;
  }
}

describe('land options API', () => {
  let t: Awaited<ReturnType<typeof testApp>>;
  beforeAll(async () => {
    t = await testApp();
  });
  afterAll(async () => t?.close());
  const line = { type: 'LineString', coordinates: [[37.0, 48.0], [37.5, 48.5], [38.0, 49.0]] };

  it('stores versions append-only: an edit is version 2, version 1 stays readable, a stale edit is 409', async () => {
    const created = await t.app.inject({ method: 'POST', url: '/api/land/options', payload: { name: 'Option A', date: '2026-11-20', line } });
    expect(created.statusCode).toBe(201);
    const a = created.json();
    expect(a).toMatchObject({ version: 1, status: 'draft', releasability: 'MECHANISM', source: 'geojson' });
    const edit = await t.app.inject({ method: 'PUT', url: `/api/land/options/${a.id}`, payload: { name: 'Option A (tabled)', date: '2026-11-21', status: 'tabled', line, ifVersion: 1 } });
    expect(edit.statusCode).toBe(200);
    expect(edit.json()).toMatchObject({ version: 2, status: 'tabled' });
    const stale = await t.app.inject({ method: 'PUT', url: `/api/land/options/${a.id}`, payload: { name: 'lost', date: '2026-11-21', line, ifVersion: 1 } });
    expect(stale.statusCode).toBe(409);
    expect((await t.app.inject(`/api/land/options/${a.id}?version=1`)).json().name).toBe('Option A');
    expect((await t.app.inject(`/api/land/options/${a.id}`)).json().version).toBe(2);
    expect((await t.app.inject(`/api/land/options/${a.id}/versions`)).json().items.map((v: { version: number }) => v.version)).toEqual([1, 2]);
    const bad = await t.app.inject({ method: 'POST', url: '/api/land/options', payload: { name: 'B', date: '2026-11-20' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toMatch(/problem\+json/);
  });

  it('hides an option not released to a user (404, absent from the list) and refuses writes to liaison officers', async () => {
    const mech = (await t.app.inject({ method: 'POST', url: '/api/land/options', payload: { name: 'Mechanism draft', date: '2026-11-20', line } })).json();
    const coal = (await t.app.inject({ method: 'POST', url: '/api/land/options', payload: { name: 'Tabled', date: '2026-11-20', line, releasability: 'COALITION' } })).json();
    const fra = await testUser(t.store, { nation: 'FRA', orgKind: 'nation', roles: ['liaison_officer'] });
    const asFra = (url: string) => t.app.inject({ url, headers: fra.headers });
    expect((await asFra(`/api/land/options/${mech.id}`)).statusCode).toBe(404);
    expect((await asFra(`/api/land/options/${coal.id}`)).statusCode).toBe(200);
    const listed = (await asFra('/api/land/options')).json().items.map((o: { id: string }) => o.id);
    expect(listed).toContain(coal.id);
    expect(listed).not.toContain(mech.id);
    const write = await t.app.inject({ method: 'POST', url: '/api/land/options', headers: fra.headers, payload: { name: 'x', date: '2026-11-20', line } });
    expect(write.statusCode).toBe(403);
    const compare = await t.app.inject({ method: 'POST', url: '/api/land/compare', headers: fra.headers, payload: { reference: { id: coal.id }, options: [{ id: mech.id }] } });
    expect(compare.statusCode).toBe(404);
    expect((await t.app.inject({ url: '/api/land/options', headers: { authorization: '' } })).statusCode).toBe(401);
  });

  it('imports KML through the raw inbox, and refuses a DTD', async () => {
    const kml = `<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><name>Лінія K</name><LineString><coordinates>37,48 37.5,48.5 38,49</coordinates></LineString></Placemark></kml>`;
    const r = await t.app.inject({ method: 'POST', url: '/api/land/import?date=2026-11-22', headers: { 'content-type': 'application/vnd.google-earth.kml+xml' }, payload: kml });
    expect(r.statusCode).toBe(201);
    expect(r.json()).toMatchObject({ name: 'Лінія K', source: 'kml', date: '2026-11-22', line: { type: 'MultiLineString' } });
    const bomb = await t.app.inject({
      method: 'POST',
      url: '/api/land/import',
      headers: { 'content-type': 'application/vnd.google-earth.kml+xml' },
      payload: '<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY a "x">]><kml>&a;</kml>',
    });
    expect(bomb.statusCode).toBe(400);
    expect(bomb.json().detail).toMatch(/DOCTYPE/);
    // Raw first: the refused body is kept in the quarantine with its reason.
    const quarantined = JSON.stringify((await t.app.inject('/api/quarantine?channel=http&limit=50')).json());
    expect(quarantined).toMatch(/\/api\/land\/import: [^"]*DOCTYPE/);
  });

  describe(`two DeepState dates${SHARED_NOTE}`, () => {
    it.skipIf(!HAVE_SHARED)(
      'compares the occupied areas of 2025-08-01 and 2026-08-22: area changed, settlements on each side, and a PDF with Ukrainian text',
      async () => {
        const post = (name: string, date: string) =>
          t.app.inject({ method: 'POST', url: '/api/land/options', payload: { name, date, area: deepstate(date.replaceAll('-', '')), releasability: 'COALITION', source: 'area' } });
        const before = await post('Лінія 2025-08-01', '2025-08-01');
        expect(before.statusCode).toBe(201);
        const after = await post('Лінія 2026-08-22', '2026-08-22');
        const [a, b] = [before.json(), after.json()];
        expect(b.line.type).toBe('MultiLineString');

        const r = await t.app.inject({ method: 'POST', url: '/api/land/compare', payload: { reference: { id: a.id }, options: [{ id: b.id }] } });
        expect(r.statusCode).toBe(200);
        const c = r.json().comparisons[0];
        console.info(`[land api] joined ${c.gainedKm2} km², left ${c.lostKm2} km²; settlements joining ${c.settlementsGained.length} (${c.peopleGained} people), leaving ${c.settlementsLost.length}`);
        // A year of the war moved some thousands of km², not tens of thousands.
        expect(c.gainedKm2).toBeGreaterThan(1_000);
        expect(c.gainedKm2).toBeLessThan(10_000);
        expect(c.lostKm2).toBeGreaterThanOrEqual(0);
        expect(c.lostKm2).toBeLessThan(c.gainedKm2);
        expect(c.changedKm2).toBeCloseTo(c.gainedKm2 + c.lostKm2, 1);
        expect(c.optionAreaKm2 - c.referenceAreaKm2).toBeCloseTo(c.gainedKm2 - c.lostKm2, -1);
        expect(c.settlementsGained.map((s: { name: string }) => s.name)).toContain('Pokrovsk');
        expect(c.peopleGained).toBeGreaterThan(50_000);
        expect(c.towns.length).toBeGreaterThan(100);
        expect(c.gainedArea.type).toBe('MultiPolygon');

        const pdf = await t.app.inject(`/api/land/compare.pdf?reference=${a.id}&options=${b.id}`);
        expect(pdf.statusCode).toBe(200);
        expect(pdf.headers['content-type']).toBe('application/pdf');
        expect(pdf.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
        const text = pdfText(pdf.rawPayload);
        if (text === null) console.warn('[land api] SKIPPED the PDF text check: pdftotext (poppler-utils) is not installed');
        else {
          expect(text).toContain('Лінія 2026-08-22');
          expect(text).toContain('Pokrovsk');
          expect(text).toMatch(/GeoNames/);
        }
      },
      120_000,
    );
  });
});
