import { readFileSync } from 'node:fs';
import { type LedgerUnderTest, ledgerPerSuite } from '../support/ledger-harness.js';
import { disbursementBody, jobsBody, pairBody, projectBody } from '../support/fixtures.js';
import { scenario } from '../support/scenario.js';

const demo = JSON.parse(readFileSync(new URL('../../demo/paired-assistance.json', import.meta.url), 'utf8')) as {
  commands: Array<{ path: string; body: unknown }>;
};

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const enc = encodeURIComponent;

/** The answer without the echoed time slice, to compare with the live read model. */
function figuresOf(body: Record<string, unknown>): Record<string, unknown> {
  const { asOf: _asOf, knownAt: _knownAt, ...rest } = body;
  return rest;
}

/** Every pair summary and every project, as-of today and known now, equals the live read models. */
async function expectNowEqualsLive(api: LedgerUnderTest): Promise<number> {
  const head = await api.head();
  const today = new Date().toISOString().slice(0, 10);
  const now = enc(new Date(Date.now() + 1000).toISOString());
  let compared = 0;
  const pairs = (await api.get(`/partner-pairs?minPosition=${head}`)).body.pairs as Array<{ pairId: string }>;
  for (const { pairId } of pairs) {
    const live = await api.get(`/partner-pairs/${pairId}/summary`);
    for (const query of [`asOf=${today}`, `knownAt=${now}`, `asOf=${today}&knownAt=${now}`]) {
      const then = await api.get(`/partner-pairs/${pairId}/summary?${query}`);
      expect([pairId, query, then.status, figuresOf(then.body)]).toEqual([pairId, query, 200, live.body]);
      compared++;
    }
    for (const project of (await api.get(`/partner-pairs/${pairId}/projects`)).body.projects as Array<{ projectId: string }>) {
      const live = await api.get(`/projects/${project.projectId}`);
      const then = await api.get(`/projects/${project.projectId}?asOf=${today}&knownAt=${now}`);
      expect([project.projectId, then.status, figuresOf(then.body)]).toEqual([project.projectId, 200, live.body]);
      compared++;
    }
  }
  return compared;
}

