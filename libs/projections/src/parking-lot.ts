import type Database from 'better-sqlite3';
import type { RecordedEvent } from '#event-store';

/** An event set aside by a projection (see apply-with-parking.ts for when and why). */
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
        `INSERT OR REPLACE INTO parked_events (projection, position, event_id, stream_id, revision, type, error, blocked_by, parked_at,
           attempts, last_attempt_at)
         VALUES (@projection, @position, @eventId, @streamId, @revision, @type, @error, @blockedBy, @parkedAt, @attempts, @lastAttemptAt)`,
      ),
      firstPerStream: db.prepare<[string], { stream_id: string; position: number }>(
        'SELECT stream_id, MIN(position) AS position FROM parked_events WHERE projection = ? GROUP BY stream_id ORDER BY 2',
      ),
      list: db.prepare<[string, number], ParkedRow>('SELECT * FROM parked_events WHERE projection = ? ORDER BY position LIMIT ?'),
      count: db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM parked_events WHERE projection = ?'),
      one: db.prepare<[string, number], ParkedRow>('SELECT * FROM parked_events WHERE projection = ? AND position = ?'),
      ofStream: db.prepare<[string, string], ParkedRow>(
        'SELECT * FROM parked_events WHERE projection = ? AND stream_id = ? ORDER BY position',
      ),
      remove: db.prepare<[string, number]>('DELETE FROM parked_events WHERE projection = ? AND position = ?'),
      failedAgain: db.prepare<[string, string, string, number]>(
        'UPDATE parked_events SET error = ?, blocked_by = NULL, attempts = attempts + 1, last_attempt_at = ? ' +
          'WHERE projection = ? AND position = ?',
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
