import { existsSync } from 'node:fs';
import { type Browser, type Page, chromium } from 'playwright-core';
import { LedgerUnderTest, removeDataDirs } from '../support/ledger-harness.js';

/**
 * Swagger UI at /docs in a real headless Chromium (Debian's `chromium`, driven by playwright-core, as the
 * dashboard's browser test does), under the Content-Security-Policy the API sends: it must render the
 * document, every script it loads must be its own, the browser must report no violation of the policy,
 * and no other page may frame it.
 */

// Browser globals used inside page callbacks (the project compiles without the DOM library).
declare const document: { addEventListener(type: string, listener: (event: any) => void): void };
declare const window: { __violations: string[] };

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

describe('Swagger UI at /docs in headless Chromium', () => {
  let api: LedgerUnderTest;
  let browser: Browser;
  let base = '';

  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium) or set CHROMIUM_PATH`);
    api = await LedgerUnderTest.start();
    base = api.url.replace('[::1]', '127.0.0.1');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await api?.stop();
    await removeDataDirs();
  });

  /** A fresh page that records console errors and warnings, page errors and the policy's violation reports. */
  async function watchedPage(): Promise<{ page: Page; problems: string[]; violations: () => Promise<string[]> }> {
    const page = await browser.newPage();
    page.setDefaultTimeout(15_000);
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(`console ${message.type()}: ${message.text()}`);
    });
    // Injected by the browser itself (not subject to the page's policy), before the page's own scripts.
    await page.addInitScript(() => {
      window.__violations = [];
      document.addEventListener('securitypolicyviolation', (event) =>
        window.__violations.push(`${event.violatedDirective} ${event.blockedURI}`),
      );
    });
    return { page, problems, violations: () => page.evaluate(() => window.__violations) };
  }

  it('renders the document, loading only its own scripts, with no violation of its Content-Security-Policy', async () => {
    const { page, problems, violations } = await watchedPage();
    const scripts: Array<[string, number]> = [];
    page.on('response', (response) => {
      if (response.request().resourceType() === 'script') scripts.push([new URL(response.url()).pathname, response.status()]);
    });
    const answer = await page.goto(`${base}/docs`);
    expect(answer?.status()).toBe(200);
    expect(answer?.headers()['content-security-policy']).toContain("script-src 'self'");
    await page.waitForSelector('.swagger-ui .info .title');
    expect(await page.textContent('.swagger-ui .info .title')).toContain('Commitment ledger');
    // The operations come from /docs/openapi.json, fetched by the page's script (connect-src 'self').
    await page.waitForSelector('.opblock');
    expect(await page.locator('.opblock').count()).toBeGreaterThan(20);
    expect(scripts.sort()).toEqual([
      ['/docs/swagger-ui-bundle.js', 200],
      ['/docs/swagger-ui-init.js', 200],
      ['/docs/swagger-ui-standalone-preset.js', 200],
    ]);
    // Opening an operation runs more of its code (React renders the parameters and responses).
    await page.click('.opblock-summary >> nth=0');
    await page.waitForSelector('.opblock-body');
    expect(await violations()).toEqual([]);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('cannot be framed by another page', async () => {
    const { page, problems } = await watchedPage();
    // A page that frames /docs, served by the browser's router (no server needed) at the API's own origin:
    // frame-ancestors 'none' refuses even that. (Another origin on this machine is refused by the browser's
    // private-network checks before any header is read, which would prove nothing.)
    const framer = `${base}/framer`;
    await page.route(framer, (route) =>
      route.fulfill({ contentType: 'text/html', body: `<!doctype html><title>framer</title><iframe src="${base}/docs"></iframe>` }),
    );
    const refused = page.waitForEvent('console', (message) => message.text().includes("frame-ancestors 'none'"));
    await page.goto(framer);
    expect((await refused).type()).toBe('error');
    // The frame's document is the browser's error page, never Swagger UI.
    const frame = page.frames().find((candidate) => candidate !== page.mainFrame());
    expect(frame?.url()).toBe('chrome-error://chromewebdata/');
    expect(await frame!.locator('.swagger-ui').count()).toBe(0);
    expect(problems.join('\n')).toMatch(/frame-ancestors 'none'/);
    await page.close();
  });
});
