import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { KeyObject } from 'node:crypto';
import { BackgroundLoop, PositionWaiters, isSqliteBusy } from '#background';
import type { EventStore, RecordedEvent } from '#event-store';
import { type LeafFilter, leafOfRecorded } from './leaf.js';
import { type SignedTreeHead, signTreeHead } from './tree-head.js';
import type { MerkleTreeStore, NewLeaf } from './tree-store.js';

export interface TreeHeadPolicy {
  /** Sign a head once the tree has grown by this many leaves since the last head. */
  readonly everyEvents: number;
  /** …or when it has grown at all and this long has passed since the last head. */
  readonly everyMs: number;
}

export interface TreeLogger {
  log(message: string): void;
  error(message: string, trace?: string): void;
}

const silent: TreeLogger = { log: () => undefined, error: () => undefined };

/**
 * Keeps the Merkle tree up to date with the log, like a projection: it
 * subscribes to the store from the tree's checkpoint, in global order, turns
 * each LEDGER event (the filter: never system events, never other records)
 * into a leaf, and adds a bounded batch at a time in one transaction with
 * the checkpoint, yielding to the event loop between batches, so a large
 * catch-up never holds the process up. It signs a head when the policy says
 * so, and on request (`signHead`); `onHead` hears of each new one (the
 * Kafka publisher).
 */
export class TreeFollower extends BackgroundLoop {
  private readonly waiters = new PositionWaiters();
  private readonly headListeners: Array<(head: SignedTreeHead) => void> = [];
  private lastHeadAt = Date.now();
  private timer: NodeJS.Timeout | null = null;
  private readonly progressListeners: Array<(position: number, lastError: string | null) => void> = [];
  private failure: string | null = null;

  constructor(
    private readonly store: EventStore,
    readonly tree: MerkleTreeStore,
    private readonly isLeaf: LeafFilter,
    private readonly signingKey: KeyObject,
    private readonly policy: TreeHeadPolicy,
    private readonly logger: TreeLogger = silent,
    private readonly batchSize = 1000,
    private readonly now: () => Date = () => new Date(),
  ) {
    super();
  }

  /** The log position the tree reflects. */
  get position(): number {
    return this.tree.checkpoint();
  }

  /** The last failure adding events to the tree (null once a batch is added). */
  get lastError(): string | null {
    return this.failure;
  }

  /** Tells `listener` each time the tree grows or the last error changes (a worker thread reports them). */
  onProgress(listener: (position: number, lastError: string | null) => void): void {
    this.progressListeners.push(listener);
  }

  /** Tells `listener` of every head signed from now on. */
  onHead(listener: (head: SignedTreeHead) => void): void {
    this.headListeners.push(listener);
  }

  override start(): void {
    super.start();
    this.timer ??= setInterval(() => this.signIfDue(true), Math.max(1000, Math.min(this.policy.everyMs, 60_000)));
    this.timer.unref();
  }

  override async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await super.stop();
    this.waiters.releaseAll();
  }

  /** Resolves true once the tree reflects the log up to `position`, false if `timeoutMs` passes first. */
  waitFor(position: number, timeoutMs: number): Promise<boolean> {
    if (this.position >= position) return Promise.resolve(true);
    return this.waiters.wait(position, timeoutMs);
  }

  /**
   * The signed head of the tree of `treeSize` leaves (default: all it
   * holds): the stored one, or a new one signed now and stored.
   */
  signHead(treeSize = this.tree.size()): SignedTreeHead {
    const existing = this.tree.head(treeSize);
    if (existing) return existing;
    const head = this.tree.saveHead(
      signTreeHead(this.signingKey, {
        treeSize,
        rootHash: this.tree.root(treeSize).toString('hex'),
        timestamp: this.now().toISOString(),
      }),
    );
    if (treeSize >= (this.tree.latestHead()?.treeSize ?? 0)) this.lastHeadAt = Date.now();
    for (const listener of this.headListeners) {
      try {
        listener(head);
      } catch (error) {
        this.logger.error(`a tree-head listener failed: ${(error as Error).message}`);
      }
    }
    return head;
  }

  /** Signs a head of the whole tree if the policy asks for one (`timed`: the timer's check). */
  private signIfDue(timed: boolean): void {
    try {
      const size = this.tree.size();
      const last = this.tree.latestHead()?.treeSize ?? -1;
      if (size <= last) return;
      const grownEnough = size - Math.max(last, 0) >= this.policy.everyEvents;
      const late = Date.now() - this.lastHeadAt >= this.policy.everyMs;
      if (grownEnough || (timed && late) || last === -1) this.signHead(size);
    } catch (error) {
      const err = error as Error & { code?: string };
      // Another process holds the file's write lock: the next batch or tick signs.
      if (!isSqliteBusy(err)) this.logger.error(`signing a tree head failed: ${err.message}`, err.stack);
    }
  }

  /** Adds one batch of events (any order-preserving slice of the log) to the tree; returns the new checkpoint. */
  applyBatch(events: readonly RecordedEvent[]): number {
    if (events.length === 0) return this.position;
    const leaves: NewLeaf[] = [];
    for (const event of events) {
      if (this.isLeaf(event)) leaves.push({ position: event.position, eventId: event.id, leaf: leafOfRecorded(event) });
    }
    return this.tree.append(leaves, events[events.length - 1].position);
  }

  protected async run(signal: AbortSignal): Promise<void> {
    let backoffMs = 100;
    while (!signal.aborted) {
      try {
        // Where the shared file stands, said before each (re)subscription: after a refusal for the lock, its holder
        // may have been another process adding this very batch, and the subscription then goes on after it with
        // nothing more to apply, so no batch would say so. One read: the position said is the one subscribed after.
        const from = this.position;
        this.wake(from);
        for await (const batch of this.store.subscribeToAll({ after: from, maxBatch: this.batchSize, signal })) {
          // A batch is bounded (batchSize events); large ones are split so no single step grows with the log.
          for (let i = 0; i < batch.length; i += this.batchSize) {
            this.applyBatch(batch.slice(i, i + this.batchSize));
            this.wake();
            this.signIfDue(false);
            await yieldToEventLoop();
          }
          this.setLastError(null);
          backoffMs = 100;
        }
      } catch (error) {
        if (signal.aborted) break;
        const err = error as Error & { code?: string };
        if (isSqliteBusy(err)) {
          await new Promise((resolve) => setTimeout(resolve, 50));
          continue;
        }
        this.setLastError(err.message);
        this.logger.error(`the Merkle tree failed at position ${this.position}: ${err.message}; retrying in ${backoffMs} ms`, err.stack);
        await new Promise((resolve) => setTimeout(resolve, backoffMs));
        backoffMs = Math.min(backoffMs * 2, 10_000);
      }
    }
  }

  private wake(position = this.position): void {
    this.waiters.advance(position);
    this.tellProgress(position);
  }

  private setLastError(error: string | null): void {
    if (error === this.failure) return;
    this.failure = error;
    this.tellProgress();
  }

  private tellProgress(position = this.position): void {
    for (const listener of this.progressListeners) listener(position, this.failure);
  }
}
