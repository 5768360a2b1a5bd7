import Database from 'better-sqlite3';
import type { EventStore, RecordedEvent } from '#event-store';

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
export interface ParkedEvent {
  readonly position: number;
  readonly eventId: string;
  readonly streamId: string;
  readonly revision: number;
  readonly type: string;
  readonly error: string;
  /** The position of the earlier parked event of the same stream this one waits behind; null if it failed itself. */
  readonly blockedBy: number | null;
  readonly parkedAt: string;
  /** How often applying it was tried (0 when it only waits behind another). */
  readonly attempts: number;
  readonly lastAttemptAt: string | null;
}

interface ParkedRow {
  position: number;
  event_id: string;
  stream_id: string;
  revision: number;
  type: string;
  error: string;
  blocked_by: number | null;
  parked_at: string;
  attempts: number;
  last_attempt_at: string | null;
}

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

/** The parked events of one projection (its name is the key, so a rebuild's shadow has its own lot). */
export class ParkingLot {
  private readonly statements;

  constructor(
    private readonly db: Database.Database,
    readonly projection: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.statements = {
      insert: db.prepare(
        `INSERT OR REPLACE INTO parked_events (projection, position, event_id, stream_id, revision, type, error, blocked_by, parked_at, attempts, last_attempt_at)
         VALUES (@projection, @position, @eventId, @streamId, @revision, @type, @error, @blockedBy, @parkedAt, @attempts, @lastAttemptAt)`,
      ),
      firstPerStream: db.prepare<[string], { stream_id: string; position: number }>(
        'SELECT stream_id, MIN(position) AS position FROM parked_events WHERE projection = ? GROUP BY stream_id ORDER BY 2',
      ),
      list: db.prepare<[string, number], ParkedRow>('SELECT * FROM parked_events WHERE projection = ? ORDER BY position LIMIT ?'),
      count: db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM parked_events WHERE projection = ?'),
      one: db.prepare<[string, number], ParkedRow>('SELECT * FROM parked_events WHERE projection = ? AND position = ?'),
      ofStream: db.prepare<[string, string], ParkedRow>('SELECT * FROM parked_events WHERE projection = ? AND stream_id = ? ORDER BY position'),
      remove: db.prepare<[string, number]>('DELETE FROM parked_events WHERE projection = ? AND position = ?'),
      failedAgain: db.prepare<[string, string, string, number]>(
        'UPDATE parked_events SET error = ?, blocked_by = NULL, attempts = attempts + 1, last_attempt_at = ? WHERE projection = ? AND position = ?',
      ),
      blockBehind: db.prepare<[{ first: number; projection: string; streamId: string }]>(
        `UPDATE parked_events SET blocked_by = @first, error = 'waiting behind the parked event at position ' || @first || ' of its stream'
         WHERE projection = @projection AND stream_id = @streamId AND position > @first`,
      ),
    };
  }

  /** For each stream with parked events, the position of its first one. */
  blockedStreams(): Map<string, number> {
    return new Map(this.statements.firstPerStream.all(this.projection).map((row) => [row.stream_id, row.position]));
  }

  count(): number {
    return this.statements.count.get(this.projection)?.n ?? 0;
  }

  list(limit = 1000): ParkedEvent[] {
    return this.statements.list.all(this.projection, limit).map(toParked);
  }

  get(position: number): ParkedEvent | null {
    const row = this.statements.one.get(this.projection, position);
    return row ? toParked(row) : null;
  }

  ofStream(streamId: string): ParkedEvent[] {
    return this.statements.ofStream.all(this.projection, streamId).map(toParked);
  }

  park(event: RecordedEvent, error: string, blockedBy: number | null): void {
    const at = this.now().toISOString();
    this.statements.insert.run({
      projection: this.projection,
      position: event.position,
      eventId: event.id,
      streamId: event.streamId,
      revision: event.revision,
      type: event.type,
      error: blockedBy === null ? error : `waiting behind the parked event at position ${blockedBy} of its stream`,
      blockedBy,
      parkedAt: at,
      attempts: blockedBy === null ? 1 : 0,
      lastAttemptAt: blockedBy === null ? at : null,
    });
  }

  /** A retry applied it: it is no longer parked. */
  release(position: number): void {
    this.statements.remove.run(this.projection, position);
  }

  /** A retry failed again: it stays parked with the new error, and the rest of its stream waits behind it. */
  failedAgain(parked: ParkedEvent, error: string): void {
    this.statements.failedAgain.run(error, this.now().toISOString(), this.projection, parked.position);
    this.statements.blockBehind.run({ first: parked.position, projection: this.projection, streamId: parked.streamId });
  }
}

function toParked(row: ParkedRow): ParkedEvent {
  return {
    position: row.position,
    eventId: row.event_id,
    streamId: row.stream_id,
    revision: row.revision,
    type: row.type,
    error: row.error,
    blockedBy: row.blocked_by,
    parkedAt: row.parked_at,
    attempts: row.attempts,
    lastAttemptAt: row.last_attempt_at,
  };
}

