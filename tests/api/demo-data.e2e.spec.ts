import { readFileSync } from 'node:fs';
import { type LedgerUnderTest, ledgerPerSuite } from '../support/ledger-harness.js';

const demo = JSON.parse(readFileSync(new URL('../../demo/paired-assistance.json', import.meta.url), 'utf8')) as {
  commands: Array<{ path: string; body: unknown }>;
};

describe('the demo data set', () => {
  const ledger = ledgerPerSuite();
  let api: LedgerUnderTest;
  beforeAll(() => {
    api = ledger();
  });

  it('loads through the API and reproduces the reported totals; loading it again changes nothing', async () => {
    let last = 0;
    for (const command of demo.commands) {
      const reply = await api.post(command.path, command.body);
      expect(reply.status).toBe(201);
      last = reply.body.position;
    }
    const sanming = (await api.get(`/partner-pairs/shanghai-sanming/summary?minPosition=${last}`)).body;
    // 340.33亿: the 71 projects the Shanghai-Sanming pair had signed by 2024-05-07.
    expect(sanming.total.pledged).toEqual({ CNY: '34033000000.00' });
    const byDay = (await api.get('/partner-pairs/shanghai-sanming/projects')).body.projects.filter(
      (p: { signedOn: string }) => p.signedOn === '2024-05-07',
    );
    // 109亿 signed at the second joint meeting, of which the graphite anode project's 30亿.
    expect(byDay.reduce((sum: bigint, p: { pledged: { amount: string } }) => sum + BigInt(p.pledged.amount.replace('.', '')), 0n)).toBe(
      1090000000000n,
    );
    const fujian = (await api.get('/partner-pairs/fujian-changji/summary')).body;
    expect(fujian.subPairIds).toHaveLength(5);

    for (const command of demo.commands) expect((await api.post(command.path, command.body)).status).toBe(200);
    expect(await api.head()).toBe(last);
  });
});
