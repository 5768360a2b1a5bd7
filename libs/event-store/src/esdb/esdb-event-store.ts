import {
  ANY,
  BACKWARDS,
  END,
  KurrentDBClient,
  FORWARDS,
  MaxAppendSizeExceededError,
  NO_STREAM,
  type Position,
  type ResolvedEvent,
  START,
  STREAM_EXISTS,
  StreamDeletedError,
  StreamNotFoundError,
  WrongExpectedVersionError,
  jsonEvent,
  streamNameFilter,
} from '@kurrent/kurrentdb-client';
import { InFlight, TIMED_OUT, within } from '#background';
import {
  AppendTooLarge,
  type AppendResult,
  type AppendsObservable,
  type EventStore,
  type ExpectedRevision,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeOptions,
  StreamDeleted,
  WrongExpectedRevision,
  validateAppend,
} from '../event-store.port.js';

export interface EsdbOptions {
  readonly connectionString: string;
  /** The streams this store reads and subscribes to (the ledger's: `partner-pair-`, `project-`); system streams are always skipped. */
  readonly streamPrefixes: readonly string[];
  readonly onReconnect?: (error: Error, delayMs: number) => void;
}

/**
 * Metadata as EventStoreDB stores it: its own `$correlationId` and
 * `$causationId` keys (which its UI and projections understand), plus the
 * ledger's schema version and recording time and every other key of the
 * writer's metadata as it is (actor, writtenAt, hash, …).
 */
interface StoredMetadata {
  $correlationId?: string;
  $causationId?: string;
  actor?: string;
  schemaVersion?: number;
  recordedAt?: string;
  [key: string]: unknown;
}

/**
 * The event store port on EventStoreDB (and KurrentDB, which speaks the same
 * protocol). Positions are $all commit positions: EventStoreDB's commit and
 * prepare positions differ only inside explicit transactions, which gRPC
 * clients cannot open, so one number names an event and round-trips.
 */
export class EsdbEventStore implements EventStore, AppendsObservable {
  private readonly client: KurrentDBClient;
  private closed = false;
  private readonly appendListeners = new Set<(position: number) => void>();
  /** Appends sent and not yet answered: close() lets them settle before it disposes the client. */
  private readonly appends = new InFlight();
  /** The reachability read under way, if any: probes share it (the client's reads cannot be cancelled). */
  private probe: Promise<boolean> | null = null;

  constructor(private readonly options: EsdbOptions) {
    this.client = KurrentDBClient.connectionString(options.connectionString);
  }

  /** Tells `listener` of every append made through this client (its position); returns the call that stops it. */
  onAppended(listener: (position: number) => void): () => void {
    this.appendListeners.add(listener);
    return () => this.appendListeners.delete(listener);
  }

