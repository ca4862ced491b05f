import { SEE_ALL } from '../../src/domain/identity';
import { expect, it } from 'vitest';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { testUser } from '../support/auth';
import { clickMap, describeInChromium, useBrowserApp, type MapDebug as Debug } from '../support/browser';
import { startCot } from '../../src/services/cot-ingest';
import { ObservationIngest } from '../../src/services/observation-ingest';
import { CotClient, eventually, pliXml } from '../support/cot';

/** A TAK client's position on the web map, in a real Chromium: drawn, and its callsign in the details. */

describeInChromium('TAK positions on the web map', () => {
  let cot: Awaited<ReturnType<typeof startCot>>;
  const env = useBrowserApp({
    name: 'positions',
    setup: async ({ store }) => {
      cot = await startCot(store, new ObservationIngest(store), { port: 0, host: '127.0.0.1', anonymous: 'accept', snapshotWindowMs: 0 });
    },
    teardown: async () => {
      await cot?.close();
    },
  });

  it('draws an ATAK client\'s position and shows its callsign on click', async () => {
    const client = await CotClient.connect(cot.port);
    const uid = `ANDROID-${uuidv7()}`;
    const [lon, lat] = [37.95, 48.52];
    await client.write(pliXml(uid, 'Patrol D-2', { lat, lon }));
    await eventually(async () => (await env.store.ingest.tak.current('position', { visibility: SEE_ALL, subjects: [uid] })).length === 1);

    const errors: string[] = [];
    const analyst = await testUser(env.store, { roles: ['analyst'], password: 'an analyst passphrase' });
    const page = await env.openPage({ errors, consoleErrors: false, logIn: analyst });
    await page.waitForFunction(
      (wanted) => {
        const map = (window as Debug).__truceline?.map;
        return !!map && map.loaded() && !!map.getLayer('positions') && map.queryRenderedFeatures({ layers: ['positions'] }).some((f) => f.properties.uid === wanted);
      },
      uid,
      { timeout: 20_000 },
    );
    await clickMap(page, lon, lat);
    const callsign = page.getByTestId('position-callsign');
    await callsign.waitFor({ state: 'visible', timeout: 10_000 });
    expect(await callsign.textContent()).toBe('Patrol D-2');
    expect(await page.getByTestId('position').textContent()).toContain('88%');
    await page.screenshot({ path: join(tmpdir(), 'truceline-positions.png') });
    expect(errors).toEqual([]);
    await client.end();
  });
});
