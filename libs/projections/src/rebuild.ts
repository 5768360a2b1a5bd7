import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { EventStore } from '#event-store';
import { LEDGER_PROJECTION_NAME, LedgerProjection } from './ledger-projection.js';
import { ParkingLot } from './parking-lot.js';
import { SHADOW_TABLES } from './read-model-db.js';
import { type RebuildCount, RebuildInProgress, RebuildRecord, type RebuildStatus } from './rebuild-status.js';
import { ShadowBuild } from './shadow-build.js';
import { createShadowTables, dropShadowTables, shadowProjectionName, swapShadowTablesIn } from './shadow-tables.js';

export interface RebuildProgress {
  readonly position: number;
  readonly head: number;
  readonly events: number;
  readonly parked: number;
}

export interface RebuildOptions {
  readonly onProgress?: (progress: RebuildProgress) => void;
  /**
   * Events read from the store at a time (1,000 by default: a page dies young, in V8's
   * cheap young-generation collection; pages of 5,000 outlived it and made the rebuild
   * a third slower).
   */
  readonly pageSize?: number;
  /**
   * Events per shadow transaction (1,000,000 by default). The chunk is built in
   * memory, which grows with the rows it touches, not with its events; the
   * transaction writes those rows, holding the read models' write lock only for
   * that, and the live projection applies new events in between. Each write costs
   * about as much whatever the chunk's length (on the benchmark's ledger, 10,000
   * projects and 33,500 counters): chunks of 200,000 made the rebuild of
   * 1,000,000 events a quarter slower than one chunk.
   */
  readonly commitEvery?: number;
  /** How long a chunk goes without storing its progress at most (10 s by default; see ShadowBuildOptions). */
  readonly heartbeatMs?: number;
  /** Yield to the event loop between pages (a rebuild inside the API). */
  readonly yieldBetweenPages?: boolean;
  /** Runs once the shadow has caught up, just before the final transaction (tests look at the live tables there). */
  readonly beforeSwap?: () => Promise<void> | void;
  /** Called once the rebuild has claimed the shadow tables (another rebuild now gets RebuildInProgress). */
  readonly onStarted?: (status: RebuildStatus) => void;
  /** Aborts the rebuild between pages (the live read models stay as they are). */
  readonly signal?: AbortSignal;
  readonly now?: () => Date;
}

/**
 * Rebuilds every read model from the first event, blue/green: into shadow
 * tables beside the live ones, in transactions of `commitEvery` events, while
 * the live tables keep answering queries and the live projection keeps
 * applying new events. Once the shadow has caught up, one final transaction
 * applies the last events up to the head, retries the events it parked (as an
 * operator's retry would), and swaps: drops the live tables, renames the
 * shadow ones into their place, moves the shadow's parked events and
 * checkpoint to the live projection. Readers see the old read models or the
 * new ones, never a mix; prepared statements on any connection re-prepare on
 * the schema change; the live projection goes on from the shadow's
 * checkpoint. Events are read page by page, never all at once.
 *
 * Used by `npm run rebuild` (also while the API runs, from another process)
 * and by `POST /admin/projections/rebuild`; the progress is stored beside the
 * read models, so GET /admin/projections shows either.
 */
export async function rebuildReadModels(store: EventStore, db: Database.Database, options: RebuildOptions = {}): Promise<RebuildProgress> {
  const {
    onProgress = () => undefined,
    pageSize = 1000,
    commitEvery = 1_000_000,
    yieldBetweenPages = false,
    now = () => new Date(),
  } = options;
  const live = LEDGER_PROJECTION_NAME;
  const shadow = shadowProjectionName(live);
  const parking = new ParkingLot(db, shadow, now);
  const liveParking = new ParkingLot(db, live, now);
  const record = new RebuildRecord(db, live, randomUUID(), now);
  const head = await store.headPosition();
  claim(db, record, shadow, head);
  options.onStarted?.(record.status());
  const projection = new LedgerProjection(db, SHADOW_TABLES);
  const onPage = (count: RebuildCount) => onProgress(progressOf(count, head));
  const chunks = { pageSize, commitEvery, yieldBetweenPages, signal: options.signal, onPage, heartbeatMs: options.heartbeatMs };
  const build = new ShadowBuild(store, db, projection, parking, record, shadow, chunks);
  try {
    while (!(await build.nextChunk()));
    await options.beforeSwap?.();
    await finish(db, build, record, () => swapShadowTablesIn(db, live, shadow, build.position), liveParking);
    onProgress(progressOf(build.count(liveParking.count()), head));
  } catch (error) {
    abandon(db, record, shadow, error);
    throw error;
  }
  return progressOf(build.count(liveParking.count()), head);
}

const progressOf = ({ position, events, parked }: RebuildCount, head: number): RebuildProgress => ({ position, head, events, parked });

/** Takes the projection's rebuild row and fresh shadow tables, in one transaction; RebuildInProgress if another rebuild runs. */
function claim(db: Database.Database, record: RebuildRecord, shadow: string, head: number): void {
  db.transaction(() => {
    record.assertNoneRunning();
    createShadowTables(db, shadow);
    record.start(head);
  }).immediate();
}

/** The final transaction: the last events and a retry of what was parked (`build.catchUp`), the swap, the rebuild completed. */
async function finish(
  db: Database.Database,
  build: ShadowBuild,
  record: RebuildRecord,
  swap: () => void,
  liveParking: ParkingLot,
): Promise<void> {
  db.exec('BEGIN IMMEDIATE');
  try {
    record.assertOwner();
    await build.catchUp();
    swap();
    record.progress('completed', build.count(liveParking.count()));
    db.exec('COMMIT');
  } catch (error) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw error;
  }
}

/**
 * Marks the rebuild `rebuildId` failed, with `reason`, and drops its shadow tables, if it is still the projection's
 * running rebuild (one that completed, failed or was taken over by another is left as it is): for a rebuild whose
 * thread or process ended without saying so, which would otherwise block every other rebuild until it went stale
 * (STALE_REBUILD_MS). Answers whether it did. Takes the write lock: SQLITE_BUSY is the caller's to retry.
 */
export function abandonRebuild(db: Database.Database, rebuildId: string, reason: string, now = () => new Date()): boolean {
  const live = LEDGER_PROJECTION_NAME;
  const record = new RebuildRecord(db, live, rebuildId, now);
  return db
    .transaction(() => {
      if (!record.ownsRunning()) return false;
      record.failed(new Error(reason));
      dropShadowTables(db, shadowProjectionName(live));
      return true;
    })
    .immediate();
}

/** Marks the rebuild failed (if it is still ours) and drops its shadow tables; best effort. */
function abandon(db: Database.Database, record: RebuildRecord, shadow: string, error: unknown): void {
  if (error instanceof RebuildInProgress) return;
  try {
    db.transaction(() => {
      if (!record.owns()) return;
      record.failed(error);
      dropShadowTables(db, shadow);
    }).immediate();
  } catch {
    // The next rebuild replaces whatever is left.
  }
}
