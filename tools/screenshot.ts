import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import { projectRoot } from '#api/project-root';
import { HARNESS_API_KEY, startServerProcess } from '#bench/server-process';

/**
 * `npm run screenshot`: the README's picture of the dashboard. Starts the
 * built API on a temporary DATA_DIR, loads the demo data set with `npm run
 * demo`'s own script, opens the dashboard in Debian's chromium (headless,
 * through playwright-core, as the browser tests do) and writes
 * docs/dashboard.png. CHROMIUM_PATH points it at another Chromium.
 */
// Browser globals used inside page.evaluate callbacks (the project compiles without the DOM library).
declare const document: { readonly fonts: { readonly ready: Promise<unknown> } };
declare const window: { readonly scrollY: number };

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const OUTPUT = join(projectRoot(), 'docs', 'dashboard.png');
const LOAD_DEMO = join(projectRoot(), 'dist/apps/api/src/cli/load-demo.js');

async function main(): Promise<void> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium) or set CHROMIUM_PATH`);
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'ledger-screenshot-'));
  const server = await startServerProcess(dataDir);
  try {
    const url = server.url.replace('[::1]', '127.0.0.1');
    await promisify(execFile)(process.execPath, [LOAD_DEMO], { env: { ...process.env, API_URL: url, API_KEY: HARNESS_API_KEY } });
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--force-color-profile=srgb', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--font-render-hinting=none'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 1000 }, deviceScaleFactor: 1 });
      await page.goto(`${url}/dashboard#key=${encodeURIComponent(HARNESS_API_KEY)}`);
      await page.waitForSelector('main[data-state="ready"][data-view="pairs"]', { timeout: 30_000 });
      await page.evaluate(() => document.fonts.ready);
      // The pairs, their chart and table, and the by-year chart: what the page answers at a glance.
      const bottom = await page.locator('section.breakdown[data-by="year"] .chart-section').evaluate((section) => {
        const box = section.getBoundingClientRect();
        return Math.ceil(box.bottom + window.scrollY) + 16;
      });
      await page.screenshot({ path: OUTPUT, fullPage: true, clip: { x: 0, y: 0, width: 1200, height: bottom } });
      console.log(`wrote ${OUTPUT}`);
    } finally {
      await browser.close();
    }
  } finally {
    const exited = once(server.child, 'exit');
    server.child.kill();
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(`could not take the screenshot: ${(error as Error).message}`);
  process.exit(1);
});
