import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '#api/project-root';
import { HARNESS_API_KEY, type LedgerUnderTest, ledgerPerSuite } from '../support/ledger-harness.js';

const demo = JSON.parse(readFileSync(new URL('../../demo/paired-assistance.json', import.meta.url), 'utf8')) as {
  commands: Array<{ path: string; body: Record<string, any> }>;
};

const LOAD_DEMO = join(projectRoot(), 'dist/apps/api/src/cli/load-demo.js');

/** `npm run demo`'s script (built), against the API at `url`. */
function runDemo(url: string): Promise<{ code: number; stdout: string; stderr: string }> {
  if (!existsSync(LOAD_DEMO)) throw new Error(`${LOAD_DEMO} is missing: run \`npm run build\` first`);
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [LOAD_DEMO],
      { env: { ...process.env, API_URL: url, API_KEY: HARNESS_API_KEY } },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') reject(error);
        else resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
      },
    );
  });
}

/** 亿 and 万 in fen (minor units), so the reports' figures read as the reports write them. */
const yi = (figure: string) => fen(figure, 100_000_000n);
const wan = (figure: string) => fen(figure, 10_000n);
function fen(figure: string, unit: bigint): bigint {
  const [whole, fraction = ''] = figure.split('.');
  return (BigInt(whole + fraction) * unit * 100n) / 10n ** BigInt(fraction.length);
}
const cnyFen = (money: Record<string, string>): bigint => (money.CNY === undefined ? 0n : BigInt(money.CNY.replace('.', '')));

