/**
 * The coordination cell in two real browsers (issue 6): a French liaison officer (a guarantor)
 * and a German one (not a guarantor) log in through the page. A record released to France
 * appears live on the French map and never on the German one; an impact at a protected site
 * raises a guarantee alert that appears live for France (and not for Germany), and both
 * guarantors, France in the page and the UK over the API, must acknowledge it.
 */
import { expect, it } from 'vitest';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { testUser } from '../support/auth';
import { describeInChromium, useBrowserApp, waitForMapLoaded, type MapDebug as Debug } from '../support/browser';
import { observationInput } from '../support/factories';

const ZNPP = { lon: 34.585, lat: 47.5115, accuracyM: 100 }; // a protected site of the shipped agreement

describeInChromium('coordination cell: two nations in two browsers', () => {
  let monitor: { authorization: string };
  let gbr: { authorization: string };
  const errors: string[] = [];
  const env = useBrowserApp({
    name: 'cell',
    agreement: true,
    sectors: true,
    setup: async ({ store }) => {
      monitor = (await testUser(store, { roles: ['monitor'] })).headers;
      gbr = (await testUser(store, { username: 'gbr-liaison', nation: 'GBR', orgKind: 'nation', roles: ['liaison_officer'] })).headers;
      await testUser(store, { username: 'fra-liaison', nation: 'FRA', orgKind: 'nation', roles: ['liaison_officer'], password: 'liberte egalite 2026' });
      await testUser(store, { username: 'deu-liaison', nation: 'DEU', orgKind: 'nation', roles: ['liaison_officer'], password: 'einigkeit und recht' });
    },
  });

  async function openAs(username: string, password: string): Promise<Page> {
    const page = await env.openPage({ errors, label: username, logIn: { username, password } });
    await waitForMapLoaded(page);
    await page.getByTestId('live').filter({ hasText: /^Live$/ }).waitFor({ timeout: 10_000 });
    return page;
  }

  const onMap = (page: Page, id: string) =>
    page.evaluate((wanted) => (window as Debug).__truceline!.map.queryRenderedFeatures({ layers: ['observations'] }).some((f) => f.properties.id === wanted), id);
  const post = async (o: object) => {
    const r = await fetch(`${env.base}/api/observations`, { method: 'POST', headers: { 'content-type': 'application/json', ...monitor }, body: JSON.stringify(o) });
    expect(r.status).toBe(201);
  };

  it('each nation sees its released picture live, and the guarantor gets the alert live and acknowledges it', async () => {
    const fra = await openAs('fra-liaison', 'liberte egalite 2026');
    const deu = await openAs('deu-liaison', 'einigkeit und recht');
    expect(await fra.getByTestId('who').textContent()).toContain('fra-liaison');

    // Released to France only, filed after both pages loaded: it must arrive over the stream.
    const forFrance = observationInput({ releasability: 'REL TO FRA', observedAt: new Date().toISOString(), location: { lat: 48.3, lon: 37.2, accuracyM: 100 }, notes: 'for France' });
    const forAll = observationInput({ releasability: 'COALITION', observedAt: new Date().toISOString(), location: { lat: 48.31, lon: 37.3, accuracyM: 100 }, notes: 'for the coalition' });
    await post(forFrance);
    await post(forAll);
    await fra.waitForFunction((id) => (window as Debug).__truceline!.map.queryRenderedFeatures({ layers: ['observations'] }).some((f) => f.properties.id === id), forFrance.id, { timeout: 5_000 });
    // Germany gets the coalition record live, and never the French one.
    await deu.waitForFunction((id) => (window as Debug).__truceline!.map.queryRenderedFeatures({ layers: ['observations'] }).some((f) => f.properties.id === id), forAll.id, { timeout: 5_000 });
    expect(await onMap(deu, forFrance.id)).toBe(false);
    // With the page's own session (the context's cookies), outside the page so the 404 is not a console error.
    expect((await deu.request.get(`${env.base}/api/observations/${forFrance.id}`)).status()).toBe(404);

    // An impact at the nuclear power plant: a new attack under the guarantee.
    const impact = observationInput({ kind: 'explosion', subkind: 'impact', releasability: 'MECHANISM', observedAt: new Date().toISOString(), location: ZNPP, notes: 'impact at the plant' });
    const filed = Date.now();
    await post(impact);
    const alert = fra.getByTestId('alert-item');
    // Within 5 s: the panel's own poll is every 10 s, so this is the live stream's doing.
    await alert.waitFor({ state: 'visible', timeout: 5_000 });
    const seenAfterMs = Date.now() - filed;
    expect(seenAfterMs).toBeLessThan(5_000);
    expect(await alert.getAttribute('data-state')).toBe('open');
    await fra.screenshot({ path: join(tmpdir(), 'truceline-cell-fra-alert.png') });
    // Germany is not a guarantor: the alert is not released to it.
    await deu.waitForTimeout(1000);
    expect(await deu.getByTestId('alerts-panel').count()).toBe(0);
    expect(await deu.evaluate(async () => ((await (await fetch('/api/alerts')).json()) as { items: unknown[] }).items.length)).toBe(0);
    await deu.screenshot({ path: join(tmpdir(), 'truceline-cell-deu.png') });

    // France acknowledges in the page (keyboard), the UK over the API; only then is it acknowledged.
    await fra.getByTestId('alert-ack').focus();
    await fra.keyboard.press('Enter');
    await fra.getByTestId('ack-FRA').filter({ hasText: /FRA/ }).waitFor({ timeout: 5_000 });
    const id = (await alert.getAttribute('data-alert-id'))!;
    const afterFrance = (await (await fetch(`${env.base}/api/alerts/${id}`, { headers: gbr })).json()) as { state: string; pendingNations: string[] };
    expect(afterFrance).toMatchObject({ state: 'open', pendingNations: ['GBR'] });
    const ack = await fetch(`${env.base}/api/alerts/${id}/ack`, { method: 'POST', headers: { ...gbr, 'content-type': 'application/json' }, body: JSON.stringify({ note: 'seen in London' }) });
    expect(ack.status).toBe(200);
    expect(((await ack.json()) as { state: string }).state).toBe('acknowledged');
    // The French page learns it live too.
    await fra.locator('[data-testid="alert-item"][data-state="acknowledged"]').waitFor({ state: 'attached', timeout: 12_000 });
    await fra.screenshot({ path: join(tmpdir(), 'truceline-cell-fra-acknowledged.png') });
    expect(errors).toEqual([]);
  });

  it('a chief monitor drafts, reviews, approves and publishes a daily report in the page; the public then finds it', async () => {
    await testUser(env.store, { username: 'chief', roles: ['chief_monitor'], password: 'chief monitor passphrase' });
    const chief = await openAs('chief', 'chief monitor passphrase');
    await chief.goto(`${env.base}/#/reports`);
    await chief.getByTestId('report-draft').click();
    const row = chief.getByTestId('issued-report').first();
    await row.and(chief.locator('[data-state="draft"]')).waitFor({ timeout: 10_000 });
    for (const step of ['reviewed', 'approved', 'published']) {
      await chief.getByTestId(`report-${step}`).first().click();
      await chief.locator(`[data-testid="issued-report"][data-state="${step}"]`).first().waitFor({ timeout: 10_000 });
    }
    await chief.screenshot({ path: join(tmpdir(), 'truceline-reports-chief.png') });
    const pub = await env.openPage({ viewport: { width: 1280, height: 800 }, errors, label: 'public', pageErrors: false, goTo: `${env.base}/#/reports` });
    await pub.locator('[data-testid="issued-report"][data-state="published"]').first().waitFor({ timeout: 10_000 });
    expect(await pub.getByTestId('report-draft').count()).toBe(0);
    // The published report's PDF is there for the public too.
    const pdfHref = await pub.getByTestId('issued-pdf').first().getAttribute('href');
    const pdf = await pub.request.get(`${env.base}${pdfHref}`);
    expect(pdf.status()).toBe(200);
    expect(pdf.headers()['content-type']).toBe('application/pdf');
    await pub.screenshot({ path: join(tmpdir(), 'truceline-reports-public.png') });
    expect(errors).toEqual([]);
  });
});
