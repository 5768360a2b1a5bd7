import { pairBody } from '../support/fixtures.js';
import { LedgerUnderTest, eventually, removeDataDirs } from '../support/ledger-harness.js';
import { MockKafka } from '../support/kafka/mock-kafka.js';
import { parseExposition, valueOf } from '../support/prometheus.js';

describe('readiness and metrics with the Kafka relay (KAFKA_BROKERS set)', () => {
  let kafka: MockKafka;
  let api: LedgerUnderTest;
  beforeAll(async () => {
    kafka = await MockKafka.start();
    api = await LedgerUnderTest.start(undefined, { KAFKA_BROKERS: kafka.brokers.join(',') });
  });
  afterAll(async () => {
    await api?.stop();
    await kafka?.stop();
    await removeDataDirs();
  });

  it('is ready once the relay is connected and caught up, and exposes the relay in /metrics', async () => {
    const written = await api.post('/partner-pairs', pairBody('kafka-health'));
    const ready = await eventually(
      api,
      '/health/ready',
      (reply) => reply.status === 200 && reply.body.details.kafka?.checkpoint === written.body.position,
      30_000,
    );
    expect(ready.body.details.kafka).toMatchObject({ status: 'up', connected: true, lag: 0, lagMs: 0, maxLagMs: 60_000, lastError: null });

    const samples = parseExposition((await api.get<string>('/metrics')).body);
    expect(valueOf(samples, 'ledger_kafka_relay_enabled')).toBe(1);
    expect(valueOf(samples, 'ledger_kafka_relay_up')).toBe(1);
    expect(valueOf(samples, 'ledger_kafka_relay_checkpoint_position')).toBe(written.body.position);
    expect(valueOf(samples, 'ledger_kafka_relay_lag_positions')).toBe(0);
    expect(valueOf(samples, 'ledger_kafka_relay_published_events')).toBeGreaterThanOrEqual(1);
  });

  it('is not ready while the broker is down and events wait to be published, and ready again once they are', async () => {
    await kafka.down();
    try {
      // Commands are still accepted; the relay fails to publish this one.
      const written = await api.post('/partner-pairs', pairBody('kafka-health-outage'));
      expect(written.status).toBe(201);
      const notReady = await eventually(api, '/health/ready', (reply) => reply.status === 503, 30_000);
      expect(notReady.body.status).toBe('error');
      expect(notReady.body.info.store.status).toBe('up');
      expect(notReady.body.error.kafka).toMatchObject({ status: 'down', message: expect.stringMatching(/failing|not connected/) });
      expect(notReady.body.error.kafka.lag).toBeGreaterThan(0);
      const samples = parseExposition((await api.get<string>('/metrics')).body);
      expect(valueOf(samples, 'ledger_kafka_relay_up')).toBe(0);
      expect(valueOf(samples, 'ledger_kafka_relay_lag_positions')).toBeGreaterThan(0);
    } finally {
      await kafka.up();
    }
    const ready = await eventually(api, '/health/ready', (reply) => reply.status === 200, 30_000);
    expect(ready.body.details.kafka).toMatchObject({ status: 'up', connected: true, lag: 0 });
  }, 60_000);
});
