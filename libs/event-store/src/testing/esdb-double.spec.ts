import {
  ANY,
  BACKWARDS,
  DeadlineExceededError,
  END,
  KurrentDBClient,
  MaxAppendSizeExceededError,
  NO_STREAM,
  type Position,
  StreamDeletedError,
  START,
  StreamNotFoundError,
  WrongExpectedVersionError,
  jsonEvent,
  streamNameFilter,
} from '@kurrent/kurrentdb-client';
import { EsdbDouble } from './esdb-double.js';

/**
 * The double driven by the official client, answering as KurrentDB 24.10
 * does (its source and the client's own tests at v6.2.1 are the reference).
 */
describe.each([
  ['BatchAppend, as a current server', true],
  ['Append, as an older server', false],
] as const)('EventStoreDB test double (%s)', (_, serverFeatures) => {
  let double: EsdbDouble;
  let client: KurrentDBClient;
  beforeEach(async () => {
    double = await EsdbDouble.start({ serverFeatures });
    client = KurrentDBClient.connectionString(double.connectionString);
  });
  afterEach(async () => {
    await client.dispose();
    await double.stop();
  });

  const event = (i: number, id: string = crypto.randomUUID()) => jsonEvent({ id, type: 'E', data: { i } });
  const numbers = async (read: AsyncIterable<{ event?: { data: unknown } }>) => {
    const seen: number[] = [];
    for await (const resolved of read) seen.push((resolved.event?.data as { i: number }).i);
    return seen;
  };

  describe('stream reads', () => {
    beforeEach(async () => {
      await client.appendToStream(
        's',
        [0, 1, 2, 3].map((i) => event(i)),
      );
    });

    it('read backwards from END: the last event first', async () => {
      expect(await numbers(client.readStream('s', { direction: BACKWARDS, fromRevision: END, maxCount: 1 }))).toEqual([3]);
      expect(await numbers(client.readStream('s', { direction: BACKWARDS, fromRevision: END }))).toEqual([3, 2, 1, 0]);
    });

    it('read backwards from a revision: that event and the ones before it', async () => {
      expect(await numbers(client.readStream('s', { direction: BACKWARDS, fromRevision: 2n, maxCount: 2 }))).toEqual([2, 1]);
    });

    // Not asked here: forwards from END. @kurrent/kurrentdb-client 1.3.1 reads streams through its Rust bridge, which
    // sends that request as a backwards read (every event came back, last first); the adapter never makes it.
  });

  describe('repeated appends (idempotency, IndexWriter.CheckCommit)', () => {
    const [a, b, c, d] = [0, 1, 2, 3].map(() => crypto.randomUUID());
    beforeEach(async () => {
      await client.appendToStream('s', [event(0, a), event(1, b), event(2, c)], { streamState: NO_STREAM });
    });

    it('the same ids at the same revisions: the original result, nothing written', async () => {
      const again = await client.appendToStream('s', [event(0, a), event(1, b)], { streamState: NO_STREAM });
      expect(again.nextExpectedRevision).toBe(1n);
      expect(await numbers(client.readStream('s'))).toEqual([0, 1, 2]);
    });

    it.each([
      ['an exact revision', NO_STREAM],
      ['any', ANY],
    ] as const)('some ids written and some new, under %s: WrongExpectedVersion with the current revision', async (_, expectedRevision) => {
      const partly = client.appendToStream('s', [event(0, a), event(3, d)], { streamState: expectedRevision });
      await expect(partly).rejects.toBeInstanceOf(WrongExpectedVersionError);
      await expect(partly).rejects.toMatchObject({ actualState: 2n });
      expect(await numbers(client.readStream('s'))).toEqual([0, 1, 2]);
    });

    it('under any, ids all present but not consecutive: a repeat, answered with the last one', async () => {
      const again = await client.appendToStream('s', [event(0, a), event(2, c)], { streamState: ANY });
      expect(again.nextExpectedRevision).toBe(2n);
      expect(await numbers(client.readStream('s'))).toEqual([0, 1, 2]);
    });

    it('under any, a first id not yet written: the whole append is written', async () => {
      await client.appendToStream('s', [event(3, d), event(0, a)], { streamState: ANY });
      expect(await numbers(client.readStream('s'))).toEqual([0, 1, 2, 3, 0]);
    });
  });

  describe('the append size limit (MaxAppendSize, 1 MiB by default)', () => {
    it('refuses an append whose data is larger, writing nothing', async () => {
      const large = jsonEvent({ type: 'E', data: { text: 'x'.repeat(1024 * 1024) } });
      const refused = client.appendToStream('s', [large]);
      await expect(refused).rejects.toBeInstanceOf(MaxAppendSizeExceededError);
      await expect(refused).rejects.toMatchObject({ maxAppendSize: 1024 * 1024 });
      await expect(numbers(client.readStream('s'))).rejects.toBeInstanceOf(StreamNotFoundError);
    });

    it('counts the whole append, not each event', async () => {
      const half = () => jsonEvent({ type: 'E', data: { text: 'x'.repeat(600 * 1024) } });
      await client.appendToStream('s', [half()]);
      await expect(client.appendToStream('s', [half(), half()])).rejects.toBeInstanceOf(MaxAppendSizeExceededError);
    });
  });

  describe('subscriptions', () => {
    /** Collects a subscription's events and what it says of itself until `done` says stop. */
    async function follow(
      subscription: AsyncIterable<{ event?: { streamId: string; data: unknown; position?: Position } }> & {
        on(name: 'caughtUp', listener: () => void): unknown;
        unsubscribe(): Promise<void>;
      },
      done: (seen: (number | 'caughtUp')[]) => boolean,
      whenCaughtUp: () => Promise<unknown> = async () => undefined,
    ): Promise<(number | 'caughtUp')[]> {
      const seen: (number | 'caughtUp')[] = [];
      subscription.on('caughtUp', () => {
        seen.push('caughtUp');
        void whenCaughtUp();
      });
      for await (const resolved of subscription) {
        if (resolved.event?.streamId.startsWith('$')) continue;
        seen.push((resolved.event?.data as { i: number }).i);
        if (done(seen)) break;
      }
      await subscription.unsubscribe();
      return seen;
    }

    it('$all: the existing events, caughtUp, then live events', async () => {
      await client.appendToStream('s', [event(0), event(1)]);
      const seen = await follow(
        client.subscribeToAll({ fromPosition: START }),
        (seen) => seen.includes(2),
        () => client.appendToStream('s', [event(2)]),
      );
      expect(seen).toEqual([0, 1, 'caughtUp', 2]);
    });

    it('a filtered $all subscription reaches checkpoints: one when it catches up, at the last event it sent', async () => {
      await client.appendToStream('s', [event(0), event(1)]);
      const last = (await client.appendToStream('other', [event(9)])).position;
      const checkpoints: bigint[] = [];
      const subscription = client.subscribeToAll({
        fromPosition: START,
        filter: streamNameFilter({ prefixes: ['s'], checkpointReached: (_, position) => void checkpoints.push(position.commit) }),
      });
      subscription.on('data', () => undefined);
      await new Promise((resolve) => subscription.on('caughtUp', resolve));
      await subscription.unsubscribe();
      expect(checkpoints).toHaveLength(1);
      const sent = await client.readStream('s', { direction: BACKWARDS, fromRevision: END, maxCount: 1 });
      for await (const resolved of sent) expect(checkpoints[0]).toBe(resolved.event?.position?.commit);
      expect(checkpoints[0]).toBeLessThan(last?.commit ?? 0n);
    });

    it('a stream subscription: the events of the stream, caughtUp, then its live events (and no other stream)', async () => {
      await client.appendToStream('s', [event(0), event(1)]);
      const seen = await follow(
        client.subscribeToStream('s', { fromRevision: START }),
        (seen) => seen.includes(3),
        async () => {
          await client.appendToStream('other', [event(2)]);
          await client.appendToStream('s', [event(3)]);
        },
      );
      expect(seen).toEqual([0, 1, 'caughtUp', 3]);
    });

    it('a stream subscription from a revision starts after it', async () => {
      await client.appendToStream('s', [event(0), event(1), event(2)]);
      const seen = await follow(client.subscribeToStream('s', { fromRevision: 0n }), (seen) => seen.includes(2));
      expect(seen).toEqual([1, 2]);
    });
  });

  describe('deleted streams', () => {
    beforeEach(async () => {
      await client.appendToStream('s', [event(0), event(1)]);
    });

    it('a tombstoned stream: reads and appends fail with StreamDeleted, and $all holds its $streamDeleted event', async () => {
      await client.tombstoneStream('s', { expectedRevision: 1n });
      await expect(numbers(client.readStream('s'))).rejects.toBeInstanceOf(StreamDeletedError);
      await expect(client.appendToStream('s', [event(2)])).rejects.toBeInstanceOf(StreamDeletedError);
      await expect(client.appendToStream('s', [event(2)], { streamState: NO_STREAM })).rejects.toBeInstanceOf(StreamDeletedError);
      await expect(client.tombstoneStream('s')).rejects.toBeInstanceOf(StreamDeletedError);
      const types: string[] = [];
      for await (const resolved of client.readAll()) if (resolved.event?.streamId === 's') types.push(resolved.event.type);
      expect(types).toEqual(['E', 'E', '$streamDeleted']);
    });

    it('a stream subscription to a tombstoned stream fails with StreamDeleted', async () => {
      await client.tombstoneStream('s');
      await expect(numbers(client.subscribeToStream('s'))).rejects.toBeInstanceOf(StreamDeletedError);
    });

    it('a tombstone or delete expecting another revision: WrongExpectedVersion, nothing deleted', async () => {
      await expect(client.tombstoneStream('s', { expectedRevision: 0n })).rejects.toBeInstanceOf(WrongExpectedVersionError);
      await expect(client.deleteStream('s', { expectedRevision: NO_STREAM })).rejects.toBeInstanceOf(WrongExpectedVersionError);
      expect(await numbers(client.readStream('s'))).toEqual([0, 1]);
    });

    it('a (soft) deleted stream reads as not found, and an append recreates it, its revisions going on', async () => {
      await client.deleteStream('s');
      await expect(numbers(client.readStream('s'))).rejects.toBeInstanceOf(StreamNotFoundError);
      const recreated = await client.appendToStream('s', [event(2)], { streamState: NO_STREAM });
      expect(recreated.nextExpectedRevision).toBe(2n);
      expect(await numbers(client.readStream('s'))).toEqual([2]);
      expect(await numbers(client.readStream('s', { fromRevision: 2n }))).toEqual([2]);
      expect(await numbers(client.readStream('s', { direction: BACKWARDS, fromRevision: END }))).toEqual([2]);
    });
  });
});

describe('EventStoreDB test double, BatchAppend', () => {
  it('answers an append whose deadline has passed with Timeout, writing nothing', async () => {
    const double = await EsdbDouble.start();
    const client = KurrentDBClient.connectionString(double.connectionString);
    await expect(client.appendToStream('s', [jsonEvent({ type: 'E', data: {} })], { deadline: -1000 })).rejects.toBeInstanceOf(
      DeadlineExceededError,
    );
    await client.appendToStream('s', [jsonEvent({ type: 'E', data: {} })], { streamState: NO_STREAM });
    await client.dispose();
    await double.stop();
  });
});
