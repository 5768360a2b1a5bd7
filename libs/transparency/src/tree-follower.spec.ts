import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { SqliteEventStore } from '#event-store/sqlite';
import { leafOfRecorded } from './leaf.js';
import { TreeFollower } from './tree-follower.js';
import { MerkleTreeStore, openTreeDb } from './tree-store.js';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what: string, holds: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!holds()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await pause(10);
  }
}

/**
 * The tree's file is shared by every process on a DATA_DIR, each with its own follower: whichever adds a batch
 * first, the others skip it. These tests put a second connection to the file (another process) beside a follower.
 */
describe('the Merkle tree follower beside another process on the same tree file', () => {
  let dir: string;
  let store: SqliteEventStore;
  let ours: Database.Database;
  let theirs: Database.Database;
  let follower: TreeFollower;
  /** Every position the follower reported, in order (what the followers thread tells the request thread). */
  let reported: number[];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tree-follower-'));
    store = new SqliteEventStore(join(dir, 'events.sqlite'));
    ours = openTreeDb(join(dir, 'merkle-tree.sqlite'));
    theirs = openTreeDb(join(dir, 'merkle-tree.sqlite'));
    const { privateKey } = generateKeyPairSync('ed25519');
    follower = new TreeFollower(store, new MerkleTreeStore(ours), () => true, privateKey, { everyEvents: 1000, everyMs: 600_000 });
    reported = [];
    follower.onProgress((position) => reported.push(position));
  });
  afterEach(async () => {
    await follower.stop();
    await store.close();
    ours.close();
    if (theirs.inTransaction) theirs.exec('ROLLBACK');
    theirs.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const appendEvents = async (count: number) => {
    const metadata = { correlationId: randomUUID(), causationId: randomUUID(), actor: 'test' };
    const events = Array.from({ length: count }, (_, i) => ({ id: randomUUID(), type: 'Noted', schemaVersion: 1, data: { i }, metadata }));
    return (await store.appendToStream(`note-${randomUUID()}`, events)).position;
  };

  it('tells how far the tree is when the other process added the batch while this one waited for the lock', async () => {
    follower.start();
    const first = await appendEvents(3);
    await until('the first batch', () => reported.at(-1) === first);

    // The other process takes the file's write lock; this follower's next batch is refused (busy) and retried.
    theirs.exec('BEGIN IMMEDIATE');
    const second = await appendEvents(2);
    await pause(300);
    expect(follower.position).toBe(first);
    // …and it adds that same batch itself before it lets go.
    const batch = await store.readAll({ after: first });
    new MerkleTreeStore(theirs).append(
      batch.map((event) => ({ position: event.position, eventId: event.id, leaf: leafOfRecorded(event) })),
      second,
    );
    theirs.exec('COMMIT');

    // This follower now finds nothing more to add; it must still say the tree has reached the position, or a
    // request waiting for it (POST /audit/tree-heads) times out with the work done.
    await until('the follower to report the position the other process reached', () => reported.at(-1) === second);
    await expect(follower.waitFor(second, 1000)).resolves.toBe(true);
    expect(follower.tree.size()).toBe(5);
  });
});
