import { join } from 'node:path';
import { Inject, Injectable, Logger, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type Database from 'better-sqlite3';
import { UpcastingEventStore } from '#event-store';
import { KafkaRelay } from '#kafka-relay';
import { openCheckpointDb } from '#background';
import type { LedgerConfig } from '../config.js';
import { RELAY_FILE } from './data-files.js';
import { LEDGER_CONFIG } from '../config.module.js';

/**
 * Publishes every event to Kafka when KAFKA_BROKERS is set (`relay` is null
 * otherwise), from its own checkpoint in DATA_DIR/kafka-relay.sqlite.
 */
@Injectable()
export class LedgerRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly relay: KafkaRelay | null;
  private readonly checkpointDb: Database.Database | null;

  constructor(@Inject(LEDGER_CONFIG) config: LedgerConfig, events: UpcastingEventStore) {
    this.checkpointDb = config.kafkaBrokers.length === 0 ? null : openCheckpointDb(join(config.dataDir, RELAY_FILE));
    this.relay =
      this.checkpointDb === null
        ? null
        : new KafkaRelay(events, this.checkpointDb, {
            brokers: config.kafkaBrokers,
            topicPrefix: config.kafkaTopicPrefix,
            logger: new Logger('KafkaRelay'),
          });
  }

  /** The relay's progress against the store's head (`enabled: false` without KAFKA_BROKERS). */
  status(head: number) {
    if (!this.relay) return { enabled: false as const, head };
    const status = this.relay.status();
    // Positions are not dense on every store: lag is in log positions, not in events.
    return { ...status, head, lag: Math.max(0, head - status.checkpoint) };
  }

  onApplicationBootstrap(): void {
    this.relay?.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.relay?.stop();
    this.checkpointDb?.close();
  }
}

@Module({ providers: [LedgerRelay], exports: [LedgerRelay] })
export class KafkaRelayModule {}
