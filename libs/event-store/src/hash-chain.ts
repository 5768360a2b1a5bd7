import { createHash } from 'node:crypto';
import type { NewEvent, RecordedEvent } from './event-store.port.js';

/**
 * Tamper evidence. Every event's metadata carries `hash`: SHA-256 (hex) of a
 * canonical serialisation of everything its writer knew about it (stream id,
 * revision, event id, type, stored schema version, data, metadata except the
 * hash itself and the store's recordedAt) together with the hash of the
 * previous event of its stream, or GENESIS_HASH for a stream's first event.
 * Changing, removing or reordering any stored event of a stream therefore
 * breaks the chain at that event or the next.
 *
 * `recordedAt` is assigned by the store as it commits, after the writer
 * hashed the event, so it is not covered; the writer's own timestamp,
 * `metadata.writtenAt`, is (and is stamped just before the append).
 *
 * Events stored before the chain existed have no hash: the chain still runs
 * through them, each linked by the hash computed over its stored form, so
 * the first hashed event after them also vouches for them.
 */
export const GENESIS_HASH = '0'.repeat(64);

/** JSON with object keys in sorted order at every depth, so equal values always serialise to the same bytes. */
export function canonicalJson(value: unknown): string {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return canonicalJson((value as { toJSON: () => unknown }).toJSON());
  }
  if (Array.isArray(value))
    return `[${value.map((item) => (item === undefined || typeof item === 'function' ? 'null' : canonicalJson(item))).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .filter(
        (key) => (value as Record<string, unknown>)[key] !== undefined && typeof (value as Record<string, unknown>)[key] !== 'function',
      )
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  if (typeof value === 'bigint') throw new TypeError('a bigint cannot be stored in an event; store money as a decimal string');
  return JSON.stringify(value) ?? 'null';
}

/** The fields of an event the hash covers, whether it is about to be appended or was read back. */
export interface HashedFields {
  readonly id: string;
  readonly type: string;
  readonly schemaVersion: number;
  readonly data: unknown;
  readonly metadata: object;
}

/** The chain hash of an event at `revision` of `streamId` that follows an event whose chain hash is `previousHash`. */
export function eventHash(streamId: string, revision: number, event: HashedFields, previousHash: string): string {
  const { hash: _hash, recordedAt: _recordedAt, ...metadata } = event.metadata as Record<string, unknown>;
  const canonical = canonicalJson({
    streamId,
    revision,
    id: event.id,
    type: event.type,
    schemaVersion: event.schemaVersion,
    data: event.data,
    metadata,
    previousHash,
  });
  return createHash('sha256').update(canonical).digest('hex');
}

/**
 * The link a recorded event continues its stream's chain with: its stored
 * hash, or, for an event stored before hashes existed, the hash computed
 * over its stored form. `previousHash` is only needed for the latter.
 */
export function chainLink(event: RecordedEvent, previousHash: string): string {
  return event.metadata.hash ?? eventHash(event.streamId, event.revision, event, previousHash);
}

/** Stamps each new event's metadata with its hash, chained from `previousHash` at revision `firstRevision` on. */
export function chainEvents(streamId: string, firstRevision: number, previousHash: string, events: readonly NewEvent[]): NewEvent[] {
  let previous = previousHash;
  return events.map((event, index) => {
    const hash = eventHash(streamId, firstRevision + index, event, previous);
    previous = hash;
    return { ...event, metadata: { ...event.metadata, hash } };
  });
}
