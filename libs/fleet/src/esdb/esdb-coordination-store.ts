import {
  BACKWARDS,
  END,
  KurrentDBClient,
  NO_STREAM,
  StreamNotFoundError,
  WrongExpectedVersionError,
  jsonEvent,
} from '@kurrent/kurrentdb-client';
import { InFlight, within } from '#background';
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
  private readonly client: KurrentDBClient;
  /** Writes sent and not yet answered: close() lets them settle before it disposes the client. */
  private readonly writes = new InFlight();

  constructor(connectionString: string) {
    this.client = KurrentDBClient.connectionString(connectionString);
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
    if (expected === 'absent') await this.writes.track(this.client.setStreamMetadata(stream, { maxCount: FLEET_RECORD_MAX_COUNT }));
    try {
      const result = await this.writes.track(
        this.client.appendToStream(stream, jsonEvent({ type: FLEET_RECORD_TYPE, data: value as Record<string, never> }), {
          streamState: expected === 'absent' ? NO_STREAM : BigInt(expected),
        }),
      );
      // A refusal answered instead of thrown (throwOnAppendFailure=false, which the configuration refuses) is lost too.
      if (!result.success) return { ok: false, current: await this.read(key) };
      return { ok: true, record: { key, version: Number(result.nextExpectedRevision), value } };
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) return { ok: false, current: await this.read(key) };
      throw error;
    }
  }

  async close(): Promise<void> {
    // Disposing cancels the writes still in flight (a heartbeat, a lease renewal): they settle first.
    await this.writes.settled(CLOSE_WAIT_MS);
    // dispose() waits on channels that may never close once the server is gone.
    await within(DISPOSE_WAIT_MS, this.client.dispose());
  }
}

function streamOf(key: string): string {
  return `${FLEET_STREAM_PREFIX}${key}`;
}

/** How long close() waits for writes under way (a server gone may never answer them). */
const CLOSE_WAIT_MS = 2000;
/** How long close() waits for the client's dispose(), which waits on channels that may never close once the server is gone. */
const DISPOSE_WAIT_MS = 1000;
