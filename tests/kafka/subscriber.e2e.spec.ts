import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadSubscriberConfig } from '#subscriber/config';
import { createSubscriberApp } from '#subscriber/subscriber-app';
import { toMessage } from '#contracts';
import type { RecordedEvent } from '#event-store';
import { randomUUID } from 'node:crypto';
import { LedgerUnderTest, removeDataDirs, tempDataDir } from '../support/ledger-harness.js';
import { MockKafka } from '../support/kafka/mock-kafka.js';
import { fleetOf, resetRelayCheckpoint } from '../support/kafka/relay-lease.js';
import { scenario } from '../support/scenario.js';

let kafka: MockKafka;
const stops: Array<() => Promise<void>> = [];
beforeAll(async () => {
  kafka = await MockKafka.start();
});
afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
  await kafka.stop();
  await removeDataDirs();
});

async function until<T>(probe: () => Promise<T>, ok: (value: T) => boolean, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const SUBSCRIBER_KEY = 'subscriber-test-key-5f1c9e27a4';
const AUTH = { authorization: `Bearer ${SUBSCRIBER_KEY}` };

describe('the example subscriber', () => {
  it('refuses to start without a key, and listens on loopback unless told otherwise', () => {
    expect(() => loadSubscriberConfig({ KAFKA_BROKERS: 'localhost:29092' })).toThrow('SUBSCRIBER_API_KEY');
    expect(() => loadSubscriberConfig({ KAFKA_BROKERS: 'localhost:29092', SUBSCRIBER_API_KEY: 'short' })).toThrow('SUBSCRIBER_API_KEY');
    expect(loadSubscriberConfig({ KAFKA_BROKERS: 'localhost:29092', SUBSCRIBER_API_KEY: SUBSCRIBER_KEY }).host).toBe('127.0.0.1');
  });

  it('builds from the topics exactly the delivered-per-year figures the ledger holds, and ignores redeliveries', async () => {
    const dataDir = tempDataDir();
    const brokers = kafka.brokers.join(',');
    let api = await LedgerUnderTest.start(dataDir, { KAFKA_BROKERS: brokers });
    stops.push(() => api.stop());
    for (const command of scenario(4, 4)) await api.post(command.path, command.body);
    const events = (await api.events.readAll({ maxCount: 100_000 })).length;

    const subscriber: NestFastifyApplication = await createSubscriberApp(
      loadSubscriberConfig({
        KAFKA_BROKERS: brokers,
        SUBSCRIBER_DATA_DIR: join(tempDataDir(), 'subscriber'),
        SUBSCRIBER_GROUP_ID: 'test-view',
        SUBSCRIBER_API_KEY: SUBSCRIBER_KEY,
      }),
      false,
    );
    await subscriber.listen(0, '127.0.0.1');
    stops.push(() => subscriber.close());
    const url = (await subscriber.getUrl()).replace('[::1]', '127.0.0.1');
    const status = () =>
      fetch(`${url}/status`, { headers: AUTH }).then(
        (r) => r.json() as Promise<{ applied: number; duplicate: number; rejected: number; parked: number }>,
      );
    await until(status, (s) => s.applied === events, 'applied events');

    // Its figures are the ledger's: nothing without the key, whatever the path.
    for (const [path, headers] of [
      ['/pairs/pair-0/delivered', {}],
      ['/status', {}],
      ['/pairs/pair-0/delivered', { authorization: 'Bearer wrong-key-0123456789abcdef' }],
      ['/pairs/pair-0/delivered', { authorization: `Basic ${SUBSCRIBER_KEY}` }],
      ['/pairs/pair-0/delivered', { authorization: `Bearer ${SUBSCRIBER_KEY} x` }],
      ['/no-such-path', {}],
    ] as const) {
      const reply = await fetch(`${url}${path}`, { headers });
      expect([path, headers, reply.status, reply.headers.get('www-authenticate'), ((await reply.json()) as { code: string }).code]).toEqual(
        [path, headers, 401, 'Bearer', 'unauthenticated'],
      );
    }

    const compare = async () => {
      for (let p = 0; p < 4; p++) {
        const pairId = `pair-${p}`;
        const ledger = (await api.get(`/partner-pairs/${pairId}/breakdown?by=year&scope=own&minPosition=${await api.head()}`)).body.rows
          .filter((row: { delivered: object }) => Object.keys(row.delivered).length > 0)
          .map((row: { key: string; delivered: object }) => ({ year: row.key, delivered: row.delivered }));
        const view = (await (await fetch(`${url}/pairs/${pairId}/delivered`, { headers: AUTH })).json()) as { byYear: unknown[] };
        expect(ledger.length).toBeGreaterThan(0);
        expect(view.byYear).toEqual(ledger);
      }
    };
    await compare();

    // Poison: a message that is not JSON is rejected; an event of an unknown schema version is parked; the view goes on.
    const disbursed = (await api.events.readAll({ maxCount: 100_000 })).find((event) => event.type === 'FundsDisbursed');
    const envelope = JSON.parse(toMessage(disbursed as RecordedEvent, 'commitments.')?.value ?? 'null');
    await kafka.produce('commitments.projects', ['{not json', JSON.stringify({ ...envelope, eventId: randomUUID(), schemaVersion: 2 })]);
    const poisoned = await until(status, (s) => s.rejected === 1 && s.parked === 1, 'poison handled');
    expect(poisoned.applied).toBe(events);
    await compare();

    // Force a full redelivery: the relay starts again from position 0.
    await api.stop();
    await resetRelayCheckpoint(fleetOf(dataDir), 0);
    api = await LedgerUnderTest.start(dataDir, { KAFKA_BROKERS: brokers });
    const after = await until(status, (s) => s.duplicate === events, 'duplicates recognised');
    expect(after).toMatchObject({
      applied: events,
      duplicate: events,
      rejected: 1,
      parked: 1,
      recentlyParked: [{ type: 'FundsDisbursed' }],
    });
    await compare();
  }, 120_000);
});