  async appendToStream(
    streamId: string,
    events: readonly NewEvent[],
    options: { expectedRevision?: ExpectedRevision } = {},
  ): Promise<AppendResult> {
    const expected = options.expectedRevision ?? 'any';
    if (this.closed) throw new Error('the event store is closed');
    validateAppend(streamId, events, expected);
    const recordedAt = new Date().toISOString();
    const proposed = events.map((event) =>
      jsonEvent({
        id: event.id,
        type: event.type,
        data: event.data as Record<string, never>,
        metadata: toStoredMetadata(event, recordedAt),
      }),
    );
    try {
      const result = await this.appends.track(this.client.appendToStream(streamId, proposed, { streamState: toEsdbRevision(expected) }));
      // Only with throwOnAppendFailure=false, which the configuration refuses: a refusal would otherwise pass for a write.
      if (!result.success) throw new Error(`EventStoreDB refused the append to ${streamId} without an error (throwOnAppendFailure=false)`);
      if (!result.position) throw new Error(`EventStoreDB returned no position for an append to ${streamId}`);
      const position = Number(result.position.commit);
      for (const listener of this.appendListeners) listener(position);
      return { nextExpectedRevision: Number(result.nextExpectedRevision), position };
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) {
        const actual = error.actualState;
        throw new WrongExpectedRevision(streamId, expected, typeof actual === 'bigint' ? Number(actual) : 'no_stream');
      }
      if (error instanceof StreamDeletedError) throw new StreamDeleted(streamId);
      if (error instanceof MaxAppendSizeExceededError) throw new AppendTooLarge(streamId, error.maxAppendSize);
      throw error;
    }
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    try {
      for await (const resolved of this.client.readStream(streamId, {
        fromRevision: BigInt(options.fromRevision ?? 0),
        direction: FORWARDS,
        ...(options.maxCount === undefined ? {} : { maxCount: BigInt(options.maxCount) }),
      })) {
        events.push(toRecordedEvent(resolved));
      }
    } catch (error) {
      // A soft-deleted stream reads as not found, as a new one does; a tombstoned one is said.
      if (error instanceof StreamNotFoundError) return [];
      if (error instanceof StreamDeletedError) throw new StreamDeleted(streamId);
      throw error;
    }
    return events;
  }

  /**
   * EventStoreDB reads $all from a position inclusively and has no filter
   * for plain reads, so this skips events at or before `after` (or already
   * seen) and every event outside the ledger's streams, reading on until it
   * has some or reaches the end: an empty page always means "at the head".
   * Pages hold one more than `maxCount`, so the inclusive start can never
   * fill a page and stall the read.
   */
  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const maxCount = options.maxCount ?? 1000;
    const pageSize = maxCount + 1;
    let seen = options.after ?? 0;
    const page: RecordedEvent[] = [];
    let from: Position | typeof START = seen > 0 ? at(seen) : START;
    for (;;) {
      let read = 0;
      for await (const resolved of this.client.readAll({ fromPosition: from, maxCount: pageSize, direction: FORWARDS })) {
        read++;
        const event = resolved.event;
        if (!event?.position || Number(event.position.commit) <= seen) continue;
        seen = Number(event.position.commit);
        from = event.position;
        if (this.accepts(event.streamId, event.type)) page.push(toRecordedEvent(resolved));
        if (page.length === maxCount) return page;
      }
      if (page.length > 0 || read < pageSize) return page;
    }
  }

  /**
   * A filtered $all subscription (server-side: only the ledger's streams),
   * from `after`, yielding whatever has arrived, up to `maxBatch` at a time.
   * If the connection drops, it resubscribes from the last event it
   * delivered, with backoff, so nothing is skipped or reordered.
   */
  async *subscribeToAll(options: SubscribeOptions = {}): AsyncGenerator<RecordedEvent[]> {
    const maxBatch = options.maxBatch ?? 1000;
    let cursor = options.after ?? 0;
    let delayMs = 100;
    while (!options.signal?.aborted && !this.closed) {
      const subscription = this.client.subscribeToAll({
        fromPosition: cursor > 0 ? at(cursor) : START,
        filter: streamNameFilter({ prefixes: [...this.options.streamPrefixes] }),
      });
      const buffered: ResolvedEvent[] = [];
      let failure: Error | null = null;
      let ended = false;
      let wake: (() => void) | null = null;
      const notify = (): void => {
        wake?.();
        wake = null;
      };
      subscription.on('data', (resolved: ResolvedEvent) => {
        buffered.push(resolved);
        // Backpressure: stop reading from the server while a few batches wait.
        if (buffered.length >= maxBatch * 4) subscription.pause();
        notify();
      });
      subscription.on('error', (error: Error) => {
        failure = error;
        notify();
      });
      subscription.on('end', () => {
        ended = true;
        notify();
      });
      const stop = (): void => {
        void subscription.unsubscribe();
        notify();
      };
      options.signal?.addEventListener('abort', stop, { once: true });
      try {
        while (!options.signal?.aborted && !this.closed) {
          if (buffered.length === 0) {
            if (failure) throw failure;
            if (ended) throw new Error('the subscription ended');
            await new Promise<void>((resolve) => (wake = resolve));
            // Let the messages that arrived together be taken together.
            await new Promise((resolve) => setImmediate(resolve));
            continue;
          }
          const batch = buffered
            .splice(0, maxBatch)
            .filter((resolved) => resolved.event && this.accepts(resolved.event.streamId, resolved.event.type))
            .map(toRecordedEvent)
            .filter((event) => event.position > cursor);
          if (subscription.isPaused()) subscription.resume();
          if (batch.length === 0) continue;
          cursor = batch[batch.length - 1].position;
          delayMs = 100;
          yield batch;
        }
      } catch (error) {
        if (options.signal?.aborted || this.closed) break;
        this.options.onReconnect?.(error as Error, delayMs);
        await abortableDelay(delayMs, options.signal);
        delayMs = Math.min(delayMs * 2, 5000);
      } finally {
        options.signal?.removeEventListener('abort', stop);
        await subscription.unsubscribe().catch(() => undefined);
      }
    }
  }

  /** The position of the last of the ledger's events, 0 when there is none. */
  async headPosition(): Promise<number> {
    let from: Position | typeof END = END;
    for (;;) {
      let read = 0;
      let last: Position | undefined;
      for await (const resolved of this.client.readAll({ fromPosition: from, maxCount: 100, direction: BACKWARDS })) {
        read++;
        last = resolved.event?.position;
        if (resolved.event && this.accepts(resolved.event.streamId, resolved.event.type)) return Number(resolved.event.position.commit);
      }
      if (read < 100 || !last) return 0;
      from = last;
    }
  }

  /** Whether the server answers a read within `timeoutMs`: for health checks. (The client itself waits for a connection without limit.) */
  async isReachable(timeoutMs = 2000): Promise<boolean> {
    // The client's reads (its Rust bridge) cannot be cancelled and have no deadline: a server that takes the connection
    // and never answers would leave each probe's read waiting. Probes share the one under way instead.
    this.probe ??= (async () => {
      for await (const _ of this.client.readAll({ fromPosition: END, maxCount: 1, direction: BACKWARDS })) break;
      return true;
    })()
      .catch(() => false)
      .finally(() => {
        this.probe = null;
      });
    const answer = await within(timeoutMs, this.probe);
    return answer !== TIMED_OUT && answer;
  }

  async close(): Promise<void> {
    this.closed = true;
    // Disposing cancels the appends still in flight, which may or may not have been written: they settle first.
    await this.appends.settled(CLOSE_WAIT_MS);
    // dispose() waits on channels that may never close once the server is gone.
    await within(DISPOSE_WAIT_MS, this.client.dispose());
  }

  private accepts(streamId: string, type: string): boolean {
    return !streamId.startsWith('$') && !type.startsWith('$') && this.options.streamPrefixes.some((prefix) => streamId.startsWith(prefix));
  }
}

