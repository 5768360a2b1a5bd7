import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, type Page, chromium } from 'playwright-core';
import { HARNESS_API_KEY, LedgerUnderTest, removeDataDirs } from '../support/ledger-harness.js';
import { colourBands, decodePng } from '../support/png.js';
import { projectBody } from '../support/fixtures.js';
import { API_KEYS, OPERATOR_KEY, READER_KEY, demo, loadDashboardData } from './dashboard-data.js';

/**
 * The dashboard in a real headless Chromium (Debian's `chromium` package,
 * driven by playwright-core) against the real API on a real SQLite file.
 * Every figure the page shows is compared with what the API answers.
 */

// Browser globals used inside page.evaluate callbacks (the project compiles without the DOM library).
declare const sessionStorage: { getItem(key: string): string | null };
declare function getComputedStyle(element: unknown): { readonly fill: string };

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const KEY_ITEM = 'ledger.dashboard.apiKey';

type Money = Record<string, string>;

/** Grouped digits, written independently of the page's code: "34033000000.00" → "34,033,000,000.00". */
function grouped(amount: string): string {
  const [whole, fraction] = amount.split('.');
  const groups: string[] = [];
  for (let end = whole.length; end > 0; end -= 3) groups.unshift(whole.slice(Math.max(0, end - 3), end));
  return groups.join(',') + (fraction ? `.${fraction}` : '');
}

/** The 亿/万 form, by BigInt division (the page moves the decimal point in a string instead). */
function chineseUnits(amount: string): string {
  const [whole, fraction = ''] = amount.split('.');
  const minor = BigInt(whole + fraction);
  const one = 10n ** BigInt(fraction.length);
  const unit = minor >= 100_000_000n * one ? ['亿', 100_000_000n * one] : minor >= 10_000n * one ? ['万', 10_000n * one] : ['', one];
  const [suffix, size] = unit as [string, bigint];
  const integer = minor / size;
  let rest = (minor % size)
    .toString()
    .padStart(size.toString().length - 1, '0')
    .replace(/0+$/, '');
  if (size === 1n) rest = '';
  return `${integer}${rest ? `.${rest}` : ''}${suffix}`;
}

/** Pair ids in the page's order: each top-level pair (in the API's order), then its sub-pairs beneath it. */
function treeOrder(pairs: Array<{ pairId: string; parentPairId: string | null }>): string[] {
  const order: string[] = [];
  const visit = (pairId: string) => {
    order.push(pairId);
    for (const child of pairs.filter((pair) => pair.parentPairId === pairId)) visit(child.pairId);
  };
  for (const pair of pairs.filter((p) => p.parentPairId === null)) visit(pair.pairId);
  return order;
}

function minorUnits(amount: string): bigint {
  const [whole, fraction = ''] = amount.split('.');
  return BigInt(whole + fraction.padEnd(2, '0'));
}

