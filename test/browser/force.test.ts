/**
 * The force in a real browser (issue 8): a German liaison officer logs in through the page and
 * opens the force page, where the seeded force-generation table highlights its gaps and the
 * units' table flags the deployment too close to the line; the map draws the units' military
 * symbols (milsymbol) with a ring under the flagged one; the commitments page shows the U.S.
 * commitment dropped between the draft and the final text, both wordings side by side.
 */
import { expect, it } from 'vitest';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { seedForce } from '../../src/services/force-seed';
import { testUser } from '../support/auth';
import { describeInChromium, useBrowserApp, waitForMapLoaded, type MapDebug as Debug } from '../support/browser';

export const FORCE_SCREENSHOTS = {
  table: join(tmpdir(), 'truceline-force-table.png'),
  map: join(tmpdir(), 'truceline-force-map.png'),
  commitments: join(tmpdir(), 'truceline-force-commitments.png'),
};

describeInChromium('the force: table, symbols on the map, dropped commitments', () => {
  let page: Page;
  const errors: string[] = [];
  const env = useBrowserApp({
    name: 'force',
    agreement: true,
    sectors: true,
    seed: (store) => seedForce(store),
    setup: async ({ store }) => {
      await testUser(store, { username: 'deu-liaison', nation: 'DEU', orgKind: 'nation', roles: ['liaison_officer'], password: 'einigkeit und recht' });
      page = await env.openPage({ errors, logIn: { username: 'deu-liaison', password: 'einigkeit und recht' } });
      await waitForMapLoaded(page);
    },
    timeout: 180_000,
  });

  it('draws the units with their milsymbol symbols, the one too close to the line ringed', async () => {
    await page.waitForFunction(() => (window as Debug).__truceline!.map.queryRenderedFeatures({ layers: ['force-units'] }).length >= 4, undefined, { timeout: 15_000 });
    const drawn = await page.evaluate(() => {
      const map = (window as Debug).__truceline!.map;
      const units = map.queryRenderedFeatures({ layers: ['force-units'] });
      return {
        units: units.map((f) => ({ id: f.properties.unitId as string, icon: f.properties.icon as string })),
        flagged: map.queryRenderedFeatures({ layers: ['force-units-flagged'] }).map((f) => f.properties.unitId as string),
        images: units.map((f) => map.hasImage(f.properties.icon as string)),
      };
    });
    expect(drawn.units.find((u) => u.id === 'demo-unit-est-eng')?.icon).toBe('sidc:SFGPUCE----E---');
    expect(drawn.images.every(Boolean)).toBe(true);
    expect(drawn.flagged).toEqual(['demo-unit-est-eng']);
    await page.screenshot({ path: FORCE_SCREENSHOTS.map });
  });

  it('shows the force-generation table with the gaps highlighted, the chart, and the flagged deployment', async () => {
    await page.getByRole('link', { name: 'Force' }).click();
    const table = page.getByTestId('force-by-capability');
    await table.waitFor({ timeout: 10_000 });
    const land = table.locator('tr[data-capability="land_brigade"]');
    expect(await land.getAttribute('data-gap')).toBe('true');
    expect(await land.getAttribute('class')).toContain('gap');
    // A highlighted row looks different from a covered one (the gap is not only in the DOM).
    const covered = table.locator('tr[data-capability="logistics"]');
    expect(await covered.getAttribute('data-gap')).toBe('false');
    const bg = (l: typeof land) => l.evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(await bg(land)).not.toBe(await bg(covered));
    expect(await page.getByTestId('force-chart').locator('rect.force-bar-required.gap').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('force-by-nation').locator('tbody tr').count()).toBeGreaterThanOrEqual(35);
    const est = page.getByTestId('force-units').locator('tr[data-unit="demo-unit-est-eng"]');
    expect(await est.getAttribute('class')).toBe('flagged');
    expect(await est.textContent()).toMatch(/km from the contact line/);
    expect(await page.getByTestId('force-leads').locator('tbody tr').count()).toBe(7);
    await page.screenshot({ path: FORCE_SCREENSHOTS.table, fullPage: true });
  });

  it("lists a nation's commitments with what each delivered, and the dropped one side by side", async () => {
    await page.goto(`${env.base}/#/commitments/USA`);
    const dropped = page.getByTestId('dropped-commitment');
    await dropped.first().waitFor({ timeout: 10_000 });
    expect(await dropped.first().getAttribute('data-commitment')).toBe('demo-commitment-usa-support');
    expect(await dropped.first().textContent()).toMatch(/in case of a new attack.*not in the final text/s);
    expect(await page.getByTestId('nation-commitments').locator('tbody tr').count()).toBe(2);
    await page.getByTestId('commitment-nation').selectOption('FRA');
    await page.getByTestId('nation-summary').filter({ hasText: /delivered \(deployed\): 200/ }).waitFor({ timeout: 5_000 });
    await page.screenshot({ path: FORCE_SCREENSHOTS.commitments, fullPage: true });
    expect(errors).toEqual([]);
  });
});
