import type Database from 'better-sqlite3';
import { BackgroundLoop, PositionWaiters, isSqliteBusy, readCheckpoint, writeCheckpoint } from '#background';
import { type EventStore, type RecordedEvent, yieldToEventLoop } from '#event-store';
import { type ParkableProjection, applyWithParking } from './apply-with-parking.js';
import { ParkingLot } from './parking-lot.js';

/** A projection the runner keeps up to date: applied with parking, its checkpoint stored under its name. */
export interface Projection extends ParkableProjection {
  readonly name: string;
}

/**
 * What the rest of the process needs of whatever keeps the read models current: the runner itself (in
 * this thread) or its stand-in for a runner in a worker thread. Also the injection token.
 */
export abstract class ProjectionFollower {
  /** The projection's name, as its checkpoint is stored. */
  abstract readonly name: string;
  /** The position up to which the read models reflect the store, as far as this process knows. */
  abstract readonly position: number;
  /** The last failure applying events (null once a batch applies). */
  abstract readonly lastError: string | null;
  abstract readonly parking: ParkingLot;
  abstract start(): void;
  abstract stop(): Promise<void>;
  /** Takes up the stored checkpoint after a rebuild was swapped in. */
  abstract refresh(): void;
  /** Resolves true once the read models reflect `position`, false if `timeoutMs` passes first. */
  abstract waitFor(position: number, timeoutMs: number): Promise<boolean>;
}

/** The stored checkpoint went back (a rebuild swapped in read models at an earlier position): resubscribe from it. */
class CheckpointMovedBack extends Error {}

export interface RunnerLogger {
  log(message: string): void;
  error(message: string, trace?: string): void;
}

const silentLogger: RunnerLogger = { log: () => undefined, error: () => undefined };

/**
 * While a reader waits for a position, how often the runner looks at the
 * checkpoint stored with the read models: another process on the same
 * DATA_DIR may have applied the position to the shared file already (one
 * indexed row read).
 */
const WAITING_READERS_POLL_MS = 2;

/**
 * Keeps a projection up to date: catches up from its stored checkpoint, then
 * follows the store live. Each batch is applied and the checkpoint advanced
 * in one transaction, and events at or before the stored checkpoint are
 * skipped, so a crash, a restart or a concurrent rebuild never applies an
 * event twice or skips one. An event the projection cannot apply is parked
 * (see apply-with-parking.ts) and the projection goes on.
 */
export class ProjectionRunner extends BackgroundLoop implements ProjectionFollower {
  private checkpoint = 0;
  /** Readers waiting for a position; while any waits, the stored checkpoint is watched (another process may apply it). */
  private readonly waiters = new PositionWaiters((waiting) => this.watchStoredCheckpoint(waiting));
  private storedCheckpointWatch: NodeJS.Timeout | null = null;
  private readonly progressListeners: Array<(position: number, lastError: string | null) => void> = [];
  private failure: string | null = null;
  readonly parking: ParkingLot;

  constructor(
    private readonly store: EventStore,
    private readonly db: Database.Database,
    private readonly projection: Projection,
    private readonly logger: RunnerLogger = silentLogger,
    private readonly batchSize = 1000,
  ) {
    super();
    this.parking = new ParkingLot(db, projection.name);
    this.checkpoint = this.storedCheckpoint();
  }

  /** The last failure applying events (null once a batch applies). */
  get lastError(): string | null {
    return this.failure;
  }

  private setLastError(error: string | null): void {
    if (error === this.failure) return;
    this.failure = error;
    this.tellProgress();
  }

  /** Tells `listener` each time the checkpoint moves or the last error changes (a worker thread reports them). */
  onProgress(listener: (position: number, lastError: string | null) => void): void {
    this.progressListeners.push(listener);
  }

  /** The projection's name, as its checkpoint is stored. */
  get name(): string {
    return this.projection.name;
  }

  /** Takes up the stored checkpoint if it moved ahead (a rebuild was swapped in) and wakes the readers waiting for it. */
  refresh(): void {
    this.projection.reset?.();
    const stored = this.storedCheckpoint();
    if (stored > this.checkpoint) this.advanceTo(stored);
  }

  /** The position up to which the read models reflect the store. */
  get position(): number {
    return this.checkpoint;
  }

  override async stop(): Promise<void> {
    await super.stop();
    this.waiters.releaseAll();
  }

