import { randomUUID } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type Database from 'better-sqlite3';
import { writeCheckpoint } from '#background';
import type { EventStore } from '#event-store';
import { LEDGER_PROJECTION_NAME, LedgerProjection } from './ledger-projection.js';
import { ParkingLot, applyWithParking, isInfrastructureError, retryAllParked } from './parking.js';
import { READ_MODEL_TABLES, SHADOW_TABLES } from './read-model-db.js';

export interface RebuildProgress {
  readonly position: number;
  readonly head: number;
  readonly events: number;
  readonly parked: number;
}

export interface RebuildOptions {
  readonly onProgress?: (progress: RebuildProgress) => void;
  /** Events read from the store at a time. */
  readonly pageSize?: number;
  /**
   * Events per shadow transaction. The rebuild holds the read models' write
   * lock for one such transaction at a time, and the live projection applies
   * new events in between.
   */
  readonly commitEvery?: number;
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

/** The state of a projection's last (or running) rebuild, as stored beside the read models. */
export interface RebuildStatus {
  readonly rebuildId: string;
  /** `interrupted`: marked running, but no progress for STALE_REBUILD_MS (its process ended). */
  readonly state: 'running' | 'completed' | 'failed' | 'interrupted';
  readonly startedAt: string;
  readonly updatedAt: string;
  readonly finishedAt: string | null;
  readonly head: number;
  readonly position: number;
  readonly events: number;
  readonly parked: number;
  readonly error: string | null;
}

/** A rebuild that wrote no progress for this long is taken to be dead: another may start. */
export const STALE_REBUILD_MS = 60_000;

export class RebuildInProgress extends Error {
  constructor(readonly status: RebuildStatus | null) {
    super(
      status
        ? `a rebuild of the read models is running (started ${status.startedAt}, at position ${status.position} of ${status.head})`
        : 'a rebuild of the read models is starting',
    );
  }
}

class RebuildSuperseded extends Error {}

/** The checkpoint and parked events of the projection being built in the shadow tables. */
export const shadowProjectionName = (name: string): string => `${name}:shadow`;

interface RebuildRow {
  rebuild_id: string;
  state: RebuildStatus['state'];
  started_at: string;
  updated_at: string;
  finished_at: string | null;
  head: number;
  position: number;
  events: number;
  parked: number;
  error: string | null;
}

/** The projection's last rebuild, or null if it was never rebuilt. */
export function readRebuildStatus(db: Database.Database, projection: string, now = new Date()): RebuildStatus | null {
  const row = db.prepare<[string], RebuildRow>('SELECT * FROM projection_rebuilds WHERE projection = ?').get(projection);
  if (!row) return null;
  const stale = row.state === 'running' && now.getTime() - Date.parse(row.updated_at) > STALE_REBUILD_MS;
  return {
    rebuildId: row.rebuild_id,
    state: stale ? 'interrupted' : row.state,
    startedAt: row.started_at,
    updatedAt: row.updated_at,
    finishedAt: row.finished_at,
    head: row.head,
    position: row.position,
    events: row.events,
    parked: row.parked,
    error: row.error,
  };
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
  const { onProgress = () => undefined, pageSize = 5000, commitEvery = 200_000, yieldBetweenPages = false, now = () => new Date() } = options;
  const live = LEDGER_PROJECTION_NAME;
  const shadow = shadowProjectionName(live);
  const parking = new ParkingLot(db, shadow, now);
  const liveParking = new ParkingLot(db, live, now);
  const rebuildId = randomUUID();
  const head = await store.headPosition();
  let position = 0;
  let events = 0;

  const claim = db.transaction(() => {
    const current = readRebuildStatus(db, live, now());
    if (current?.state === 'running') throw new RebuildInProgress(current);
    dropShadow(db, shadow);
    for (const table of READ_MODEL_TABLES) db.exec(shadowTableDdl(db, table));
    const at = now().toISOString();
    db.prepare(
      `INSERT OR REPLACE INTO projection_rebuilds (projection, rebuild_id, state, started_at, updated_at, finished_at, head, position, events, parked, error)
       VALUES (?, ?, 'running', ?, ?, NULL, ?, 0, 0, 0, NULL)`,
    ).run(live, rebuildId, at, at, head);
  });
  claim.immediate();
  options.onStarted?.(readRebuildStatus(db, live, now())!);
  const projection = new LedgerProjection(db, SHADOW_TABLES);

  // Prepared once: both run in every transaction of the rebuild.
  const recordProgress = db.prepare(
    `UPDATE projection_rebuilds SET state = ?, updated_at = ?, finished_at = ?, position = ?, events = ?, parked = ?
     WHERE projection = ? AND rebuild_id = ?`,
  );
  const owner = db.prepare<[string], { rebuild_id: string }>('SELECT rebuild_id FROM projection_rebuilds WHERE projection = ?');
  const record = (state: 'running' | 'completed', parked = parking.count(), at = position, read = events): void => {
    recordProgress.run(state, now().toISOString(), state === 'completed' ? now().toISOString() : null, at, read, parked, live, rebuildId);
  };
  const assertOwner = () => {
    const row = owner.get(live);
    if (row?.rebuild_id !== rebuildId) throw new RebuildSuperseded('another rebuild took over the shadow tables');
  };
  const report = () => onProgress({ position, head, events, parked: parking.count() });

  /**
   * Builds up to `commitEvery` more events into the shadow; true once the store had no more.
   * Fast path: one unit of work for the whole chunk, changed in memory (it only reads the
   * shadow, which nobody else writes), then written in one short transaction; the write lock
   * is held only for that, so the live projection is never held up for long. An event of a
   * parked stream, or any failure, sends the chunk to the careful path: a transaction per
   * page, event by event in savepoints, parking what fails.
   */
  const chunk = async (careful: boolean): Promise<boolean> => {
    const from = { position, events };
    try {
      const work = careful ? null : projection.begin();
      const blocked = parking.blockedStreams();
      let count = 0;
      let caughtUp = false;
      while (count < commitEvery) {
        const page = await store.readAll({ after: position, maxCount: pageSize });
        if (page.length === 0) {
          caughtUp = true;
          break;
        }
        const last = page[page.length - 1].position;
        if (!work) {
          db.transaction(() => {
            assertOwner();
            applyWithParking(db, projection, parking, page);
            writeCheckpoint(db, shadow, last);
            record('running', undefined, last, events + page.length);
          }).immediate();
        } else if (page.some((event) => blocked.has(event.streamId))) {
          throw new NeedsCareful();
        } else {
          work.apply(page);
        }
        position = last;
        events += page.length;
        count += page.length;
        report();
        if (yieldBetweenPages) await nextTurn();
        options.signal?.throwIfAborted();
      }
      if (work) {
        db.transaction(() => {
          assertOwner();
          work.flush();
          if (position > 0) writeCheckpoint(db, shadow, position);
          record('running');
        }).immediate();
      }
      return caughtUp;
    } catch (error) {
      projection.reset();
      if (!careful) ({ position, events } = from);
      throw error;
    }
  };

  /**
   * The final transaction: the events appended since the last chunk (all of
   * them, under the lock, so the live projection cannot be ahead of the
   * shadow), a retry of what was parked, and the swap.
   */
  const finish = async (): Promise<void> => {
    db.exec('BEGIN IMMEDIATE');
    try {
      assertOwner();
      for (;;) {
        const page = await store.readAll({ after: position, maxCount: pageSize });
        if (page.length === 0) break;
        applyWithParking(db, projection, parking, page);
        position = page[page.length - 1].position;
        events += page.length;
      }
      // An event parked because something it needs was recorded later (a project of a pair
      // registered after it) applies now, as an operator's retry would apply it.
      if (parking.count() > 0) await retryAllParked(store, db, projection, parking);
      swap(db, live, shadow, position);
      record('completed', liveParking.count());
      db.exec('COMMIT');
      onProgress({ position, head, events, parked: liveParking.count() });
    } catch (error) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw error;
    }
  };