describe('as-of and known-at: a worked timeline', () => {
  const ledger = ledgerPerSuite();
  let api: LedgerUnderTest;
  /** When each step was recorded, read back from the history. */
  const recorded: Record<string, string> = {};

  beforeAll(async () => {
    api = ledger();
    const steps: Array<[string, string, unknown]> = [
      ['root', '/partner-pairs', pairBody('tt-root', { establishedOn: '2020-01-01' })],
      ['sub', '/partner-pairs', pairBody('tt-sub', { parentPairId: 'tt-root' })],
      ['sign', '/projects', projectBody('tt-anode', 'tt-sub', '1000', { signedOn: '2024-05-07' })],
      ['t1', '/projects/tt-anode/disbursements', disbursementBody('tt-t1', '400', '2024-06-01')],
      ['jobs', '/projects/tt-anode/jobs', jobsBody('tt-r1', 120, '2024-07-01')],
      [
        'revise',
        '/projects/tt-anode/pledge-revisions',
        { revisionId: 'tt-rev1', pledged: { amount: '800', currency: 'CNY' }, reason: 'phase two dropped', revisedOn: '2024-08-01' },
      ],
      ['own', '/projects', projectBody('tt-own', 'tt-root', '50', { signedOn: '2024-01-10' })],
      ['cancel', '/projects/tt-own/cancellation', { reason: 'investor withdrew', cancelledOn: '2024-09-01' }],
      [
        'fix',
        '/projects/tt-anode/disbursements/tt-t1/corrections',
        { correctionId: 'tt-c1', amount: { amount: '350', currency: 'CNY' }, reason: 'bank statement', correctedOn: '2025-03-01' },
      ],
      [
        'fixjobs',
        '/projects/tt-anode/jobs/tt-r1/corrections',
        { correctionId: 'tt-c2', jobs: 100, reason: 'counted twice', correctedOn: '2025-03-01' },
      ],
      ['late', '/projects', projectBody('tt-late', 'tt-sub', '70', { signedOn: '2025-02-01' })],
    ];
    for (const [name, path, body] of steps) {
      const reply = await api.post(path, body);
      expect([name, reply.status]).toEqual([name, 201]);
      // Distinct recording instants, so a knownAt can fall between two steps.
      await pause(5);
    }
    for (const projectId of ['tt-anode', 'tt-own', 'tt-late']) {
      for (const event of (await api.get(`/projects/${projectId}/history`)).body.events) {
        const key = {
          ProjectSigned: `sign:${projectId}`,
          FundsDisbursed: 't1',
          JobsRecorded: 'jobs',
          PledgeRevised: 'revise',
          ProjectCancelled: 'cancel',
          DisbursementCorrected: 'fix',
          JobsReportCorrected: 'fixjobs',
        }[event.type as string];
        if (key) recorded[key] = event.recordedAt;
      }
    }
  });

  const summary = (query: string) => api.get(`/partner-pairs/tt-root/summary?${query}`);
  const project = (id: string, query: string) => api.get(`/projects/${id}?${query}`);
  const justBefore = (iso: string) => enc(new Date(Date.parse(iso) - 1).toISOString());

  it("counts a correction on the original disbursement's date when asked as of a business date", async () => {
    // The tranche was delivered on 2024-06-01 and corrected (in 2025) to 350: as of mid-2024 it was 350 all along.
    const june = await project('tt-anode', 'asOf=2024-06-30');
    expect(june).toMatchObject({
      status: 200,
      body: { asOf: '2024-06-30', knownAt: null, delivered: { amount: '350.00' }, pledged: { amount: '1000.00' }, jobsCreated: 0 },
    });
    expect(june.headers.get('etag')).toBeNull();
    expect((await project('tt-anode', 'asOf=2024-05-31')).body.delivered).toEqual({ amount: '0.00', currency: 'CNY' });
    expect((await project('tt-anode', 'asOf=2024-07-01')).body.jobsCreated).toBe(100);
  });

  it('shows the old amount as known before the correction was recorded, the new one from then on', async () => {
    const before = await project('tt-anode', `knownAt=${enc(recorded.t1)}`);
    expect(before.body).toMatchObject({ delivered: { amount: '400.00' }, knownAt: recorded.t1, revision: 1 });
    const justBeforeFix = await project('tt-anode', `knownAt=${justBefore(recorded.fix)}`);
    expect(justBeforeFix.body).toMatchObject({ delivered: { amount: '400.00' }, pledged: { amount: '800.00' }, jobsCreated: 120 });
    expect((await project('tt-anode', `knownAt=${enc(recorded.fix)}`)).body.delivered.amount).toBe('350.00');
    // Both together: as of 2024-06-30, as the ledger knew it before the correction.
    const both = await project('tt-anode', `asOf=2024-06-30&knownAt=${justBefore(recorded.fix)}`);
    expect(both.body).toMatchObject({ delivered: { amount: '400.00' }, pledged: { amount: '1000.00' } });
    const pairBoth = await summary(`asOf=2024-06-30&knownAt=${justBefore(recorded.fix)}`);
    expect(pairBoth.body.total.delivered).toEqual({ CNY: '400.00' });
    expect((await summary('asOf=2024-06-30')).body.total.delivered).toEqual({ CNY: '350.00' });
  });

  it('applies revisions, cancellations and signings on their business dates', async () => {
    expect((await project('tt-anode', 'asOf=2024-07-31')).body.pledged.amount).toBe('1000.00');
    expect((await project('tt-anode', 'asOf=2024-08-01')).body.pledged.amount).toBe('800.00');
    expect((await project('tt-own', 'asOf=2024-08-31')).body).toMatchObject({ status: 'active', cancellation: null });
    expect((await project('tt-own', 'asOf=2024-09-01')).body).toMatchObject({ status: 'cancelled', remaining: { amount: '0.00' } });

    const mid2024 = (await summary('asOf=2024-08-15')).body;
    expect(mid2024.own).toMatchObject({ pledged: { CNY: '50.00' }, projects: { active: 1, cancelled: 0 } });
    expect(mid2024.total).toMatchObject({
      pledged: { CNY: '850.00' },
      delivered: { CNY: '350.00' },
      jobsCreated: 100,
      projects: { active: 2, completed: 0, cancelled: 0 },
    });
    const end2024 = (await summary('asOf=2024-12-31')).body;
    expect(end2024.total).toMatchObject({ pledged: { CNY: '800.00' }, projects: { active: 1, cancelled: 1 } });
    // tt-late was signed on 2025-02-01: it does not exist as of 2024, and shows up after.
    expect(await project('tt-late', 'asOf=2024-12-31')).toMatchObject({ status: 404, body: { code: 'project-not-found' } });
    expect((await project('tt-late', 'asOf=2025-02-01')).status).toBe(200);
    expect((await summary('asOf=2025-02-01')).body.total).toMatchObject({
      pledged: { CNY: '870.00' },
      projects: { active: 2, cancelled: 1 },
    });
    // Before anything was signed: a pair with nothing.
    expect((await summary('asOf=2024-01-01')).body.total).toEqual({
      pledged: {},
      delivered: {},
      jobsCreated: 0,
      projects: { active: 0, completed: 0, cancelled: 0 },
    });
    // Before the pair was established (2020-01-01) it did not exist.
    expect(await summary('asOf=2019-12-31')).toMatchObject({ status: 404, body: { code: 'pair-not-found' } });
    expect((await summary('asOf=2020-01-01')).body).toMatchObject({ pairId: 'tt-root', subPairIds: ['tt-sub'] });
  });

  it('knows nothing of what was recorded after knownAt', async () => {
    expect(await project('tt-anode', `knownAt=${justBefore(recorded['sign:tt-anode'])}`)).toMatchObject({
      status: 404,
      body: { code: 'project-not-found' },
    });
    const early = await summary(`knownAt=${justBefore(recorded['sign:tt-anode'])}`);
    expect(early.body).toMatchObject({ pairId: 'tt-root', subPairIds: ['tt-sub'], total: { pledged: {}, projects: { active: 0 } } });
    expect(await summary('knownAt=2000-01-01T00:00:00Z')).toMatchObject({ status: 404, body: { code: 'pair-not-found' } });
    const cancelKnown = (await summary(`knownAt=${enc(recorded.cancel)}`)).body.total;
    expect(cancelKnown).toMatchObject({
      pledged: { CNY: '800.00' },
      delivered: { CNY: '400.00' },
      jobsCreated: 120,
      projects: { active: 1, cancelled: 1 },
    });
  });

  it('accepts any offset (also a + sent unencoded) and a future date or moment', async () => {
    const utc = recorded.fix;
    const shifted =
      new Date(Date.parse(utc) + 8 * 3600_000)
        .toISOString()
        .replace('Z', '')
        .replace(/\.\d+$/, (ms) => ms) + '+08:00';
    const encoded = await project('tt-anode', `knownAt=${enc(shifted)}`);
    expect(encoded.body).toMatchObject({ knownAt: utc, delivered: { amount: '350.00' } });
    const unencoded = await project('tt-anode', `knownAt=${shifted}`);
    expect(unencoded.body).toEqual(encoded.body);
    expect((await project('tt-anode', 'asOf=2199-12-31&knownAt=2199-12-31T23:59:59Z')).status).toBe(200);
    expect((await summary('asOf=2199-12-31')).status).toBe(200);
  });

  it('refuses malformed values with a 400 that says what is expected, on both reads', async () => {
    const bad = [
      'asOf=2024-13-01',
      'asOf=2023-02-29',
      'asOf=yesterday',
      'asOf=',
      'asOf=2024-05-07&asOf=2024-05-08',
      'knownAt=2024-05-07T10:00:00',
      'knownAt=2024-05-07',
      'knownAt=now',
      'knownAt=1714000000000',
      'knownAt=2024-05-07T25:00:00Z',
      'asOf=2024-05-07&knownAt=x',
    ];
    for (const query of bad) {
      for (const path of ['/partner-pairs/tt-root/summary', '/projects/tt-anode']) {
        const reply = await api.get(`${path}?${query}`);
        expect([path, query, reply.status, reply.body.code]).toEqual([path, query, 400, 'invalid-request']);
        expect(reply.body.message).toMatch(/^(asOf|knownAt) must be/);
      }
    }
    expect(await api.get('/partner-pairs/nobody/summary?asOf=2024-01-01')).toMatchObject({ status: 404, body: { code: 'pair-not-found' } });
    expect(await api.get('/projects/nobody?asOf=2024-01-01')).toMatchObject({ status: 404, body: { code: 'project-not-found' } });
  });

  it('as of today and now equals the live read models', async () => {
    expect(await expectNowEqualsLive(api)).toBeGreaterThan(6);
  });
});

