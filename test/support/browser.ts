import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe } from 'vitest';
import { demoSectors } from '../../src/demo/demo-sectors';
import { buildApp } from '../../src/server/app';
import { AgreementService } from '../../src/services/agreement.service';
import type { Store } from '../../src/store/repository';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WEB = join(ROOT, 'web');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI === 'true') {
  throw new Error(`Browser tests need Chromium at ${CHROMIUM} (install the Debian package "chromium" or set CHROMIUM_PATH); CI must not skip them.`);
}

/**
 * A suite that needs Chromium. Without it the suite is skipped and its title says why (under
 * CI=true importing this module has already failed instead). `skip` skips it for a reason of
 * the caller's, which `title` should then name.
 */
export function describeInChromium(title: string, suite: () => void, skip = false): void {
  describe.skipIf(!haveChromium || skip)(haveChromium ? title : `browser tests skipped: Chromium not found at ${CHROMIUM}`, suite);
}

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

/** Newest modification time under a path (file or folder). */
function newest(path: string): number {
  if (!existsSync(path)) return 0;
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((n) => newest(join(path, n))));
}

/** Builds web/dist (the folder `serve` serves) when it is missing or older than the web sources. */
export function ensureWebDist(): void {
  const built = join(WEB, 'dist', 'index.html');
  const sources = Math.max(...['src', 'public', 'index.html', 'vite.config.ts'].map((p) => newest(join(WEB, p))));
  if (existsSync(built) && statSync(built).mtimeMs >= sources) return;
  // Vitest sets NODE_ENV=test, which would make Vite bundle React's development build.
  execFileSync('npx', ['vite', 'build', 'web', '--logLevel', 'warn'], { cwd: ROOT, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } });
}

/** Logs in through the page's own login panel, as a person would (the session cookie is HttpOnly). */
export async function logInThroughPage(page: Page, username: string, password: string): Promise<void> {
  await page.getByTestId('login-open').click({ timeout: 20_000 });
  await page.locator('input[name="username"]').fill(username);
  await page.locator('input[name="password"]').fill(password);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('logout').waitFor({ state: 'visible', timeout: 10_000 });
}

/** What the web UI exposes on `window` for tests: the main map. */
export interface MapDebug {
  __truceline?: { map: import('maplibre-gl').Map };
}

/** Waits until the main map has loaded its style and sources. */
export async function waitForMapLoaded(page: Page): Promise<void> {
  await page.waitForFunction(() => !!(window as MapDebug).__truceline?.map.loaded(), undefined, { timeout: 20_000 });
}

/** Clicks the main map where a coordinate is drawn. */
export async function clickMap(page: Page, lon: number, lat: number): Promise<void> {
  const p = await page.evaluate(([x, y]) => (window as MapDebug).__truceline!.map.project([x!, y!]), [lon, lat]);
  const box = (await page.getByTestId('map').boundingBox())!;
  await page.mouse.click(box.x + p.x, box.y + p.y);
}

export interface BrowserAppOptions {
  /** Names the temporary folder: truceline-<name>-… */
  name: string;
  /** Seed the shipped agreement first, as `serve` does on first start. */
  agreement?: boolean;
  /** Store the demo sectors. */
  sectors?: boolean;
  /** More for the store before the app is built (after the agreement and the sectors). */
  seed?: (store: Store, agreements: AgreementService) => Promise<unknown>;
  /**
   * 'own' (default): the web UI built into the suite's own temporary folder (see buildWeb),
   * served beside the API. 'dist': web/dist, built when stale and served by the app itself as
   * `serve` does.
   */
  web?: 'own' | 'dist';
  /** The suite's own setup once the app listens and Chromium runs (users, pages, more servers). */
  setup?: (env: BrowserApp) => Promise<unknown>;
  /** The suite's own teardown, after Chromium closes and before the app and the store do. */
  teardown?: () => Promise<unknown>;
  /** Time for the whole setup, in ms (default: vitest's hookTimeout). */
  timeout?: number;
}

export interface OpenPageOptions {
  /** Default 1440 × 900. */
  viewport?: { width: number; height: number };
  /** Where the page's uncaught errors and console errors are recorded. */
  errors?: string[];
  /** Put before each recorded error: `label: message`. */
  label?: string;
  /** Record uncaught errors (default true). */
  pageErrors?: boolean;
  /** Record console errors (default true). */
  consoleErrors?: boolean;
  /** Log in through the page, which first opens the app's start page for it. */
  logIn?: { username: string; password: string };
  /** Where the page goes (after logging in); default the app's start page. */
  goTo?: string;
}

/**
 * The app on a real SQLite store in a fresh temporary folder, listening on a free port with the
 * web UI, and a headless Chromium to look at it. Made by useBrowserApp; its fields are set once
 * the suite's beforeAll has run.
 */
export class BrowserApp {
  dir!: string;
  store!: Store;
  agreements!: AgreementService;
  app!: FastifyInstance;
  /** http://127.0.0.1:<port> */
  base!: string;
  browser!: Browser;

  constructor(private readonly opts: BrowserAppOptions) {}

  async start(): Promise<void> {
    const { opts } = this;
    const web = opts.web ?? 'own';
    if (web === 'dist') ensureWebDist();
    this.dir = mkdtempSync(join(tmpdir(), `truceline-${opts.name}-`));
    if (web === 'own') buildWeb(join(this.dir, 'web'));
    this.store = openSqliteStore(join(this.dir, 'test.db'));
    this.agreements = new AgreementService(this.store);
    if (opts.agreement) await this.agreements.seedDefault();
    if (opts.sectors) await this.store.sectors.upsertMany(demoSectors());
    await opts.seed?.(this.store, this.agreements);
    this.app = await buildApp({ store: this.store, agreements: this.agreements, config: { maxBody: 10 * 1024 * 1024, web: web === 'dist', logLevel: 'silent' } });
    if (web === 'own') await this.app.register(fastifyStatic, { root: join(this.dir, 'web'), prefix: '/', index: ['index.html'] });
    this.base = await this.app.listen({ port: 0, host: '127.0.0.1' });
    this.browser = await launchChromium();
  }

  /** A page in a fresh browser context (its own cookies and storage). */
  async openPage(o: OpenPageOptions = {}): Promise<Page> {
    const page = await (await this.browser.newContext({ viewport: o.viewport ?? { width: 1440, height: 900 } })).newPage();
    const errors = o.errors;
    if (errors) {
      const tag = o.label ? `${o.label}: ` : '';
      if (o.pageErrors ?? true) page.on('pageerror', (e) => errors.push(tag + e.message));
      if (o.consoleErrors ?? true) {
        page.on('console', (m) => {
          if (m.type() === 'error') errors.push(tag + m.text());
        });
      }
    }
    if (o.logIn) {
      await page.goto(this.base);
      await logInThroughPage(page, o.logIn.username, o.logIn.password);
      if (o.goTo) await page.goto(o.goTo);
    } else {
      await page.goto(o.goTo ?? this.base);
    }
    return page;
  }

  /** Closes whatever start got to, the temporary folder last. */
  async close(): Promise<void> {
    await this.browser?.close();
    await this.opts.teardown?.();
    await this.app?.close();
    await this.store?.close();
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A BrowserApp started before the suite's tests (then `setup`) and closed after them. Call inside the suite. */
export function useBrowserApp(opts: BrowserAppOptions): BrowserApp {
  const env = new BrowserApp(opts);
  beforeAll(async () => {
    await env.start();
    await opts.setup?.(env);
  }, opts.timeout);
  afterAll(() => env.close());
  return env;
}
