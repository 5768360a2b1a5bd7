import { partnerPairStreamId, projectStreamId } from '#domain';
import type { RecordedEvent } from '#event-store';

/**
 * What subscribers receive for every ledger event: the message value, as
 * JSON. Published on `<prefix>partner-pairs` (key: the pair id) and
 * `<prefix>projects` (key: the project id), so one pair's or one project's
 * events stay in order in one partition.
 */
export interface EventEnvelope {
  readonly eventId: string;
  readonly type: string;
  readonly schemaVersion: number;
  readonly streamId: string;
  readonly revision: number;
  readonly position: number;
  readonly recordedAt: string;
  readonly data: unknown;
  readonly metadata: RecordedEvent['metadata'];
}

export interface OutgoingMessage {
  readonly topic: string;
  readonly key: string;
  readonly value: string;
  readonly headers: Record<string, string>;
}

const CATEGORIES = [
  { streamPrefix: partnerPairStreamId(''), topic: 'partner-pairs' },
  { streamPrefix: projectStreamId(''), topic: 'projects' },
] as const;

export function ledgerTopics(prefix: string): string[] {
  return CATEGORIES.map((category) => prefix + category.topic);
}

/** The envelope of an event: what Kafka subscribers receive, and what exports write. */
export function envelopeOf(event: RecordedEvent): EventEnvelope {
  return {
    eventId: event.id,
    type: event.type,
    schemaVersion: event.schemaVersion,
    streamId: event.streamId,
    revision: event.revision,
    position: event.position,
    recordedAt: event.metadata.recordedAt,
    data: event.data,
    metadata: event.metadata,
  };
}

/** The message for an event, or null for an event outside the ledger's streams. */
export function toMessage(event: RecordedEvent, topicPrefix: string): OutgoingMessage | null {
  const category = CATEGORIES.find((c) => event.streamId.startsWith(c.streamPrefix));
  if (!category) return null;
  const envelope = envelopeOf(event);
  return {
    topic: topicPrefix + category.topic,
    key: event.streamId.slice(category.streamPrefix.length),
    value: JSON.stringify(envelope),
    headers: {
      'event-type': event.type,
      'event-id': event.id,
      'schema-version': String(event.schemaVersion),
      'correlation-id': event.metadata.correlationId,
      'content-type': 'application/json',
    },
  };
}
