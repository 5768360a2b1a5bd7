import { E2E_STORE, type LedgerUnderTest, ledgerPerSuite } from '../support/ledger-harness.js';
import { disbursementBody, jobsBody, pairBody, projectBody } from '../support/fixtures.js';

describe('HTTP API: commands and read models', () => {
  const ledger = ledgerPerSuite();
  let api: LedgerUnderTest;
  beforeAll(() => {
    api = ledger();
  });

  it(`runs on the store under test (${E2E_STORE}), and says so at /health`, async () => {
    expect(api.events.stored.constructor.name).toBe(E2E_STORE === 'esdb' ? 'EsdbEventStore' : 'SqliteEventStore');
    const health = await api.get('/health');
    expect(health).toMatchObject({ status: 200, body: { status: 'ok', store: { kind: E2E_STORE, reachable: true } } });
  });

  it('registers a pair tree, signs projects and rolls pledged vs delivered up through sub-pairs', async () => {
    expect((await api.post('/partner-pairs', pairBody('fujian-changji'))).status).toBe(201);
    expect((await api.post('/partner-pairs', pairBody('quanzhou-changji', { parentPairId: 'fujian-changji' }))).status).toBe(201);
    expect((await api.post('/partner-pairs', pairBody('quanzhou-district', { parentPairId: 'quanzhou-changji' }))).status).toBe(201);
    expect((await api.post('/partner-pairs', pairBody('sanming-manas', { parentPairId: 'fujian-changji' }))).status).toBe(201);

    await api.post('/projects', projectBody('fj-own', 'fujian-changji', '100.10'));
    await api.post(
      '/projects',
      projectBody('qz-1', 'quanzhou-changji', '2380500000000.00', { signedOn: '2023-03-01', sector: 'textiles' }),
    );
    await api.post('/projects', projectBody('qzd-1', 'quanzhou-district', '0.20', { capitalKind: 'aid' }));
    await api.post('/projects', projectBody('sm-usd', 'sanming-manas', '50', { pledged: { amount: '50', currency: 'USD' } }));
    await api.post('/projects/qz-1/disbursements', disbursementBody('qz-t1', '0.10', '2024-01-15'));
    await api.post('/projects/qzd-1/disbursements', disbursementBody('qzd-t1', '0.20'));
    await api.post('/projects/qzd-1/jobs', jobsBody('qzd-r1', 12));
    const last = await api.post('/projects/sm-usd/disbursements', {
      disbursementId: 'usd-t1',
      amount: { amount: '7.5', currency: 'USD' },
      disbursedOn: '2024-06-01',
    });
    expect(last.status).toBe(201);

    const root = await api.get(`/partner-pairs/fujian-changji/summary?minPosition=${last.body.position}`);
    expect(root.status).toBe(200);
    expect(root.body.own).toEqual({
      pledged: { CNY: '100.10' },
      delivered: {},
      jobsCreated: 0,
      projects: { active: 1, completed: 0, cancelled: 0 },
    });
    expect(root.body.total).toEqual({
      pledged: { CNY: '2380500000100.30', USD: '50.00' },
      delivered: { CNY: '0.30', USD: '7.50' },
      jobsCreated: 12,
      projects: { active: 4, completed: 0, cancelled: 0 },
    });
    expect(root.body.subPairIds).toEqual(['quanzhou-changji', 'sanming-manas']);

    const middle = (await api.get('/partner-pairs/quanzhou-changji/summary')).body;
    expect(middle.own.pledged).toEqual({ CNY: '2380500000000.00' });
    expect(middle.total.pledged).toEqual({ CNY: '2380500000000.20' });
    expect(middle.total.delivered).toEqual({ CNY: '0.30' });

    const byYear = await api.get('/partner-pairs/fujian-changji/breakdown?by=year');
    expect(byYear.body.rows.map((r: { key: string }) => r.key)).toEqual(['2023', '2024']);
    expect(byYear.body.rows[0]).toMatchObject({ key: '2023', pledged: { CNY: '2380500000000.00' } });
    expect(byYear.body.rows[1]).toMatchObject({ key: '2024', delivered: { CNY: '0.30', USD: '7.50' }, jobsCreated: 12 });
    const byKind = await api.get('/partner-pairs/quanzhou-changji/breakdown?by=capitalKind&scope=own');
    expect(byKind.body).toMatchObject({
      by: 'capitalKind',
      scope: 'own',
      rows: [{ key: 'investment', pledged: { CNY: '2380500000000.00' } }],
    });
    const bySector = await api.get('/partner-pairs/fujian-changji/breakdown?by=sector');
    expect(bySector.body.rows.map((r: { key: string }) => r.key)).toEqual(['new-materials', 'textiles']);

    const pairs = await api.get('/partner-pairs');
    expect(pairs.body.pairs.map((p: { pairId: string }) => p.pairId)).toEqual([
      'fujian-changji',
      'quanzhou-changji',
      'quanzhou-district',
      'sanming-manas',
    ]);
    const pairProjects = await api.get('/partner-pairs/quanzhou-changji/projects');
    expect(pairProjects.body.projects.map((p: { projectId: string }) => p.projectId)).toEqual(['qz-1']);
  });

  it('follows a project through every command, with revision and position in each 201', async () => {
    await api.post('/partner-pairs', pairBody('shanghai-sanming', { programme: 'paired-cooperation', establishedOn: '2022-01-01' }));
    const signed = await api.post('/projects', projectBody('graphite', 'shanghai-sanming', '3000000000'));
    expect(signed).toMatchObject({ status: 201, body: { projectId: 'graphite', revision: 0 } });
    const steps = [
      await api.post('/projects/graphite/disbursements', disbursementBody('t1', '1000000000')),
      await api.post('/projects/graphite/jobs', jobsBody('r1', 150)),
      await api.post('/projects/graphite/pledge-revisions', {
        pledged: { amount: '2500000000', currency: 'CNY' },
        reason: 'phase two dropped',
        revisedOn: '2024-08-01',
      }),
      await api.post('/projects/graphite/milestones', { milestone: 'landed', reachedOn: '2024-06-01' }),
      await api.post('/projects/graphite/milestones', { milestone: 'completed', reachedOn: '2025-06-01' }),
    ];
    expect(steps.map((s) => [s.status, s.body.revision])).toEqual([
      [201, 1],
      [201, 2],
      [201, 3],
      [201, 4],
      [201, 5],
    ]);
    const positions = [signed, ...steps].map((s) => s.body.position);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);

    const project = await api.get(`/projects/graphite?minPosition=${positions[positions.length - 1]}`);
    expect(project.status).toBe(200);
    expect(project.headers.get('etag')).toBe('"5"');
    expect(project.body).toMatchObject({
      projectId: 'graphite',
      pairId: 'shanghai-sanming',
      status: 'completed',
      capitalKind: 'investment',
      pledged: { amount: '2500000000.00', currency: 'CNY' },
      delivered: { amount: '1000000000.00', currency: 'CNY' },
      remaining: { amount: '1500000000.00', currency: 'CNY' },
      jobsCreated: 150,
      milestones: [
        { milestone: 'landed', reachedOn: '2024-06-01' },
        { milestone: 'completed', reachedOn: '2025-06-01' },
      ],
      revision: 5,
    });

    const history = await api.get('/projects/graphite/history', { 'x-correlation-id': 'audit-1' });
    expect(history.body.events.map((e: { type: string }) => e.type)).toEqual([
      'ProjectSigned',
      'FundsDisbursed',
      'JobsRecorded',
      'PledgeRevised',
      'MilestoneReached',
      'MilestoneReached',
    ]);
    expect(history.body.events.map((e: { revision: number }) => e.revision)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(history.body.events[3].data.previousPledged).toEqual({ amount: '3000000000.00', currency: 'CNY' });
    expect(history.body.events[0].metadata).toMatchObject({ actor: 'harness' });
    expect(typeof history.body.events[0].recordedAt).toBe('string');
  });

  it("records correlation id and actor (the API key's name) in each event and echoes the correlation id", async () => {
    await api.post('/partner-pairs', pairBody('meta-pair'));
    const reply = await api.post('/projects', projectBody('meta-project', 'meta-pair', '10'), { 'x-correlation-id': 'fair-2024-05-07' });
    expect(reply.headers.get('x-correlation-id')).toBe('fair-2024-05-07');
    const [event] = (await api.get('/projects/meta-project/history')).body.events;
    expect(event.metadata).toMatchObject({ correlationId: 'fair-2024-05-07', actor: 'harness' });
    expect(event.metadata.causationId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('cancels a project: it leaves pledged, keeps delivered, and refuses further tranches', async () => {
    await api.post('/partner-pairs', pairBody('cancel-pair'));
    await api.post('/projects', projectBody('doomed', 'cancel-pair', '500'));
    await api.post('/projects/doomed/disbursements', disbursementBody('d1', '120'));
    const cancelled = await api.post('/projects/doomed/cancellation', { reason: 'investor withdrew', cancelledOn: '2024-09-01' });
    expect(cancelled.status).toBe(201);
    const summary = await api.get(`/partner-pairs/cancel-pair/summary?minPosition=${cancelled.body.position}`);
    expect(summary.body.own).toEqual({
      pledged: { CNY: '0.00' },
      delivered: { CNY: '120.00' },
      jobsCreated: 0,
      projects: { active: 0, completed: 0, cancelled: 1 },
    });
    const refused = await api.post('/projects/doomed/disbursements', disbursementBody('d2', '1'));
    expect(refused).toMatchObject({ status: 422, body: { code: 'project-cancelled' } });
    expect((await api.get('/projects/doomed')).body).toMatchObject({
      status: 'cancelled',
      cancellation: { reason: 'investor withdrew', cancelledOn: '2024-09-01' },
    });
  });

  describe('safe retries', () => {
    beforeAll(async () => {
      await api.post('/partner-pairs', pairBody('retry-pair'));
      await api.post('/projects', projectBody('retry-project', 'retry-pair', '1000'));
    });

    it.each([
      ['a pair registration', '/partner-pairs', pairBody('retry-pair'), pairBody('retry-pair', { programme: 'strategic-cooperation' })],
      ['a signing', '/projects', projectBody('retry-project', 'retry-pair', '1000.00'), projectBody('retry-project', 'retry-pair', '1001')],
      ['a disbursement', '/projects/retry-project/disbursements', disbursementBody('rt-1', '10'), disbursementBody('rt-1', '11')],
      ['a jobs report', '/projects/retry-project/jobs', jobsBody('rr-1', 3), jobsBody('rr-1', 4)],
      [
        'a pledge revision with a revision id',
        '/projects/retry-project/pledge-revisions',
        { revisionId: 'rev-1', pledged: { amount: '2000', currency: 'CNY' }, reason: 'up', revisedOn: '2024-08-01' },
        { revisionId: 'rev-1', pledged: { amount: '2001', currency: 'CNY' }, reason: 'up', revisedOn: '2024-08-01' },
      ],
      [
        'a milestone',
        '/projects/retry-project/milestones',
        { milestone: 'landed', reachedOn: '2024-06-01' },
        { milestone: 'landed', reachedOn: '2024-06-02' },
      ],
    ])(
      'answers a repeated %s with 200 and the original result, appending nothing; other content under the same id is 409',
      async (_, path, body, contradicting) => {
        const first = await api.post(path, body);
        expect([200, 201]).toContain(first.status);
        const head = await api.head();
        const again = await api.post(path, body);
        expect(again.status).toBe(200);
        expect(again.body).toMatchObject({ revision: first.body.revision, position: first.body.position, outcome: 'replayed' });
        const conflicting = await api.post(path, contradicting);
        expect(conflicting.status).toBe(409);
        expect(await api.head()).toBe(head);
      },
    );

    it('answers a late retry of a pledge revision by its revision id, after a later revision', async () => {
      await api.post('/projects', projectBody('late-retry', 'retry-pair', '1000'));
      const up = { revisionId: 'late-up', pledged: { amount: '1500', currency: 'CNY' }, reason: 'up', revisedOn: '2024-08-01' };
      const first = await api.post('/projects/late-retry/pledge-revisions', up);
      await api.post('/projects/late-retry/pledge-revisions', {
        revisionId: 'late-down',
        pledged: { amount: '1200', currency: 'CNY' },
        reason: 'down',
        revisedOn: '2024-09-01',
      });
      const late = await api.post('/projects/late-retry/pledge-revisions', up);
      expect(late).toMatchObject({ status: 200, body: { revision: first.body.revision, position: first.body.position } });
      const head = await api.head();
      expect((await api.get(`/projects/late-retry?minPosition=${head}`)).body.pledged.amount).toBe('1200.00');
    });

    it('answers a retried disbursement with its original result even when If-Match has moved on', async () => {
      const first = await api.post('/projects/retry-project/disbursements', disbursementBody('rt-if', '5'));
      await api.post('/projects/retry-project/jobs', jobsBody('rr-later', 1));
      const again = await api.post('/projects/retry-project/disbursements', disbursementBody('rt-if', '5'), {
        'if-match': `"${first.body.revision - 1}"`,
      });
      expect(again).toMatchObject({ status: 200, body: { revision: first.body.revision, position: first.body.position } });
    });
  });

  describe('If-Match and ETag', () => {
    it('accepts a command whose If-Match equals the current revision and refuses a stale one with 409', async () => {
      await api.post('/partner-pairs', pairBody('etag-pair'));
      const signed = await api.post('/projects', projectBody('etag-project', 'etag-pair', '100'));
      const read = await api.get(`/projects/etag-project?minPosition=${signed.body.position}`);
      const etag = read.headers.get('etag') as string;
      expect(etag).toBe('"0"');
      const ok = await api.post('/projects/etag-project/jobs', jobsBody('e1', 1), { 'if-match': etag });
      expect(ok.status).toBe(201);
      const head = await api.head();
      const stale = await api.post('/projects/etag-project/jobs', jobsBody('e2', 1), { 'if-match': etag });
      expect(stale).toMatchObject({ status: 409, body: { code: 'revision-mismatch' } });
      const invalid = await api.post('/projects/etag-project/jobs', jobsBody('e3', 1), { 'if-match': 'W/"1"' });
      expect(invalid.status).toBe(400);
      expect(await api.head()).toBe(head);
    });
  });
});
