import { setImmediate as nextTurn } from 'node:timers/promises';
import type Database from 'better-sqlite3';
import type { EventStore, RecordedEvent } from '#event-store';
import type { LedgerProjection } from './ledger-projection.js';
import { applyWithParking, isInfrastructureError } from './apply-with-parking.js';
import type { ParkingLot } from './parking-lot.js';
import { retryAllParked } from './parked-retry.js';
import { writeCheckpoint } from '#background';
import { type RebuildCount, type RebuildRecord, RebuildSuperseded } from './rebuild-status.js';

export interface ShadowBuildOptions {
  /** Events read from the store at a time. */
  readonly pageSize: number;
  /** Events per shadow transaction (see RebuildOptions). */
  readonly commitEvery: number;
  readonly yieldBetweenPages: boolean;
  readonly signal?: AbortSignal;
  /** Called after each page the chunks read, with how far the build has come. */
  readonly onPage: (count: RebuildCount) => void;
  /**
   * A chunk that has not stored its progress for this long stores it between pages (10 s by default): a
   * rebuild without progress for STALE_REBUILD_MS counts as interrupted, and another may take over.
   */
  readonly heartbeatMs?: number;
}

class NeedsCareful extends Error {}

/**
 * The read models built into the shadow tables, from the first event on:
 * `position` and `events` say how far the build has come.
 */
export class ShadowBuild {
  position = 0;
  events = 0;
  /** When progress was last stored (performance.now()). */
  private storedAt = performance.now();

  constructor(
    private readonly store: EventStore,
    private readonly db: Database.Database,
    /** The ledger projection over the shadow tables. */
    private readonly projection: LedgerProjection,
    /** The shadow projection's parked events. */
    private readonly parking: ParkingLot,
    private readonly record: RebuildRecord,
    private readonly shadow: string,
    private readonly options: ShadowBuildOptions,
  ) {}

  /** How far the build has come, with the parked count of the shadow or, after the swap, of the live projection. */
  count(parked = this.parking.count()): RebuildCount {
    return { position: this.position, events: this.events, parked };
  }

  /**
   * Builds up to `commitEvery` more events into the shadow; true once the store had no more.
   * The fast path first; if it fails, the careful path builds the same events again, unless the
   * failure has nothing to do with the events (another rebuild took over, the database's own
   * trouble, an abort): that ends the rebuild.
   */
  async nextChunk(): Promise<boolean> {
    try {
      return await this.fastChunk();
    } catch (error) {
      if (error instanceof RebuildSuperseded || isInfrastructureError(error) || this.options.signal?.aborted) throw error;
      return this.carefulChunk();
    }
  }

  /**
   * One unit of work for the whole chunk, changed in memory (it only reads the shadow, which
   * nobody else writes), then written in one short transaction; the write lock is held only for
   * that, so the live projection is never held up for long. An event of a parked stream, or any
   * failure, undoes the chunk (for the careful path to build it again).
   */
  private async fastChunk(): Promise<boolean> {
    const from = { position: this.position, events: this.events };
    try {
      const work = this.projection.begin();
      const blocked = this.parking.blockedStreams();
      const caughtUp = await this.pages((page) => {
        if (page.some((event) => blocked.has(event.streamId))) throw new NeedsCareful();
        work.apply(page);
      });
      this.db
        .transaction(() => {
          this.record.assertOwner();
          work.flush();
          if (this.position > 0) writeCheckpoint(this.db, this.shadow, this.position);
          this.record.progress('running', this.count());
        })
        .immediate();
      this.storedAt = performance.now();
      return caughtUp;
    } catch (error) {
      this.projection.reset();
      ({ position: this.position, events: this.events } = from);
      throw error;
    }
  }

  /** A transaction per page, event by event in savepoints, parking what fails. */
  private async carefulChunk(): Promise<boolean> {
    try {
      return await this.pages((page) => {
        const last = page[page.length - 1].position;
        this.db
          .transaction(() => {
            this.record.assertOwner();
            applyWithParking(this.db, this.projection, this.parking, page);
            writeCheckpoint(this.db, this.shadow, last);
            this.record.progress('running', { position: last, events: this.events + page.length, parked: this.parking.count() });
          })
          .immediate();
        this.storedAt = performance.now();
      });
    } catch (error) {
      this.projection.reset();
      throw error;
    }
  }

  /** Reads up to `commitEvery` events, page by page, and hands each page to `apply`; true once the store had no more. */
  private async pages(apply: (page: readonly RecordedEvent[]) => void): Promise<boolean> {
    const { pageSize, commitEvery, yieldBetweenPages, signal } = this.options;
    for (let count = 0; count < commitEvery;) {
      const page = await this.store.readAll({ after: this.position, maxCount: pageSize });
      if (page.length === 0) return true;
      apply(page);
      this.position = page[page.length - 1].position;
      this.events += page.length;
      count += page.length;
      this.options.onPage(this.count());
      if (performance.now() - this.storedAt >= (this.options.heartbeatMs ?? 10_000)) this.heartbeat();
      if (yieldBetweenPages) await nextTurn();
      signal?.throwIfAborted();
    }
    return false;
  }

  /**
   * Stores how far a long chunk has read (not yet written: a rebuild that stops starts again from the
   * first event), so the rebuild is not taken for one that has stopped.
   */
  private heartbeat(): void {
    this.db
      .transaction(() => {
        this.record.assertOwner();
        this.record.progress('running', this.count());
      })
      .immediate();
    this.storedAt = performance.now();
  }

  /**
   * Inside the final transaction: the events appended since the last chunk
   * (all of them, under the lock, so the live projection cannot be ahead of
   * the shadow), then a retry of what was parked.
   */
  async catchUp(): Promise<void> {
    for (;;) {
      const page = await this.store.readAll({ after: this.position, maxCount: this.options.pageSize });
      if (page.length === 0) break;
      applyWithParking(this.db, this.projection, this.parking, page);
      this.position = page[page.length - 1].position;
      this.events += page.length;
    }
    // An event parked because something it needs was recorded later (a project of a pair
    // registered after it) applies now, as an operator's retry would apply it.
    if (this.parking.count() > 0) await retryAllParked(this.store, this.db, this.projection, this.parking);
  }
}
