import {
  ANY,
  BACKWARDS,
  DeadlineExceededError,
  END,
  EventStoreDBClient,
  FORWARDS,
  MaxAppendSizeExceededError,
  NO_STREAM,
  StreamNotFoundError,
  WrongExpectedVersionError,
  jsonEvent,
} from '@eventstore/db-client';
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
  let client: EventStoreDBClient;
  beforeEach(async () => {
    double = await EsdbDouble.start({ serverFeatures });
    client = EventStoreDBClient.connectionString(double.connectionString);
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

    it('read forwards from END: nothing', async () => {
      expect(await numbers(client.readStream('s', { direction: FORWARDS, fromRevision: END }))).toEqual([]);
    });
  });

  describe('repeated appends (idempotency, IndexWriter.CheckCommit)', () => {
    const [a, b, c, d] = [0, 1, 2, 3].map(() => crypto.randomUUID());
    beforeEach(async () => {
      await client.appendToStream('s', [event(0, a), event(1, b), event(2, c)], { expectedRevision: NO_STREAM });
    });

    it('the same ids at the same revisions: the original result, nothing written', async () => {
      const again = await client.appendToStream('s', [event(0, a), event(1, b)], { expectedRevision: NO_STREAM });
      expect(again.nextExpectedRevision).toBe(1n);
      expect(await numbers(client.readStream('s'))).toEqual([0, 1, 2]);
    });

    it.each([
      ['an exact revision', NO_STREAM],
      ['any', ANY],
    ] as const)('some ids written and some new, under %s: WrongExpectedVersion with the current revision', async (_, expectedRevision) => {
      const partly = client.appendToStream('s', [event(0, a), event(3, d)], { expectedRevision });
      await expect(partly).rejects.toBeInstanceOf(WrongExpectedVersionError);
      await expect(partly).rejects.toMatchObject({ actualVersion: 2n });
      expect(await numbers(client.readStream('s'))).toEqual([0, 1, 2]);
    });

    it('under any, ids all present but not consecutive: a repeat, answered with the last one', async () => {
      const again = await client.appendToStream('s', [event(0, a), event(2, c)], { expectedRevision: ANY });
      expect(again.nextExpectedRevision).toBe(2n);
      expect(await numbers(client.readStream('s'))).toEqual([0, 1, 2]);
    });

    it('under any, a first id not yet written: the whole append is written', async () => {
      await client.appendToStream('s', [event(3, d), event(0, a)], { expectedRevision: ANY });
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
});

describe('EventStoreDB test double, BatchAppend', () => {
  it('answers an append whose deadline has passed with Timeout, writing nothing', async () => {
    const double = await EsdbDouble.start();
    const client = EventStoreDBClient.connectionString(double.connectionString);
    await expect(client.appendToStream('s', [jsonEvent({ type: 'E', data: {} })], { deadline: -1000 })).rejects.toBeInstanceOf(
      DeadlineExceededError,
    );
    await client.appendToStream('s', [jsonEvent({ type: 'E', data: {} })], { expectedRevision: NO_STREAM });
    await client.dispose();
    await double.stop();
  });
});
