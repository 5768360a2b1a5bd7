import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeEventStoreContract } from '../testing/event-store.contract.js';
import { DuplicateEventId } from '../event-store.port.js';
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
});
