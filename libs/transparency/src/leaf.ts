import { canonicalJson } from '#event-store';
import type { RecordedEvent } from '#event-store';

/**
 * What a leaf of the ledger's tree is: one ledger event exactly as stored,
 * everything but its global position (the position is the store's
 * numbering, not the event: the leaf index is). The bytes are UTF-8 of the
 * canonical JSON of
 *
 *   {data, id, metadata, revision, schemaVersion, streamId, type}
 *
 * with keys sorted by UTF-16 code units at every depth, no whitespace,
 * strings and numbers as JSON.stringify writes them (RFC 8785's
 * serialisation for the values a ledger event holds), `schemaVersion` the
 * STORED version (never the upcast one), `data` as stored, and `metadata`
 * as stored in full: correlationId, causationId, actor, writtenAt, the chain
 * `hash`, and the store's `recordedAt`. docs/auditing.md gives the same
 * recipe for auditors.
 */
export interface LeafFields {
  readonly streamId: string;
  readonly revision: number;
  readonly id: string;
  readonly type: string;
  readonly schemaVersion: number;
  readonly data: unknown;
  readonly metadata: object;
}

export function leafBytes(event: LeafFields): Buffer {
  return Buffer.from(
    canonicalJson({
      streamId: event.streamId,
      revision: event.revision,
      id: event.id,
      type: event.type,
      schemaVersion: event.schemaVersion,
      data: event.data,
      metadata: event.metadata,
    }),
    'utf8',
  );
}

/** The leaf of a recorded event, read from the store itself (not through an upcasting view). */
export function leafOfRecorded(event: RecordedEvent): Buffer {
  if (event.storedSchemaVersion !== undefined && event.storedSchemaVersion !== event.schemaVersion)
    throw new Error(`event ${event.id} was upcast: the tree covers events as stored; read them from the store itself`);
  return leafBytes(event);
}

/** Which events are leaves: the ledger's own streams, never the store's system events or other records. */
export type LeafFilter = (event: { readonly streamId: string; readonly type: string }) => boolean;

/** The leaf filter for the given stream-name prefixes (the ledger's: `partner-pair-`, `project-`). */
export function ledgerStreamsFilter(prefixes: readonly string[]): LeafFilter {
  return (event) => !event.streamId.startsWith('$') && !event.type.startsWith('$') && prefixes.some((p) => event.streamId.startsWith(p));
}
