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

/** A followers thread whose reports the test sends itself: `report(position)` as if the thread's follower said so. */
function reportingThread(): { thread: FollowersThread; report: (position: number) => void } {
  let listener: ((position: number | null, lastError: string | null) => void) | undefined;
  const thread = {
    onProgress: (_follower: string, heard: typeof listener) => (listener = heard),
    start: () => undefined,
    stop: async () => undefined,
  } as unknown as FollowersThread;
  return { thread, report: (position) => listener?.(position, null) };
}

/**
 * The request thread's view of a follower that runs in the followers thread: it must also see what another process
 * wrote to the shared file while a reader waits, or a request waits out its whole budget for work already done.
 */
describe("the request thread's view of the followers, on files other processes write too", () => {
  let dir: string;
  const opened: Database.Database[] = [];
  let later: NodeJS.Timeout | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'thread-followers-'));
  });
  afterEach(() => {
    clearTimeout(later);
    for (const db of opened.splice(0)) db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("a reader waiting for the tree is answered when another process's follower adds the events", async () => {
    const file = join(dir, 'merkle-tree.sqlite');
    const [ours, theirs] = [openTreeDb(file), openTreeDb(file)];
    opened.push(ours, theirs);
    const follower = new ThreadTreeFollower(silentThread, new MerkleTreeStore(ours));
    const waiting = follower.waitFor(7, 3000);
    later = setTimeout(() => {
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
    later = setTimeout(() => writeCheckpoint(theirs, LEDGER_PROJECTION_NAME, 12), 100);
    await expect(waiting).resolves.toBe(true);
    expect(follower.position).toBe(12);
  });

  it("takes no older news from the thread for the tree than the file showed; the read models' may go back (a rebuild)", async () => {
    const tree = join(dir, 'merkle-tree.sqlite');
    const [ours, theirs] = [openTreeDb(tree), openTreeDb(tree)];
    const models = openReadModelDb(join(dir, 'read-models.sqlite'));
    opened.push(ours, theirs, models);
    const treeThread = reportingThread();
    const follower = new ThreadTreeFollower(treeThread.thread, new MerkleTreeStore(ours));
    new MerkleTreeStore(theirs).append([{ position: 7, eventId: 'event-7', leaf: Buffer.from([7]) }], 7);
    await expect(follower.waitFor(7, 1000)).resolves.toBe(true);
    // A report the thread read before the other process's batch, delivered after the look at the file.
    treeThread.report(5);
    expect(follower.position).toBe(7);
    treeThread.report(9);
    expect(follower.position).toBe(9);

    const modelsThread = reportingThread();
    writeCheckpoint(models, LEDGER_PROJECTION_NAME, 12);
    const projection = new ThreadProjectionFollower(modelsThread.thread, models);
    expect(projection.position).toBe(12);
    modelsThread.report(4);
    expect(projection.position).toBe(4);
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
