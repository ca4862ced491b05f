import { expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Point } from 'geojson';
import type { Locator, Page } from 'playwright-core';
import { seedDemo } from '../../src/services/demo-seed';
import { ObservationIngest } from '../../src/services/observation-ingest';
import type { Observation } from '../../src/domain/observation';
import { testUser } from '../support/auth';
import { clickMap, describeInChromium, useBrowserApp, type MapDebug as Debug } from '../support/browser';

/**
 * The web UI in a real Chromium against a real server seeded with the demo week: the map draws
 * the observations, filters change it, and a monitor files an observation (with field errors,
 * and offline through the queue) that then shows on the map and in the API.
 */

/** Screenshots for a person to look at; overwritten by every run. */
const SHOTS = join(tmpdir(), 'truceline-screenshots');
mkdirSync(SHOTS, { recursive: true });

// playwright-core has no web-first assertions; these wait the way they would.
const visible = (l: Locator) => l.waitFor({ state: 'visible', timeout: 10_000 });
const hidden = (l: Locator, timeout = 10_000) => l.waitFor({ state: 'hidden', timeout });
const text = (l: Locator) => expect.poll(() => l.textContent(), { timeout: 10_000 });
const attribute = (l: Locator, name: string) => expect.poll(() => l.getAttribute(name), { timeout: 10_000 });
const focused = (l: Locator) => expect.poll(() => l.evaluate((el) => el === document.activeElement), { timeout: 5_000 }).toBe(true);

