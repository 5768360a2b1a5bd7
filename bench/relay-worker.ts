import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { SqliteEventStore } from '#event-store/sqlite';
import { toMessage } from '#contracts';
import { FencedLease } from '#fleet';
import { SqliteCoordinationStore } from '#fleet/sqlite';
import { KafkaRelay, RELAY_LEASE_KEY, type RelayLeaseData } from '#kafka-relay';

/**
 * Runs in its own process: `node relay-worker.js <dataDir> <brokers> relay|raw`.
 * relay: the Kafka relay publishes the whole events file from position 0;
 * raw: a bare kafkajs producer sends the same messages in batches of 500
 * (the limit). Prints one JSON line.
 */
async function main(): Promise<void> {
  const [dataDir, brokers, mode] = process.argv.slice(2);
  const store = new SqliteEventStore(join(dataDir, 'events.sqlite'));
  const head = await store.headPosition();
  const started = performance.now();
  if (mode === 'raw') {
    const producer = new Kafka({ clientId: 'bench-raw', brokers: brokers.split(','), logLevel: logLevel.NOTHING }).producer({
      allowAutoTopicCreation: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    let sent = 0;
    for (let after = 0; ;) {
      const page = await store.readAll({ after, maxCount: 500 });
      if (page.length === 0) break;
      const messages = page.map((event) => toMessage(event, 'bench-raw.')).filter((m) => m !== null);
      await producer.send({
        topic: 'bench-raw.projects',
        acks: -1,
        messages: messages.map(({ key, value, headers }) => ({ key, value, headers })),
      });
      sent += page.length;
      after = page[page.length - 1].position;
    }
    await producer.disconnect();
    const seconds = (performance.now() - started) / 1000;
    console.log(JSON.stringify({ events: sent, seconds, eventsPerSecond: sent / seconds }));
  } else {
    // The relay as it runs in the ledger: holding its lease, each batch's checkpoint a fenced write.
    const fleet = new SqliteCoordinationStore(join(dataDir, 'relay-bench-fleet.sqlite'));
    const lease = new FencedLease<RelayLeaseData>(fleet, {
      key: RELAY_LEASE_KEY,
      instanceId: 'bench',
      initialData: () => ({ checkpoint: 0 }),
    });
    const relay = new KafkaRelay(store, lease, { brokers: brokers.split(','), topicPrefix: 'bench.' });
    relay.start();
    while ((lease.record?.value.data.checkpoint ?? 0) < head) await new Promise((resolve) => setTimeout(resolve, 20));
    const seconds = (performance.now() - started) / 1000;
    await relay.stop();
    await fleet.close();
    console.log(JSON.stringify({ events: relay.status().published, seconds, eventsPerSecond: relay.status().published / seconds }));
  }
  await store.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
