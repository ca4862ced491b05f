import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';


/** ../shared/data/geo beside the repository (DeepState files are read from there, never copied). */
export const SHARED_GEO = join(resolve(dirname(fileURLToPath(import.meta.url)), '..', '..'), '..', 'shared', 'data', 'geo');
export const DEEPSTATE_20260822 = join(SHARED_GEO, 'deepstate-occupied', 'deepstatemap_data_20260822.geojson');

export const HAVE_SHARED = existsSync(DEEPSTATE_20260822);

if (!HAVE_SHARED) {
  if (process.env.CI === 'true') {
    throw new Error(`shared test data missing: ${DEEPSTATE_20260822} (required when CI=true)`);
  }
  console.warn(`[truceline] SKIPPING real-line tests: ${DEEPSTATE_20260822} not found (../shared absent)`);
}

/** Title suffix that shows why a suite was skipped. */
export const SHARED_NOTE = HAVE_SHARED ? '' : ' [SKIPPED: ../shared/data/geo absent]';

export { prng } from '../../src/demo/prng';
