import type Database from 'better-sqlite3';
import { PositionWaiters, readCheckpoint } from '#background';
import { LEDGER_PROJECTION_NAME, ParkingLot, ProjectionFollower } from '#projections';
import type { MerkleTreeStore, SignedTreeHead } from '#transparency';
import type { FollowersThread } from './followers-thread.js';

/**
 * While a reader waits for a position, how often the checkpoint stored with the read models is looked
 * at: another process on the same DATA_DIR may have applied the position to the shared file already
 * (one indexed row read). This process's own runner says so itself, at once.
 */
const WAITING_READERS_POLL_MS = 2;

/**
 * The projection runner as the request thread sees it: it runs in the followers thread; here are how
 * far it has got (told by the thread, or read from the shared file when another process got there
 * first), its parked events (read from the file) and the readers waiting for a position.
 */
export class ThreadProjectionFollower extends ProjectionFollower {
  readonly name = LEDGER_PROJECTION_NAME;
  readonly parking: ParkingLot;
  private checkpoint: number;
  private failure: string | null = null;
  private watch: NodeJS.Timeout | null = null;
  private readonly waiters = new PositionWaiters((waiting) => this.watchStoredCheckpoint(waiting));

  constructor(
    private readonly thread: FollowersThread,
    /** A connection to the read-model file (this thread reads the checkpoint and the parked events with it). */
    private readonly db: Database.Database,
  ) {
    super();
    this.parking = new ParkingLot(db, this.name);
    this.checkpoint = readCheckpoint(db, this.name);
    thread.onProgress('projections', (position, lastError) => {
      this.failure = lastError;
      if (position === null) return;
      // The thread's word is the truth, back as well as forward (a rebuild swapped in an earlier position).
      this.checkpoint = position;
      this.waiters.advance(position);
    });
  }

  get position(): number {
    return this.checkpoint;
  }

  get lastError(): string | null {
    return this.failure;
  }

  start(): void {
    this.thread.start('projections');
  }

  async stop(): Promise<void> {
    await this.thread.stop('projections');
    this.waiters.releaseAll();
  }

  refresh(): void {
    this.thread.refresh();
    this.takeUpStoredCheckpoint();
  }

  waitFor(position: number, timeoutMs: number): Promise<boolean> {
    if (this.checkpoint < position) this.takeUpStoredCheckpoint();
    if (this.checkpoint >= position) return Promise.resolve(true);
    return this.waiters.wait(position, timeoutMs);
  }

  private watchStoredCheckpoint(waiting: boolean): void {
    if (waiting) this.watch ??= setInterval(() => this.takeUpStoredCheckpoint(), WAITING_READERS_POLL_MS);
    else if (this.watch) {
      clearInterval(this.watch);
      this.watch = null;
    }
  }

  private takeUpStoredCheckpoint(): void {
    try {
      const stored = readCheckpoint(this.db, this.name);
      if (stored <= this.checkpoint) return;
      this.checkpoint = stored;
      this.waiters.advance(stored);
    } catch {
      // The read models cannot be read just now (closed at shutdown): the waiters' own timeouts still answer them.
    }
  }
}

/** The Merkle tree's follower as the request thread sees it: it runs in the followers thread, which also signs heads. */
export class ThreadTreeFollower {
  private reported: number;
  private failure: string | null = null;
  private readonly waiters = new PositionWaiters();

  constructor(
    private readonly thread: FollowersThread,
    /** The tree's file, read in this thread (proofs, heads); written only by the followers thread. */
    private readonly tree: MerkleTreeStore,
  ) {
    this.reported = tree.checkpoint();
    thread.onProgress('tree', (position, lastError) => {
      this.failure = lastError;
      if (position === null) return;
      this.reported = position;
      this.waiters.advance(position);
    });
  }

  /** The log position the tree reflects. */
  get position(): number {
    return this.reported;
  }

  /** The last failure adding events to the tree (null once a batch is added). */
  get lastError(): string | null {
    return this.failure;
  }

  start(): void {
    this.thread.start('tree');
  }

  async stop(): Promise<void> {
    await this.thread.stop('tree');
    this.waiters.releaseAll();
  }

  /** Resolves true once the tree reflects the log up to `position`, false if `timeoutMs` passes first. */
  waitFor(position: number, timeoutMs: number): Promise<boolean> {
    if (this.reported < position) this.reported = Math.max(this.reported, this.tree.checkpoint());
    if (this.reported >= position) return Promise.resolve(true);
    return this.waiters.wait(position, timeoutMs);
  }

  /** The signed head of the tree of `treeSize` leaves (default: all it holds): the stored one, or one signed now. */
  async signHead(treeSize?: number): Promise<SignedTreeHead> {
    const existing = treeSize === undefined ? null : this.tree.head(treeSize);
    return existing ?? this.thread.signHead(treeSize);
  }
}
