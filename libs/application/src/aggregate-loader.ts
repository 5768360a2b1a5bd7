import type { RecordedAt } from '#domain';
import { GENESIS_HASH, type UpcastingEventStore, chainLink } from '#event-store';

export interface Loaded<S> {
  readonly state: S;
  /** The stream's revision, -1 if it does not exist. */
  readonly revision: number;
  /** The hash-chain link of the stream's last event (GENESIS_HASH if there is none): what the next event chains to. */
  readonly head: string;
}

/** One aggregate's stream, ready for the executor: where it is and how to load it. */
export interface LoadableStream<S> {
  readonly streamId: string;
  load(): Promise<Loaded<S>>;
  /**
   * Drops what is remembered of the stream, so the next load reads it from the start: after an append lost a
   * race, the remembered state is not trusted to be a prefix of the stream any more (a store restored from a
   * backup, say); the next command pays one full read and the cache heals.
   */
  forget(): void;
}

/** What an aggregate is to the write side: its first state, how an event changes it, the events it may hold, its stream name. */
export interface AggregateDefinition<S, E extends { type: string; data: unknown }> {
  readonly initial: S;
  readonly evolve: (state: S, event: E, at: RecordedAt) => S;
  readonly eventTypes: readonly E['type'][];
  readonly streamIdOf: (id: string) => string;
}

/**
 * Folds an aggregate's stream into its state, remembering the latest states
 * (state, revision, chain head) of the `cacheSize` most recently used streams
 * so the next load only reads the events appended since: a command on a
 * stream 20,000 events long folds the one or two events another writer (or
 * process) appended since, and evolve copies nothing (the domain's states are
 * persistent), so its cost does not grow with the stream. The catch-up read
 * always happens, so another process's appends are picked up; the executor
 * forgets a stream whose append lost a race. States are immutable (evolve is
 * pure), so a cached one can be shared safely. It reads the stored form (the
 * chain head is taken from it) and has the store upcast each event to the
 * current schema of its type before evolve sees it.
 */
export class AggregateLoader<S, E extends { type: string; data: unknown }> {
  private readonly cache = new Map<string, Loaded<S>>();
  private readonly eventTypes: ReadonlySet<string>;

  constructor(
    private readonly events: UpcastingEventStore,
    private readonly aggregate: AggregateDefinition<S, E>,
    private readonly cacheSize = 10_000,
  ) {
    this.eventTypes = new Set(aggregate.eventTypes);
  }

  /** The aggregate with this id, as a stream the executor can load and append to. */
  stream(id: string): LoadableStream<S> {
    const streamId = this.aggregate.streamIdOf(id);
    return { streamId, load: () => this.loadStream(streamId), forget: () => this.cache.delete(streamId) };
  }

  /** The aggregate's state as the write side decides against it; revision -1 if it does not exist. */
  load(id: string): Promise<Loaded<S>> {
    return this.loadStream(this.aggregate.streamIdOf(id));
  }

  private async loadStream(streamId: string): Promise<Loaded<S>> {
    const cached = this.cache.get(streamId) ?? { state: this.aggregate.initial, revision: -1, head: GENESIS_HASH };
    const stored = await this.events.stored.readStream(streamId, { fromRevision: cached.revision + 1 });
    let { state, revision, head } = cached;
    for (const event of stored) {
      if (!this.eventTypes.has(event.type)) throw new Error(`stream ${streamId} holds an unknown event type ${event.type}`);
      const recorded = this.events.upcast(event);
      state = this.aggregate.evolve(state, { type: recorded.type, data: recorded.data } as E, {
        revision: recorded.revision,
        position: recorded.position,
      });
      revision = recorded.revision;
      head = chainLink(event, head);
    }
    const loaded = { state, revision, head };
    this.remember(streamId, loaded);
    return loaded;
  }

  private remember(streamId: string, loaded: Loaded<S>): void {
    const cached = this.cache.get(streamId);
    // Two loads of one stream may overlap (a pair is read outside its own lock): keep the later of the two.
    if (cached && cached.revision > loaded.revision) return;
    // Map keeps insertion order: re-inserting marks the entry as most recently used.
    this.cache.delete(streamId);
    this.cache.set(streamId, loaded);
    if (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value as string);
  }
}