describe('as-of and known-at equal the live read models today', () => {
  const ledger = ledgerPerSuite();

  it('on the demo data', async () => {
    const api = ledger();
    for (const command of demo.commands) expect((await api.post(command.path, command.body)).status).toBe(201);
    expect(await expectNowEqualsLive(api)).toBeGreaterThan(20);
  });

  it('on a varied history with revisions, corrections, cancellations and refusals', async () => {
    const api = ledger();
    for (const command of scenario(4, 5)) await api.post(command.path, command.body);
    const types = new Set((await api.events.readAll({ maxCount: 100_000 })).map((event) => event.type));
    expect(types).toEqual(
      new Set([
        'PartnerPairRegistered',
        'ProjectSigned',
        'FundsDisbursed',
        'JobsRecorded',
        'PledgeRevised',
        'MilestoneReached',
        'ProjectCancelled',
        'DisbursementCorrected',
        'JobsReportCorrected',
      ]),
    );
    expect(await expectNowEqualsLive(api)).toBeGreaterThan(20);
  });
});

describe('as-of cost bound', () => {
  const ledger = ledgerPerSuite({ AS_OF_MAX_EVENTS: '3' });

  it('refuses an answer that would fold more events than AS_OF_MAX_EVENTS, pointing at a narrower one', async () => {
    const api = ledger();
    await api.post('/partner-pairs', pairBody('big'));
    await api.post('/partner-pairs', pairBody('big-sub', { parentPairId: 'big' }));
    await api.post('/projects', projectBody('big-1', 'big', '100'));
    await api.post('/projects', projectBody('big-2', 'big-sub', '100'));
    await api.post('/projects/big-1/disbursements', disbursementBody('b1', '1'));
    const last = await api.post('/projects/big-2/disbursements', disbursementBody('b2', '1'));
    expect((await api.get(`/partner-pairs/big-sub/summary?asOf=2025-01-01&minPosition=${last.body.position}`)).status).toBe(200);
    const refused = await api.get('/partner-pairs/big/summary?asOf=2025-01-01');
    expect(refused).toMatchObject({ status: 422, body: { code: 'as-of-too-large' } });
    expect(refused.body.message).toContain('AS_OF_MAX_EVENTS');
    expect((await api.get('/projects/big-1?asOf=2025-01-01')).status).toBe(200);
  });
});
