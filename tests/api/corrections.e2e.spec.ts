import { type LedgerUnderTest, ledgerPerSuite } from '../support/ledger-harness.js';
import { disbursementBody, jobsBody, pairBody, projectBody } from '../support/fixtures.js';

function correction(correctionId: string, amount: string, overrides: Record<string, unknown> = {}) {
  return { correctionId, amount: { amount, currency: 'CNY' }, reason: 'bank statement differs', correctedOn: '2025-03-01', ...overrides };
}

describe('HTTP API: corrections without erasure', () => {
  const ledger = ledgerPerSuite();
  let api: LedgerUnderTest;
  const t1 = '/projects/cx-anode/disbursements/cx-t1/corrections';
  beforeAll(async () => {
    api = ledger();
    expect((await api.post('/partner-pairs', pairBody('cx-root'))).status).toBe(201);
    expect((await api.post('/partner-pairs', pairBody('cx-sub', { parentPairId: 'cx-root' }))).status).toBe(201);
    expect((await api.post('/projects', projectBody('cx-anode', 'cx-sub', '1000'))).status).toBe(201);
    expect((await api.post('/projects/cx-anode/disbursements', disbursementBody('cx-t1', '400', '2024-06-01'))).status).toBe(201);
    expect((await api.post('/projects/cx-anode/disbursements', disbursementBody('cx-t2', '100', '2025-01-10'))).status).toBe(201);
    expect((await api.post('/projects/cx-anode/jobs', jobsBody('cx-r1', 120, '2024-07-01'))).status).toBe(201);
  });

  it('corrects a disbursement: figures change in the original year, and the history keeps both events', async () => {
    const corrected = await api.post(t1, correction('cx-c1', '350'));
    expect(corrected).toMatchObject({
      status: 201,
      body: { projectId: 'cx-anode', disbursementId: 'cx-t1', correctionId: 'cx-c1', outcome: 'created', revision: 4 },
    });
    const at = `?minPosition=${corrected.body.position}`;

    const project = await api.get(`/projects/cx-anode${at}`);
    expect(project.body).toMatchObject({
      delivered: { amount: '450.00', currency: 'CNY' },
      remaining: { amount: '550.00', currency: 'CNY' },
      revision: 4,
    });
    const summary = await api.get(`/partner-pairs/cx-root/summary${at}`);
    expect(summary.body.total.delivered).toEqual({ CNY: '450.00' });
    // Corrected in 2025, but the tranche was delivered in 2024: the 2024 figure changes, 2025 keeps only t2.
    const byYear = await api.get(`/partner-pairs/cx-root/breakdown?by=year${at.replace('?', '&')}`);
    expect(byYear.body.rows.map((r: { key: string; delivered: object }) => [r.key, r.delivered])).toEqual([
      ['2024', { CNY: '350.00' }],
      ['2025', { CNY: '100.00' }],
    ]);

    const history = await api.get('/projects/cx-anode/history');
    const types = history.body.events.map((e: { type: string }) => e.type);
    expect(types).toEqual(['ProjectSigned', 'FundsDisbursed', 'FundsDisbursed', 'JobsRecorded', 'DisbursementCorrected']);
    expect(history.body.events[1].data.amount).toEqual({ amount: '400.00', currency: 'CNY' });
    expect(history.body.events[4].data).toEqual({
      projectId: 'cx-anode',
      pairId: 'cx-sub',
      correctionId: 'cx-c1',
      disbursementId: 'cx-t1',
      disbursedOn: '2024-06-01',
      amount: { amount: '350.00', currency: 'CNY' },
      previousAmount: { amount: '400.00', currency: 'CNY' },
      reason: 'bank statement differs',
      correctedOn: '2025-03-01',
    });
  });

  it('answers a retry with the original result and refuses the id with other content, appending nothing', async () => {
    const head = await api.head();
    const retry = await api.post(t1, correction('cx-c1', '350.00'));
    expect(retry).toMatchObject({ status: 200, body: { outcome: 'replayed', revision: 4 } });
    const conflict = await api.post(t1, correction('cx-c1', '351'));
    expect(conflict).toMatchObject({ status: 409, body: { code: 'correction-id-reused' } });
    expect(await api.head()).toBe(head);
  });

  it('corrects a correction from the current amount, and to zero', async () => {
    const again = await api.post(t1, correction('cx-c2', '0', { reason: 'the tranche never arrived' }));
    expect(again.status).toBe(201);
    const history = await api.get('/projects/cx-anode/history');
    expect(history.body.events.at(-1).data).toMatchObject({
      amount: { amount: '0.00', currency: 'CNY' },
      previousAmount: { amount: '350.00', currency: 'CNY' },
    });
    const project = await api.get(`/projects/cx-anode?minPosition=${again.body.position}`);
    expect(project.body.delivered).toEqual({ amount: '100.00', currency: 'CNY' });
    // The retry of the first correction is still recognised.
    expect((await api.post(t1, correction('cx-c1', '350'))).status).toBe(200);
  });

  it('refuses what the rules refuse, each with a clear error and nothing appended', async () => {
    const head = await api.head();
    const cases: Array<[string, unknown, number, string]> = [
      ['/projects/nobody/disbursements/cx-t1/corrections', correction('x1', '1'), 404, 'project-not-found'],
      ['/projects/cx-anode/disbursements/nope/corrections', correction('x1', '1'), 404, 'disbursement-not-found'],
      [t1, correction('x1', '0'), 422, 'correction-unchanged'],
      [t1, correction('x1', '900.01'), 422, 'exceeds-remaining-pledge'],
      [t1, correction('x1', '5', { amount: { amount: '5', currency: 'USD' } }), 422, 'currency-mismatch'],
      [t1, correction('x1', '5', { correctedOn: '2024-05-31' }), 422, 'dated-before-original'],
      [t1, correction('x1', '5', { reason: '   ' }), 400, 'invalid-request'],
      [t1, { correctionId: 'x1', amount: { amount: '5', currency: 'CNY' }, correctedOn: '2025-03-01' }, 400, 'invalid-request'],
      [t1, correction('x1', '5', { amount: { amount: 5, currency: 'CNY' } }), 400, 'invalid-request'],
      [t1, correction('x1', '-5'), 400, 'invalid-request'],
      [t1, correction('X 1', '5'), 400, 'invalid-request'],
      [t1, correction('x1', '5', { previousAmount: { amount: '1', currency: 'CNY' } }), 400, 'invalid-request'],
      ['/projects/cx-anode/disbursements/BAD/corrections', correction('x1', '5'), 400, 'invalid-request'],
    ];
    for (const [path, body, status, code] of cases) {
      const reply = await api.post(path, body);
      expect([path, JSON.stringify(body), reply.status, reply.body.code]).toEqual([path, JSON.stringify(body), status, code]);
      expect(typeof reply.body.message).toBe('string');
    }
    expect(await api.head()).toBe(head);
    // Up to exactly the pledge is allowed: 900 + 100 = 1000.
    expect((await api.post(t1, correction('x1', '900'))).status).toBe(201);
  });

  it('corrects a jobs report', async () => {
    const path = '/projects/cx-anode/jobs/cx-r1/corrections';
    const body = { correctionId: 'cx-j1', jobs: 80, reason: 'seasonal workers counted twice', correctedOn: '2025-01-20' };
    const corrected = await api.post(path, body);
    expect(corrected).toMatchObject({
      status: 201,
      body: { projectId: 'cx-anode', reportId: 'cx-r1', correctionId: 'cx-j1', outcome: 'created' },
    });
    const project = await api.get(`/projects/cx-anode?minPosition=${corrected.body.position}`);
    expect(project.body.jobsCreated).toBe(80);
    const byYear = await api.get('/partner-pairs/cx-sub/breakdown?by=year&scope=own');
    expect(byYear.body.rows.find((r: { key: string }) => r.key === '2024').jobsCreated).toBe(80);
    expect((await api.get('/partner-pairs/cx-root/summary')).body.total.jobsCreated).toBe(80);

    expect((await api.post(path, body)).status).toBe(200);
    expect(await api.post(path, { ...body, jobs: 81 })).toMatchObject({ status: 409, body: { code: 'correction-id-reused' } });
    expect(await api.post('/projects/cx-anode/jobs/nope/corrections', { ...body, correctionId: 'cx-j2' })).toMatchObject({
      status: 404,
      body: { code: 'report-not-found' },
    });
    expect(await api.post(path, { ...body, correctionId: 'cx-j2', jobs: -1 })).toMatchObject({
      status: 400,
      body: { code: 'invalid-request' },
    });
    expect(await api.post(path, { ...body, correctionId: 'cx-j2', jobs: 2.5 })).toMatchObject({
      status: 400,
      body: { code: 'invalid-request' },
    });
    expect(await api.post(path, { ...body, correctionId: 'cx-j2', jobs: 80 })).toMatchObject({
      status: 422,
      body: { code: 'correction-unchanged' },
    });
    const zero = await api.post(path, { ...body, correctionId: 'cx-j2', jobs: 0 });
    expect(zero.status).toBe(201);
    expect((await api.get(`/projects/cx-anode?minPosition=${zero.body.position}`)).body.jobsCreated).toBe(0);
    const types = (await api.get('/projects/cx-anode/history')).body.events.map((e: { type: string }) => e.type);
    expect(types.filter((t: string) => t === 'JobsRecorded' || t === 'JobsReportCorrected')).toEqual([
      'JobsRecorded',
      'JobsReportCorrected',
      'JobsReportCorrected',
    ]);
  });

  it('lowers a figure of a cancelled project, but refuses to raise one', async () => {
    await api.post('/projects', projectBody('cx-gone', 'cx-sub', '100'));
    await api.post('/projects/cx-gone/disbursements', disbursementBody('g1', '60'));
    await api.post('/projects/cx-gone/cancellation', { reason: 'investor withdrew', cancelledOn: '2024-09-01' });
    const path = '/projects/cx-gone/disbursements/g1/corrections';
    expect(await api.post(path, correction('g-c1', '61'))).toMatchObject({ status: 422, body: { code: 'project-cancelled' } });
    const lowered = await api.post(path, correction('g-c1', '50'));
    expect(lowered.status).toBe(201);
    expect((await api.get(`/projects/cx-gone?minPosition=${lowered.body.position}`)).body).toMatchObject({
      status: 'cancelled',
      delivered: { amount: '50.00' },
    });
  });
});
