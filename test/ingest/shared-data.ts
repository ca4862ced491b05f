/**
 * Where the real samples live (../shared beside the repository; TRUCELINE_SHARED_DIR overrides).
 * Without them, tests that need them are skipped with a visible reason, except under CI=true,
 * where they run and fail: CI always has shared/.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SHARED_DIR = process.env.TRUCELINE_SHARED_DIR ?? resolve(repoRoot, '..', 'shared');
export const COT_DIRS = ['node-cot', 'atak-libcotshrink'].map((d) => join(SHARED_DIR, 'data', 'cot', d));
export const ACLED_DIR = join(SHARED_DIR, 'data', 'events', 'acled');

const present = existsSync(join(SHARED_DIR, 'data'));
/** True when the shared samples are absent and we are not under CI (then: skip). */
export const SKIP_SHARED = !present && process.env.CI !== 'true';
/** Appended to describe names so the reason for a skip shows in the report. */
export const SHARED_NOTE = SKIP_SHARED ? ` [skipped: no shared data at ${SHARED_DIR}; set TRUCELINE_SHARED_DIR or run under CI=true]` : '';
if (SKIP_SHARED) console.warn(`test/ingest: ${SHARED_DIR}/data is absent; tests on real samples are skipped (they fail under CI=true).`);

export interface Sample {
  name: string;
  path: string;
  bytes: Buffer;
}

/** Every CoT capture (.xml), sorted by directory then name. Empty when skipping. */
export function cotSamples(): Sample[] {
  if (SKIP_SHARED) return [];
  return COT_DIRS.flatMap((dir) =>
    readdirSync(dir)
      .filter((f) => f.endsWith('.xml'))
      .sort()
      .map((f) => ({ name: `${dir.split('/').pop()}/${f}`, path: join(dir, f), bytes: readFileSync(join(dir, f)) })),
  );
}

export function acledFiles(): Sample[] {
  if (SKIP_SHARED) return [];
  return readdirSync(ACLED_DIR)
    .filter((f) => f.endsWith('.csv'))
    .sort()
    .map((f) => ({ name: f, path: join(ACLED_DIR, f), bytes: readFileSync(join(ACLED_DIR, f)) }));
}
