import { randomUUID } from 'node:crypto';
import { KurrentDBClient, jsonEvent } from '@kurrent/kurrentdb-client';
import { type EventStore, StreamDeleted } from '../event-store.port.js';
import { EsdbDouble } from '../testing/esdb-double.js';
import { describeEventStoreContract } from '../testing/event-store.contract.js';
import { EsdbEventStore } from './esdb-event-store.js';

/** The adapter with a close() that also stops what the test started for it. */
function closingAlso(store: EsdbEventStore, stop: () => Promise<void>): EventStore {
  const close = store.close.bind(store);
  return Object.assign(store, {
    close: async () => {
      await close();
      await stop();
    },
  });
}

describeEventStoreContract('EventStoreDB adapter on the gRPC test double (BatchAppend, as a current server)', async () => {
  const double = await EsdbDouble.start();
  return closingAlso(new EsdbEventStore({ connectionString: double.connectionString, streamPrefixes: ['test-'] }), () => double.stop());
});

describeEventStoreContract('EventStoreDB adapter on the gRPC test double (Append, as an older server)', async () => {
  const double = await EsdbDouble.start({ serverFeatures: false });
  return closingAlso(new EsdbEventStore({ connectionString: double.connectionString, streamPrefixes: ['test-'] }), () => double.stop());
});

const realServer = process.env.ESDB_CONNECTION_STRING;
if (realServer) {
  describeEventStoreContract(
    `EventStoreDB adapter on the real server at ${realServer}`,
    async () => new EsdbEventStore({ connectionString: realServer, streamPrefixes: ['test-'] }),
  );
} else {
  describe('EventStoreDB adapter on a real server', () => {
    it.skip('runs the same contract suite when ESDB_CONNECTION_STRING is set (e.g. kurrentdb://localhost:2113?tls=false)', () => undefined);
  });
  console.info('EventStoreDB contract suite against a real server: SKIPPED (ESDB_CONNECTION_STRING is not set)');
}

describe('EventStoreDB adapter', () => {
  it.each([
    [true, 'batchAppend'],
    [false, 'append'],
  ] as const)(
    'appends through the RPC the server offers (ServerFeatures answered: %s → %s), wrong expected version included',
    async (serverFeatures, rpc) => {
      const double = await EsdbDouble.start({ serverFeatures });
      const store = new EsdbEventStore({ connectionString: double.connectionString, streamPrefixes: ['test-'] });
      const event = () => ({
        id: randomUUID(),
        type: 'E',
        schemaVersion: 1,
        data: {},
        metadata: { correlationId: 'c', causationId: 'c', actor: 'a' },
      });
      await store.appendToStream('test-rpc', [event()], { expectedRevision: 'no_stream' });
      await expect(store.appendToStream('test-rpc', [event()], { expectedRevision: 5 })).rejects.toMatchObject({
        name: 'WrongExpectedRevision',
        actual: 0,
      });
      await expect(store.appendToStream('test-rpc', [event()], { expectedRevision: 'no_stream' })).rejects.toMatchObject({
        name: 'WrongExpectedRevision',
        actual: 0,
      });
      expect(double.calls[rpc]).toBe(3);
      expect(double.calls[rpc === 'append' ? 'batchAppend' : 'append']).toBe(0);
      await store.close();
      await double.stop();
    },
  );

  it('reports whether the server is reachable', async () => {
    const double = await EsdbDouble.start();
    const store = new EsdbEventStore({ connectionString: double.connectionString, streamPrefixes: ['test-'] });
    expect(await store.isReachable()).toBe(true);
    await double.stop();
    expect(await store.isReachable()).toBe(false);
    await store.close();
  });
});