describe('the dashboard in headless Chromium', () => {
  let api: LedgerUnderTest;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];
  const reader = { authorization: `Bearer ${READER_KEY}` };
  const read = async <T = any>(path: string): Promise<T> => {
    const reply = await api.get<T>(path, reader);
    expect(reply.status).toBe(200);
    return reply.body;
  };

  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium) or set CHROMIUM_PATH`);
    api = await LedgerUnderTest.start(undefined, { API_KEYS });
    await loadDashboardData(api);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      // sRGB, so a bar's pixels in the screenshot are exactly its CSS colour.
      args: ['--force-color-profile=srgb', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    });
    context = await browser.newContext({ viewport: { width: 1200, height: 900 }, deviceScaleFactor: 1 });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(`console ${message.type()}: ${message.text()}`);
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await api?.stop();
    await removeDataDirs();
  });

  const ready = (view: string, id = '') => page.waitForSelector(`main[data-state="ready"][data-view="${view}"][data-id="${id}"]`);

  /** The texts of a money cell: one "CUR 1,234.00" line per currency, and the 亿/万 line for CNY. */
  async function moneyTexts(cell: string): Promise<{ exact: string[]; units: string[] }> {
    return {
      exact: await page.locator(`${cell} .money .exact`).allTextContents(),
      units: await page.locator(`${cell} .money .units`).allTextContents(),
    };
  }

  function expectedMoney(byCurrency: Money): { exact: string[]; units: string[] } {
    const currencies = Object.keys(byCurrency).sort();
    return {
      exact: currencies.map((currency) => `${currency} ${grouped(byCurrency[currency])}`),
      units: currencies.filter((currency) => currency === 'CNY').map((currency) => chineseUnits(byCurrency[currency])),
    };
  }

  /** A pair's row shows its summary; `query` (`?asOf=…`) asks the API for the same point in time as the page. */
  async function expectPairRow(pairId: string, query = ''): Promise<void> {
    const summary = await read(`/partner-pairs/${pairId}/summary${query}`);
    const row = `tr[data-id="${pairId}"]`;
    expect(await moneyTexts(`${row} [data-field="pledged"]`)).toEqual(expectedMoney(summary.total.pledged));
    expect(await moneyTexts(`${row} [data-field="delivered"]`)).toEqual(expectedMoney(summary.total.delivered));
    expect(await page.textContent(`${row} [data-field="jobs"]`)).toBe(summary.total.jobsCreated.toLocaleString('en'));
    const { active, completed, cancelled } = summary.total.projects;
    expect(await page.textContent(`${row} [data-field="projects"]`)).toBe(`${active} / ${completed} / ${cancelled}`);
    expect(await page.textContent(`${row} [data-field="pair"]`)).toBe(`${summary.donor.name} → ${summary.recipient.name}`);
  }

  it('asks for a key, keeps it for the tab, and shows every pair (sub-pairs beneath their pair) as the API reports it', async () => {
    await page.goto(`${api.url}/dashboard`);
    await page.waitForSelector('#key-form', { state: 'visible' });
    expect(await page.isVisible('#main')).toBe(false);

    await page.fill('#key-input', READER_KEY);
    await page.click('#key-form button[type="submit"]');
    await ready('pairs');
    expect(await page.evaluate((item) => sessionStorage.getItem(item), KEY_ITEM)).toBe(READER_KEY);
    expect(await page.isVisible('#key-panel')).toBe(false);

    // Every pair, each sub-pair beneath its pair.
    const every = treeOrder((await read('/partner-pairs')).pairs);
    expect(await page.locator('table.pairs-table tbody tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-id')))).toEqual(
      every,
    );
    for (const pairId of every) await expectPairRow(pairId);

    // The reports' own figure, in the reports' own unit: 340.33亿 for Shanghai–Sanming's 71 projects.
    expect(await page.textContent('tr[data-id="shanghai-sanming"] [data-field="pledged"] .units')).toBe('340.33亿');
    expect(problems).toEqual([]);
  });

  it('draws the chart: in a screenshot, each bar is as long as its amount relative to the largest', async () => {
    await ready('pairs');
    const chart = page.locator('.chart-section svg.chart').first();
    expect(await chart.getAttribute('data-currency')).toBe('CNY');
    const colours = await chart.evaluate((svg) => {
      const rgb = (selector: string) =>
        getComputedStyle(svg.querySelector(selector)!).fill.match(/\d+/g)!.map(Number) as [number, number, number];
      return { pledged: rgb('.bar-pledged'), delivered: rgb('.bar-delivered') };
    });
    expect(colours.pledged).not.toEqual(colours.delivered);

    const topLevel = (await read('/partner-pairs')).pairs.filter((pair: { parentPairId: string | null }) => pair.parentPairId === null);
    const figures = await Promise.all(topLevel.map((pair: { pairId: string }) => read(`/partner-pairs/${pair.pairId}/summary`)));
    const cnyOf = (money: Money) => (money.CNY ? minorUnits(money.CNY) : 0n);
    const pledged = figures.map((summary) => cnyOf(summary.total.pledged));
    const delivered = figures.map((summary) => cnyOf(summary.total.delivered));
    const largest = [...pledged, ...delivered].reduce((a, b) => (a > b ? a : b));

    const image = decodePng(await chart.screenshot());
    const bands = { pledged: colourBands(image, colours.pledged), delivered: colourBands(image, colours.delivered) };
    const all = [...bands.pledged, ...bands.delivered];
    // The largest amount's bar spans the plot; every bar starts at zero, the same x.
    const full = Math.max(...all.map((band) => band.width));
    expect(full).toBeGreaterThan(300);
    expect(new Set(all.map((band) => band.left)).size).toBe(1);
    for (const [kind, amounts] of [
      ['pledged', pledged],
      ['delivered', delivered],
    ] as const) {
      // One bar per row that has an amount, top to bottom in the rows' order.
      const drawn = amounts.filter((amount) => amount > 0n);
      expect(bands[kind]).toHaveLength(drawn.length);
      for (const [index, band] of bands[kind].entries()) {
        expect(band.bottom - band.top + 1).toBe(15);
        expect(band.pixels).toBe(band.width * 15); // a solid rectangle
        // Length ∝ amount: within a pixel of the exact proportion of the longest bar.
        const expected = (Number((drawn[index] * 1_000_000n) / largest) / 1_000_000) * full;
        expect({ kind, index, width: band.width, withinAPixel: Math.abs(band.width - expected) <= 1 }).toEqual({
          kind,
          index,
          width: band.width,
          withinAPixel: true,
        });
      }
    }

    // Currencies are charted one at a time: USD shows only Zhejiang–Aksu, delivered 1,000,000.50 of 2,500,000.00.
    await page.locator('.chart-section .currency-select').first().selectOption('USD');
    const usd = page.locator('.chart-section svg.chart[data-currency="USD"]');
    const usdImage = decodePng(await usd.screenshot());
    const [usdPledged] = colourBands(usdImage, colours.pledged);
    const [usdDelivered, ...more] = colourBands(usdImage, colours.delivered);
    expect(more).toEqual([]);
    expect(Math.abs(usdDelivered.width / usdPledged.width - 0.4)).toBeLessThan(0.005);
    await page.locator('.chart-section .currency-select').first().selectOption('CNY');
  });

  it("drills down from a pair to its sub-pairs, to a sub-pair's projects, to one project, with breadcrumbs", async () => {
    await page.click('tr[data-id="fujian-changji"] [data-field="pair"] a');
    await ready('pair', 'fujian-changji');
    const fujian = await read('/partner-pairs/fujian-changji/summary');
    expect(await page.locator('table.pairs-table tbody tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-id')))).toEqual(
      fujian.subPairIds,
    );
    for (const subPairId of fujian.subPairIds) await expectPairRow(subPairId);
    expect(await moneyTexts('.card[data-field="totalPledged"]')).toEqual(expectedMoney(fujian.total.pledged));
    expect(await moneyTexts('.card[data-field="ownDelivered"]')).toEqual(expectedMoney(fujian.own.delivered));
    expect(await page.locator('#crumbs li').allTextContents()).toEqual([
      'All pairs',
      'Fujian Province → Changji Hui Autonomous Prefecture',
    ]);

    await page.click('tr[data-id="quanzhou-changji"] [data-field="pair"] a');
    await ready('pair', 'quanzhou-changji');
    const projects = (await read('/partner-pairs/quanzhou-changji/projects')).projects;
    expect(projects.length).toBe(2);
    expect(
      await page.locator('table.projects-table tbody tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-id'))),
    ).toEqual(projects.map((project: { projectId: string }) => project.projectId));
    for (const project of projects) {
      const row = `table.projects-table tr[data-id="${project.projectId}"]`;
      for (const field of ['pledged', 'delivered', 'remaining'] as const) {
        expect(await moneyTexts(`${row} [data-field="${field}"]`)).toEqual(
          expectedMoney({ [project[field].currency]: project[field].amount }),
        );
      }
      expect(await page.textContent(`${row} [data-field="status"]`)).toBe(project.status);
    }
    expect(await page.locator('#crumbs li').allTextContents()).toEqual([
      'All pairs',
      'Fujian Province → Changji Hui Autonomous Prefecture',
      'Quanzhou City → Changji City',
    ]);

    await page.click('table.projects-table tr[data-id="qz-textile-park"] a');
    await ready('project', 'qz-textile-park');
    const project = await read('/projects/qz-textile-park');
    for (const field of ['pledged', 'delivered', 'remaining'] as const) {
      expect(await moneyTexts(`.detail [data-field="${field}"]`)).toEqual(expectedMoney({ CNY: project[field].amount }));
    }
    expect(await page.textContent('.detail [data-field="deliveredShare"] dd')).toBe('40.0%'); // 6.2亿 of 15.5亿
    expect(await page.textContent('.detail [data-field="jobs"] dd')).toBe('1,510');
    expect(await page.locator('.milestones li').evaluateAll((items) => items.map((item) => item.getAttribute('data-milestone')))).toEqual(
      project.milestones.map((m: { milestone: string }) => m.milestone),
    );
    expect(await page.locator('#crumbs li').allTextContents()).toEqual([
      'All pairs',
      'Fujian Province → Changji Hui Autonomous Prefecture',
      'Quanzhou City → Changji City',
      project.title,
    ]);
    // The project's own chart: delivered 40% of pledged, also in pixels.
    const chart = page.locator('.chart-section svg.chart').first();
    const colours = await chart.evaluate((svg) =>
      ['.bar-pledged', '.bar-delivered'].map((selector) => getComputedStyle(svg.querySelector(selector)!).fill.match(/\d+/g)!.map(Number)),
    );
    const image = decodePng(await chart.screenshot());
    const [pledgedBar] = colourBands(image, colours[0] as [number, number, number]);
    const [deliveredBar] = colourBands(image, colours[1] as [number, number, number]);
    expect(Math.abs(deliveredBar.width / pledgedBar.width - 0.4)).toBeLessThan(0.005);

    // Breadcrumbs go back up; the browser's Back button comes down again.
    await page.click('#crumbs a:text("Fujian Province → Changji Hui Autonomous Prefecture")');
    await ready('pair', 'fujian-changji');
    await page.goBack();
    await ready('project', 'qz-textile-park');
    await page.click('#crumbs a:text("All pairs")');
    await ready('pairs');
    expect(problems).toEqual([]);
  });

  it('takes the key from the URL fragment, then removes it from the address bar and the history', async () => {
    const tab = await context.browser()!.newContext({ viewport: { width: 1200, height: 900 } });
    try {
      const fresh = await tab.newPage();
      await fresh.goto(`${api.url}/dashboard#key=${READER_KEY}&view=/pairs/shanghai-sanming`);
      await fresh.waitForSelector('main[data-state="ready"][data-view="pair"][data-id="shanghai-sanming"]');
      expect(fresh.url()).toBe(`${api.url}/dashboard#/pairs/shanghai-sanming`);
      expect(fresh.url()).not.toContain(READER_KEY);
      expect(await fresh.evaluate((item) => sessionStorage.getItem(item), KEY_ITEM)).toBe(READER_KEY);
      expect(await fresh.isVisible('#key-panel')).toBe(false);
      const projects = (await read('/partner-pairs/shanghai-sanming/projects')).projects;
      expect(await fresh.locator('table.projects-table tbody tr').count()).toBe(projects.length);
      // The entry was replaced, not added: Back leaves the page rather than showing the key again.
      await fresh.goBack();
      expect(fresh.url()).not.toContain(READER_KEY);
      expect(fresh.url()).not.toContain('/dashboard');
    } finally {
      await tab.close();
    }
  });

  it('with a wrong key, says the API refused it and asks for the key again', async () => {
    const wrong = 'not-a-key-the-ledger-knows';
    expect((await api.get('/partner-pairs', { authorization: `Bearer ${wrong}` })).status).toBe(401);
    const tab = await context.browser()!.newContext({ viewport: { width: 1200, height: 900 } });
    try {
      const fresh = await tab.newPage();
      fresh.setDefaultTimeout(10_000);
      await fresh.goto(`${api.url}/dashboard#key=${wrong}`);
      await fresh.waitForSelector('#key-message', { state: 'visible' });
      expect(await fresh.textContent('#key-message')).toContain(
        'The API did not accept this key (401 Unauthorized: this API key is not valid)',
      );
      expect(await fresh.isVisible('#key-form')).toBe(true);
      expect(await fresh.isVisible('#main')).toBe(false);
      expect(fresh.url()).not.toContain(wrong);
      // The refused key is forgotten, so a reload asks again rather than retrying it.
      expect(await fresh.evaluate((item) => sessionStorage.getItem(item), KEY_ITEM)).toBeNull();
      // A good key then works without reloading the page.
      await fresh.fill('#key-input', READER_KEY);
      await fresh.click('#key-form button[type="submit"]');
      await fresh.waitForSelector('main[data-state="ready"][data-view="pairs"]');
      expect(await fresh.isVisible('#key-message')).toBe(false);
    } finally {
      await tab.close();
    }
  });

  it('shows names and titles as text: markup in them is never run or rendered', async () => {
    const operator = { authorization: `Bearer ${OPERATOR_KEY}` };
    const donor = `<img src=x onerror="window.xss=1">`;
    const title = `<script>window.xss=2</script><b>bold</b> & "quotes"`;
    const pair = await api.post(
      '/partner-pairs',
      {
        pairId: 'xss-pair',
        programme: 'paired-cooperation',
        donor: { name: donor, level: 'province' },
        recipient: { name: '<svg onload=window.xss=3>', level: 'city' },
      },
      operator,
    );
    expect(pair.status).toBe(201);
    const project = await api.post('/projects', projectBody('xss-project', 'xss-pair', '1234.50', { title }), operator);
    expect(project.status).toBe(201);
    expect((await api.get(`/partner-pairs?minPosition=${project.body.position}`, reader)).status).toBe(200);

    await page.goto(`${api.url}/dashboard#/pairs/xss-pair`);
    await ready('pair', 'xss-pair');
    expect(await page.locator('#crumbs li').allTextContents()).toEqual(['All pairs', `${donor} → <svg onload=window.xss=3>`]);
    expect(await page.textContent('tr[data-id="xss-project"] [data-field="project"]')).toBe(title);
    await page.click('tr[data-id="xss-project"] [data-field="project"] a');
    await ready('project', 'xss-project');
    expect(await page.locator('#crumbs li').last().textContent()).toBe(title);
    expect(await page.locator('img, script:not([src]), b, [onerror], [onload]').count()).toBe(0);
    expect(await page.title()).toBe(`${title} · Commitment ledger`);
    expect(await page.evaluate(() => (globalThis as { xss?: number }).xss)).toBeUndefined();
    // Markup that reached the DOM would also show here, as the CSP refusing its inline handler.
    expect(problems).toEqual([]);
  });

  describe('as of another date', () => {
    const operator = { authorization: `Bearer ${OPERATOR_KEY}` };
    const asOf = '2024-06-30';
    const readyAt = (view: string, id: string, when: string, on = page) =>
      on.waitForSelector(`main[data-state="ready"][data-view="${view}"][data-id="${id}"][data-as-of="${when}"]`);
    /** Chromium logs each refused fetch (a 404 for what did not exist then) as a console error: those are expected here. */
    const unexpected = () =>
      problems.filter((problem) => !/Failed to load resource: the server responded with a status of 404/.test(problem));

    beforeAll(async () => {
      // Facts after the as-of date: a pair established later (with a project), a project signed later in a pair that existed.
      const commands: Array<[string, unknown]> = [
        [
          '/partner-pairs',
          {
            pairId: 'late-pair',
            programme: 'paired-assistance',
            donor: { name: 'Late Donor', level: 'province' },
            recipient: { name: 'Late Recipient', level: 'city' },
            establishedOn: '2024-08-01',
          },
        ],
        ['/projects', projectBody('late-pair-mill', 'late-pair', '5000000.00', { signedOn: '2024-08-15' })],
        ['/projects', projectBody('qz-late-dyeworks', 'quanzhou-changji', '70000000.00', { title: 'Dyeworks', signedOn: '2024-09-01' })],
      ];
      let position = 0;
      for (const [path, body] of commands) {
        const reply = await api.post(path, body, operator);
        expect([path, reply.status]).toEqual([path, 201]);
        position = reply.body.position;
      }
      expect((await api.get(`/partner-pairs?minPosition=${position}`, reader)).status).toBe(200);
    });

    it('shows every pair as the API answers ?asOf, with a banner, and keeps the date in the URL', async () => {
      await page.goto(`${api.url}/dashboard#/`);
      await ready('pairs');
      expect(await page.isVisible('#slice-banner')).toBe(false);
      await page.fill('#as-of-input', asOf);
      await page.click('#slice-apply');
      await readyAt('pairs', '', asOf);
      expect(page.url()).toBe(`${api.url}/dashboard#/?asOf=${asOf}`);
      expect(await page.isVisible('#slice-banner')).toBe(true);
      expect(await page.textContent('#slice-text')).toBe(`Figures as of ${asOf}`);

      const every = treeOrder((await read('/partner-pairs')).pairs);
      expect(
        await page.locator('table.pairs-table tbody tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-id'))),
      ).toEqual(every);
      let absent = 0;
      for (const pairId of every) {
        const then = await api.get(`/partner-pairs/${pairId}/summary?asOf=${asOf}`, reader);
        if (then.status === 404) {
          absent++;
          expect(await page.getAttribute(`tr[data-id="${pairId}"]`, 'data-absent')).toBe('');
          expect(await page.textContent(`tr[data-id="${pairId}"] [data-field="absent"]`)).toBe(
            `did not exist as of ${asOf} (established 2024-08-01)`,
          );
        } else {
          expect(then.status).toBe(200);
          await expectPairRow(pairId, `?asOf=${asOf}`);
        }
      }
      expect(absent).toBe(1); // late-pair
      // The date matters: Shanghai–Sanming's tranches of 2024-09-30 and 2024-10-15 are not delivered yet.
      const live = await read('/partner-pairs/shanghai-sanming/summary');
      const then = await read(`/partner-pairs/shanghai-sanming/summary?asOf=${asOf}`);
      expect(then.total.delivered).not.toEqual(live.total.delivered);
      expect(await moneyTexts('tr[data-id="shanghai-sanming"] [data-field="delivered"]')).toEqual(expectedMoney(then.total.delivered));
      expect(unexpected()).toEqual([]);
    });

    it("drills down at one date: pair, sub-pair and project figures equal the API's ?asOf answers, without later projects", async () => {
      await page.click('tr[data-id="fujian-changji"] [data-field="pair"] a');
      await readyAt('pair', 'fujian-changji', asOf);
      expect(page.url()).toBe(`${api.url}/dashboard#/pairs/fujian-changji?asOf=${asOf}`);
      const fujian = await read(`/partner-pairs/fujian-changji/summary?asOf=${asOf}`);
      expect(await moneyTexts('.card[data-field="totalDelivered"]')).toEqual(expectedMoney(fujian.total.delivered));
      for (const subPairId of fujian.subPairIds) await expectPairRow(subPairId, `?asOf=${asOf}`);
      expect(await page.textContent('#slice-text')).toBe(`Figures as of ${asOf}`);

      await page.click('tr[data-id="quanzhou-changji"] [data-field="pair"] a');
      await readyAt('pair', 'quanzhou-changji', asOf);
      const listed = (await read('/partner-pairs/quanzhou-changji/projects')).projects as Array<{ projectId: string }>;
      expect(listed.map((project) => project.projectId)).toContain('qz-late-dyeworks');
      const shown: string[] = [];
      for (const { projectId } of listed) {
        const then = await api.get(`/projects/${projectId}?asOf=${asOf}`, reader);
        if (then.status === 404) continue;
        expect(then.status).toBe(200);
        shown.push(projectId);
        const row = `table.projects-table tr[data-id="${projectId}"]`;
        for (const field of ['pledged', 'delivered', 'remaining'] as const) {
          expect(await moneyTexts(`${row} [data-field="${field}"]`)).toEqual(
            expectedMoney({ [then.body[field].currency]: then.body[field].amount }),
          );
        }
        expect(await page.textContent(`${row} [data-field="jobs"]`)).toBe(then.body.jobsCreated.toLocaleString('en'));
      }
      expect([...shown].sort()).toEqual(['qz-cotton-yarn', 'qz-textile-park']);
      expect(
        await page.locator('table.projects-table tbody tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-id'))),
      ).toEqual(shown);
      expect(await page.textContent('.later')).toBe(`1 later project of this pair is not shown: not yet signed as of ${asOf}.`);

      await page.click('table.projects-table tr[data-id="qz-textile-park"] a');
      await readyAt('project', 'qz-textile-park', asOf);
      expect(page.url()).toBe(`${api.url}/dashboard#/projects/qz-textile-park?asOf=${asOf}`);
      const project = await read(`/projects/qz-textile-park?asOf=${asOf}`);
      const today = await read('/projects/qz-textile-park');
      expect(project.jobsCreated).not.toBe(today.jobsCreated); // jobs reported 2024-07-01: none yet
      expect(await page.textContent('.detail [data-field="jobs"] dd')).toBe(project.jobsCreated.toLocaleString('en'));
      expect(await moneyTexts('.detail [data-field="delivered"]')).toEqual(expectedMoney({ CNY: project.delivered.amount }));
      expect(await page.locator('.milestones li').evaluateAll((items) => items.map((item) => item.getAttribute('data-milestone')))).toEqual(
        project.milestones.map((m: { milestone: string }) => m.milestone),
      );
      expect(project.milestones).toHaveLength(1); // landed 2024-06-10; construction started 2024-08-01
      // Breadcrumbs keep the date too.
      expect(await page.getAttribute('#crumbs a:text("All pairs")', 'href')).toBe(`#/?asOf=${asOf}`);
      await page.click('#crumbs a:text("Quanzhou City → Changji City")');
      await readyAt('pair', 'quanzhou-changji', asOf);
      expect(unexpected()).toEqual([]);
    });

    it("clearing the date returns to today's figures and removes the banner and the date from the URL", async () => {
      await readyAt('pair', 'quanzhou-changji', asOf);
      await page.click('#slice-clear');
      await readyAt('pair', 'quanzhou-changji', '');
      expect(page.url()).toBe(`${api.url}/dashboard#/pairs/quanzhou-changji`);
      expect(await page.isVisible('#slice-banner')).toBe(false);
      expect(await page.inputValue('#as-of-input')).toBe('');
      const projects = (await read('/partner-pairs/quanzhou-changji/projects')).projects;
      expect(
        await page.locator('table.projects-table tbody tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-id'))),
      ).toEqual(projects.map((project: { projectId: string }) => project.projectId));
      for (const project of projects) {
        expect(await moneyTexts(`table.projects-table tr[data-id="${project.projectId}"] [data-field="delivered"]`)).toEqual(
          expectedMoney({ [project.delivered.currency]: project.delivered.amount }),
        );
      }
      expect(await page.locator('.later').count()).toBe(0);
      // Back returns to the dated view.
      await page.goBack();
      await readyAt('pair', 'quanzhou-changji', asOf);
      expect(await page.isVisible('#slice-banner')).toBe(true);
    });

    it('shows a pair or project that did not exist then as such, not as an error', async () => {
      await page.goto(`${api.url}/dashboard#view=/pairs/late-pair&asOf=${asOf}`);
      await readyAt('pair', 'late-pair', asOf);
      expect(page.url()).toBe(`${api.url}/dashboard#/pairs/late-pair?asOf=${asOf}`);
      expect((await api.get(`/partner-pairs/late-pair/summary?asOf=${asOf}`, reader)).status).toBe(404);
      expect(await page.textContent('[data-absent="pair"]')).toBe(`This pair did not exist as of ${asOf} (established 2024-08-01).`);
      expect(await page.locator('.error, .cards').count()).toBe(0);

      await page.goto(`${api.url}/dashboard#/projects/qz-late-dyeworks?asOf=${asOf}`);
      await readyAt('project', 'qz-late-dyeworks', asOf);
      expect((await api.get(`/projects/qz-late-dyeworks?asOf=${asOf}`, reader)).status).toBe(404);
      expect(await page.textContent('[data-absent="project"]')).toBe(`This project did not exist as of ${asOf} (signed 2024-09-01).`);
      expect(await page.locator('#crumbs li').allTextContents()).toEqual([
        'All pairs',
        'Fujian Province → Changji Hui Autonomous Prefecture',
        'Quanzhou City → Changji City',
        'Dyeworks',
      ]);

      // A date the API refuses is its 400, said on the page (not a 500, not today's figures).
      await page.goto(`${api.url}/dashboard#/?asOf=2024-02-30`);
      await page.waitForSelector('main[data-state="error"][data-as-of="2024-02-30"]');
      expect(await page.textContent('main .error')).toContain('asOf must be a real calendar date written YYYY-MM-DD');
      expect(await page.textContent('main .error')).toContain('400 invalid-request');
      expect(unexpected().filter((problem) => !/status of 400/.test(problem))).toEqual([]);
    });

    it('takes a shared link with key and date, keeps the date, drops the key; a local known-at time goes to the API in UTC', async () => {
      const tab = await context.browser()!.newContext({ viewport: { width: 1200, height: 900 }, timezoneId: 'Asia/Shanghai' });
      try {
        const fresh = await tab.newPage();
        fresh.setDefaultTimeout(10_000);
        await fresh.goto(`${api.url}/dashboard#key=${encodeURIComponent(READER_KEY)}&view=/pairs/shanghai-sanming&asOf=${asOf}`);
        await readyAt('pair', 'shanghai-sanming', asOf, fresh);
        expect(fresh.url()).toBe(`${api.url}/dashboard#/pairs/shanghai-sanming?asOf=${asOf}`);
        expect(await fresh.evaluate((item) => sessionStorage.getItem(item), KEY_ITEM)).toBe(READER_KEY);
        expect(await fresh.textContent('#slice-text')).toBe(`Figures as of ${asOf}`);
        expect(await fresh.inputValue('#as-of-input')).toBe(asOf);
        const then = await read(`/partner-pairs/shanghai-sanming/summary?asOf=${asOf}`);
        expect({
          exact: await fresh.locator('.card[data-field="totalDelivered"] .money .exact').allTextContents(),
          units: await fresh.locator('.card[data-field="totalDelivered"] .money .units').allTextContents(),
        }).toEqual(expectedMoney(then.total.delivered));

        // 08:00 on 1 January 2000 in Shanghai is midnight UTC; the ledger had recorded nothing by then.
        await fresh.fill('#known-at-input', '2000-01-01T08:00:00');
        await fresh.click('#slice-apply');
        await fresh.waitForSelector(
          'main[data-state="ready"][data-view="pair"][data-id="shanghai-sanming"][data-known-at="2000-01-01T00:00:00Z"]',
        );
        expect(fresh.url()).toBe(`${api.url}/dashboard#/pairs/shanghai-sanming?asOf=${asOf}&knownAt=2000-01-01T00:00:00Z`);
        expect(await fresh.textContent('#slice-text')).toBe(`Figures as of ${asOf}, as known at 2000-01-01T00:00:00Z`);
        expect((await api.get(`/partner-pairs/shanghai-sanming/summary?asOf=${asOf}&knownAt=2000-01-01T00:00:00Z`, reader)).status).toBe(
          404,
        );
        expect(await fresh.textContent('[data-absent="pair"]')).toBe(
          `This pair did not exist as of ${asOf}, as known at 2000-01-01T00:00:00Z.`,
        );
        expect(await fresh.inputValue('#known-at-input')).toMatch(/^2000-01-01T08:00(:00)?$/); // shown again in local time
      } finally {
        await tab.close();
      }
    });
  });
});