  try {
    for (;;) {
      let caughtUp: boolean;
      try {
        caughtUp = await chunk(false);
      } catch (error) {
        if (error instanceof RebuildSuperseded || isInfrastructureError(error) || options.signal?.aborted) throw error;
        caughtUp = await chunk(true);
      }
      if (caughtUp) break;
    }
    await options.beforeSwap?.();
    await finish();
  } catch (error) {
    failed(db, live, rebuildId, error, now);
    throw error;
  }
  return { position, head, events, parked: liveParking.count() };
}

class NeedsCareful extends Error {}

/** The live table's own definition, under the shadow's name: a table added to the schema gets its shadow for free. */
function shadowTableDdl(db: Database.Database, table: (typeof READ_MODEL_TABLES)[number]): string {
  const row = db.prepare<[string], { sql: string }>("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?").get(table);
  if (!row) throw new Error(`the read models have no table ${table}`);
  const ddl = row.sql.replace(/^CREATE TABLE\s+(?:IF NOT EXISTS\s+)?(?:"[^"]+"|\S+)/i, `CREATE TABLE ${SHADOW_TABLES[table]}`);
  if (ddl === row.sql) throw new Error(`cannot derive the shadow of table ${table} from ${row.sql}`);
  return ddl;
}

/**
 * Inside the final transaction: the shadow tables take the live tables'
 * place (with the live tables' indexes, rebuilt), and the shadow's parked
 * events and checkpoint become the live projection's.
 */
function swap(db: Database.Database, live: string, shadow: string, position: number): void {
  const indexes = db
    .prepare<[], { sql: string }>(
      `SELECT sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (${READ_MODEL_TABLES.map((t) => `'${t}'`).join(', ')})`,
    )
    .all();
  for (const table of READ_MODEL_TABLES) {
    db.exec(`DROP TABLE ${table}`);
    db.exec(`ALTER TABLE ${SHADOW_TABLES[table]} RENAME TO ${table}`);
  }
  for (const { sql } of indexes) db.exec(sql);
  db.prepare('DELETE FROM parked_events WHERE projection = ?').run(live);
  db.prepare('UPDATE parked_events SET projection = ? WHERE projection = ?').run(live, shadow);
  if (position > 0) writeCheckpoint(db, live, position);
  else db.prepare('DELETE FROM checkpoints WHERE projection = ?').run(live);
  db.prepare('DELETE FROM checkpoints WHERE projection = ?').run(shadow);
}

/** Drops a rebuild's shadow tables and forgets the shadow projection's parked events and checkpoint. */
function dropShadow(db: Database.Database, shadow: string): void {
  for (const table of READ_MODEL_TABLES) db.exec(`DROP TABLE IF EXISTS ${SHADOW_TABLES[table]}`);
  db.prepare('DELETE FROM parked_events WHERE projection = ?').run(shadow);
  db.prepare('DELETE FROM checkpoints WHERE projection = ?').run(shadow);
}

/** Marks the rebuild failed (if it is still ours) and drops its shadow tables; best effort. */
function failed(db: Database.Database, live: string, rebuildId: string, error: unknown, now: () => Date): void {
  if (error instanceof RebuildInProgress) return;
  try {
    db.transaction(() => {
      const row = db.prepare<[string], { rebuild_id: string }>('SELECT rebuild_id FROM projection_rebuilds WHERE projection = ?').get(live);
      if (row?.rebuild_id !== rebuildId) return;
      const at = now().toISOString();
      db.prepare("UPDATE projection_rebuilds SET state = 'failed', updated_at = ?, finished_at = ?, error = ? WHERE projection = ?").run(
        at,
        at,
        error instanceof Error ? error.message : String(error),
        live,
      );
      dropShadow(db, shadowProjectionName(live));
    }).immediate();
  } catch {
    // The next rebuild replaces whatever is left.
  }
}