describeInChromium('web UI in Chromium', () => {
  /** A mechanism monitor: sees the demo week (MECHANISM) and files observations. */
  let monitor: { username: string; password: string; headers: { authorization: string } };
  // As `serve` on first start, serving web/dist itself: the shipped agreement, then the demo week, judged as it arrives.
  const env = useBrowserApp({
    name: 'browser',
    web: 'dist',
    agreement: true,
    seed: (store, agreements) => seedDemo(store, new ObservationIngest(store, agreements)),
    setup: async ({ store }) => {
      monitor = await testUser(store, { username: 'monitor-d1', roles: ['monitor'], password: 'a monitor passphrase' });
    },
  });

  /** A fresh page (own storage) with the map drawn and the demo observations on it. */
  async function openApp(): Promise<{ page: Page; errors: string[] }> {
    const errors: string[] = [];
    const page = await env.openPage({ errors, logIn: monitor });
    await page.waitForFunction(
      () => {
        const map = (window as Debug).__truceline?.map;
        return !!map && map.loaded() && map.queryRenderedFeatures({ layers: ['observations'] }).length > 0;
      },
      undefined,
      { timeout: 20_000 },
    );
    return { page, errors };
  }

  const shownCount = async (page: Page) => Number(await page.getByTestId('shown-count').getAttribute('data-count'));
  const rendered = (page: Page, layer: string) =>
    page.evaluate((l) => (window as Debug).__truceline!.map.queryRenderedFeatures({ layers: [l] }).map((f) => f.properties as Record<string, unknown>), layer);

  async function waitForRendered(page: Page, id: string): Promise<void> {
    await page.waitForFunction(
      (wanted) => (window as Debug).__truceline!.map.queryRenderedFeatures({ layers: ['observations'] }).some((f) => f.properties.id === wanted),
      id,
      { timeout: 10_000 },
    );
  }

  const getObservation = async (id: string) => fetch(`${env.base}/api/observations/${encodeURIComponent(id)}`, { headers: monitor.headers });

  it('draws Ukraine, the contact line, sectors and the demo observations; filters and details work', async () => {
    const { page, errors } = await openApp();
    await text(page.locator('h1')).toBe('Truceline');
    expect(await shownCount(page)).toBeGreaterThan(0);
    expect((await rendered(page, 'observations')).length).toBeGreaterThan(0);
    for (const layer of ['oblast-fill', 'border-line', 'sector-fill', 'contact-line']) expect((await rendered(page, layer)).length, layer).toBeGreaterThan(0);
    await text(page.getByTestId('map-legend')).toContain('Contact line (illustrative)');
    await text(page.locator('.maplibregl-ctrl-attrib')).toContain('© OpenStreetMap contributors');
    await visible(page.locator('.sector-label', { hasText: 'Donetsk' }));
    await page.screenshot({ path: join(SHOTS, 'map.png') });

    // Details: click the newest rendered observation, read it in the side panel, Escape closes it.
    const target = await page.evaluate(() => {
      const map = (window as Debug).__truceline!.map;
      const f = map.queryRenderedFeatures({ layers: ['observations'] }).sort((a, b) => Number(b.properties.t) - Number(a.properties.t))[0]!;
      const [lon, lat] = (f.geometry as Point).coordinates as [number, number];
      const p = map.project([lon, lat]);
      const near = map.queryRenderedFeatures([[p.x - 8, p.y - 8], [p.x + 8, p.y + 8]], { layers: ['observations'] }).map((g) => String(g.properties.id));
      return { lon, lat, near };
    });
    await clickMap(page, target.lon, target.lat);
    await visible(page.getByTestId('details'));
    expect(target.near).toContain(await page.getByTestId('detail-id').textContent());
    await text(page.getByTestId('detail-time-utc')).toContain('UTC');
    await page.screenshot({ path: join(SHOTS, 'details.png') });
    await page.keyboard.press('Escape');
    await hidden(page.getByTestId('details'));

    // Kind filter: none, then explosions only.
    const day = await shownCount(page);
    await page.getByTestId('kinds-none').click();
    await attribute(page.getByTestId('shown-count'), 'data-count').toBe('0');
    await page.getByTestId('kind-explosion').check();
    await expect.poll(() => shownCount(page)).toBeGreaterThan(0);
    await page.waitForFunction(() => {
      const fs = (window as Debug).__truceline!.map.queryRenderedFeatures({ layers: ['observations'] });
      return fs.length > 0 && fs.every((f) => f.properties.kind === 'explosion');
    });
    expect(await shownCount(page)).toBeLessThan(day);

    // Time filter: the whole week holds more than the last 24 hours.
    await page.getByTestId('kinds-all').click();
    await page.getByTestId('time-all').click();
    await expect.poll(() => shownCount(page)).toBeGreaterThan(day);
    await attribute(page.getByTestId('time-all'), 'aria-pressed').toBe('true');
    expect(errors).toEqual([]);
  }, 60_000);

  it('draws the agreement zones with a layer toggle, rings breaches, filters to breaches only, and shows a breach in the details', async () => {
    const { page, errors } = await openApp();
    await text(page.getByTestId('agreement-name')).toContain('minsk-pattern-default');
    await text(page.getByTestId('map-legend')).toContain('Contact line (illustrative)');
    await text(page.getByTestId('map-legend')).toContain('Breach of the agreement');
    await text(page.getByTestId('withdrawal-legend')).toContain('Artillery ≥ 100 mm');
    await text(page.getByTestId('withdrawal-legend')).toContain('Tanks');
    // The zones around the Zaporizhzhia and Donetsk fronts: every kind of layer is drawn.
    await page.evaluate(() => (window as Debug).__truceline!.map.fitBounds([[33.5, 46.8], [39.5, 49.2]], { duration: 0 }));
    const zoneLayers = ['contact-line', 'agr-security-zone', 'agr-withdrawal-artillery_ge_100mm', 'agr-withdrawal-heavy_mlrs_tactical_missiles', 'agr-site-fill', 'agr-nofly-fill', 'agr-storage-fill'];
    await page.waitForFunction(
      (layers) => layers.every((l) => (window as Debug).__truceline!.map.queryRenderedFeatures({ layers: [l] }).length > 0),
      zoneLayers,
      { timeout: 15_000 },
    );
    const sides = new Set((await rendered(page, 'agr-security-zone')).map((p) => p.side));
    expect([...sides].sort()).toEqual(['RUS', 'UKR']);
    await page.screenshot({ path: join(SHOTS, 'zones.png') });

    // The toggle hides a group of layers and shows it again.
    const visibility = (layer: string) => page.evaluate((l) => (window as Debug).__truceline!.map.getLayoutProperty(l, 'visibility') ?? 'visible', layer);
    await page.getByTestId('layer-withdrawal').uncheck();
    await expect.poll(() => visibility('agr-withdrawal-mlrs')).toBe('none');
    await hidden(page.getByTestId('withdrawal-legend'));
    expect(await visibility('agr-security-zone')).toBe('visible');
    await page.getByTestId('layer-withdrawal').check();
    await expect.poll(() => visibility('agr-withdrawal-mlrs')).toBe('visible');

    // Breaching observations carry a red ring; "Breaches only" keeps just them.
    const lastDay = await shownCount(page);
    await page.getByTestId('time-all').click();
    // Wait for the whole week to arrive before counting it (the 24 h view is on screen until then).
    await expect.poll(() => shownCount(page)).toBeGreaterThan(lastDay);
    await expect.poll(async () => (await rendered(page, 'observation-breach')).length).toBeGreaterThan(0);
    const all = await shownCount(page);
    await page.getByTestId('breaches-only').check();
    await expect.poll(() => shownCount(page)).toBeLessThan(all);
    expect(await shownCount(page)).toBeGreaterThan(0);
    await page.waitForFunction(() => {
      const fs = (window as Debug).__truceline!.map.queryRenderedFeatures({ layers: ['observations'] });
      return fs.length > 0 && fs.every((f) => f.properties.breach === true);
    });

    // A weapon sighting inside its withdrawal distance: its breach, provision and numbers in the details.
    const page1 = (await (await fetch(`${env.base}/api/observations?provision=PoM-2-artillery-100mm&kind=weapon_sighting&limit=1`, { headers: monitor.headers })).json()) as { items: Observation[] };
    const gun = page1.items[0]!;
    await page.evaluate(([x, y]) => (window as Debug).__truceline!.map.jumpTo({ center: [x!, y!], zoom: 12 }), [gun.location.lon, gun.location.lat]);
    await waitForRendered(page, gun.id);
    await clickMap(page, gun.location.lon, gun.location.lat);
    await text(page.getByTestId('detail-id')).toBe(gun.id);
    const judgement = page.getByTestId('judgement');
    await visible(judgement);
    await text(page.getByTestId('judgement-side')).toMatch(/^(UKR|RUS)$/);
    await text(page.getByTestId('judgement-distance')).toMatch(/^\d[\d,]*(\.\d)? k?m$/);
    await text(page.getByTestId('judgement-zones')).toContain('PoM-2-artillery-100mm');
    await text(page.getByTestId('breach-provision').first()).toBe('PoM-2-artillery-100mm');
    await text(page.getByTestId('breach-numbers').first()).toMatch(/km from the line, 25\.0 km required/);
    await page.screenshot({ path: join(SHOTS, 'breach-details.png') });
    expect(errors).toEqual([]);
  }, 60_000);

  it('files an observation from the form: field errors first, then it shows on the map and in the API', async () => {
    const { page, errors } = await openApp();
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('n');
    const form = page.getByTestId('observation-form');
    await visible(form);
    await focused(page.getByTestId('form-kind'));

    // The place: pan to the Donetsk sector as a monitor would, then click the map.
    await page.evaluate(() => (window as Debug).__truceline!.map.jumpTo({ center: [37.3, 48.3], zoom: 8 }));
    await clickMap(page, 37.3, 48.3);
    await visible(page.getByTestId('place-marker'));
    const lat = Number(await page.getByTestId('form-lat').inputValue());
    const lon = Number(await page.getByTestId('form-lon').inputValue());
    expect(lat).toBeCloseTo(48.3, 2);
    expect(lon).toBeCloseTo(37.3, 2);
    await text(page.getByTestId('place-hint')).toBe('Donetsk Oblast · sector Donetsk');

    const notes = `Browser test ${Date.now()}: 2S1 in a tree line.`;
    await page.getByTestId('form-kind').selectOption('weapon_sighting');
    await page.getByTestId('form-weapon-model').fill('2S1');
    await page.getByTestId('form-caliber').fill('5000');
    await page.getByTestId('form-count').fill('0');
    await page.getByTestId('form-notes').fill(notes);
    await page.getByTestId('form-nation').fill('fin');

    // Count 0: refused before sending, next to the count.
    await page.getByTestId('form-submit').click();
    await visible(page.getByTestId('field-error-count'));
    await focused(page.getByTestId('form-count'));

    // A calibre of 5,000 mm: the server refuses it (problem+json), shown next to the calibre.
    await page.getByTestId('form-count').fill('2');
    await page.getByTestId('form-submit').click();
    await text(page.getByTestId('field-error-weapon.caliberMm')).toContain('1000');
    await hidden(page.getByTestId('field-error-count'));
    await page.screenshot({ path: join(SHOTS, 'form-error.png') });

    await page.getByTestId('form-caliber').fill('122');
    await page.getByTestId('form-submit').click();
    await visible(page.getByTestId('details'));
    await hidden(form);
    const id = (await page.getByTestId('detail-id').textContent())!;
    await text(page.getByTestId('detail-kind')).toBe('Weapon sighting');
    await text(page.getByTestId('details')).toContain('Donetsk');
    await waitForRendered(page, id);
    await page.screenshot({ path: join(SHOTS, 'filed.png') });

    const res = await getObservation(id);
    expect(res.status).toBe(200);
    const stored = (await res.json()) as Observation;
    expect(stored).toMatchObject({ id, kind: 'weapon_sighting', count: 2, weapon: { model: '2S1', caliberMm: 122 }, notes, releasability: 'MECHANISM', source: { kind: 'monitor', nation: 'FIN' }, sector: 'donetsk' });
    expect(stored.location.lat).toBeCloseTo(lat, 5);
    expect(stored.location.lon).toBeCloseTo(lon, 5);
    expect(Math.abs(Date.parse(stored.observedAt) - Date.now())).toBeLessThan(5 * 60_000);
    // Chromium logs the 400 the test provoked; nothing else may go wrong.
    expect(errors.filter((e) => !e.includes('status of 400'))).toEqual([]);
  }, 60_000);

  it('queues an observation filed offline and sends it when the connection is back', async () => {
    const { page } = await openApp();
    await page.getByTestId('new-observation').click();
    await clickMap(page, 31.5, 49.2); // central Ukraine, clear of the side panel and the legend
    await page.getByTestId('form-kind').selectOption('explosion');
    await page.getByTestId('form-subkind-outgoing').check();

    await page.context().setOffline(true);
    await page.getByTestId('form-submit').click();
    await text(page.getByTestId('outbox-count')).toBe('1 queued');
    await hidden(page.getByTestId('observation-form'));
    const id = await page.evaluate(() => (JSON.parse(localStorage.getItem('truceline.outbox')!) as { input: { id: string } }[])[0]!.input.id);
    await waitForRendered(page, id);
    expect((await getObservation(id)).status).toBe(404);
    await page.screenshot({ path: join(SHOTS, 'queued.png') });

    await page.context().setOffline(false);
    await hidden(page.getByTestId('outbox-count'), 15_000);
    const res = await getObservation(id);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id, kind: 'explosion', subkind: 'outgoing' });
    await waitForRendered(page, id);
  }, 60_000);
});
