import type { RecordedAt } from '#domain';
import { type EventStore, type EventUpcaster, GENESIS_HASH, chainLink, upcastRecorded } from '#event-store';

export interface Loaded<S> {
  readonly state: S;
  /** The stream's revision, -1 if it does not exist. */
  readonly revision: number;
  /** The hash-chain link of the stream's last event (GENESIS_HASH if there is none): what the next event chains to. */
  readonly head: string;
}

/**
 * Folds a stream into its state, remembering recent states so the next load
 * only reads the events appended since. States are immutable (evolve is
 * pure), so a cached one can be shared safely. It reads the store itself:
 * each event is upcast to the current schema of its type before evolve sees
 * it, while the chain head is taken from the stored form.
 */
export class AggregateLoader<S, E extends { type: string; data: unknown }> {
  private readonly cache = new Map<string, Loaded<S>>();

  constructor(
    private readonly store: EventStore,
    private readonly initial: S,
    private readonly evolve: (state: S, event: E, at: RecordedAt) => S,
    private readonly eventTypes: ReadonlySet<string>,
    private readonly upcaster: EventUpcaster,
    private readonly cacheSize = 10_000,
  ) {}

  async load(streamId: string): Promise<Loaded<S>> {
    const cached = this.cache.get(streamId) ?? { state: this.initial, revision: -1, head: GENESIS_HASH };
    const events = await this.store.readStream(streamId, { fromRevision: cached.revision + 1 });
    let { state, revision, head } = cached;
    for (const stored of events) {
      if (!this.eventTypes.has(stored.type)) throw new Error(`stream ${streamId} holds an unknown event type ${stored.type}`);
      const recorded = upcastRecorded(this.upcaster, stored);
      state = this.evolve(state, { type: recorded.type, data: recorded.data } as E, { revision: recorded.revision, position: recorded.position });
      revision = recorded.revision;
      head = chainLink(stored, head);
    }
    const loaded = { state, revision, head };
    this.remember(streamId, loaded);
    return loaded;
  }

  private remember(streamId: string, loaded: Loaded<S>): void {
    // Map keeps insertion order: re-inserting marks the entry as most recently used.
    this.cache.delete(streamId);
    this.cache.set(streamId, loaded);
    if (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value as string);
  }
}
