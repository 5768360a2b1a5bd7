import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { describeEventStoreContract } from '../testing/event-store.contract.js';
import { AppendOutcomeUnknown, DuplicateEventId, WrongExpectedRevision } from '../event-store.port.js';
import { SqliteEventStore } from './sqlite-event-store.js';

const dirs: string[] = [];
function tempFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-store-'));
  dirs.push(dir);
  return join(dir, 'events.sqlite');
}
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describeEventStoreContract('embedded SQLite', async () => new SqliteEventStore(tempFile()));

describe('embedded SQLite store', () => {
  const meta = { correlationId: 'c', causationId: 'c', actor: 'a' };
  const event = () => ({ id: randomUUID(), type: 'E', schemaVersion: 1, data: {}, metadata: meta });

  it('refuses an event id already stored in another stream', async () => {
    const store = new SqliteEventStore(tempFile());
    const reused = event();
    await store.appendToStream('test-a', [reused]);
    await expect(store.appendToStream('test-b', [reused])).rejects.toBeInstanceOf(DuplicateEventId);
    await store.close();
  });

  it('keeps every acknowledged append across a reopen of the file', async () => {
    const file = tempFile();
    const store = new SqliteEventStore(file);
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        store.appendToStream(`s-${i % 3}`, [{ id: randomUUID(), type: 'E', schemaVersion: 1, data: { i }, metadata: meta }]),
      ),
    );
    await store.close();
    const reopened = new SqliteEventStore(file);
    expect(await reopened.headPosition()).toBe(Math.max(...results.map((r) => r.position)));
    expect((await reopened.readAll({ maxCount: 100 })).length).toBe(30);
    await reopened.close();
  });

  it('sees appends made through another connection to the same file', async () => {
    const file = tempFile();
    const reader = new SqliteEventStore(file);
    const writer = new SqliteEventStore(file);
    const controller = new AbortController();
    const seen = (async () => {
      for await (const batch of reader.subscribeToAll({ signal: controller.signal })) {
        controller.abort();
        return batch;
      }
    })();
    await writer.appendToStream('s', [{ id: randomUUID(), type: 'E', schemaVersion: 1, data: {}, metadata: meta }]);
    expect((await seen)?.map((e) => e.streamId)).toEqual(['s']);
    await writer.close();
    await reader.close();
  });

  // Another process's commit wakes a waiting subscription (PRAGMA data_version), each time: there is no timed re-read to fall back on.
  it('wakes a waiting subscription for every commit made through another connection, one after another', async () => {
    const file = tempFile();
    const reader = new SqliteEventStore(file);
    const writer = new SqliteEventStore(file);
    const controller = new AbortController();
    const delivered: string[] = [];
    let arrived: () => void = () => undefined;
    const following = (async () => {
      for await (const batch of reader.subscribeToAll({ signal: controller.signal })) {
        delivered.push(...batch.map((e) => e.streamId));
        arrived();
      }
    })();
    for (const streamId of ['s-1', 's-2', 's-3']) {
      const next = new Promise<void>((resolve) => (arrived = resolve));
      // Let the subscription reach its wait before the commit.
      await new Promise((resolve) => setTimeout(resolve, 30));
      await writer.appendToStream(streamId, [event()]);
      await next;
    }
    expect(delivered).toEqual(['s-1', 's-2', 's-3']);
    controller.abort();
    await following;
    await writer.close();
    await reader.close();
  });

  it('keeps the event loop turning while the writer thread waits for the file and writes a large group commit', async () => {
    const file = tempFile();
    const store = new SqliteEventStore(file);
    await store.appendToStream('warm-up', [event()]);
    // Another process's transaction holds the write lock: the writer thread waits, as it would on a slow fsync.
    const other = new Database(file);
    other.exec('BEGIN IMMEDIATE');
    const log: string[] = [];
    const large = { note: 'x'.repeat(2000) };
    const appends = Array.from({ length: 300 }, (_, i) =>
      store.appendToStream(`large-${i}`, [{ ...event(), data: { ...large, i } }], { expectedRevision: 'no_stream' }),
    );
    const settled = Promise.all(appends).then(() => log.push('appended'));
    for (let turn = 0; turn < 20; turn++) await nextTurn();
    log.push(`read ${(await store.readAll({ maxCount: 1000 })).length} while the commit waits`);
    other.exec('COMMIT');
    other.close();
    log.push('lock released');
    await settled;
    expect(log).toEqual(['read 1 while the commit waits', 'lock released', 'appended']);
    expect((await store.readAll({ maxCount: 1000 })).length).toBe(301);
    await store.close();
  });

  it('reads a long stream a slice at a time, giving the event loop a turn between slices', async () => {
    const store = new SqliteEventStore(tempFile());
    for (let i = 0; i < 5; i++)
      await store.appendToStream(
        'long',
        Array.from({ length: 1000 }, () => event()),
      );
    const log: string[] = [];
    const read = store.readStream('long').then((events) => log.push(`read ${events.length}`));
    setImmediate(() => log.push('turn'));
    await read;
    expect(log).toEqual(['turn', 'read 5000']);
    const all = store.readAll({ maxCount: 4500 }).then((events) => log.push(`read all ${events.length}`));
    setImmediate(() => log.push('turn'));
    await all;
    expect(log.slice(2)).toEqual(['turn', 'read all 4500']);
    await store.close();
  });

  it('fails the appends a dead writer thread held with a clear error, then writes again on a new thread', async () => {
    const store = new SqliteEventStore(tempFile());
    await store.appendToStream('before', [event()]);
    const thread = store.writer.running();
    expect(thread).toBeDefined();
    const lost = [event()];
    const held = store.appendToStream('held', lost, { expectedRevision: 'no_stream' });
    await thread!.terminate();
    await expect(held).rejects.toBeInstanceOf(AppendOutcomeUnknown);
    await expect(held).rejects.toThrow(/writer thread.*may or may not be stored; repeating it with the same event ids is safe/);
    // The store did not hang on the dead thread: the retry of the same ids and a new append are written by a new one.
    expect(await store.appendToStream('held', lost)).toMatchObject({ nextExpectedRevision: 0 });
    expect(await store.appendToStream('after', [event()])).toMatchObject({ nextExpectedRevision: 0 });
    expect(store.writer.running()).not.toBe(thread);
    expect((await store.readAll()).map((e) => e.streamId)).toEqual(['before', 'held', 'after']);
    await store.close();
  });

  it('keeps the error classes of refused appends across the thread boundary', async () => {
    const store = new SqliteEventStore(tempFile());
    await store.appendToStream('s', [event()]);
    await expect(store.appendToStream('s', [event()], { expectedRevision: 'no_stream' })).rejects.toMatchObject(
      new WrongExpectedRevision('s', 'no_stream', 0),
    );
    await expect(store.appendToStream('s', [event()], { expectedRevision: 'no_stream' })).rejects.toBeInstanceOf(WrongExpectedRevision);
    await store.close();
    await expect(store.appendToStream('s', [event()])).rejects.toThrow('the event store is closed');
  });
});
