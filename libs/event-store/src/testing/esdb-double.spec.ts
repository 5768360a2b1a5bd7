import { BACKWARDS, END, EventStoreDBClient, FORWARDS, jsonEvent } from '@eventstore/db-client';
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
});
