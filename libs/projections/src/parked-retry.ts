import type Database from 'better-sqlite3';
import { retryWhileLocked } from '#background';
import type { EventStore } from '#event-store';
import { type ParkableProjection, applyOne } from './apply-with-parking.js';
import type { ParkedEvent, ParkingLot } from './parking-lot.js';

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
  for (let done = false; !done;) {
    const parked = parking.ofStream(streamId);
    if (parked.length === 0) break;
    const read = await store.readStream(streamId, { fromRevision: parked[0].revision });
    const last = read.length > 0 ? read[read.length - 1].position : -1;
    const readMore = last > readUpTo;
    readUpTo = Math.max(readUpTo, last);
    const events = new Map(read.map((event) => [event.position, event]));
    // The followers thread (or another process) may hold the write lock for a batch: wait for it without blocking.
    await retryWhileLocked(() =>
      db
        .transaction(() => {
          done = true;
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
        })
        .immediate(),
    );
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
export async function retryAllParked(
  store: EventStore,
  db: Database.Database,
  projection: ParkableProjection,
  parking: ParkingLot,
): Promise<RetryResult> {
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
