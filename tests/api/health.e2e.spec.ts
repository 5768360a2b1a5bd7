import { EsdbDouble } from '#event-store/testing';
import { pairBody } from '../support/fixtures.js';
import { parseExposition, valueOf } from '../support/prometheus.js';
import {
  E2E_STORE,
  LedgerUnderTest,
  eventually,
  ledgerPerSuite,
  removeDataDirs,
  sqliteOnly,
  tempDataDir,
} from '../support/ledger-harness.js';

describe('health probes', () => {
  describe('on a healthy ledger', () => {
    const ledger = ledgerPerSuite();

    it("answers /health/live with terminus's result, and no caching", async () => {
      const live = await ledger().get('/health/live');
      expect(live.status).toBe(200);
      expect(live.body).toMatchObject({ status: 'ok', info: { process: { status: 'up', pid: expect.any(Number) } }, error: {} });
      expect(live.headers.get('cache-control')).toContain('no-store');
    });

    it('answers /health/ready when the store answers and the projections are caught up', async () => {
      const api = ledger();
      const written = await api.post('/partner-pairs', pairBody('health-ready'));
      await eventually(api, `/partner-pairs/health-ready/summary?minPosition=${written.body.position}`, (reply) => reply.status === 200);
      const ready = await api.get('/health/ready');
      expect(ready.status).toBe(200);
      expect(ready.body.status).toBe('ok');
      expect(ready.body.details.store).toEqual({ status: 'up', kind: E2E_STORE, head: await api.head() });
      expect(ready.body.details.projections).toMatchObject({
        status: 'up',
        maxLagMs: 30_000,
        projections: [{ name: 'ledger-read-models', checkpoint: await api.head(), lag: 0, lagMs: 0 }],
      });
      // No Kafka indicator without KAFKA_BROKERS.
      expect(Object.keys(ready.body.details).sort()).toEqual(['projections', 'store']);
    });

    it('answers anonymous probes with their status only: no pid, uptime, positions, lags or errors without a key', async () => {
      for (const path of ['/health/live', '/health/ready', '/health']) {
        const reply = await ledger().get(path, { authorization: '' });
        expect([path, reply.status, reply.body]).toEqual([path, 200, { status: 'ok' }]);
      }
      // Any valid key gets the details.
      expect((await ledger().get('/health/live')).body.info.process).toEqual({
        status: 'up',
        pid: process.pid,
        uptimeSeconds: expect.any(Number),
      });
    });

    it('keeps the original /health', async () => {
      expect(await ledger().get('/health')).toMatchObject({
        status: 200,
        body: { status: 'ok', store: { kind: E2E_STORE, reachable: true } },
      });
    });
  });

  describe('when the projections fall behind by more than READY_MAX_PROJECTION_LAG_MS', () => {
    const ledger = ledgerPerSuite({ READY_MAX_PROJECTION_LAG_MS: '300' });

    it('is not ready (503, with the lag in the details) but stays live, and is ready again once they catch up', async () => {
      const api = ledger();
      await api.runner.stop();
      let restarted = false;
      try {
        const written = await api.post('/partner-pairs', pairBody('health-behind'));
        expect(written.status).toBe(201);
        const notReady = await eventually(api, '/health/ready', (reply) => reply.status !== 200);
        expect(notReady.status).toBe(503);
        expect(notReady.body.status).toBe('error');
        expect(notReady.body.info.store.status).toBe('up');
        const projections = notReady.body.error.projections;
        expect(projections).toMatchObject({
          status: 'down',
          maxLagMs: 300,
          message: expect.stringContaining('ledger-read-models behind the store'),
        });
        expect(projections.projections[0].lag).toBeGreaterThan(0);
        expect(projections.projections[0].lagMs).toBeGreaterThan(300);
        expect(notReady.body.details).toEqual({ ...notReady.body.info, ...notReady.body.error });
        // Anonymous, the probe still acts on it: 503, and nothing more.
        const anonymous = await api.get('/health/ready', { authorization: '' });
        expect([anonymous.status, anonymous.body]).toEqual([503, { status: 'error' }]);
        // Liveness does not depend on the read models: restarting the process would not help.
        expect((await api.get('/health/live')).status).toBe(200);

        api.runner.start();
        restarted = true;
        const ready = await eventually(api, '/health/ready', (reply) => reply.status === 200);
        expect(ready.body.details.projections.projections[0]).toMatchObject({ lag: 0, checkpoint: written.body.position });
      } finally {
        if (!restarted) api.runner.start();
      }
    });
  });

  describe('when EventStoreDB stops answering', () => {
    let double: EsdbDouble | undefined;
    let api: LedgerUnderTest | undefined;
    afterAll(async () => {
      await api?.stop();
      await double?.stop();
      await removeDataDirs();
    });

    // This test starts its own EventStoreDB double (whatever store the suite runs on), so one run of it is enough.
    sqliteOnly(
      'is not ready (503, store down) while the server is gone, and stays live',
      async () => {
        double = await EsdbDouble.start();
        api = await LedgerUnderTest.start(tempDataDir(), { EVENT_STORE: 'esdb', ESDB_CONNECTION_STRING: double.connectionString });
        expect((await api.post('/partner-pairs', pairBody('health-esdb'))).status).toBe(201);
        await eventually(api, '/health/ready', (reply) => reply.status === 200);

        await double.stop();
        const notReady = await eventually(api, '/health/ready', (reply) => reply.status !== 200);
        expect(notReady.status).toBe(503);
        expect(notReady.body.error.store).toMatchObject({ status: 'down', kind: 'esdb', message: expect.any(String) });
        expect(notReady.body.error.projections).toMatchObject({ status: 'down', message: expect.stringContaining('unknown') });
        expect((await api.get('/health')).status).toBe(503);
        expect((await api.get('/health/live')).status).toBe(200);
        // Metrics still answer, and say the store is down.
        const metrics = await api.get<string>('/metrics');
        expect(metrics.status).toBe(200);
        expect(valueOf(parseExposition(metrics.body), 'ledger_event_store_up')).toBe(0);
      },
      30_000,
    );
  });

  describe('the API on an unreachable EventStoreDB', () => {
    // Starts its own EventStoreDB double, like the test above: one run is enough.
    sqliteOnly('answers /health with 503', async () => {
      const double = await EsdbDouble.start();
      const api = await LedgerUnderTest.start(tempDataDir(), { EVENT_STORE: 'esdb', ESDB_CONNECTION_STRING: double.connectionString });
      expect((await api.get('/health')).status).toBe(200);
      await double.stop();
      const health = await api.get('/health');
      expect(health).toMatchObject({ status: 503, body: { status: 'unavailable', store: { kind: 'esdb', reachable: false } } });
      await api.stop();
      await removeDataDirs();
    });
  });
});
