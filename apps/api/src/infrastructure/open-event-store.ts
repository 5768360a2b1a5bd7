import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { LEDGER_UPCASTERS, partnerPairStreamId, projectStreamId } from '#domain';
import { type EventStore, UpcastingEventStore } from '#event-store';
import { SqliteEventStore } from '#event-store/sqlite';
import type { LedgerConfig } from '../config.js';
import { EVENTS_FILE } from './data-files.js';

/** The stream-name prefixes of the ledger's streams: what the EventStoreDB adapter reads and subscribes to. */
export const LEDGER_STREAM_PREFIXES = [partnerPairStreamId(''), projectStreamId('')];

type StoreConfig = Pick<LedgerConfig, 'dataDir' | 'eventStore' | 'esdbConnectionString'>;

/**
 * Opens the configured event store as every reader should see it: events
 * upcast to the current schema of their type (`.stored` is the store itself,
 * for hash-chain verification and the writer). The one place upcasting is
 * put in front of the store.
 */
export async function openEventStore(config: StoreConfig, warn?: (message: string) => void): Promise<UpcastingEventStore> {
  return new UpcastingEventStore(await openStoredEvents(config, warn), LEDGER_UPCASTERS);
}

/**
 * Opens the configured event store itself: EVENT_STORE=sqlite|esdb is the only
 * switch. The EventStoreDB client (gRPC) is loaded only when it is chosen.
 */
export async function openStoredEvents(config: StoreConfig, warn?: (message: string) => void): Promise<EventStore> {
  if (config.eventStore === 'esdb' && config.esdbConnectionString) {
    const { EsdbEventStore } = await import('#event-store/esdb');
    const say = warn ?? ((message: string) => new Logger('EventStoreDB').warn(message));
    return new EsdbEventStore({
      connectionString: config.esdbConnectionString,
      streamPrefixes: LEDGER_STREAM_PREFIXES,
      onReconnect: (error, delayMs) =>
        say(`subscription dropped (${error.message}); resubscribing from the last position in ${delayMs} ms`),
    });
  }
  return new SqliteEventStore(join(config.dataDir, EVENTS_FILE));
}
