import { disbursementBody, pairBody, projectBody } from '../support/fixtures.js';
import { LedgerUnderTest, removeDataDirs, tempDataDir } from '../support/ledger-harness.js';

describe('concurrent commands', () => {
  let api: LedgerUnderTest;
  beforeAll(async () => {
    api = await LedgerUnderTest.start();
    await api.post('/partner-pairs', pairBody('busy-pair'));
  });
  afterAll(async () => {
    await api.stop();
    await removeDataDirs();
  });

  it('never over-disburses a project when many tranches race for the remaining pledge', async () => {
    await api.post('/projects', projectBody('race', 'busy-pair', '500'));
    const replies = await Promise.all(
      Array.from({ length: 40 }, (_, i) => api.post('/projects/race/disbursements', disbursementBody(`race-${i}`, '25'))),
    );
    expect(replies.filter((r) => r.status === 201)).toHaveLength(20);
    expect(replies.filter((r) => r.status === 422).every((r) => r.body.code === 'exceeds-remaining-pledge')).toBe(true);
    expect(replies.filter((r) => r.status === 422)).toHaveLength(20);
    const history = (await api.get('/projects/race/history')).body.events;
    expect(history.map((e: { revision: number }) => e.revision)).toEqual(Array.from({ length: 21 }, (_, i) => i));
    const head = await api.head();
    expect((await api.get(`/projects/race?minPosition=${head}`)).body.delivered).toEqual({ amount: '500.00', currency: 'CNY' });
  });

  it('records a tranche once when the same request is retried concurrently', async () => {
    await api.post('/projects', projectBody('retry-race', 'busy-pair', '500'));
    const replies = await Promise.all(
      Array.from({ length: 20 }, () => api.post('/projects/retry-race/disbursements', disbursementBody('only-once', '10'))),
    );
    expect(replies.filter((r) => r.status === 201)).toHaveLength(1);
    expect(replies.filter((r) => r.status === 200)).toHaveLength(19);
    expect(new Set(replies.map((r) => r.body.position)).size).toBe(1);
    expect((await api.get('/projects/retry-race/history')).body.events).toHaveLength(2);
  });

  it('accepts many signings at once, each at its own position', async () => {
    const replies = await Promise.all(
      Array.from({ length: 100 }, (_, i) => api.post('/projects', projectBody(`bulk-${i}`, 'busy-pair', '1'))),
    );
    expect(replies.every((r) => r.status === 201 && r.body.revision === 0)).toBe(true);
    expect(new Set(replies.map((r) => r.body.position)).size).toBe(100);
  });

  it('keeps two API instances on one data directory from over-disbursing, and refuses none but by the pledge rule', async () => {
    const dataDir = tempDataDir();
    const a = await LedgerUnderTest.start(dataDir);
    const b = await LedgerUnderTest.start(dataDir);
    await a.post('/partner-pairs', pairBody('shared-pair'));
    await a.post('/projects', projectBody('shared', 'shared-pair', '100'));
    const replies = await Promise.all(
      Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).post('/projects/shared/disbursements', disbursementBody(`s-${i}`, '10'))),
    );
    expect(replies.filter((r) => r.status === 201)).toHaveLength(10);
    expect(replies.every((r) => [201, 422].includes(r.status))).toBe(true);
    const head = await a.head();
    expect((await b.get(`/projects/shared?minPosition=${head}`)).body.delivered.amount).toBe('100.00');
    await a.stop();
    await b.stop();
  });
});
