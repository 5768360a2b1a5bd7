import { jest } from '@jest/globals';
import { type Decision, append } from '#domain';
import { GENESIS_HASH, chainLink } from '#event-store';
import type { SqliteEventStore } from '#event-store/sqlite';
import { TemporarySqliteEventStore } from '#event-store/testing';
import type { LoadableStream } from './aggregate-loader.js';
import { CommandExecutor, type ContentionPolicy, DEFAULT_CONTENTION, StreamContended } from './command-executor.js';

interface Noted {
  readonly type: 'Noted';
  readonly data: { readonly noteId: string };
}

/** A stream of notes, its state the ids noted so far, loaded straight from the store (no cache). */
function notes(store: SqliteEventStore, streamId: string): LoadableStream<ReadonlySet<string>> {
  return {
    streamId,
    load: async () => {
      const events = await store.readStream(streamId);
      let head = GENESIS_HASH;
      for (const event of events) head = chainLink(event, head);
      const ids = new Set(events.map((event) => (event.data as Noted['data']).noteId));
      return { state: ids, revision: events.length - 1, head };
    },
    // Nothing cached: every attempt loads again.
    forget: () => undefined,
  };
}

/** Notes `noteId` once: a retry of a noted id appends nothing (the idempotency every ledger command has). */
const note =
  (noteId: string) =>
  (noted: ReadonlySet<string>): Decision<Noted> =>
    noted.has(noteId) ? { kind: 'replay', at: { revision: -1, position: -1 } } : append<Noted>({ type: 'Noted', data: { noteId } });

const context = (commandId: string, expectedRevision?: number) => ({
  correlationId: commandId,
  commandId,
  actor: 'spec',
  expectedRevision,
});
const fast: ContentionPolicy = { ...DEFAULT_CONTENTION, baseDelayMs: 1, maxDelayMs: 5 };

describe('CommandExecutor, when another writer wins the race for a stream', () => {
  let store: SqliteEventStore;
  let rival: CommandExecutor;
  const streamId = 'notes-1';
  beforeEach(async () => {
    store = new TemporarySqliteEventStore();
    // Another process, as far as the executor can tell: its own mutex, the same store.
    rival = new CommandExecutor(store, () => 1);
    await rival.execute({ type: 'Note' }, notes(store, streamId), note('first'), context('first'));
  });
  afterEach(() => store.close());

  /** A decision that lets the rival append to the stream first, `times` times: each of those appends then loses the race. */
  function losingFirst(times: number, noteId: string) {
    let decided = 0;
    const decide = async (noted: ReadonlySet<string>): Promise<Decision<Noted>> => {
      decided++;
      if (decided <= times) await rival.execute({ type: 'Note' }, notes(store, streamId), note(`rival-${decided}`), context(`r${decided}`));
      return note(noteId)(noted);
    };
    return { decide, decided: () => decided };
  }

  it('decides again on fresh state, after a pause, until its append lands: once, after the rivals', async () => {
    const executor = new CommandExecutor(store, () => 1, undefined, fast);
    const { decide, decided } = losingFirst(6, 'mine');
    const result = await executor.execute({ type: 'Note' }, notes(store, streamId), decide, context('mine'));
    expect(result).toMatchObject({ outcome: 'created', revision: 7 });
    expect(decided()).toBe(7);
    const stream = await store.readStream(streamId);
    expect(stream.map((event) => (event.data as Noted['data']).noteId)).toEqual([
      'first',
      ...[1, 2, 3, 4, 5, 6].map((i) => `rival-${i}`),
      'mine',
    ]);
  });

  it('gives up with StreamContended once the time budget is spent, having appended nothing', async () => {
    const executor = new CommandExecutor(store, () => 1, undefined, { ...fast, budgetMs: 60 });
    const { decide, decided } = losingFirst(Infinity, 'mine');
    const failure = await executor.execute({ type: 'Note' }, notes(store, streamId), decide, context('mine')).catch((error) => error);
    expect(failure).toBeInstanceOf(StreamContended);
    expect(failure).toMatchObject({ code: 'stream-contended', streamId, attempts: decided() });
    expect(decided()).toBeGreaterThan(1);
    const ids = (await store.readStream(streamId)).map((event) => (event.data as Noted['data']).noteId);
    expect(ids).not.toContain('mine');
    expect(ids).toHaveLength(1 + decided());
  });

  it('with If-Match, refuses on the first lost race (409 concurrent-modification): the client pinned that revision', async () => {
    const executor = new CommandExecutor(store, () => 1, undefined, fast);
    const { decide, decided } = losingFirst(1, 'mine');
    await expect(executor.execute({ type: 'Note' }, notes(store, streamId), decide, context('mine', 0))).rejects.toMatchObject({
      code: 'concurrent-modification',
    });
    expect(decided()).toBe(1);
  });

  it('pauses for a jittered, growing time between attempts, never more than maxDelayMs', async () => {
    const pauses: number[] = [];
    const realSetTimeout = globalThis.setTimeout;
    const spy = jest.spyOn(globalThis, 'setTimeout').mockImplementation(((fn: () => void, ms?: number) => {
      pauses.push(ms ?? 0);
      return realSetTimeout(fn, 0);
    }) as typeof setTimeout);
    try {
      const executor = new CommandExecutor(store, () => 1, undefined, { ...DEFAULT_CONTENTION, baseDelayMs: 4, maxDelayMs: 64 });
      const { decide } = losingFirst(40, 'mine');
      await executor.execute({ type: 'Note' }, notes(store, streamId), decide, context('mine'));
    } finally {
      spy.mockRestore();
    }
    expect(pauses).toHaveLength(40);
    pauses.forEach((ms, i) => expect(ms).toBeLessThanOrEqual(Math.min(64, 4 * 2 ** i)));
    // Jittered: not one fixed schedule (40 equal draws from a continuous range do not happen).
    expect(new Set(pauses.slice(5)).size).toBeGreaterThan(1);
    // Growing: the later pauses are longer on average than the first ones.
    const mean = (list: number[]) => list.reduce((a, b) => a + b, 0) / list.length;
    expect(mean(pauses.slice(20))).toBeGreaterThan(mean(pauses.slice(0, 3)));
  });
});