describe('EventStoreDB adapter subscriptions', () => {
  /**
   * Subscribes to $all, lets it deliver events 0-2 of `streamId`, runs `drop`, appends 3-7, and
   * collects what the subscription delivered (stopped after 5 s: a missed event would leave it waiting).
   */
  async function subscribeAcross(streamId: string, drop: (double: EsdbDouble) => Promise<void>) {
    const double = await EsdbDouble.start();
    const reconnects: number[] = [];
    const store = new EsdbEventStore({
      connectionString: double.connectionString,
      streamPrefixes: ['test-'],
      onReconnect: (_, delayMs) => reconnects.push(delayMs),
    });
    const meta = { correlationId: 'c', causationId: 'c', actor: 'a' };
    const append = (i: number) =>
      store.appendToStream(streamId, [{ id: randomUUID(), type: 'E', schemaVersion: 1, data: { i }, metadata: meta }]);
    try {
      for (let i = 0; i < 3; i++) await append(i);
      const controller = new AbortController();
      const seen: number[] = [];
      const consumed = (async () => {
        for await (const batch of store.subscribeToAll({ signal: controller.signal })) {
          seen.push(...batch.map((event) => (event.data as { i: number }).i));
          if (seen.length >= 8) controller.abort();
        }
      })();
      while (seen.length < 3) await new Promise((resolve) => setTimeout(resolve, 10));
      await drop(double);
      // Written after the drop, before (or while) the adapter resubscribes: none may be missed.
      for (let i = 3; i < 8; i++) await append(i);
      const deadline = setTimeout(() => controller.abort(), 5000);
      await consumed;
      clearTimeout(deadline);
      const third = (await store.readStream(streamId))[2].position;
      return { seen, reconnects, third, starts: double.subscriptionStarts };
    } finally {
      await store.close();
      await double.stop();
    }
  }

  it('resubscribe from the last delivered position after a call ends with UNAVAILABLE, skipping and repeating nothing', async () => {
    const { seen, reconnects, third, starts } = await subscribeAcross('test-drop', async (double) => {
      expect(double.dropSubscriptions()).toBe(1);
    });
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(reconnects.length).toBeGreaterThanOrEqual(1);
    // It resubscribed from the last event it had delivered, not from the start.
    expect(starts).toEqual([-1, third]);
  });

  it('resubscribe from the last delivered position after the server restarts, missing and repeating nothing', async () => {
    // Every connection is cut; the same data is served again on the same port.
    const { seen, reconnects, third, starts } = await subscribeAcross('test-restart', (double) => double.restart());
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(reconnects.length).toBeGreaterThanOrEqual(1);
    // Every resubscription started from the last event delivered before the drop, not from the start.
    expect(starts[0]).toBe(-1);
    expect(starts.length).toBeGreaterThanOrEqual(2);
    expect(starts.slice(1)).toEqual(starts.slice(1).map(() => third));
  });
});

describe('EventStoreDB adapter, what a real store can hold', () => {
  const meta = { correlationId: 'c', causationId: 'c', actor: 'a' };
  const event = (data: unknown = {}) => ({ id: randomUUID(), type: 'E', schemaVersion: 1, data, metadata: meta });

  it.each([true, false])(
    'a deleted (tombstoned) stream is a clear StreamDeleted on read and append (BatchAppend: %s)',
    async (serverFeatures) => {
      const double = await EsdbDouble.start({ serverFeatures });
      const store = new EsdbEventStore({ connectionString: double.connectionString, streamPrefixes: ['test-'] });
      const operator = KurrentDBClient.connectionString(double.connectionString);
      await store.appendToStream('test-deleted', [event()]);
      await operator.tombstoneStream('test-deleted');
      await expect(store.readStream('test-deleted')).rejects.toMatchObject({ name: 'StreamDeleted', streamId: 'test-deleted' });
      await expect(store.appendToStream('test-deleted', [event()], { expectedRevision: 0 })).rejects.toBeInstanceOf(StreamDeleted);
      await expect(store.appendToStream('test-deleted', [event()])).rejects.toBeInstanceOf(StreamDeleted);
      await operator.dispose();
      await store.close();
      await double.stop();
    },
  );

  it.each([true, false])(
    'an append over the size limit is a clear AppendTooLarge, and nothing is written (BatchAppend: %s)',
    async (serverFeatures) => {
      const double = await EsdbDouble.start({ serverFeatures });
      const store = new EsdbEventStore({ connectionString: double.connectionString, streamPrefixes: ['test-'] });
      const large = event({ text: 'x'.repeat(1024 * 1024) });
      await expect(store.appendToStream('test-large', [large])).rejects.toMatchObject({ name: 'AppendTooLarge', maxBytes: 1024 * 1024 });
      expect(await store.readStream('test-large')).toEqual([]);
      await store.appendToStream('test-large', [event()], { expectedRevision: 'no_stream' });
      await store.close();
      await double.stop();
    },
  );

  it('system events throughout $all are skipped by reads, subscriptions and the head position', async () => {
    const double = await EsdbDouble.start();
    const store = new EsdbEventStore({ connectionString: double.connectionString, streamPrefixes: ['test-'] });
    const operator = KurrentDBClient.connectionString(double.connectionString);
    await store.appendToStream('test-a', [event({ i: 0 })]);
    await operator.setStreamMetadata('test-a', { maxAge: 86_400 }); // $metadata in $$test-a
    await store.appendToStream('test-b', [event({ i: 1 })]);
    await operator.appendToStream('test-a', jsonEvent({ type: '$system-type', data: {} })); // a $ type in a ledger stream
    await operator.deleteStream('test-b'); // $metadata ($tb) in $$test-b
    await store.appendToStream('test-a', [event({ i: 2 })]);
    const last = await store.appendToStream('test-c', [event({ i: 3 })]);
    await operator.tombstoneStream('test-gone'); // $streamDeleted in test-gone: a ledger stream's name, a system type
    const numbers = (events: { data: unknown }[]) => events.map((recorded) => (recorded.data as { i: number }).i);
    expect(numbers(await store.readAll())).toEqual([0, 1, 2, 3]);
    expect(numbers(await store.readAll({ maxCount: 1, after: (await store.readAll())[2].position }))).toEqual([3]);
    expect(await store.headPosition()).toBe(last.position);
    const controller = new AbortController();
    const seen: number[] = [];
    for await (const batch of store.subscribeToAll({ signal: controller.signal })) {
      seen.push(...numbers(batch));
      if (seen.length >= 4) controller.abort();
    }
    expect(seen).toEqual([0, 1, 2, 3]);
    await operator.dispose();
    await store.close();
    await double.stop();
  });
});