/**
 * Applies events in order, inside the caller's transaction, parking those
 * that cannot be applied (and the later events of their streams). The whole
 * batch is tried at once first (the fast path); only if it fails is it
 * applied again event by event, each in its own savepoint.
 */
export function applyWithParking(db: Database.Database, projection: ParkableProjection, parking: ParkingLot, events: readonly RecordedEvent[]): void {
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
function applyOne(db: Database.Database, projection: ParkableProjection, event: RecordedEvent): string | null {
  try {
    db.transaction(() => projection.applyBatch([event]))();
    return null;
  } catch (error) {
    projection.reset?.();
    if (isInfrastructureError(error)) throw error;
    return messageOf(error);
  }
}

export class ParkedEventNotFound extends Error {
  constructor(readonly position: number) {
    super(`no event is parked at position ${position}`);
  }
}

/** A retry must start at the first parked event of a stream: the stream's events apply in order. */
export class ParkedEventNotFirst extends Error {
  constructor(
    readonly position: number,
    readonly first: number,
  ) {
    super(`the event at position ${position} waits behind the parked event at position ${first} of the same stream: retry that one`);
  }
}

export interface RetryResult {
  /** Positions applied by this retry, in order. */
  readonly applied: number[];
  /** What is still parked of the retried streams (the first of each with its new error). */
  readonly stillParked: ParkedEvent[];
}

/**
 * Retries a stream's parked events in order, from its first one, until one
 * fails again (it stays parked, with the new error, and the rest wait behind
 * it). The events are read again from the store, the record, not from a
 * copy. Runs in its own immediate transaction (a savepoint inside the
 * caller's, if there is one).
 */
export async function retryParkedStream(
  store: EventStore,
  db: Database.Database,
  projection: ParkableProjection,
  parking: ParkingLot,
  streamId: string,
): Promise<RetryResult> {
  const applied: number[] = [];
  let readUpTo = -1;
  // The live runner may park more events of the stream while it is read (its batches run between
  // the read and the transaction): those are read again, not reported missing from the store.
  for (let done = false; !done; ) {
    const parked = parking.ofStream(streamId);
    if (parked.length === 0) break;
    const read = await store.readStream(streamId, { fromRevision: parked[0].revision });
    const last = read.length > 0 ? read[read.length - 1].position : -1;
    const readMore = last > readUpTo;
    readUpTo = Math.max(readUpTo, last);
    const events = new Map(read.map((event) => [event.position, event]));
    done = true;
    db.transaction(() => {
      for (const entry of parking.ofStream(streamId)) {
        const event = events.get(entry.position);
        if (!event && entry.position > last && readMore) {
          done = false;
          return;
        }
        if (!event || event.id !== entry.eventId) {
          parking.failedAgain(entry, `the event store has no event ${entry.eventId} at position ${entry.position} of ${streamId}`);
          return;
        }
        const error = applyOne(db, projection, event);
        if (error !== null) {
          parking.failedAgain(entry, error);
          return;
        }
        parking.release(entry.position);
        applied.push(entry.position);
      }
    }).immediate();
  }
  const left = parking.ofStream(streamId);
  return { applied, stillParked: left.slice(0, 1) };
}

/** Retries the parked event at `position` (the first parked of its stream) and those waiting behind it. */
export async function retryParked(
  store: EventStore,
  db: Database.Database,
  projection: ParkableProjection,
  parking: ParkingLot,
  position: number,
): Promise<RetryResult> {
  const parked = parking.get(position);
  if (!parked) throw new ParkedEventNotFound(position);
  const first = parking.blockedStreams().get(parked.streamId);
  if (first !== undefined && first !== position) throw new ParkedEventNotFirst(position, first);
  return retryParkedStream(store, db, projection, parking, parked.streamId);
}

/**
 * Retries every parked stream, in the order of their first parked events,
 * and a stream that failed again once more whenever another stream applied
 * something after its failure (an event can depend on one of another stream
 * parked after it, as a project on its pair).
 */
export async function retryAllParked(store: EventStore, db: Database.Database, projection: ParkableProjection, parking: ParkingLot): Promise<RetryResult> {
  const applied: number[] = [];
  const failedAt = new Map<string, number>();
  for (;;) {
    const due = [...parking.blockedStreams().keys()].filter((streamId) => (failedAt.get(streamId) ?? -1) < applied.length);
    if (due.length === 0) break;
    for (const streamId of due) {
      const result = await retryParkedStream(store, db, projection, parking, streamId);
      applied.push(...result.applied);
      if (result.stillParked.length > 0) failedAt.set(streamId, applied.length);
    }
  }
  const stillParked = [...parking.blockedStreams().keys()].map((streamId) => parking.ofStream(streamId)[0]);
  return { applied: applied.sort((a, b) => a - b), stillParked };
}