describe('the demo data set', () => {
  const ledger = ledgerPerSuite();
  let api: LedgerUnderTest;
  let last = 0;
  const summary = async (pairId: string) => (await api.get(`/partner-pairs/${pairId}/summary?minPosition=${last}`)).body;
  const breakdown = async (pairId: string, by: string, scope = 'total') =>
    (await api.get(`/partner-pairs/${pairId}/breakdown?by=${by}&scope=${scope}&minPosition=${last}`)).body.rows as Array<{
      key: string;
      pledged: Record<string, string>;
      delivered: Record<string, string>;
      jobsCreated: number;
    }>;

  beforeAll(async () => {
    api = ledger();
    for (const command of demo.commands) {
      const reply = await api.post(command.path, command.body);
      expect([command.path, reply.status]).toEqual([command.path, 201]);
      last = reply.body.position;
    }
  });

  it("reproduces Shanghai–Sanming's reported totals", async () => {
    // 340.33亿: the 71 projects the Shanghai-Sanming pair had signed by 2024-05-07.
    expect((await summary('shanghai-sanming')).total.pledged).toEqual({ CNY: '34033000000.00' });
    const byDay = (await api.get('/partner-pairs/shanghai-sanming/projects')).body.projects.filter(
      (p: { signedOn: string }) => p.signedOn === '2024-05-07',
    );
    // 109亿 signed at the second joint meeting, of which the graphite anode project's 30亿.
    expect(byDay.reduce((sum: bigint, p: { pledged: { amount: string } }) => sum + BigInt(p.pledged.amount.replace('.', '')), 0n)).toBe(
      yi('109'),
    );
  });

  it("reproduces Fujian–Changji's and Quanzhou–Changji City's figures, funds in place as delivered, the pipeline left out", async () => {
    const fujian = await summary('fujian-changji');
    expect(fujian.subPairIds).toHaveLength(5);
    const quanzhou = await summary('quanzhou-changji');
    expect(quanzhou.parentPairId).toBe('fujian-changji');
    // Pledged: the 12 projects signed in 2025 (29.8亿), the 74 under execution at the least they can be (their
    // 154.2亿 in place) and the medical network's aid (1510万); the 72 under negotiation (about 1024.59亿) are not pledges.
    expect(cnyFen(quanzhou.total.pledged)).toBe(yi('29.8') + yi('154.2') + wan('1510'));
    // Delivered: the 154.2亿 of funds in place and the 1510万 of aid.
    expect(cnyFen(quanzhou.total.delivered)).toBe(yi('154.2') + wan('1510'));
    expect(quanzhou.total.jobsCreated).toBe(200); // the paper maker's "more than 200"
    const byKind = Object.fromEntries((await breakdown('quanzhou-changji', 'capitalKind')).map((row) => [row.key, row]));
    expect(cnyFen(byKind.aid.delivered)).toBe(wan('1510'));
    expect(cnyFen(byKind.investment.delivered)).toBe(yi('154.2'));

    // 2025: 238.05亿 signed and landed in the prefecture, sub-pairs included (Quanzhou–Changji City's 29.8亿 among them).
    const landed2025 = [
      ...(await api.get('/partner-pairs/fujian-changji/projects')).body.projects,
      ...(await api.get('/partner-pairs/quanzhou-changji/projects')).body.projects,
    ].filter(
      (p: { signedOn: string; milestones: Array<{ milestone: string }> }) =>
        p.signedOn.startsWith('2025') && p.milestones.some((m) => m.milestone === 'landed'),
    );
    expect(
      landed2025.reduce((sum: bigint, p: { pledged: { amount: string } }) => sum + BigInt(p.pledged.amount.replace('.', '')), 0n),
    ).toBe(yi('238.05'));
    // The Fuzhou signings (34.37亿 in 2018, close to 90亿 later) and the aid carried out up to 2024 (close to 60亿, delivered).
    const own = await breakdown('fujian-changji', 'year', 'own');
    expect(own.map((row) => [row.key, cnyFen(row.pledged), cnyFen(row.delivered)])).toEqual([
      ['2018', yi('34.37'), 0n],
      ['2024', yi('90') + yi('60'), yi('60')],
      ['2025', yi('238.05') - yi('29.8'), 0n],
    ]);
    // Nothing from the 19 projects in southern Xinjiang (240.36亿): outside the pair.
    expect(cnyFen(fujian.total.pledged)).toBe(yi('34.37') + yi('90') + yi('60') + yi('238.05') + yi('154.2') + wan('1510'));
    expect(cnyFen(fujian.total.delivered)).toBe(yi('60') + yi('154.2') + wan('1510'));
  });

  it('gives each pair with a reported delivered figure both pledged and delivered, over several years, aid beside investment', async () => {
    for (const pairId of ['fujian-changji', 'quanzhou-changji']) {
      const { total } = await summary(pairId);
      expect([pairId, cnyFen(total.pledged) > 0n, cnyFen(total.delivered) > 0n]).toEqual([pairId, true, true]);
      expect(cnyFen(total.delivered) <= cnyFen(total.pledged)).toBe(true);
    }
    // Pledges by signing year, deliveries by disbursement year.
    const years = await breakdown('fujian-changji', 'year');
    expect(years.map((row) => row.key)).toEqual(['2018', '2024', '2025']);
    expect(years.filter((row) => cnyFen(row.delivered) > 0n).map((row) => row.key)).toEqual(['2024', '2025']);
    expect((await breakdown('shanghai-sanming', 'year')).map((row) => row.key)).toEqual(['2024']);
    expect((await breakdown('fujian-changji', 'capitalKind')).map((row) => row.key)).toEqual(['aid', 'investment']);
    expect((await breakdown('fujian-changji', 'sector')).map((row) => row.key)).toEqual(['health', 'mixed', 'new-energy-and-materials']);
    // Zhejiang–Aksu's envoys and pairings were reported without an amount: no pledge is made up.
    expect((await summary('zhejiang-aksu')).total.pledged).toEqual({});
  });

  it('says in its title when a project is a report total, and never counts a pipeline', async () => {
    const projects = demo.commands.filter((command) => command.path === '/projects').map((command) => command.body);
    const single = new Set(['sm-2024-graphite-anode', 'qz-medical-network-aid']);
    for (const project of projects) {
      if (!single.has(project.projectId))
        expect([project.projectId, project.title]).toEqual([project.projectId, expect.stringContaining('reported as a total')]);
      expect(project.title).not.toMatch(/negotiation|洽谈/);
    }
  });

  it('loading it again changes nothing: every command is answered as a replay', async () => {
    for (const command of demo.commands) expect((await api.post(command.path, command.body)).status).toBe(200);
    expect(await api.head()).toBe(last);
  });
});

describe('npm run demo on an empty ledger', () => {
  const ledger = ledgerPerSuite();

  it('loads every command (201), and a second run replays them all (200) leaving the same head', async () => {
    const api = ledger();
    const url = api.url.replace('[::1]', '127.0.0.1');
    const first = await runDemo(url);
    expect(first.code).toBe(0);
    expect(first.stdout.match(/^201 POST /gm)).toHaveLength(demo.commands.length);
    const head = await api.head();
    expect(head).toBeGreaterThanOrEqual(demo.commands.length);
    const second = await runDemo(url);
    expect(second.code).toBe(0);
    expect(second.stdout.match(/^200 POST /gm)).toHaveLength(demo.commands.length);
    expect(await api.head()).toBe(head);
    const summary = (await api.get(`/partner-pairs/quanzhou-changji/summary?minPosition=${head}`)).body;
    expect(cnyFen(summary.total.delivered)).toBe(yi('154.2') + wan('1510'));
  });
});
