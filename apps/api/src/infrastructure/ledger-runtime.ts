import { join } from 'node:path';
import { Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type Database from 'better-sqlite3';
import { type CommandObserver, Ledger } from '#application';
import { type EventStore, UpcastingEventStore } from '#event-store';
import { SqliteEventStore } from '#event-store/sqlite';
import { LEDGER_UPCASTERS, partnerPairStreamId, projectStreamId } from '#domain';
import { AsOfQueries, LedgerProjection, LedgerQueries, ProjectionOperations, ProjectionRunner, openReadModelDb } from '#projections';
import { openCheckpointDb } from '#background';
import { KafkaRelay } from '#kafka-relay';
import type { LedgerConfig } from '../config.js';

export const EVENTS_FILE = 'events.sqlite';
export const READ_MODELS_FILE = 'read-models.sqlite';
/** The relay's checkpoint lives apart from the read models: rebuilding or deleting them must not republish history. */
export const RELAY_FILE = 'kafka-relay.sqlite';

/** The stream-name prefixes of the ledger's streams: what the EventStoreDB adapter reads and subscribes to. */
export const LEDGER_STREAM_PREFIXES = [partnerPairStreamId(''), projectStreamId('')];

/**
 * Opens the configured event store as every reader should see it: events
 * upcast to the current schema of their type (`.stored` is the store itself,
 * for hash-chain verification and the writer).
 */
export async function openEventStore(config: Pick<LedgerConfig, 'dataDir' | 'eventStore' | 'esdbConnectionString'>): Promise<UpcastingEventStore> {
  return new UpcastingEventStore(await openStoredEvents(config), LEDGER_UPCASTERS);
}

/**
 * Opens the configured event store itself: EVENT_STORE=sqlite|esdb is the only
 * switch. The EventStoreDB client (gRPC) is loaded only when it is chosen.
 */
export async function openStoredEvents(config: Pick<LedgerConfig, 'dataDir' | 'eventStore' | 'esdbConnectionString'>): Promise<EventStore> {
  if (config.eventStore === 'esdb' && config.esdbConnectionString) {
    const { EsdbEventStore } = await import('#event-store/esdb');
    const logger = new Logger('EventStoreDB');
    return new EsdbEventStore({
      connectionString: config.esdbConnectionString,
      streamPrefixes: LEDGER_STREAM_PREFIXES,
      onReconnect: (error, delayMs) => logger.warn(`subscription dropped (${error.message}); resubscribing from the last position in ${delayMs} ms`),
    });
  }
  return new SqliteEventStore(join(config.dataDir, EVENTS_FILE));
}

/**
 * Everything the API runs on: the event store, the write side, the read
 * models and the projection runner that keeps them current. Nest starts the
 * runner once the app is up and closes everything on shutdown, so every
 * acknowledged command is on disk before the process exits.
 */
export class LedgerRuntime implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly ledger: Ledger;
  /** The projection runner's connection: it writes, and never waits synchronously for a lock. */
  readonly readModelWriter: Database.Database;
  /** The queries' connection: in WAL mode reads never wait for writers. */
  readonly readModels: Database.Database;
  readonly queries: LedgerQueries;
  /** ?asOf / ?knownAt: answers recomputed from the events. */
  readonly asOf: AsOfQueries;
  readonly runner: ProjectionRunner;
  /** GET /admin/projections, blue/green rebuilds, retries of parked events. */
  readonly projections: ProjectionOperations;
  /** Publishes every event to Kafka when KAFKA_BROKERS is set. */
  readonly relay: KafkaRelay | null;
  private readonly relayDb: Database.Database | null;

  /** `observer` hears how every command ended and how long appends took (metrics, logs). */
  static async open(config: LedgerConfig, observer?: CommandObserver): Promise<LedgerRuntime> {
    return new LedgerRuntime(config, await openEventStore(config), observer);
  }

  private constructor(
    readonly config: LedgerConfig,
    /** The event store as readers see it (upcast on read); `store.stored` is the store itself. */
    readonly store: UpcastingEventStore,
    observer?: CommandObserver,
  ) {
    this.ledger = new Ledger(this.store, observer);
    this.readModelWriter = openReadModelDb(join(config.dataDir, READ_MODELS_FILE), 0);
    this.readModels = openReadModelDb(join(config.dataDir, READ_MODELS_FILE));
    this.queries = new LedgerQueries(this.readModels);
    this.asOf = new AsOfQueries(this.store, this.readModels, { maxEvents: config.asOfMaxEvents });
    const projectionsLogger = new Logger('Projections');
    this.runner = new ProjectionRunner(this.store, this.readModelWriter, new LedgerProjection(this.readModelWriter), projectionsLogger);
    // A rebuild's own connection waits at most a second for another process's lock (it never waits for this one's runner).
    this.projections = new ProjectionOperations(this.store, this.runner, this.readModelWriter, () => openReadModelDb(join(config.dataDir, READ_MODELS_FILE), 1000), projectionsLogger);
    this.relayDb = config.kafkaBrokers.length === 0 ? null : openCheckpointDb(join(config.dataDir, RELAY_FILE));
    this.relay =
      this.relayDb === null
        ? null
        : new KafkaRelay(this.store, this.relayDb, { brokers: config.kafkaBrokers, topicPrefix: config.kafkaTopicPrefix, logger: new Logger('KafkaRelay') });
  }

  /** The Kafka relay's progress against the store's head (`enabled: false` without KAFKA_BROKERS). */
  relayStatus(head: number) {
    if (!this.relay) return { enabled: false as const, head };
    const status = this.relay.status();
    // Positions are not dense on every store: lag is in log positions, not in events.
    return { ...status, head, lag: Math.max(0, head - status.checkpoint) };
  }

  onApplicationBootstrap(): void {
    this.runner.start();
    this.relay?.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.relay?.stop();
    this.relayDb?.close();
    await this.projections.stop();
    await this.runner.stop();
    await this.store.close();
    this.readModelWriter.close();
    this.readModels.close();
  }
}
