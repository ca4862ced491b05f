import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI === 'true') throw new Error(`Browser tests need Chromium at ${CHROMIUM} (the Debian package "chromium"); CI must not skip them.`);

/** Debian's Chromium, headless, software GL (no GPU here). */
export const launchChromium = (): Promise<Browser> =>
  chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--use-angle=swiftshader', '--enable-unsafe-swiftshader'],
  });

/**
 * Builds the web UI into a folder of the calling test's own: web/dist belongs to
 * test/browser/map.test.ts, and two files building it at once (vite empties the folder first)
 * would break each other.
 */
export function buildWeb(outDir: string): void {
  execFileSync('npx', ['vite', 'build', 'web', '--logLevel', 'warn', '--outDir', outDir, '--emptyOutDir'], { cwd: ROOT, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } });
}

/** Logs in through the page's own login panel, as a person would (the session cookie is HttpOnly). */
export async function logInThroughPage(page: Page, username: string, password: string): Promise<void> {
  await page.getByTestId('login-open').click({ timeout: 20_000 });
  await page.locator('input[name="username"]').fill(username);
  await page.locator('input[name="password"]').fill(password);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('logout').waitFor({ state: 'visible', timeout: 10_000 });
}