  /**
   * Resolves true once the read models reflect `position`, false if
   * `timeoutMs` passes first: as soon as this runner applies it, or another
   * process sharing the read-model file does (its stored checkpoint is
   * watched while anyone waits).
   */
  waitFor(position: number, timeoutMs: number): Promise<boolean> {
    if (this.checkpoint >= position) return Promise.resolve(true);
    this.takeUpStoredCheckpoint();
    if (this.checkpoint >= position) return Promise.resolve(true);
    return this.waiters.wait(position, timeoutMs);
  }

  private watchStoredCheckpoint(waiting: boolean): void {
    if (waiting) {
      this.storedCheckpointWatch ??= setInterval(() => this.takeUpStoredCheckpoint(), WAITING_READERS_POLL_MS);
      return;
    }
    if (this.storedCheckpointWatch) clearInterval(this.storedCheckpointWatch);
    this.storedCheckpointWatch = null;
  }

  /** The stored checkpoint, if ahead (another process on the same read models applied further): readers waiting for it answer now. */
  private takeUpStoredCheckpoint(): void {
    try {
      const stored = this.storedCheckpoint();
      if (stored > this.checkpoint) this.advanceTo(stored);
    } catch {
      // The read models cannot be read just now (closed at shutdown): the waiters' own timeouts still answer them.
    }
  }

  /**
   * Applies one batch in a transaction; returns the checkpoint after it. A
   * batch the stored checkpoint already covers (another process on the same
   * read models applied it) is skipped without taking the write lock.
   */
  applyBatch(events: readonly RecordedEvent[]): number {
    const covered = this.storedCheckpoint();
    if (events.length > 0 && covered >= events[events.length - 1].position && covered >= this.checkpoint) return covered;
    return this.db
      .transaction(() => {
        const stored = this.storedCheckpoint();
        if (stored < this.checkpoint) throw new CheckpointMovedBack(`the stored checkpoint went back from ${this.checkpoint} to ${stored}`);
        const fresh = events.filter((event) => event.position > stored);
        if (fresh.length === 0) return stored;
        applyWithParking(this.db, this.projection, this.parking, fresh);
        const position = fresh[fresh.length - 1].position;
        writeCheckpoint(this.db, this.projection.name, position);
        return position;
      })
      .immediate();
  }

  private storedCheckpoint(): number {
    return readCheckpoint(this.db, this.projection.name);
  }

  protected async run(signal: AbortSignal): Promise<void> {
    let backoffMs = 100;
    let waitingForLock = false;
    while (!signal.aborted) {
      try {
        const stored = this.storedCheckpoint();
        this.advanceTo(stored);
        for await (const batch of this.store.subscribeToAll({ after: this.checkpoint, maxBatch: this.batchSize, signal })) {
          this.advanceTo(this.applyBatch(batch));
          // A synchronous store answers each read at once: a turn between batches lets the thread's other work in.
          await yieldToEventLoop();
          if (waitingForLock) this.logger.log(`projection ${this.projection.name}: read models unlocked, resuming`);
          this.setLastError(null);
          waitingForLock = false;
          backoffMs = 100;
        }
      } catch (error) {
        if (signal.aborted) break;
        const err = error as Error & { code?: string };
        if (err instanceof CheckpointMovedBack) {
          this.logger.log(`projection ${this.projection.name}: ${err.message}; resubscribing from there`);
          continue;
        }
        if (isSqliteBusy(err)) {
          // Another writer (a rebuild) holds the read models: wait without blocking, quietly.
          if (!waitingForLock)
            this.logger.log(`projection ${this.projection.name}: read models are locked by another writer (a rebuild?); waiting`);
          waitingForLock = true;
          // Short: a rebuild's chunk holds the lock for its write only, and readers waiting on ?minPosition wait for this.
          await new Promise((resolve) => setTimeout(resolve, 20));
          continue;
        }
        this.setLastError(err.message);
        this.logger.error(
          `projection ${this.projection.name} failed at checkpoint ${this.checkpoint}: ${err.message}; retrying in ${backoffMs} ms`,
          err.stack,
        );
        await new Promise((resolve) => setTimeout(resolve, backoffMs));
        backoffMs = Math.min(backoffMs * 2, 10_000);
      }
    }
  }

  private advanceTo(position: number): void {
    const moved = position !== this.checkpoint;
    this.checkpoint = position;
    this.waiters.advance(position);
    if (moved) this.tellProgress();
  }

  private tellProgress(): void {
    for (const listener of this.progressListeners) listener(this.checkpoint, this.failure);
  }
}
