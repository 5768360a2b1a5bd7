import type Database from 'better-sqlite3';
import { PositionWaiters, readCheckpoint } from '#background';
import { LEDGER_PROJECTION_NAME, ParkingLot, ProjectionFollower, type RebuildStatus, type ShadowRebuilds } from '#projections';
import type { MerkleTreeStore, SignedTreeHead } from '#transparency';
import type { FollowersThread } from './followers-thread.js';
import type { FollowerName } from './followers.protocol.js';

/**
 * While a reader waits for a position, how often the follower's checkpoint in its shared file is looked
 * at: another process on the same DATA_DIR may have got there already (one indexed row read), and this
 * process's own follower, finding the work done, may have nothing new to tell. Its own news comes at once.
 */
const WAITING_READERS_POLL_MS = 2;

/**
 * How far one follower in the followers thread has got, as the thread tells it or as its file shows (the file is
 * shared by every process on the DATA_DIR), and the readers waiting for it.
 */
class ReportedProgress {
  position: number;
  lastError: string | null = null;
  readonly waiters: PositionWaiters;
  private watch: NodeJS.Timeout | null = null;

  constructor(
    private readonly thread: FollowersThread,
    private readonly follower: FollowerName,
    /** The checkpoint as stored in the follower's file, read with this thread's connection. */
    private readonly stored: () => number,
    /**
     * Whether the thread's word may move the position back: the read models' may (a rebuild swapped in an earlier
     * checkpoint); the tree's never does, so a report read before a look at the file and delivered after it is old news.
     */
    movesBack: boolean,
  ) {
    this.position = stored();
    this.waiters = new PositionWaiters((waiting) => this.watchStored(waiting));
    thread.onProgress(follower, (position, lastError) => {
      this.lastError = lastError;
      if (position === null) return;
      if (position < this.position && !movesBack) return;
      this.position = position;
      this.waiters.advance(position);
    });
  }

  /** Takes up the stored checkpoint if it is ahead (another process, or news not yet delivered). */
  takeUpStored(): void {
    let stored: number;
    try {
      stored = this.stored();
    } catch {
      // The file cannot be read just now (closed at shutdown): the waiters' own timeouts still answer them.
      return;
    }
    if (stored <= this.position) return;
    this.position = stored;
    this.waiters.advance(stored);
  }

  wait(position: number, timeoutMs: number): Promise<boolean> {
    if (this.position < position) this.takeUpStored();
    return this.position >= position ? Promise.resolve(true) : this.waiters.wait(position, timeoutMs);
  }

  private watchStored(waiting: boolean): void {
    if (waiting) this.watch ??= setInterval(() => this.takeUpStored(), WAITING_READERS_POLL_MS);
    else if (this.watch) {
      clearInterval(this.watch);
      this.watch = null;
    }
  }

  start(): void {
    this.thread.start(this.follower);
  }

  async stop(): Promise<void> {
    await this.thread.stop(this.follower);
    this.waiters.releaseAll();
  }
}

/**
 * The projection runner as the request thread sees it: it runs in the followers thread; here are how
 * far it has got (told by the thread, or read from the shared file when another process got there
 * first), its parked events (read from the file) and the readers waiting for a position.
 */
export class ThreadProjectionFollower extends ProjectionFollower {
  readonly name = LEDGER_PROJECTION_NAME;
  readonly parking: ParkingLot;
  private readonly progress: ReportedProgress;

  constructor(
    private readonly thread: FollowersThread,
    /** A connection to the read-model file (this thread reads the checkpoint and the parked events with it). */
    db: Database.Database,
  ) {
    super();
    this.parking = new ParkingLot(db, this.name);
    this.progress = new ReportedProgress(thread, 'projections', () => readCheckpoint(db, this.name), true);
  }

  get position(): number {
    return this.progress.position;
  }

  get lastError(): string | null {
    return this.progress.lastError;
  }

  start(): void {
    this.progress.start();
  }

  stop(): Promise<void> {
    return this.progress.stop();
  }

  refresh(): void {
    this.thread.refresh();
    this.progress.takeUpStored();
  }

  waitFor(position: number, timeoutMs: number): Promise<boolean> {
    return this.progress.wait(position, timeoutMs);
  }
}

/** The Merkle tree's follower as the request thread sees it: it runs in the followers thread, which also signs heads. */
export class ThreadTreeFollower {
  private readonly progress: ReportedProgress;

  constructor(
    private readonly thread: FollowersThread,
    /** The tree's file, read in this thread (proofs, heads); written by the followers thread (and other processes on the DATA_DIR). */
    private readonly tree: MerkleTreeStore,
  ) {
    this.progress = new ReportedProgress(thread, 'tree', () => tree.checkpoint(), false);
  }

  /** The log position the tree reflects. */
  get position(): number {
    return this.progress.position;
  }

  /** The last failure adding events to the tree (null once a batch is added). */
  get lastError(): string | null {
    return this.progress.lastError;
  }

  start(): void {
    this.progress.start();
  }

  stop(): Promise<void> {
    return this.progress.stop();
  }

  /** Resolves true once the tree reflects the log up to `position`, false if `timeoutMs` passes first. */
  waitFor(position: number, timeoutMs: number): Promise<boolean> {
    return this.progress.wait(position, timeoutMs);
  }

  /** The signed head of the tree of `treeSize` leaves (default: all it holds): the stored one, or one signed now. */
  async signHead(treeSize?: number): Promise<SignedTreeHead> {
    const existing = treeSize === undefined ? null : this.tree.head(treeSize);
    return existing ?? this.thread.signHead(treeSize);
  }
}

/**
 * Blue/green rebuilds of the read models, run in the followers thread beside the live projection (LocalRebuilds
 * there): the request thread only asks for one and hears when it ends. A rebuild reads and folds every event of the
 * log; on this thread it took the thread's time for all of it, and its connection waited here for the other thread's
 * write lock.
 */
export class ThreadRebuilds implements ShadowRebuilds {
  private started = false;

  constructor(private readonly thread: FollowersThread) {
    thread.onRebuildEnded(() => {
      this.started = false;
    });
  }

  get running(): boolean {
    return this.started;
  }

  async start(): Promise<RebuildStatus> {
    // At once, so that a second request in the same turn is refused.
    this.started = true;
    try {
      return await this.thread.rebuild();
    } catch (error) {
      this.started = false;
      throw error;
    }
  }

  stop(): Promise<void> {
    return this.started ? this.thread.stopRebuild() : Promise.resolve();
  }
}