/**
 * Whether each character renders as a glyph in the page's own fonts, judged in a
 * screenshot: each is drawn on a line of its own, in a probe added to `main` (so the
 * page's font stack applies), beside U+FFFF, a noncharacter no font has a glyph for.
 * A character drawn exactly as U+FFFF is drawn (the missing-glyph box, or nothing) is
 * missing. Returns the missing ones.
 */
async function missingGlyphs(page: Page, characters: string[]): Promise<string[]> {
  const probe = page.locator('#glyph-probe');
  await page.evaluate(
    (lines) => {
      const doc = (globalThis as any).document;
      doc.getElementById('glyph-probe')?.remove();
      const holder = doc.createElement('div');
      holder.id = 'glyph-probe';
      for (const line of lines) {
        const div = doc.createElement('div');
        div.textContent = line;
        holder.append(div);
      }
      doc.querySelector('main').append(holder);
    },
    ['\uFFFF', ...characters],
  );
  const image = decodePng(await probe.screenshot());
  const boxes = await probe.evaluate((holder: any) => {
    const top = holder.getBoundingClientRect().top;
    return [...holder.children].map((line: any) => {
      const box = line.getBoundingClientRect();
      return { top: Math.round(box.top - top), height: Math.round(box.height) };
    });
  });
  await page.evaluate(() => (globalThis as any).document.getElementById('glyph-probe')?.remove());
  const rows = (index: number) => {
    const { top, height } = boxes[index];
    return Buffer.from(image.rgba.subarray(top * image.width * 4, (top + height) * image.width * 4));
  };
  const tofu = rows(0);
  return characters.filter((_, index) => rows(index + 1).equals(tofu));
}

