import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Inject, Injectable, Logger, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import Database from 'better-sqlite3';
import { readCheckpoint } from '#background';
import { UpcastingEventStore } from '#event-store';
import { type CoordinationStore, FencedLease } from '#fleet';
import { KafkaRelay, RELAY_LEASE_KEY, type RelayLeaseData, type RelayLeadership } from '#kafka-relay';
import type { LedgerConfig } from '../config.js';
import { LEDGER_CONFIG } from '../config.module.js';
import { LEGACY_RELAY_CHECKPOINT, LEGACY_RELAY_FILE } from './data-files.js';
import { COORDINATION_STORE } from './fleet.module.js';

const logger = new Logger('KafkaRelay');

/** What GET /admin/relay answers: this instance, the fleet's lease, and the shared checkpoint against the head. */
export type RelayView =
  | { readonly enabled: false; readonly instanceId: string; readonly head: number }
  | {
      readonly enabled: true;
      readonly instanceId: string;
      /** Whether this instance has the `relay` role (stands for the lease). */
      readonly relaying: boolean;
      /** Whether this instance holds the lease and publishes. */
      readonly leader: boolean;
      /** Who holds (or last held) the lease: null before any relay started, or once the holder released it. */
      readonly leaderInstanceId: string | null;
      readonly epoch: number | null;
      /** When the lease runs out unless renewed (ISO time), null when none is held. */
      readonly expiresAt: string | null;
      /** The shared checkpoint: the position up to which the fleet has published the log. */
      readonly checkpoint: number;
      readonly head: number;
      readonly lag: number;
      readonly connected: boolean;
      readonly published: number;
      readonly lastError: string | null;
      /** The largest signed tree head the fleet has published to the tree-heads topic (null until one is, under the lease record). */
      readonly treeHeadsCheckpoint: number | null;
    };

/**
 * The Kafka relay, when KAFKA_BROKERS is set. Every replica can read the
 * relay's lease record (for GET /admin/relay and metrics); a process with the
 * `relay` role also stands for the lease and publishes while it holds it
 * (`relay` is null otherwise). The checkpoint lives in the lease record, in
 * the coordination store every replica shares. The signed tree heads are
 * published under the same lease (`leadership`, for TransparencyModule).
 */
@Injectable()
export class LedgerRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly relay: KafkaRelay | null;
  readonly lease: FencedLease<RelayLeaseData> | null;
  /** Whether this process leads the relay now, and the tree heads' checkpoint in the lease: null without the `relay` role. */
  readonly leadership: RelayLeadership | null;

  constructor(
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
    events: UpcastingEventStore,
    @Inject(COORDINATION_STORE) fleet: CoordinationStore,
  ) {
    this.lease =
      config.kafkaBrokers.length === 0
        ? null
        : new FencedLease<RelayLeaseData>(fleet, {
            key: RELAY_LEASE_KEY,
            instanceId: config.instanceId,
            initialData: () => ({ checkpoint: legacyCheckpoint(config.dataDir) }),
            logger,
          });
    this.relay =
      this.lease && config.roles.has('relay')
        ? new KafkaRelay(events, this.lease, { brokers: config.kafkaBrokers, topicPrefix: config.kafkaTopicPrefix, logger })
        : null;
    this.leadership = this.relay?.leadership ?? null;
  }

  /** The relay as this instance and the shared lease record see it (`enabled: false` without KAFKA_BROKERS). */
  async status(head: number): Promise<RelayView> {
    const instanceId = this.config.instanceId;
    if (!this.lease) return { enabled: false, instanceId, head };
    const record = await this.lease.read();
    const own = this.relay?.status();
    const checkpoint = record?.value.data.checkpoint ?? 0;
    const holder = record?.value.holder ?? null;
    return {
      enabled: true,
      instanceId,
      relaying: this.relay !== null,
      leader: own?.leader ?? false,
      leaderInstanceId: holder,
      epoch: record?.value.epoch ?? null,
      expiresAt: holder === null || !record ? null : new Date(record.value.expiresAt).toISOString(),
      checkpoint,
      head,
      // Positions are not dense on every store: lag is in log positions, not in events.
      lag: Math.max(0, head - checkpoint),
      connected: own?.connected ?? false,
      published: own?.published ?? 0,
      lastError: own?.lastError ?? null,
      treeHeadsCheckpoint: record?.value.data.treeHeadsCheckpoint ?? null,
    };
  }

  onApplicationBootstrap(): void {
    this.relay?.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.relay?.stop();
  }
}

/**
 * The checkpoint of the relay before the fleet (DATA_DIR/kafka-relay.sqlite), for the first leader to find no
 * shared one: it goes on from there instead of publishing the whole log again. 0 when there is no such file.
 */
function legacyCheckpoint(dataDir: string): number {
  const file = join(dataDir, LEGACY_RELAY_FILE);
  if (!existsSync(file)) return 0;
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      const position = readCheckpoint(db, LEGACY_RELAY_CHECKPOINT);
      logger.log(
        `no shared relay checkpoint yet: starting from position ${position}, the checkpoint in ${file} ` +
          '(where the relay kept it before the fleet shared one; the file is no longer used and may be deleted)',
      );
      return position;
    } finally {
      db.close();
    }
  } catch (error) {
    logger.warn(`could not read the old relay checkpoint in ${file} (${(error as Error).message}); publishing from the start`);
    return 0;
  }
}

@Module({ providers: [LedgerRelay], exports: [LedgerRelay] })
export class KafkaRelayModule {}
