import type { EventStore, RecordedEvent } from './event-store.port.js';
import { GENESIS_HASH, eventHash } from './hash-chain.js';
import { yieldToEventLoop } from './cooperative.js';

export interface ChainBreak {
  readonly streamId: string;
  /** The revision of the first event whose chain does not hold. */
  readonly revision: number;
  readonly eventId: string;
  readonly position: number;
  /**
   * hash-mismatch: the stored hash is not the hash of the event as stored (it, or an event before it, was changed);
   * revision-gap: the event does not follow the previous one of its stream (events before it were removed);
   * hash-missing: an event without a hash after hashed ones (its hash was removed, or an old release wrote it).
   */
  readonly reason: 'hash-mismatch' | 'revision-gap' | 'hash-missing';
  readonly expected: string;
  readonly found: string;
}

export interface ChainVerification {
  /** True when every chain holds. */
  readonly ok: boolean;
  readonly streams: number;
  readonly events: number;
  /** Events stored before hashes existed (no hash in their metadata). */
  readonly legacy: number;
  /** Of those, the ones no later hashed event vouches for yet: a change to them cannot be detected. */
  readonly legacyUnchained: number;
  /** The first break in global order, or null. */
  readonly firstBreak: ChainBreak | null;
  /** How many streams have a break. */
  readonly brokenStreams: number;
}

export interface VerifyOptions {
  /** Verify only this stream (read on its own); otherwise every stream, read through the log page by page. */
  readonly streamId?: string;
  readonly pageSize?: number;
  readonly onProgress?: (progress: { readonly position: number; readonly events: number }) => void;
}

interface StreamState {
  revision: number;
  hash: string;
  hashed: boolean;
  trailingLegacy: number;
  broken: boolean;
}

/**
 * Recomputes every hash chain (or one stream's) from the events as stored
 * and reports the first break. Reads the log in pages and keeps one small
 * entry per stream, so memory grows with the number of streams, never with
 * the number of events. Give it the store itself, not an upcasting view:
 * hashes cover the stored form.
 *
 * A chain cannot show that events were removed from the END of a stream
 * (nothing follows them); compare a stream's head hash with one recorded
 * elsewhere for that.
 */
export async function verifyHashChains(store: EventStore, options: VerifyOptions = {}): Promise<ChainVerification> {
  const streams = new Map<string, StreamState>();
  let events = 0;
  let legacy = 0;
  let firstBreak = null as ChainBreak | null;

  const check = (event: RecordedEvent): void => {
    events++;
    const state = streams.get(event.streamId) ?? { revision: -1, hash: GENESIS_HASH, hashed: false, trailingLegacy: 0, broken: false };
    streams.set(event.streamId, state);
    if (event.metadata.hash === undefined) legacy++;
    if (state.broken) return;
    const fail = (reason: ChainBreak['reason'], expected: string, found: string): void => {
      state.broken = true;
      firstBreak ??= {
        streamId: event.streamId,
        revision: event.revision,
        eventId: event.id,
        position: event.position,
        reason,
        expected,
        found,
      };
    };
    if (event.revision !== state.revision + 1) return fail('revision-gap', `revision ${state.revision + 1}`, `revision ${event.revision}`);
    const computed = eventHash(event.streamId, event.revision, event, state.hash);
    const stored = event.metadata.hash;
    if (stored === undefined) {
      if (state.hashed) return fail('hash-missing', computed, 'none');
      state.trailingLegacy++;
    } else {
      if (stored !== computed) return fail('hash-mismatch', computed, String(stored));
      state.hashed = true;
      state.trailingLegacy = 0;
    }
    state.revision = event.revision;
    state.hash = computed;
  };

  // A page at a time, yielding to the event loop between pages: a verify of the whole log never holds the thread.
  const pageSize = options.pageSize ?? 250;
  if (options.streamId !== undefined) {
    for (let from = 0; ;) {
      const page = await store.readStream(options.streamId, { fromRevision: from, maxCount: pageSize });
      for (const event of page) check(event);
      if (page.length < pageSize) break;
      from = page[page.length - 1].revision + 1;
      await yieldToEventLoop();
    }
  } else {
    for (let after = 0; ;) {
      const page = await store.readAll({ after, maxCount: pageSize });
      if (page.length === 0) break;
      for (const event of page) check(event);
      after = page[page.length - 1].position;
      options.onProgress?.({ position: after, events });
      await yieldToEventLoop();
    }
  }

  let legacyUnchained = 0;
  let brokenStreams = 0;
  for (const state of streams.values()) {
    legacyUnchained += state.trailingLegacy;
    if (state.broken) brokenStreams++;
  }
  return { ok: firstBreak === null, streams: streams.size, events, legacy, legacyUnchained, firstBreak, brokenStreams };
}