describe('the dashboard on the demo data set, in headless Chromium', () => {
  let api: LedgerUnderTest;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];
  const read = async <T = any>(path: string): Promise<T> => {
    const reply = await api.get<T>(path);
    expect([path, reply.status]).toEqual([path, 200]);
    return reply.body;
  };
  const ready = (view: string, id = '') => page.waitForSelector(`main[data-state="ready"][data-view="${view}"][data-id="${id}"]`);
  const texts = (selector: string) => page.locator(selector).allTextContents();

  /** The exact percentage, written independently of the page: tenths rounded down. */
  function share(delivered: Money, pledged: Money): string {
    if (!pledged.CNY) return '—';
    const tenths = (minorUnits(delivered.CNY ?? '0') * 1000n) / minorUnits(pledged.CNY);
    return `${tenths / 10n}.${tenths % 10n}%`;
  }

  beforeAll(async () => {
    api = await LedgerUnderTest.start();
    let last = 0;
    for (const command of demo.commands) {
      const reply = await api.post(command.path, command.body);
      if (reply.status !== 201) throw new Error(`${command.path} answered ${reply.status}: ${JSON.stringify(reply.body)}`);
      last = reply.body.position;
    }
    expect((await api.get(`/partner-pairs?minPosition=${last}`)).status).toBe(200);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
    page = await (await browser.newContext({ viewport: { width: 1200, height: 900 }, deviceScaleFactor: 1 })).newPage();
    page.setDefaultTimeout(10_000);
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(`console ${message.type()}: ${message.text()}`);
    });
    await page.goto(`${api.url}/dashboard#key=${encodeURIComponent(HARNESS_API_KEY)}`);
    await ready('pairs');
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await api?.stop();
    await removeDataDirs();
  });

  it('shows every pair, sub-pairs under their pair, with pledged and delivered side by side and the delivered share', async () => {
    const tree = treeOrder((await read('/partner-pairs')).pairs);
    expect(await page.locator('table.pairs-table tbody tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-id')))).toEqual(
      tree,
    );
    for (const pairId of tree) {
      const { total } = await read(`/partner-pairs/${pairId}/summary`);
      const row = `table.pairs-table tr[data-id="${pairId}"]`;
      expect([pairId, await texts(`${row} [data-field="pledged"] .units`)]).toEqual([
        pairId,
        total.pledged.CNY ? [chineseUnits(total.pledged.CNY)] : [],
      ]);
      expect([pairId, await texts(`${row} [data-field="delivered"] .exact`)]).toEqual([
        pairId,
        total.delivered.CNY ? [`CNY ${grouped(total.delivered.CNY)}`] : [],
      ]);
      expect([pairId, await page.textContent(`${row} [data-field="deliveredShare"]`)]).toEqual([
        pairId,
        share(total.delivered, total.pledged),
      ]);
    }
    // The reports' figures, as the reports write them: Fujian–Changji with its sub-pairs, Quanzhou–Changji City's funds in place.
    expect(await page.textContent('tr[data-id="quanzhou-changji"] [data-field="delivered"] .units')).toBe('154.351亿');
    expect(await page.textContent('tr[data-id="fujian-changji"] [data-field="deliveredShare"]')).toBe('37.1%');
    // The chart's delivered label gives the share too.
    expect(await page.textContent('.chart-section svg.chart [data-row-id="fujian-changji"] .bar-value-delivered')).toBe(
      '214.351亿 (37.1%)',
    );
    expect(problems).toEqual([]);
  });

  it('shows pledges by signing year and deliveries by disbursement year, over all pairs, exactly', async () => {
    const top = (await read('/partner-pairs')).pairs.filter((pair: { parentPairId: string | null }) => pair.parentPairId === null);
    const sums = new Map<string, { pledged: bigint; delivered: bigint }>();
    for (const { pairId } of top) {
      for (const row of (await read(`/partner-pairs/${pairId}/breakdown?by=year`)).rows) {
        const sum = sums.get(row.key) ?? { pledged: 0n, delivered: 0n };
        sums.set(row.key, {
          pledged: sum.pledged + (row.pledged.CNY ? minorUnits(row.pledged.CNY) : 0n),
          delivered: sum.delivered + (row.delivered.CNY ? minorUnits(row.delivered.CNY) : 0n),
        });
      }
    }
    const table = 'table.breakdown-table[data-by="year"]';
    expect(await page.locator(`${table} tbody tr`).evaluateAll((rows) => rows.map((row) => row.getAttribute('data-key')))).toEqual([
      '2018',
      '2024',
      '2025',
    ]);
    const fen = (amount: bigint) => `${amount / 100n}.${(amount % 100n).toString().padStart(2, '0')}`;
    for (const [year, { pledged, delivered }] of sums) {
      expect([year, await texts(`${table} tr[data-key="${year}"] [data-field="pledged"] .exact`)]).toEqual([
        year,
        [`CNY ${grouped(fen(pledged))}`],
      ]);
      expect([year, await texts(`${table} tr[data-key="${year}"] [data-field="delivered"] .exact`)]).toEqual([
        year,
        delivered > 0n ? [`CNY ${grouped(fen(delivered))}`] : [],
      ]);
    }
    // 2024: Shanghai–Sanming's 340.33亿, the later Fuzhou fair's 90亿 and the 60亿 of aid carried out (delivered).
    expect(await page.textContent(`${table} tr[data-key="2024"] [data-field="pledged"] .units`)).toBe('490.33亿');
    expect(await page.textContent(`${table} tr[data-key="2024"] [data-field="delivered"] .units`)).toBe('60亿');
    expect(await page.locator('section.breakdown[data-by="year"] svg.chart .chart-row').count()).toBe(3);
  });

  it("shows a pair's breakdown by sector, and its projects with status, milestones and remaining pledge", async () => {
    await page.click('table.pairs-table tr[data-id="quanzhou-changji"] [data-field="pair"] a');
    await ready('pair', 'quanzhou-changji');
    const sectors = (await read('/partner-pairs/quanzhou-changji/breakdown?by=sector')).rows;
    const table = 'table.breakdown-table[data-by="sector"]';
    expect(await page.locator(`${table} tbody tr`).evaluateAll((rows) => rows.map((row) => row.getAttribute('data-key')))).toEqual(
      sectors.map((row: { key: string }) => row.key),
    );
    for (const row of sectors) {
      expect(await texts(`${table} tr[data-key="${row.key}"] [data-field="pledged"] .exact`)).toEqual([`CNY ${grouped(row.pledged.CNY)}`]);
      expect(await page.textContent(`${table} tr[data-key="${row.key}"] [data-field="deliveredShare"]`)).toBe(
        share(row.delivered, row.pledged),
      );
    }
    expect(await page.textContent(`${table} tr[data-key="health"] [data-field="delivered"] .units`)).toBe('1510万');

    const projects = (await read('/partner-pairs/quanzhou-changji/projects')).projects;
    expect(projects).toHaveLength(3);
    for (const project of projects) {
      const row = `table.projects-table tr[data-id="${project.projectId}"]`;
      expect(await page.textContent(`${row} [data-field="status"]`)).toBe(project.status);
      expect(await texts(`${row} [data-field="milestones"] li`)).toEqual(
        project.milestones.map((m: { milestone: string; reachedOn: string }) => `${m.milestone} ${m.reachedOn}`),
      );
      expect(await texts(`${row} [data-field="remaining"] .exact`)).toEqual([`CNY ${grouped(project.remaining.amount)}`]);
    }
    expect(await texts('table.projects-table tr[data-id="qz-2025-signings"] [data-field="milestones"] li')).toEqual(['landed 2025-12-31']);
    expect(await texts('table.projects-table tr[data-id="qz-2025-signings"] [data-field="remaining"] .units')).toEqual(['29.8亿']);
    expect(problems).toEqual([]);
  });

  it('renders 亿, 万 and every pair name as glyphs, not the missing-glyph box', async () => {
    await page.goto(`${api.url}/dashboard#/`);
    await ready('pairs');
    const names = await texts('table.pairs-table [data-field="pair"]');
    const characters = [...new Set([...'亿万', ...names.join('')])].filter((character) => character.trim() !== '');
    expect(characters.length).toBeGreaterThan(20);
    expect(await missingGlyphs(page, characters)).toEqual([]);
  });

  it('and the glyph check fails where no CJK font can be found (fontconfig shown only a Latin font folder)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'no-cjk-fonts-'));
    const config = join(dir, 'fonts.conf');
    writeFileSync(
      config,
      `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig><dir>/usr/share/fonts/truetype/dejavu</dir>` +
        `<cachedir>${join(dir, 'cache')}</cachedir></fontconfig>\n`,
    );
    const bare = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
      env: { ...process.env, FONTCONFIG_FILE: config },
    });
    try {
      const tab = await bare.newPage();
      await tab.goto(`${api.url}/dashboard#key=${encodeURIComponent(HARNESS_API_KEY)}`);
      await tab.waitForSelector('main[data-state="ready"][data-view="pairs"]');
      const missing = await missingGlyphs(tab, ['亿', '万', 'F']);
      expect(missing).toEqual(expect.arrayContaining(['亿', '万']));
    } finally {
      await bare.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
