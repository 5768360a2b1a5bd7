import {
  BACKWARDS,
  END,
  EventStoreDBClient,
  NO_STREAM,
  StreamNotFoundError,
  WrongExpectedVersionError,
  jsonEvent,
} from '@eventstore/db-client';
import { EVENTSTOREDB_CLIENTS, closeEventStoreDbClient } from '#background';
import {
  type CompareAndSetResult,
  type CoordinationStore,
  type ExpectedVersion,
  type FleetRecord,
  type FleetValue,
  validateFleetKey,
  validateFleetWrite,
} from '../coordination-store.port.js';

/** Where the records live: `ledger-fleet-<key>`, outside the ledger's stream prefixes (`partner-pair-`, `project-`). */
export const FLEET_STREAM_PREFIX = 'ledger-fleet-';
/** The type of every record event. */
export const FLEET_RECORD_TYPE = 'LedgerFleetRecord';
/** How many writes of a record EventStoreDB keeps ($maxCount): renewals every few seconds must not grow the log for ever. */
export const FLEET_RECORD_MAX_COUNT = 20;

/**
 * The coordination store on EventStoreDB: one stream per record, its last
 * event the record's value, its revision the version; a write is an append
 * with that revision expected (no_stream for a new record), so the server is
 * the fence. Each stream gets $maxCount metadata when the record is created,
 * so the server scavenges older writes.
 */
export class EsdbCoordinationStore implements CoordinationStore {
  private readonly client: EventStoreDBClient;

  constructor(connectionString: string) {
    this.client = EventStoreDBClient.connectionString(connectionString);
  }

  async read(key: string): Promise<FleetRecord | null> {
    validateFleetKey(key);
    try {
      for await (const resolved of this.client.readStream(streamOf(key), { direction: BACKWARDS, fromRevision: END, maxCount: 1 })) {
        if (!resolved.event) continue;
        return { key, version: Number(resolved.event.revision), value: resolved.event.data as FleetValue };
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return null;
      throw error;
    }
    return null;
  }

  async compareAndSet<T extends FleetValue>(key: string, expected: ExpectedVersion, value: T): Promise<CompareAndSetResult<T>> {
    validateFleetWrite(key, expected, value);
    const stream = streamOf(key);
    // Before the first write, so no crash can leave a record without it (setting it again is harmless).
    if (expected === 'absent')
      await EVENTSTOREDB_CLIENTS.run(() => this.client.setStreamMetadata(stream, { maxCount: FLEET_RECORD_MAX_COUNT }));
    try {
      const result = await EVENTSTOREDB_CLIENTS.run(() =>
        this.client.appendToStream(stream, jsonEvent({ type: FLEET_RECORD_TYPE, data: value as Record<string, never> }), {
          expectedRevision: expected === 'absent' ? NO_STREAM : BigInt(expected),
        }),
      );
      return { ok: true, record: { key, version: Number(result.nextExpectedRevision), value } };
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) return { ok: false, current: await this.read(key) };
      throw error;
    }
  }

  async close(): Promise<void> {
    await closeEventStoreDbClient(this.client);
  }
}

function streamOf(key: string): string {
  return `${FLEET_STREAM_PREFIX}${key}`;
}