function abortableDelay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}

function at(position: number): Position {
  return { commit: BigInt(position), prepare: BigInt(position) };
}

function toEsdbRevision(expected: ExpectedRevision): typeof ANY | typeof NO_STREAM | typeof STREAM_EXISTS | bigint {
  if (expected === 'any') return ANY;
  if (expected === 'no_stream') return NO_STREAM;
  if (expected === 'stream_exists') return STREAM_EXISTS;
  return BigInt(expected);
}

function toRecordedEvent(resolved: ResolvedEvent): RecordedEvent {
  const event = resolved.event;
  if (!event || !event.position) throw new Error('EventStoreDB returned an event without a position');
  const { $correlationId, $causationId, actor, schemaVersion, recordedAt, ...rest } = (event.metadata ?? {}) as StoredMetadata;
  return {
    id: event.id,
    streamId: event.streamId,
    revision: Number(event.revision),
    position: Number(event.position.commit),
    type: event.type,
    schemaVersion: schemaVersion ?? 1,
    data: event.data,
    metadata: {
      correlationId: $correlationId ?? '',
      causationId: $causationId ?? '',
      actor: actor ?? '',
      ...rest,
      recordedAt: recordedAt ?? event.created.toISOString(),
    },
  };
}

function toStoredMetadata(event: NewEvent, recordedAt: string): StoredMetadata {
  const { correlationId, causationId, ...rest } = event.metadata;
  return { $correlationId: correlationId, $causationId: causationId, ...rest, schemaVersion: event.schemaVersion, recordedAt };
}

/** How long close() waits for appends under way (a server gone may never answer them). */
const CLOSE_WAIT_MS = 2000;
/** How long close() waits for the client's dispose(), which waits on channels that may never close once the server is gone. */
const DISPOSE_WAIT_MS = 1000;