describe('EventStoreDB clients of one thread closing beside each other', () => {
  let double: EsdbDouble;
  beforeAll(async () => {
    double = await EsdbDouble.start();
  });
  afterAll(async () => {
    await double.stop();
  });

  const metadata = () => ({ correlationId: randomUUID(), causationId: randomUUID(), actor: 'test' });
  const append = (store: EsdbEventStore) =>
    store.appendToStream(`test-${randomUUID()}`, [{ id: randomUUID(), type: 'Noted', schemaVersion: 1, data: {}, metadata: metadata() }]);

  // @eventstore/db-client 6.2.1 kept one table of pending appends for every client of the thread, and disposing a client
  // (or a transport error on its stream) cleared it: the other client's appends here were rejected (9 of 20 in a round),
  // and the answers that came back for them threw in a gRPC callback, which failed this suite. Its successor,
  // @kurrent/kurrentdb-client, keeps one table per stream (kurrent-io/KurrentDB-Client-NodeJS#523).
  // Disposing a client cancels what it still has in flight: an append cancelled so may or may not have been written.
  it('lets its own appends under way settle before it disposes its client, then refuses new ones', async () => {
    const store = new EsdbEventStore({ connectionString: double.connectionString, streamPrefixes: ['test-'] });
    // The batch-append stream open before the close.
    await append(store);
    const underWay = Array.from({ length: 20 }, () => append(store));
    await store.close();
    const answered = await Promise.allSettled(underWay);
    expect(answered.filter((outcome) => outcome.status === 'rejected')).toEqual([]);
    await expect(append(store)).rejects.toThrow('the event store is closed');
  });

  it("closes one client while another's appends are under way: every append is answered, nothing is thrown", async () => {
    for (let round = 0; round < 10; round++) {
      const closing = new EsdbEventStore({ connectionString: double.connectionString, streamPrefixes: ['test-'] });
      const writing = new EsdbEventStore({ connectionString: double.connectionString, streamPrefixes: ['test-'] });
      // Each client's batch-append stream open before the race.
      await Promise.all([append(closing), append(writing)]);
      const underWay = Array.from({ length: 20 }, () => append(writing));
      await closing.close();
      const answered = await Promise.allSettled(underWay);
      expect(answered.filter((outcome) => outcome.status === 'rejected')).toEqual([]);
      await writing.close();
    }
  });
});
