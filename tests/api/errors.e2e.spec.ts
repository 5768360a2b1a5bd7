import { LedgerUnderTest, removeDataDirs } from '../support/ledger-harness.js';
import { disbursementBody, jobsBody, pairBody, projectBody } from '../support/fixtures.js';

describe('HTTP API: refusals', () => {
  let api: LedgerUnderTest;
  beforeAll(async () => {
    api = await LedgerUnderTest.start(undefined, { READ_WAIT_TIMEOUT_MS: '200' });
    await api.post('/partner-pairs', pairBody('err-pair', { establishedOn: '2020-01-01' }));
    await api.post('/projects', projectBody('err-project', 'err-pair', '1000'));
    await api.post('/projects/err-project/disbursements', disbursementBody('e-t1', '400'));
  });
  afterAll(async () => {
    await api.stop();
    await removeDataDirs();
  });

  /** Sends a request that must be refused with `status`, and checks it appended nothing. */
  async function refused(status: number, send: () => Promise<{ status: number; body: any }>) {
    const head = await api.head();
    const reply = await send();
    expect(reply.status).toBe(status);
    expect(reply.body).toMatchObject({ statusCode: status, code: expect.any(String), message: expect.any(String) });
    expect(await api.head()).toBe(head);
    return reply.body;
  }

  describe('400: malformed, invalid or unknown fields, each listed', () => {
    it('lists every offending field, nested ones by path', async () => {
      const body = await refused(400, () =>
        api.post('/partner-pairs', {
          pairId: 'Bad Id',
          donor: { name: '', level: 'planet' },
          recipient: 'x',
          programme: 'aid',
          colour: 'red',
        }),
      );
      expect(body.fields.map((f: { field: string }) => f.field).sort()).toEqual(
        ['colour', 'donor.level', 'donor.name', 'pairId', 'programme', 'recipient'].sort(),
      );
    });

    it.each([
      ['amount as a JSON number', { pledged: { amount: 5, currency: 'CNY' } }, 'pledged'],
      ['too many decimals', { pledged: { amount: '5.001', currency: 'CNY' } }, 'pledged'],
      ['zero amount', { pledged: { amount: '0.00', currency: 'CNY' } }, 'pledged'],
      ['negative amount', { pledged: { amount: '-5', currency: 'CNY' } }, 'pledged'],
      ['19 integer digits', { pledged: { amount: '1234567890123456789', currency: 'CNY' } }, 'pledged'],
      ['unknown currency', { pledged: { amount: '5', currency: 'XYZ' } }, 'pledged'],
      ['extra field in money', { pledged: { amount: '5', currency: 'CNY', rate: '1' } }, 'pledged'],
      ['impossible date', { signedOn: '2023-02-29' }, 'signedOn'],
      ['timestamp for a date', { signedOn: '2024-05-07T00:00:00Z' }, 'signedOn'],
      ['unknown capital kind', { capitalKind: 'loan' }, 'capitalKind'],
      ['sector not a slug', { sector: 'New Materials' }, 'sector'],
      ['blank title', { title: '   ' }, 'title'],
      ['control characters in title', { title: 'a\u0000b' }, 'title'],
      ['title too long', { title: 'x'.repeat(501) }, 'title'],
      ['id too long', { projectId: 'p'.repeat(129) }, 'projectId'],
      ['unknown field', { discount: '5' }, 'discount'],
    ])('refuses a signing with %s', async (_, change, field) => {
      const body = await refused(400, () => api.post('/projects', { ...projectBody('new-project', 'err-pair', '10'), ...change }));
      expect(body.fields.map((f: { field: string }) => f.field)).toContain(field);
    });

    it.each([
      ['fractional jobs', '/projects/err-project/jobs', jobsBody('j1', 1.5), 'jobs'],
      ['zero jobs', '/projects/err-project/jobs', jobsBody('j1', 0), 'jobs'],
      ['jobs as a string', '/projects/err-project/jobs', { ...jobsBody('j1', 1), jobs: '3' }, 'jobs'],
      ['unknown milestone', '/projects/err-project/milestones', { milestone: 'opened', reachedOn: '2024-06-01' }, 'milestone'],
      ['missing reason', '/projects/err-project/cancellation', { cancelledOn: '2024-06-01' }, 'reason'],
      ['missing amount', '/projects/err-project/disbursements', { disbursementId: 'x', disbursedOn: '2024-06-01' }, 'amount'],
      [
        'a projectId in the body',
        '/projects/err-project/disbursements',
        { ...disbursementBody('x', '1'), projectId: 'other' },
        'projectId',
      ],
    ])('refuses %s', async (_, path, payload, field) => {
      const body = await refused(400, () => api.post(path, payload));
      expect(body.fields.map((f: { field: string }) => f.field)).toContain(field);
    });

    it.each([
      ['invalid JSON', '{"pairId": '],
      ['a JSON array', '[]'],
      ['JSON null', 'null'],
      ['a JSON string', '"hello"'],
      ['an empty body', ''],
      ['a prototype-pollution key', '{"__proto__": {"admin": true}}'],
    ])('refuses %s as a body', async (_, raw) => {
      expect((await refused(400, () => api.send('POST', '/partner-pairs', raw, { 'content-type': 'application/json' }))).code).toBe(
        'invalid-body',
      );
    });

    it('refuses malformed path ids, query values and headers', async () => {
      await refused(400, () => api.post('/projects/Not_Valid!/jobs', jobsBody('j', 1)));
      await refused(400, () => api.get('/partner-pairs/err-pair/summary?minPosition=-1'));
      await refused(400, () => api.get('/partner-pairs/err-pair/breakdown?by=colour'));
      await refused(400, () => api.post('/projects/err-project/jobs', jobsBody('j', 1), { 'if-match': '3' }));
    });
  });

  it('413 for an oversized body, 415 for a body that is not JSON', async () => {
    await refused(413, () => api.post('/projects', { ...projectBody('big', 'err-pair', '1'), title: 'x'.repeat(100_000) }));
    await refused(415, () => api.send('POST', '/projects', '<project/>', { 'content-type': 'application/xml' }));
    await refused(415, () => api.send('POST', '/projects/err-project/jobs', 'hello', { 'content-type': 'text/plain' }));
    await refused(415, () => api.post('/projects/err-project/jobs', jobsBody('gz', 1), { 'content-encoding': 'gzip' }));
  });

  it('refuses a browser form post (no form can cancel a project)', async () => {
    await refused(415, () =>
      api.send('POST', '/projects/err-project/cancellation', 'reason=csrf&cancelledOn=2024-09-01', {
        'content-type': 'application/x-www-form-urlencoded',
      }),
    );
    expect((await api.get('/projects/err-project/history')).body.events.map((e: { type: string }) => e.type)).not.toContain(
      'ProjectCancelled',
    );
  });

  it('refuses a deeply nested body with 400, not a stack overflow', async () => {
    const deep = '['.repeat(5000) + ']'.repeat(5000);
    const body = await refused(400, () =>
      api.send('POST', '/projects/err-project/milestones', `{"milestone":"landed","reachedOn":"2024-06-01","x":${deep}}`, {
        'content-type': 'application/json',
      }),
    );
    expect(body.code).toBe('invalid-body');
    await refused(400, () =>
      api.post('/projects/err-project/disbursements', {
        ...disbursementBody('deep', '1'),
        amount: JSON.parse('{"a":'.repeat(40) + '1' + '}'.repeat(40)),
      }),
    );
  });

  it('answers malformed URLs and over-long path parameters in the ledger error shape; 128-character ids still route', async () => {
    await refused(400, () => api.get('/projects/%zz'));
    await refused(414, () => api.get(`/projects/${'a'.repeat(300)}`));
    expect((await refused(404, () => api.get(`/projects/${'a'.repeat(128)}`))).code).toBe('project-not-found');
  });

  it('refuses a malformed correlation id and text with lone surrogates', async () => {
    expect(
      (await refused(400, () => api.post('/projects/err-project/jobs', jobsBody('c', 1), { 'x-correlation-id': 'not valid!' }))).code,
    ).toBe('invalid-header');
    await refused(400, () =>
      api.send('POST', '/partner-pairs', JSON.stringify(pairBody('lone')).replace('Donor of lone', 'Donor \\ud800'), {
        'content-type': 'application/json',
      }),
    );
  });

  it('404 for an unknown pair or project', async () => {
    expect((await refused(404, () => api.post('/projects', projectBody('orphan', 'no-such-pair', '1')))).code).toBe('pair-not-found');
    expect((await refused(404, () => api.post('/partner-pairs', pairBody('child', { parentPairId: 'no-such-pair' })))).code).toBe(
      'parent-pair-not-found',
    );
    expect((await refused(404, () => api.post('/projects/no-such-project/disbursements', disbursementBody('x', '1')))).code).toBe(
      'project-not-found',
    );
    await refused(404, () => api.post('/projects/no-such-project/jobs', jobsBody('x', 1), { 'if-match': '"0"' }));
    await refused(404, () => api.get('/projects/no-such-project'));
    await refused(404, () => api.get('/projects/no-such-project/history'));
    await refused(404, () => api.get('/partner-pairs/no-such-pair/summary'));
    await refused(404, () => api.get('/partner-pairs/no-such-pair/breakdown'));
    await refused(404, () => api.get('/partner-pairs/no-such-pair/projects'));
  });

  it.each([
    [
      'a tranche beyond the remaining pledge',
      '/projects/err-project/disbursements',
      disbursementBody('e-t2', '600.01'),
      'exceeds-remaining-pledge',
    ],
    [
      'a tranche in another currency',
      '/projects/err-project/disbursements',
      { disbursementId: 'e-t3', amount: { amount: '1', currency: 'USD' }, disbursedOn: '2024-06-01' },
      'currency-mismatch',
    ],
    [
      'a tranche dated before signing',
      '/projects/err-project/disbursements',
      disbursementBody('e-t4', '1', '2024-05-06'),
      'dated-before-signing',
    ],
    [
      'a pledge below what was delivered',
      '/projects/err-project/pledge-revisions',
      { pledged: { amount: '399.99', currency: 'CNY' }, reason: 'cut', revisedOn: '2024-08-01' },
      'pledge-below-delivered',
    ],
    [
      'an unchanged pledge',
      '/projects/err-project/pledge-revisions',
      { pledged: { amount: '1000', currency: 'CNY' }, reason: 'same', revisedOn: '2024-08-01' },
      'pledge-unchanged',
    ],
    [
      'a pair whose donor is its recipient',
      '/partner-pairs',
      pairBody('self', { recipient: { name: 'Donor of self', level: 'province' } }),
      'donor-is-recipient',
    ],
    [
      'a signing before the pair was established',
      '/projects',
      projectBody('early', 'err-pair', '1', { signedOn: '2019-12-31' }),
      'signed-before-pair-established',
    ],
  ])('422 for %s', async (_, path, payload, code) => {
    expect((await refused(422, () => api.post(path, payload))).code).toBe(code);
  });

  it('503 when the read models cannot reach minPosition in time', async () => {
    const beyond = (await api.head()) + 1000;
    const body = await refused(503, () => api.get(`/partner-pairs/err-pair/summary?minPosition=${beyond}`));
    expect(body.code).toBe('projection-behind');
  });

  it('never answers 500, and never appends, for a battery of malformed requests', async () => {
    // Values no field accepts: every request below must be refused, whichever field gets one.
    const oddValues: unknown[] = [null, true, 0, -1, 1.7e308, '', ' ', 'x'.repeat(5000), [], [1], {}, { a: { b: { c: [] } } }, '\u0000'];
    const templates: Array<[string, Record<string, unknown>]> = [
      ['/partner-pairs', pairBody('fuzz-pair')],
      ['/projects', projectBody('fuzz-project', 'err-pair', '1')],
      ['/projects/err-project/disbursements', disbursementBody('fuzz-t', '1')],
      ['/projects/err-project/jobs', jobsBody('fuzz-r', 1)],
      ['/projects/err-project/pledge-revisions', { pledged: { amount: '900', currency: 'CNY' }, reason: 'r', revisedOn: '2024-08-01' }],
      ['/projects/err-project/milestones', { milestone: 'landed', reachedOn: '2024-06-01' }],
      ['/projects/err-project/cancellation', { reason: 'r', cancelledOn: '2024-09-01' }],
    ];
    const head = await api.head();
    const statuses = new Map<number, number>();
    for (const [path, template] of templates) {
      for (const field of Object.keys(template)) {
        for (const value of oddValues) {
          const reply = await api.post(path, { ...template, [field]: value });
          statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
          if (reply.status < 400 || reply.status >= 500)
            throw new Error(`${path} with ${field}=${JSON.stringify(value)} answered ${reply.status}`);
        }
      }
    }
    expect(await api.head()).toBe(head);
    expect([...statuses.keys()].sort()).toEqual([400]);
  });
});
