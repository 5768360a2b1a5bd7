import { disbursementBody, pairBody, projectBody } from '../support/fixtures.js';
import { LedgerUnderTest, type Reply, ledgerPerSuite } from '../support/ledger-harness.js';
import { type Sample, counterBefore, parseExposition, sampleOf, valueOf } from '../support/prometheus.js';

async function scrape(api: LedgerUnderTest): Promise<Sample[]> {
  const reply: Reply<string> = await api.get('/metrics');
  expect(reply.status).toBe(200);
  expect(reply.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseExposition(reply.body);
}

const commands = (command: string, outcome: string, code = '') => ['ledger_commands_total', { command, outcome, code }] as const;

describe('GET /metrics', () => {
  const ledger = ledgerPerSuite();

  it('counts real commands by type and outcome, refusals by their code, and times every append', async () => {
    const api = ledger();
    const before = await scrape(api);

    expect((await api.post('/partner-pairs', pairBody('metrics-pair'))).status).toBe(201);
    expect((await api.post('/partner-pairs', pairBody('metrics-pair'))).status).toBe(200);
    expect((await api.post('/projects', projectBody('metrics-project', 'metrics-pair', '100.00'))).status).toBe(201);
    expect((await api.post('/projects', projectBody('metrics-orphan', 'no-such-pair', '1.00'))).status).toBe(404);
    expect((await api.post('/projects/metrics-project/disbursements', disbursementBody('metrics-t1', '40.00'))).status).toBe(201);
    expect((await api.post('/projects/metrics-project/disbursements', disbursementBody('metrics-t2', '60.01'))).status).toBe(422);
    // Refused before any command is formed: counted as a request, not as a command.
    expect((await api.post('/projects/metrics-project/disbursements', { disbursementId: 'metrics-t3' })).status).toBe(400);

    const after = await scrape(api);
    const delta = (name: string, labels: Record<string, string> = {}) => valueOf(after, name, labels) - counterBefore(before, name, labels);

    expect(delta(...commands('RegisterPartnerPair', 'created'))).toBe(1);
    expect(delta(...commands('RegisterPartnerPair', 'replayed'))).toBe(1);
    expect(delta(...commands('SignProject', 'created'))).toBe(1);
    expect(delta(...commands('SignProject', 'refused', 'pair-not-found'))).toBe(1);
    expect(delta(...commands('DisburseFunds', 'created'))).toBe(1);
    expect(delta(...commands('DisburseFunds', 'refused', 'exceeds-remaining-pledge'))).toBe(1);
    const allCommands = after.filter((s) => s.name === 'ledger_commands_total').reduce((sum, s) => sum + s.value, 0);
    expect(allCommands).toBe(6 + before.filter((s) => s.name === 'ledger_commands_total').reduce((sum, s) => sum + s.value, 0));
    expect(delta('ledger_command_duration_seconds_count', { command: 'DisburseFunds', outcome: 'refused' })).toBe(1);

    // Three commands appended one event each; the replay and the refusals appended nothing.
    expect(delta('ledger_event_store_append_duration_seconds_count', { result: 'appended' })).toBe(3);
    expect(delta('ledger_event_store_append_duration_seconds_sum', { result: 'appended' })).toBeGreaterThan(0);
    expect(delta('ledger_events_appended_total')).toBe(3);
    expect(valueOf(after, 'ledger_event_store_append_duration_seconds_bucket', { result: 'appended', le: '+Inf' })).toBe(
      valueOf(after, 'ledger_event_store_append_duration_seconds_count', { result: 'appended' }),
    );

    expect(delta('ledger_http_requests_total', { method: 'POST', route: '/projects/:projectId/disbursements', status: '422' })).toBe(1);
    expect(delta('ledger_http_requests_total', { method: 'POST', route: '/projects/:projectId/disbursements', status: '400' })).toBe(1);
    expect(delta('ledger_http_requests_total', { method: 'POST', route: '/partner-pairs', status: '200' })).toBe(1);
  });

  it('shows the store head and each projection checkpoint and lag, and the default process metrics', async () => {
    const api = ledger();
    const last = await api.post('/partner-pairs', pairBody('metrics-lag'));
    expect((await api.get(`/partner-pairs/metrics-lag/summary?minPosition=${last.body.position}`)).status).toBe(200);
    const samples = await scrape(api);
    const head = await api.head();
    expect(valueOf(samples, 'ledger_event_store_up')).toBe(1);
    expect(valueOf(samples, 'ledger_event_store_head_position')).toBe(head);
    expect(valueOf(samples, 'ledger_projection_checkpoint_position', { projection: 'ledger-read-models' })).toBe(head);
    expect(valueOf(samples, 'ledger_projection_lag_positions', { projection: 'ledger-read-models' })).toBe(0);
    expect(valueOf(samples, 'ledger_projection_lag_seconds', { projection: 'ledger-read-models' })).toBe(0);
    // The relay is off without KAFKA_BROKERS: said once, and no relay figures that could pass for a healthy one.
    expect(valueOf(samples, 'ledger_kafka_relay_enabled')).toBe(0);
    expect(samples.some((s) => s.name.startsWith('ledger_kafka_relay_') && s.name !== 'ledger_kafka_relay_enabled')).toBe(false);
    for (const name of [
      'process_cpu_user_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_heap_size_used_bytes',
      'nodejs_eventloop_lag_seconds',
    ]) {
      expect(samples.some((s) => s.name === name)).toBe(true);
    }
  });

  it('reports the projection lag while the projection is stopped, in positions and in seconds', async () => {
    const api = ledger();
    await api.runner.stop();
    try {
      await api.post('/partner-pairs', pairBody('metrics-behind-1'));
      await api.post('/partner-pairs', pairBody('metrics-behind-2'));
      await new Promise((resolve) => setTimeout(resolve, 50));
      const samples = await scrape(api);
      expect(valueOf(samples, 'ledger_projection_lag_positions', { projection: 'ledger-read-models' })).toBeGreaterThanOrEqual(2);
      expect(valueOf(samples, 'ledger_projection_lag_seconds', { projection: 'ledger-read-models' })).toBeGreaterThanOrEqual(0.05);
      expect(valueOf(samples, 'ledger_projection_checkpoint_position', { projection: 'ledger-read-models' })).toBe(api.runner.position);
    } finally {
      api.runner.start();
    }
  });

  it('keeps one registry per app: a second app in the same process counts only its own commands', async () => {
    const other = await LedgerUnderTest.start();
    try {
      expect((await other.post('/partner-pairs', pairBody('metrics-other'))).status).toBe(201);
      const mine = await scrape(ledger());
      const theirs = await scrape(other);
      expect(valueOf(theirs, ...commands('RegisterPartnerPair', 'created'))).toBe(1);
      // The other app signed nothing: no series at all, which valueOf would refuse to read as 0.
      expect(sampleOf(theirs, ...commands('SignProject', 'created'))).toBeUndefined();
      expect(valueOf(mine, ...commands('SignProject', 'created'))).toBe(1);
    } finally {
      await other.stop();
    }
  });
});

describe('who may scrape /metrics', () => {
  const OPERATOR = 'metrics-operator-key-5d2a9f';
  const READER = 'metrics-reader-key-8c1e7b';
  const ledger = ledgerPerSuite({ API_KEYS: `operator:prometheus:${OPERATOR},reader:dash:${READER}` });

  it('an operator key (a bearer token in the scrape config) by default; anonymous 401, a reader 403', async () => {
    const anonymous = await ledger().get('/metrics', { authorization: '' });
    expect([anonymous.status, anonymous.body.code]).toEqual([401, 'unauthenticated']);
    const reader = await ledger().get('/metrics', { authorization: `Bearer ${READER}` });
    expect([reader.status, reader.body.code]).toEqual([403, 'forbidden']);
    const operator = await ledger().get<string>('/metrics', { authorization: `Bearer ${OPERATOR}` });
    expect(operator.status).toBe(200);
    expect(operator.body).toMatch(/^ledger_event_store_up\{instance_id="[^"]+"\} 1$/m);
  });
});

describe('METRICS_PUBLIC=true', () => {
  const ledger = ledgerPerSuite({ METRICS_PUBLIC: 'true' });

  it('opens /metrics to a scraper without a key, and documents it as public', async () => {
    const anonymous = await ledger().get<string>('/metrics', { authorization: '' });
    expect(anonymous.status).toBe(200);
    expect(anonymous.body).toMatch(/^ledger_event_store_up\{instance_id="[^"]+"\} 1$/m);
    const document = await ledger().get('/docs/openapi.json');
    expect(document.body.paths['/metrics'].get['x-access']).toBe('public');
  });
});
