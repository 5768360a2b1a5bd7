import {
  type AppendResult,
  type EventStore,
  type ReadStreamOptions,
  type ExpectedRevision,
  type NewEvent,
  type ReadAllOptions,
  type RecordedEvent,
  type SubscribeOptions,
  WrongExpectedRevision,
} from '#event-store';
import { type CommandObserver, secondsSince } from './command-observer.js';

/**
 * A decorator of the event-store port: every append is timed for the
 * observer (latency as the command sees it, group commit and fsync
 * included); everything else passes straight through.
 */
export class ObservedEventStore implements EventStore {
  constructor(
    private readonly store: EventStore,
    private readonly observer: CommandObserver,
  ) {}

  async appendToStream(
    streamId: string,
    events: readonly NewEvent[],
    options?: { expectedRevision?: ExpectedRevision },
  ): Promise<AppendResult> {
    const start = process.hrtime.bigint();
    try {
      const result = await this.store.appendToStream(streamId, events, options);
      this.observer.eventsAppended({ result: 'appended', events: events.length, durationSeconds: secondsSince(start) });
      return result;
    } catch (error) {
      const result = error instanceof WrongExpectedRevision ? 'wrong-expected-revision' : 'error';
      this.observer.eventsAppended({ result, events: events.length, durationSeconds: secondsSince(start) });
      throw error;
    }
  }

  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    return this.store.readStream(streamId, options);
  }

  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]> {
    return this.store.readAll(options);
  }

  subscribeToAll(options?: SubscribeOptions): AsyncIterable<RecordedEvent[]> {
    return this.store.subscribeToAll(options);
  }

  headPosition(): Promise<number> {
    return this.store.headPosition();
  }

  isReachable(): Promise<boolean> {
    return this.store.isReachable();
  }

  close(): Promise<void> {
    return this.store.close();
  }
}
