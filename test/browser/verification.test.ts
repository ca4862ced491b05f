/**
 * Verification in real browsers (issue 7): observations of one event are fused into an incident;
 * an analyst of one nation triages it and drafts findings in the page, the page tells her she may
 * not confirm her own (two-nation rule), an analyst of another nation confirms them in another
 * browser, and the chief monitor's verdict of a violation raises a guarantee alert.
 */
import { expect, it } from 'vitest';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { testUser } from '../support/auth';
import { describeInChromium, useBrowserApp } from '../support/browser';
import { eventually } from '../support/cot';
import { observationInput } from '../support/factories';
import { jpeg } from '../fixtures/evidence/jpeg';

describeInChromium('verification in two browsers: two nations, one finding', () => {
  let monitor: { authorization: string };
  let chief: { authorization: string };
  let fraLiaison: { authorization: string };
  const errors: string[] = [];
  const env = useBrowserApp({
    name: 'verification',
    agreement: true,
    sectors: true,
    setup: async ({ store }) => {
      monitor = (await testUser(store, { roles: ['monitor'] })).headers;
      chief = (await testUser(store, { nation: 'NOR', roles: ['chief_monitor'] })).headers;
      fraLiaison = (await testUser(store, { nation: 'FRA', orgKind: 'nation', roles: ['liaison_officer'] })).headers;
      await testUser(store, { username: 'analyst-fra', nation: 'FRA', roles: ['analyst'], password: 'analyste de la mission' });
      await testUser(store, { username: 'analyst-deu', nation: 'DEU', roles: ['analyst'], password: 'analytiker der mission' });
    },
  });

  const openAs = (username: string, password: string, url: string): Promise<Page> => env.openPage({ errors, label: username, logIn: { username, password }, goTo: url });

  it('fuses, triages, drafts, is refused its own confirmation, is confirmed by another nation, and the verdict alerts the guarantors', async () => {
    // Three posts hear the same impacts within minutes, a few hundred metres apart.
    const at = Date.now() - 30 * 60_000;
    const ids: string[] = [];
    for (let k = 0; k < 3; k++) {
      // Two of the posts took bearings (one west of the impacts looking east, one south looking north).
      const observer = k === 0 ? { lat: 47.9, lon: 36.9, bearingDeg: 90 } : k === 1 ? { lat: 47.8, lon: 37.0, bearingDeg: 0 } : undefined;
      const o = observationInput({ kind: 'explosion', subkind: 'impact', count: 2, observedAt: new Date(at + k * 60_000).toISOString(), location: { lat: 47.9 + k * 0.002, lon: 37.0 + k * 0.002, accuracyM: 300 }, releasability: 'MECHANISM', ...(observer ? { observer } : {}) });
      ids.push(o.id);
      const r = await fetch(`${env.base}/api/observations`, { method: 'POST', headers: { 'content-type': 'application/json', ...monitor }, body: JSON.stringify(o) });
      expect(r.status).toBe(201);
    }
    const incidentId = await eventually(async () => {
      const page = (await (await fetch(`${env.base}/api/incidents?state=received`, { headers: monitor })).json()) as { items: { id: string; observationCount: number }[] };
      return page.items.find((i) => i.observationCount === 3)?.id;
    }, 10_000, 'the fused incident');

    const fra = await openAs('analyst-fra', 'analyste de la mission', `${env.base}/#/incidents`);
    await fra.locator(`a[href="#/incidents/${incidentId}"]`).click();
    await fra.getByTestId('incident-map').waitFor();
    // The point of origin from the two bearings, with its error ellipse.
    expect(await fra.getByTestId('origin').textContent()).toMatch(/Origin estimate 47\.9\d*, 3[67]\.\d+: ellipse \d+ × \d+ m/);
    await fra.getByTestId('action-triaged').click();
    await fra.getByTestId('action-submit').click();
    await fra.getByTestId('incident-state').filter({ hasText: 'Triaged' }).waitFor({ timeout: 10_000 });
    await fra.getByTestId('action-findings').click();
    await fra.locator('select[name="finding"]').selectOption('violation');
    await fra.locator('select[name="attribution"]').selectOption('RUS');
    await fra.locator('select[name="confidence"]').selectOption('high');
    await fra.locator('textarea[name="rationale"]').fill('Three posts, consistent craters; fire from the east.');
    await fra.getByTestId('action-submit').click();
    await fra.getByTestId('incident-state').filter({ hasText: 'Findings drafted' }).waitFor({ timeout: 10_000 });
    // A photo taken far from the impacts, attached from the page: stored by hash, its place flagged.
    await fra.getByTestId('evidence-file').setInputFiles({ name: 'crater.jpg', mimeType: 'image/jpeg', buffer: jpeg({ make: 'Test', model: 'Cam', dateTimeOriginal: '2026:11:25 06:00:00', offsetTimeOriginal: '+00:00', gps: { lat: 50.45, lon: 30.52 } }, 'verification') });
    await fra.getByTestId('evidence').getByText('crater.jpg').waitFor({ timeout: 10_000 });
    expect(await fra.getByTestId('evidence').textContent()).toContain('place disagrees');
    // The page says why she may not confirm her own findings.
    expect(await fra.getByTestId('action-review').count()).toBe(0);
    expect(await fra.getByTestId('refused-review').textContent()).toMatch(/second analyst/);
    await fra.screenshot({ path: join(tmpdir(), 'truceline-verification-fra.png') });

    const deu = await openAs('analyst-deu', 'analytiker der mission', `${env.base}/#/incidents/${incidentId}`);
    await deu.getByTestId('action-review').click();
    await deu.getByTestId('action-submit').click();
    await deu.getByTestId('incident-state').filter({ hasText: 'In review' }).waitFor({ timeout: 10_000 });
    expect(await deu.getByTestId('assessment').textContent()).toMatch(/analyst-deu \(DEU\)/);
    await deu.screenshot({ path: join(tmpdir(), 'truceline-verification-deu.png') });

    // The chief monitor's verdict; a verified violation attributed to a party meets the guarantee criterion.
    const verdict = await fetch(`${env.base}/api/incidents/${incidentId}/transitions`, { method: 'POST', headers: { 'content-type': 'application/json', ...chief }, body: JSON.stringify({ to: 'verified_violation' }) });
    expect(verdict.status).toBe(200);
    const alerts = await eventually(async () => {
      const page = (await (await fetch(`${env.base}/api/alerts`, { headers: fraLiaison })).json()) as { items: { criterionKind: string }[] };
      return page.items.some((a) => a.criterionKind === 'verified_violation') ? page.items : undefined;
    }, 10_000, 'the alert on the verified violation');
    expect(alerts.length).toBeGreaterThan(0);
    expect(errors).toEqual([]);
  });
});
