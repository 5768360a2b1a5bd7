import { randomUUID } from 'node:crypto';
import { KurrentDBClient } from '@kurrent/kurrentdb-client';
import { EsdbEventStore } from '#event-store/esdb';
import { EsdbDouble } from '#event-store/testing';
import { describeCoordinationStoreContract } from '../testing/coordination-store.contract.js';
import { describeFleetRosterContract } from '../testing/fleet-roster.contract.js';
import { EsdbCoordinationStore, FLEET_RECORD_MAX_COUNT, FLEET_STREAM_PREFIX } from './esdb-coordination-store.js';

const esdbBacking = async () => {
  const double = await EsdbDouble.start();
  return { open: async () => new EsdbCoordinationStore(double.connectionString), teardown: () => double.stop() };
};
describeCoordinationStoreContract('EventStoreDB on the gRPC test double', esdbBacking);
describeFleetRosterContract('EventStoreDB on the gRPC test double', esdbBacking);

describe('coordination store on EventStoreDB', () => {
  let double: EsdbDouble;
  let store: EsdbCoordinationStore;
  beforeEach(async () => {
    double = await EsdbDouble.start();
    store = new EsdbCoordinationStore(double.connectionString);
  });
  afterEach(async () => {
    await store.close();
    await double.stop();
  });

  it('keeps one stream per record with $maxCount set, so renewals do not grow what is kept', async () => {
    await store.compareAndSet('relay-lease', 'absent', { n: 0 });
    for (let n = 1; n <= FLEET_RECORD_MAX_COUNT + 5; n++) await store.compareAndSet('relay-lease', n - 1, { n });
    const client = KurrentDBClient.connectionString(double.connectionString);
    try {
      const { metadata } = await client.getStreamMetadata(`${FLEET_STREAM_PREFIX}relay-lease`);
      expect(metadata?.maxCount).toBe(FLEET_RECORD_MAX_COUNT);
      const kept = [];
      for await (const resolved of client.readStream(`${FLEET_STREAM_PREFIX}relay-lease`)) kept.push(resolved.event?.revision);
      expect(kept).toHaveLength(FLEET_RECORD_MAX_COUNT);
      expect(kept[0]).toBe(BigInt(6));
      expect(kept.at(-1)).toBe(BigInt(FLEET_RECORD_MAX_COUNT + 5));
    } finally {
      await client.dispose();
    }
    expect(await store.read('relay-lease')).toEqual({ key: 'relay-lease', version: FLEET_RECORD_MAX_COUNT + 5, value: { n: 25 } });
  });

  it("never shows its records among the ledger's events: reads, the head and subscriptions skip them", async () => {
    const ledger = new EsdbEventStore({ connectionString: double.connectionString, streamPrefixes: ['partner-pair-', 'project-'] });
    try {
      await ledger.appendToStream('project-one', [
        {
          id: randomUUID(),
          type: 'ProjectSigned',
          schemaVersion: 1,
          data: {},
          metadata: { correlationId: 'c', causationId: 'c', actor: 'a' },
        },
      ]);
      const head = await ledger.headPosition();
      await store.compareAndSet('relay-lease', 'absent', { n: 0 });
      await store.compareAndSet('relay-lease', 0, { n: 1 });
      expect(await ledger.headPosition()).toBe(head);
      expect((await ledger.readAll()).map((event) => event.streamId)).toEqual(['project-one']);
      const stop = new AbortController();
      const batches = ledger.subscribeToAll({ signal: stop.signal })[Symbol.asyncIterator]();
      expect(((await batches.next()).value ?? []).map((event: { streamId: string }) => event.streamId)).toEqual(['project-one']);
      stop.abort();
    } finally {
      await ledger.close();
    }
  });
});
