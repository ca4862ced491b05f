import { SEE_ALL } from '../../src/domain/identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import fastifyStatic from '@fastify/static';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { v7 as uuidv7 } from 'uuid';
import { buildApp } from '../../src/server/app';
import { testUser } from '../support/auth';
import { buildWeb, haveChromium, CHROMIUM, launchChromium, logInThroughPage } from '../support/browser';
import { startCot } from '../../src/services/cot-ingest';
import { ObservationIngest } from '../../src/services/observation-ingest';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store';
import type { Store } from '../../src/store/repository';
import { CotClient, eventually, pliXml } from '../support/cot';

/** A TAK client's position on the web map, in a real Chromium: drawn, and its callsign in the details. */

interface Debug {
  __truceline?: { map: import('maplibre-gl').Map };
}

describe.skipIf(!haveChromium)(haveChromium ? 'TAK positions on the web map' : `browser tests skipped: Chromium not found at ${CHROMIUM}`, () => {
  let dir: string;
  let store: Store;
  let app: FastifyInstance;
  let cot: Awaited<ReturnType<typeof startCot>>;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'truceline-positions-'));
    buildWeb(join(dir, 'web'));
    store = openSqliteStore(join(dir, 'test.db'));
    app = await buildApp({ store, config: { maxBody: 10 * 1024 * 1024, web: false, logLevel: 'silent' } });
    await app.register(fastifyStatic, { root: join(dir, 'web'), prefix: '/', index: ['index.html'] });
    base = await app.listen({ port: 0, host: '127.0.0.1' });
    cot = await startCot(store, new ObservationIngest(store), { port: 0, host: '127.0.0.1', anonymous: 'accept', snapshotWindowMs: 0 });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await cot?.close();
    await app?.close();
    await store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('draws an ATAK client\'s position and shows its callsign on click', async () => {
    const client = await CotClient.connect(cot.port);
    const uid = `ANDROID-${uuidv7()}`;
    const [lon, lat] = [37.95, 48.52];
    await client.write(pliXml(uid, 'Patrol D-2', { lat, lon }));
    await eventually(async () => (await store.ingest.tak.current('position', { visibility: SEE_ALL, subjects: [uid] })).length === 1);

    const page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(base);
    const analyst = await testUser(store, { roles: ['analyst'], password: 'an analyst passphrase' });
    await logInThroughPage(page, analyst.username, analyst.password);
    await page.waitForFunction(
      (wanted) => {
        const map = (window as Debug).__truceline?.map;
        return !!map && map.loaded() && !!map.getLayer('positions') && map.queryRenderedFeatures({ layers: ['positions'] }).some((f) => f.properties.uid === wanted);
      },
      uid,
      { timeout: 20_000 },
    );
    const p = await page.evaluate(([x, y]) => (window as Debug).__truceline!.map.project([x!, y!]), [lon, lat]);
    const box = (await page.getByTestId('map').boundingBox())!;
    await page.mouse.click(box.x + p.x, box.y + p.y);
    const callsign = page.getByTestId('position-callsign');
    await callsign.waitFor({ state: 'visible', timeout: 10_000 });
    expect(await callsign.textContent()).toBe('Patrol D-2');
    expect(await page.getByTestId('position').textContent()).toContain('88%');
    await page.screenshot({ path: join(tmpdir(), 'truceline-positions.png') });
    expect(errors).toEqual([]);
    await client.end();
  });
});
