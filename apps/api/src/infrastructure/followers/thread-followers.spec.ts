import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { writeCheckpoint } from '#background';
import { LEDGER_PROJECTION_NAME, openReadModelDb } from '#projections';
import { MerkleTreeStore, leafHash, openTreeDb } from '#transparency';
import type { FollowersThread } from './followers-thread.js';
import { ThreadProjectionFollower, ThreadTreeFollower } from './thread-followers.js';

/**
 * A followers thread that never reports: this process's own follower has nothing to tell (another process on the
 * DATA_DIR did the work, and its own follower, finding it done, stays quiet) or is slow to.
 */
const silentThread = {
  onProgress: () => undefined,
  start: () => undefined,
  stop: async () => undefined,
} as unknown as FollowersThread;

/**
 * The request thread's view of a follower that runs in the followers thread: it must also see what another process
 * wrote to the shared file while a reader waits, or a request waits out its whole budget for work already done.
 */
describe("the request thread's view of the followers, on files other processes write too", () => {
  let dir: string;
  const opened: Database.Database[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'thread-followers-'));
  });
  afterEach(() => {
    for (const db of opened.splice(0)) db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("a reader waiting for the tree is answered when another process's follower adds the events", async () => {
    const file = join(dir, 'merkle-tree.sqlite');
    const [ours, theirs] = [openTreeDb(file), openTreeDb(file)];
    opened.push(ours, theirs);
    const follower = new ThreadTreeFollower(silentThread, new MerkleTreeStore(ours));
    const waiting = follower.waitFor(7, 3000);
    setTimeout(() => {
      const leaves = [5, 6, 7].map((position) => ({ position, eventId: `event-${position}`, leaf: Buffer.from([position]) }));
      new MerkleTreeStore(theirs).append(leaves, 7);
    }, 100);
    await expect(waiting).resolves.toBe(true);
    expect(follower.position).toBe(7);
    expect(new MerkleTreeStore(ours).leaf(2)?.hash).toEqual(leafHash(Buffer.from([7])));
  });

  it("a reader waiting for the read models is answered when another process's runner applies the events", async () => {
    const file = join(dir, 'read-models.sqlite');
    const [ours, theirs] = [openReadModelDb(file), openReadModelDb(file)];
    opened.push(ours, theirs);
    const follower = new ThreadProjectionFollower(silentThread, ours);
    const waiting = follower.waitFor(12, 3000);
    setTimeout(() => writeCheckpoint(theirs, LEDGER_PROJECTION_NAME, 12), 100);
    await expect(waiting).resolves.toBe(true);
    expect(follower.position).toBe(12);
  });

  it('a reader still waits while the shared file has not reached its position, and is told false at its timeout', async () => {
    const file = join(dir, 'merkle-tree.sqlite');
    const [ours, theirs] = [openTreeDb(file), openTreeDb(file)];
    opened.push(ours, theirs);
    const follower = new ThreadTreeFollower(silentThread, new MerkleTreeStore(ours));
    new MerkleTreeStore(theirs).append([{ position: 3, eventId: 'event-3', leaf: Buffer.from([3]) }], 3);
    await expect(follower.waitFor(4, 300)).resolves.toBe(false);
    expect(follower.position).toBe(3);
  });
});
