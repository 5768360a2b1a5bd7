import Database from 'better-sqlite3';
import type { RecordedEvent } from '#event-store';
import type { ParkingLot } from './parking-lot.js';

/**
 * Parking: an event a projection cannot apply is set aside, with its error,
 * instead of stopping the projection (and every read behind it).
 *
 * What stays correct when an event is skipped: the read models are a
 * function of the events, so skipping one is only safe if applying it later
 * gives the same rows as applying it in its place. Two rules make that hold:
 *  - per stream, order is kept: once an event of a stream is parked, every
 *    later event of that stream is parked behind it (`blockedBy`) without
 *    being tried, and a retry applies them in stream order. A project's row
 *    (revision, status, pledge) therefore never sees its events out of order.
 *  - across streams the ledger's read models only add (counters are sums),
 *    and an event whose dependency in another stream is missing (a project
 *    of an unknown pair, a sub-pair of an unknown parent) fails loudly and is
 *    parked itself, so it is retried after its dependency, never half-applied.
 * While anything is parked the projection is reported as degraded: its
 * figures lack the parked events (GET /admin/projections, /health).
 *
 * Errors of the database itself (busy, disk full, I/O) are not the event's
 * fault: they are rethrown, so the runner retries the whole batch later.
 */

/** What a projection must offer to be applied with parking. */
export interface ParkableProjection {
  applyBatch(events: readonly RecordedEvent[]): void;
  /** Forget any cache of table contents: called after a rollback. */
  reset?(): void;
}

const DATA_ERROR_CODES = /^SQLITE_(CONSTRAINT|MISMATCH|TOOBIG)/;

/** Whether an error is the database's own trouble (retry later), not something wrong with the event. */
export function isInfrastructureError(error: unknown): boolean {
  return error instanceof Database.SqliteError && !DATA_ERROR_CODES.test(error.code);
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error)).slice(0, 2000);

/**
 * Applies events in order, inside the caller's transaction, parking those
 * that cannot be applied (and the later events of their streams). The whole
 * batch is tried at once first (the fast path); only if it fails is it
 * applied again event by event, each in its own savepoint.
 */
export function applyWithParking(
  db: Database.Database,
  projection: ParkableProjection,
  parking: ParkingLot,
  events: readonly RecordedEvent[],
): void {
  if (events.length === 0) return;
  const blocked = parking.blockedStreams();
  if (!events.some((event) => blocked.has(event.streamId))) {
    try {
      db.transaction(() => projection.applyBatch(events))();
      return;
    } catch (error) {
      projection.reset?.();
      if (isInfrastructureError(error)) throw error;
    }
  }
  for (const event of events) {
    const first = blocked.get(event.streamId);
    if (first !== undefined) {
      parking.park(event, '', first);
      continue;
    }
    const error = applyOne(db, projection, event);
    if (error !== null) {
      parking.park(event, error, null);
      blocked.set(event.streamId, event.position);
    }
  }
}

/**
 * Applies one event in its own savepoint: null if it applied, else why not
 * (after the projection forgot its caches). The database's own errors are rethrown.
 */
export function applyOne(db: Database.Database, projection: ParkableProjection, event: RecordedEvent): string | null {
  try {
    db.transaction(() => projection.applyBatch([event]))();
    return null;
  } catch (error) {
    projection.reset?.();
    if (isInfrastructureError(error)) throw error;
    return messageOf(error);
  }
}
