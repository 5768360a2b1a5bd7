import type { RecordedEvent } from '#event-store';
import { envelopeOf } from '#contracts';
import { csvRow } from './csv.js';
import { businessDateOfRecorded, dataOf, moneyOf, text } from './event-fields.js';

/** How an export writes each event: one JSON Lines record, or one CSV record under a header row. */
export type ExportFormat = 'jsonl' | 'csv';

export const CSV_COLUMNS = [
  'position',
  'recordedAt',
  'streamId',
  'revision',
  'eventId',
  'type',
  'schemaVersion',
  'businessDate',
  'pairId',
  'projectId',
  'amount',
  'currency',
  'jobs',
  'actor',
  'correlationId',
  'causationId',
  'data',
] as const;

/**
 * Characters JSON.stringify leaves raw inside strings that many line readers
 * (Python's splitlines, editors) take for a line break: escaped, so a title
 * holding one still makes one line. The JSON parses to the same text.
 */
const LINE_BREAKS_JSON_KEEPS = /[\u0085\u2028\u2029]/g;

/** One JSON Lines record: the envelope the Kafka topics and the history use, plus the business date. */
export function jsonLine(event: RecordedEvent): string {
  const { data, metadata, ...head } = envelopeOf(event);
  // The envelope's fields in its order, the business date before the data.
  return (
    JSON.stringify({ ...head, businessDate: businessDateOfRecorded(event), data, metadata }).replace(
      LINE_BREAKS_JSON_KEEPS,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    ) + '\n'
  );
}

export function csvHeader(): string {
  return csvRow(CSV_COLUMNS);
}

/** One CSV record; amounts are the events' own exact decimal strings, `data` the event's data as JSON. */
export function csvLine(event: RecordedEvent): string {
  const data = dataOf(event);
  const money = moneyOf(event);
  return csvRow([
    event.position,
    event.metadata.recordedAt,
    event.streamId,
    event.revision,
    event.id,
    event.type,
    event.schemaVersion,
    businessDateOfRecorded(event),
    text(data.pairId),
    text(data.projectId),
    money?.amount,
    money?.currency,
    typeof data.jobs === 'number' ? data.jobs : null,
    event.metadata.actor,
    event.metadata.correlationId,
    event.metadata.causationId,
    JSON.stringify(event.data),
  ]);
}
