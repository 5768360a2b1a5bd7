import { randomUUID } from 'node:crypto';
import { type EventStore, InvalidAppend, type NewEvent, type RecordedEvent, WrongExpectedRevision } from '../event-store.port.js';
import { GENESIS_HASH, chainEvents } from '../hash-chain.js';
import { verifyHashChains } from '../verify-chains.js';

/**
 * What every event store adapter must do, as one jest suite. An adapter's
 * spec calls this with a factory giving a fresh, empty store.
 */
export function describeEventStoreContract(name: string, openStore: () => Promise<EventStore>): void {
  describe(`event store contract: ${name}`, () => {
    // Tests use streams named test-…; an adapter that filters by stream prefix must be given 'test-'.
    let store: EventStore;
    beforeEach(async () => {
      store = await openStore();
    });
    afterEach(async () => {
      await store.close();
    });

    const event = (type = 'Happened', data: unknown = { n: 1 }): NewEvent => ({
      id: randomUUID(),
      type,
      schemaVersion: 1,
      data,
      metadata: { correlationId: 'corr-1', causationId: 'cause-1', actor: 'tester' },
    });
    const stream = (): string => `test-${randomUUID()}`;

    it('appends to a new stream at revision 0 and reads the events back with their metadata', async () => {
      const id = stream();
      const first = event('ProjectSigned', { amount: '5.00', nested: { list: [1, 'two', null] } });
      const result = await store.appendToStream(id, [first, event()], { expectedRevision: 'no_stream' });
      expect(result.nextExpectedRevision).toBe(1);
      const read = await store.readStream(id);
      expect(read.map((e) => e.revision)).toEqual([0, 1]);
      expect(read[0]).toMatchObject({ id: first.id, streamId: id, type: 'ProjectSigned', schemaVersion: 1, data: first.data });
      expect(read[0].metadata).toMatchObject(first.metadata);
      expect(Number.isNaN(Date.parse(read[0].metadata.recordedAt))).toBe(false);
      expect(read[1].position).toBe(result.position);
      expect(read[0].position).toBeLessThan(read[1].position);
    });

    it("round-trips the writer's metadata exactly (writtenAt, hash, any other key), so hash chains verify on every store", async () => {
      const id = stream();
      const metadata = {
        correlationId: 'corr-2',
        causationId: 'cause-2',
        actor: 'auditor.zhang',
        writtenAt: '2024-05-07T08:00:00.000Z',
        source: 'import',
      };
      const events = chainEvents(id, 0, GENESIS_HASH, [
        { ...event('ProjectSigned', { amount: '30.00', nested: { b: 1, a: [null, 'x'] } }), metadata },
        { ...event('FundsDisbursed', { z: 'last', a: 'first' }), schemaVersion: 2, metadata },
      ]);
      await store.appendToStream(id, events, { expectedRevision: 'no_stream' });
      const read = await store.readStream(id);
      for (const [i, recorded] of read.entries()) {
        const { recordedAt: _recordedAt, ...rest } = recorded.metadata;
        expect(rest).toEqual(events[i].metadata);
        expect(recorded.schemaVersion).toBe(events[i].schemaVersion);
      }
      expect(await verifyHashChains(store, { streamId: id })).toMatchObject({ ok: true, streams: 1, events: 2, legacy: 0 });
    });

    it('reads an unknown stream as empty, and a stream from a revision on', async () => {
      expect(await store.readStream(stream())).toEqual([]);
      const id = stream();
      await store.appendToStream(id, [event(), event(), event()]);
      expect((await store.readStream(id, { fromRevision: 2 })).map((e) => e.revision)).toEqual([2]);
      expect((await store.readStream(id, { fromRevision: 1, maxCount: 1 })).map((e) => e.revision)).toEqual([1]);
      expect((await store.readStream(id, { maxCount: 2 })).map((e) => e.revision)).toEqual([0, 1]);
      expect(await store.readStream(id, { fromRevision: 3, maxCount: 5 })).toEqual([]);
    });

    it('enforces the expected revision: no_stream, stream_exists, exact and any', async () => {
      const id = stream();
      await expect(store.appendToStream(id, [event()], { expectedRevision: 'stream_exists' })).rejects.toBeInstanceOf(
        WrongExpectedRevision,
      );
      await expect(store.appendToStream(id, [event()], { expectedRevision: 3 })).rejects.toBeInstanceOf(WrongExpectedRevision);
      await store.appendToStream(id, [event()], { expectedRevision: 'no_stream' });
      await expect(store.appendToStream(id, [event()], { expectedRevision: 'no_stream' })).rejects.toMatchObject({ actual: 0 });
      await expect(store.appendToStream(id, [event()], { expectedRevision: 1 })).rejects.toBeInstanceOf(WrongExpectedRevision);
      await store.appendToStream(id, [event()], { expectedRevision: 0 });
      await store.appendToStream(id, [event()], { expectedRevision: 'stream_exists' });
      await store.appendToStream(id, [event()], { expectedRevision: 'any' });
      expect((await store.readStream(id)).length).toBe(4);
    });

    it('treats a repeated append of the same event ids as a retry and stores nothing twice', async () => {
      const id = stream();
      const events = [event(), event()];
      const first = await store.appendToStream(id, events, { expectedRevision: 'no_stream' });
      const again = await store.appendToStream(id, events, { expectedRevision: 'no_stream' });
      expect(again).toEqual(first);
      expect((await store.readStream(id)).length).toBe(2);
    });

    it('refuses malformed appends without storing anything', async () => {
      const id = stream();
      await expect(store.appendToStream(id, [])).rejects.toBeInstanceOf(InvalidAppend);
      await expect(store.appendToStream(id, [{ ...event(), id: 'not-a-uuid' }])).rejects.toBeInstanceOf(InvalidAppend);
      await expect(store.appendToStream('$system', [event()])).rejects.toBeInstanceOf(InvalidAppend);
      expect(await store.readStream(id)).toEqual([]);
    });

    it('reads all events in one global order that only grows, page by page', async () => {
      const a = stream();
      const b = stream();
      for (let i = 0; i < 5; i++) {
        await store.appendToStream(a, [event('A', { i })]);
        await store.appendToStream(b, [event('B', { i })]);
      }
      const all: RecordedEvent[] = [];
      let after = 0;
      for (;;) {
        const page = await store.readAll({ after, maxCount: 3 });
        if (page.length === 0) break;
        expect(page.length).toBeLessThanOrEqual(3);
        all.push(...page.filter((e) => e.streamId === a || e.streamId === b));
        after = page[page.length - 1].position;
      }
      expect(all.map((e) => `${e.type}${(e.data as { i: number }).i}`)).toEqual([
        'A0',
        'B0',
        'A1',
        'B1',
        'A2',
        'B2',
        'A3',
        'B3',
        'A4',
        'B4',
      ]);
      const positions = all.map((e) => e.position);
      expect([...positions].sort((x, y) => x - y)).toEqual(positions);
      expect(new Set(positions).size).toBe(positions.length);
      expect(await store.headPosition()).toBe(positions[positions.length - 1]);
    });

    it('subscribes: catches up, then delivers live appends in order, and resumes from a position', async () => {
      const id = stream();
      const start = (await store.appendToStream(stream(), [event('Marker')])).position;
      await store.appendToStream(id, [event('E', { i: 0 }), event('E', { i: 1 })]);
      const controller = new AbortController();
      const seen: RecordedEvent[] = [];
      const consumed = (async () => {
        for await (const batch of store.subscribeToAll({ after: start, signal: controller.signal, maxBatch: 2 })) {
          seen.push(...batch.filter((e) => e.streamId === id));
          if (seen.length >= 5) controller.abort();
        }
      })();
      await new Promise((r) => setTimeout(r, 50));
      await store.appendToStream(id, [event('E', { i: 2 })]);
      await store.appendToStream(id, [event('E', { i: 3 }), event('E', { i: 4 })]);
      await consumed;
      expect(seen.map((e) => (e.data as { i: number }).i)).toEqual([0, 1, 2, 3, 4]);

      const resumed: RecordedEvent[] = [];
      const again = new AbortController();
      for await (const batch of store.subscribeToAll({ after: seen[2].position, signal: again.signal })) {
        resumed.push(...batch.filter((e) => e.streamId === id));
        if (resumed.length >= 2) again.abort();
      }
      expect(resumed.map((e) => e.revision)).toEqual([3, 4]);
    });

    it('reads $all one event at a time without stalling, and delivers catch-up in batches of at most maxBatch', async () => {
      const start = (await store.appendToStream(stream(), [event('Marker')])).position;
      const id = stream();
      for (let i = 0; i < 10; i++) await store.appendToStream(id, [event('E', { i })]);
      const walked: number[] = [];
      let after = start;
      for (let page = await store.readAll({ after, maxCount: 1 }); page.length > 0; page = await store.readAll({ after, maxCount: 1 })) {
        expect(page).toHaveLength(1);
        if (page[0].streamId === id) walked.push((page[0].data as { i: number }).i);
        after = page[0].position;
      }
      expect(walked).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);

      const controller = new AbortController();
      const sizes: number[] = [];
      let delivered = 0;
      for await (const batch of store.subscribeToAll({ after: start, maxBatch: 3, signal: controller.signal })) {
        sizes.push(batch.length);
        delivered += batch.filter((e) => e.streamId === id).length;
        if (delivered >= 10) controller.abort();
      }
      expect(Math.max(...sizes)).toBeLessThanOrEqual(3);
      expect(Math.max(...sizes)).toBeGreaterThan(1);
    });

    it('stores a large event intact', async () => {
      const id = stream();
      const big = { text: 'paired assistance '.repeat(50_000), list: Array.from({ length: 5000 }, (_, i) => i) };
      await store.appendToStream(id, [event('Big', big)]);
      expect((await store.readStream(id))[0].data).toEqual(big);
    });

    it('keeps many streams apart', async () => {
      const ids = Array.from({ length: 200 }, stream);
      await Promise.all(
        ids.map((id, i) => store.appendToStream(id, [event('E', { i }), event('E', { i })], { expectedRevision: 'no_stream' })),
      );
      for (const [i, id] of ids.entries()) {
        const read = await store.readStream(id);
        expect(read.map((e) => [e.revision, (e.data as { i: number }).i])).toEqual([
          [0, i],
          [1, i],
        ]);
      }
    });

    it('lets exactly one of many concurrent appenders win each revision', async () => {
      const id = stream();
      await store.appendToStream(id, [event()]);
      const attempts = await Promise.allSettled(
        Array.from({ length: 20 }, () => store.appendToStream(id, [event()], { expectedRevision: 0 })),
      );
      expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
      for (const failed of attempts.filter((a) => a.status === 'rejected')) {
        expect((failed as PromiseRejectedResult).reason).toBeInstanceOf(WrongExpectedRevision);
      }
      expect((await store.readStream(id)).map((e) => e.revision)).toEqual([0, 1]);
    });

    it('serialises concurrent appenders that expect any revision into one gapless stream', async () => {
      const id = stream();
      await Promise.all(Array.from({ length: 50 }, (_, i) => store.appendToStream(id, [event('E', { i })], { expectedRevision: 'any' })));
      const read = await store.readStream(id);
      expect(read.map((e) => e.revision)).toEqual(Array.from({ length: 50 }, (_, i) => i));
      expect(new Set(read.map((e) => (e.data as { i: number }).i)).size).toBe(50);
    });
  });
}
