/**
 * Land options in a real browser (issue 9): an analyst logs in, opens the land options page,
 * compares the DeepState lines of 2025-08-01 and 2026-08-22, sees the table and both lines on
 * the swiped maps, and fetches the PDF.
 */
import { expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LandService } from '../../src/services/land.service';
import { HAVE_SHARED, SHARED_GEO, SHARED_NOTE } from '../geo/shared-data';
import { testUser } from '../support/auth';
import { describeInChromium, useBrowserApp } from '../support/browser';

interface Debug {
  __trucelineLand?: { left: import('maplibre-gl').Map; right: import('maplibre-gl').Map };
}

const deepstate = (date: string) => JSON.parse(readFileSync(join(SHARED_GEO, 'deepstate-occupied', `deepstatemap_data_${date}.geojson`), 'utf8')).features[0].geometry;

describeInChromium(`land options in the browser${SHARED_NOTE}`, () => {
  const errors: string[] = [];
  const env = useBrowserApp({
    name: 'land',
    setup: async ({ store }) => {
      await testUser(store, { username: 'negotiation-analyst', roles: ['analyst'], password: 'lines on a map 2026' });
      const land = new LandService(store);
      const system = { actor: { type: 'user' as const, id: 's', username: 'seed', nation: 'USA', org: 'Mechanism', orgKind: 'mechanism' as const, roles: ['analyst' as const] }, visibility: { all: true as const } };
      await land.create(system, { name: 'Line of 2025-08-01', date: '2025-08-01', status: 'tabled', area: deepstate('20250801'), source: 'area' });
      await land.create(system, { name: 'Line of 2026-08-22', date: '2026-08-22', status: 'draft', area: deepstate('20260822'), source: 'area' });
    },
    timeout: 180_000,
  });

  it('compares two DeepState lines: the table, both lines on the swiped maps, a PDF', async () => {
    const page = await env.openPage({ viewport: { width: 1440, height: 1000 }, errors, logIn: { username: 'negotiation-analyst', password: 'lines on a map 2026' }, goTo: `${env.base}/#/land` });
    await page.getByTestId('land-reference').waitFor({ timeout: 20_000 });
    const ref = await page.getByTestId('land-reference').locator('option', { hasText: 'Line of 2025-08-01' }).getAttribute('value');
    await page.getByTestId('land-reference').selectOption(ref!);
    await page.locator('[data-testid="land-option"][data-name="Line of 2026-08-22"]').check();
    await page.getByTestId('land-compare').click();
    const table = page.getByTestId('land-table');
    await table.waitFor({ timeout: 60_000 });
    const text = await table.innerText();
    expect(text).toMatch(/Area joining the option side \(km²\)\s+2,8\d\d/);
    expect(text).toContain('Pokrovsk');

    await page.waitForFunction(() => {
      const d = (window as Debug).__trucelineLand;
      return !!d && d.left.queryRenderedFeatures({ layers: ['land-option-line', 'land-reference-line'] }).length >= 2 && d.right.queryRenderedFeatures({ layers: ['land-option-line'] }).length >= 1;
    }, undefined, { timeout: 20_000 });
    // The swipe moves the clip; the maps stay in step.
    await page.getByTestId('land-swipe').fill('30');
    const clip = await page.locator('.land-map-right').evaluate((el) => (el as HTMLElement).style.clipPath);
    expect(clip).toBe('inset(0px 0px 0px 30%)');
    await page.evaluate(() => (window as Debug).__trucelineLand!.left.jumpTo({ center: [37.3, 48.35], zoom: 7.5 }));
    const zoomRight = await page.evaluate(() => (window as Debug).__trucelineLand!.right.getZoom());
    expect(zoomRight).toBeCloseTo(7.5, 5);
    await page.waitForTimeout(500);
    await page.screenshot({ path: join(tmpdir(), 'truceline-land-compare.png'), fullPage: true });

    const href = await page.getByTestId('land-pdf').getAttribute('href');
    const pdf = await page.evaluate(async (url) => {
      const r = await fetch(url!);
      return { status: r.status, type: r.headers.get('content-type'), head: new TextDecoder().decode((await r.arrayBuffer()).slice(0, 5)) };
    }, href);
    expect(pdf).toEqual({ status: 200, type: 'application/pdf', head: '%PDF-' });
    expect(errors).toEqual([]);
  }, 180_000);
}, !HAVE_SHARED);
