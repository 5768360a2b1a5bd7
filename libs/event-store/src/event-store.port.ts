/**
 * The one port every part of the ledger uses to store and read events. Its
 * semantics follow EventStoreDB's, so the embedded store and the EventStoreDB
 * adapter are interchangeable: streams have 0-based revisions, the whole log
 * has a global position that only grows, and appends are optimistic on an
 * expected revision.
 */

/** 'no_stream': the stream must not exist; 'stream_exists': it must; a number: it must be at exactly that revision. */
export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | number;

export interface EventMetadata {
  readonly correlationId: string;
  readonly causationId: string;
  readonly actor: string;
  /** When the writer built the event (ISO timestamp): unlike the store's recordedAt, covered by the hash. */
  readonly writtenAt?: string;
  /** The event's link in its stream's hash chain (hash-chain.ts); absent on events stored before the chain existed. */
  readonly hash?: string;
}

export interface NewEvent {
  /**
   * A UUID chosen by the writer; appending the same ids again to the same
   * stream is recognised as a retry. (An id already used in another stream
   * is refused by the embedded store and accepted by EventStoreDB: writers
   * must use fresh UUIDs, as the ledger does.)
   */
  readonly id: string;
  readonly type: string;
  readonly schemaVersion: number;
  readonly data: unknown;
  readonly metadata: EventMetadata;
}

export interface RecordedEvent {
  readonly id: string;
  readonly streamId: string;
  readonly revision: number;
  /** Global position in the log of all events: strictly increasing, 1 for the first event. */
  readonly position: number;
  readonly type: string;
  /** The schema version of `data`: the current one of its type when read through an UpcastingEventStore. */
  readonly schemaVersion: number;
  /**
   * Set when an UpcastingEventStore upcast the event: the version it was stored with (the hash covers the stored
   * form). Absent, the event is as stored, at `schemaVersion`.
   */
  readonly storedSchemaVersion?: number;
  readonly data: unknown;
  readonly metadata: EventMetadata & { readonly recordedAt: string };
}

export interface AppendResult {
  /** The revision of the last event written: the value to expect on the next append. */
  readonly nextExpectedRevision: number;
  /** The global position of the last event written. */
  readonly position: number;
}

export interface ReadAllOptions {
  /** Read events after this global position (0 = from the start). */
  readonly after?: number;
  readonly maxCount?: number;
}

export interface ReadStreamOptions {
  /** The first revision read (default 0). */
  readonly fromRevision?: number;
  /** At most this many events (default: to the end of the stream): a long stream is read in pages. */
  readonly maxCount?: number;
}

export interface SubscribeOptions {
  readonly after?: number;
  readonly maxBatch?: number;
  readonly signal?: AbortSignal;
}

export interface EventStore {
  appendToStream(streamId: string, events: readonly NewEvent[], options?: { expectedRevision?: ExpectedRevision }): Promise<AppendResult>;
  /** The stream's events from `fromRevision` on (at most `maxCount`), in order; empty if the stream does not exist. */
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  /** Events of every stream in global order. */
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /** Catches up from `after`, then stays live: yields batches in global order until the signal aborts. */
  subscribeToAll(options?: SubscribeOptions): AsyncIterable<RecordedEvent[]>;
  /** The position of the last event in the log, 0 when empty. */
  headPosition(): Promise<number>;
  /** Whether the store answers (within a short time): for health checks. */
  isReachable(): Promise<boolean>;
  close(): Promise<void>;
}

export class WrongExpectedRevision extends Error {
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    readonly actual: number | 'no_stream',
  ) {
    super(`stream ${streamId}: expected revision ${String(expected)}, but it is ${String(actual)}`);
    this.name = 'WrongExpectedRevision';
  }
}

/** An event id that is already stored, and not as part of an identical earlier append. */
export class DuplicateEventId extends Error {
  constructor(readonly eventId: string) {
    super(`event id ${eventId} is already stored elsewhere`);
    this.name = 'DuplicateEventId';
  }
}

/**
 * The stream was deleted in the store (an EventStoreDB tombstone, by an
 * operator: the ledger never deletes): it can be neither read nor written
 * again, so what it held is gone from every read but $all's history.
 */
export class StreamDeleted extends Error {
  constructor(readonly streamId: string) {
    super(`stream ${streamId} was deleted in the event store; it can no longer be read or written`);
    this.name = 'StreamDeleted';
  }
}

/** The store refuses an append this large (EventStoreDB's MaxAppendSize, 1 MiB by default); nothing was written. */
export class AppendTooLarge extends Error {
  constructor(
    readonly streamId: string,
    readonly maxBytes: number,
  ) {
    super(`the events for stream ${streamId} exceed the event store's append size limit of ${maxBytes} bytes; nothing was written`);
    this.name = 'AppendTooLarge';
  }
}

/**
 * The store lost track of an append it had been given (the embedded store's writer thread stopped while
 * holding it): it may or may not be stored. Repeating it with the same event ids is safe, since the store
 * answers a repeated append with the original result.
 */
export class AppendOutcomeUnknown extends Error {
  constructor(reason: string) {
    const outcome = 'the append may or may not be stored; repeating it with the same event ids is safe';
    super(`the event store stopped (${reason}) while writing; ${outcome}`);
    this.name = 'AppendOutcomeUnknown';
  }
}

export class InvalidAppend extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidAppend';
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Checks what both adapters require of an append before touching storage. */
export function validateAppend(streamId: string, events: readonly NewEvent[], expected: ExpectedRevision): void {
  if (typeof streamId !== 'string' || streamId.length === 0 || streamId.startsWith('$')) {
    throw new InvalidAppend(`invalid stream id ${JSON.stringify(streamId)}`);
  }
  if (events.length === 0) throw new InvalidAppend('an append needs at least one event');
  if (typeof expected === 'number' && !(Number.isSafeInteger(expected) && expected >= 0)) {
    throw new InvalidAppend(`invalid expected revision ${expected}`);
  }
  for (const event of events) {
    if (!UUID.test(event.id)) throw new InvalidAppend(`event id ${JSON.stringify(event.id)} is not a UUID`);
    if (!event.type || event.type.startsWith('$')) throw new InvalidAppend(`invalid event type ${JSON.stringify(event.type)}`);
    if (!Number.isSafeInteger(event.schemaVersion) || event.schemaVersion < 1) {
      throw new InvalidAppend(`invalid schema version ${event.schemaVersion}`);
    }
  }
}

/** Whether a stream at `actual` satisfies `expected`. */
export function revisionMatches(expected: ExpectedRevision, actual: number | 'no_stream'): boolean {
  if (expected === 'any') return true;
  if (expected === 'no_stream') return actual === 'no_stream';
  if (expected === 'stream_exists') return actual !== 'no_stream';
  return actual === expected;
}

/**
 * A store that tells of the appends made through it (both adapters do): the position of each, once
 * committed. What this process wrote, so that its own reads and its followers can wait for it.
 */
export interface AppendsObservable {
  onAppended(listener: (position: number) => void): () => void;
}

export function observesAppends(store: EventStore): store is EventStore & AppendsObservable {
  return typeof (store as Partial<AppendsObservable>).onAppended === 'function';
}
