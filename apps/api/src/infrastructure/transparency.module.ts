import { join } from 'node:path';
import { Inject, Injectable, Logger, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type Database from 'better-sqlite3';
import { UpcastingEventStore } from '#event-store';
import {
  type LeafFilter,
  MerkleTreeStore,
  type SignedTreeHead,
  TreeFollower,
  type TreeSigningKey,
  ledgerStreamsFilter,
  loadOrCreateSigningKey,
  openTreeDb,
} from '#transparency';
import type { LedgerConfig } from '../config.js';
import { LEDGER_CONFIG } from '../config.module.js';
import { TREE_FILE } from './data-files.js';
import { KafkaRelayModule, LedgerRelay } from './kafka-relay.module.js';
import { LEDGER_STREAM_PREFIXES } from './open-event-store.js';
import { TreeHeadPublisher } from './tree-head-publisher.js';

/** The leaves of the ledger's tree: events of the ledger's streams only (never system events, never fleet records). */
export const LEDGER_LEAVES: LeafFilter = ledgerStreamsFilter(LEDGER_STREAM_PREFIXES);

const logger = new Logger('Transparency');

/**
 * The verifiable ledger (libs/transparency): the Merkle tree over the
 * ledger's events in DATA_DIR/merkle-tree.sqlite, kept current by a follower
 * of the store started with the app, its signed heads, and the signing key
 * (TREE_SIGNING_KEY_FILE, generated on first start with a warning), and in
 * a process with the `relay` role and KAFKA_BROKERS the publisher of every
 * head to the `tree-heads` topic, sending while that process leads the relay.
 */
@Injectable()
export class LedgerTransparency implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly key: TreeSigningKey;
  readonly tree: MerkleTreeStore;
  readonly follower: TreeFollower;
  /** Publishes every signed head to Kafka while the relay leads (null without KAFKA_BROKERS or the `relay` role). */
  readonly publisher: TreeHeadPublisher | null;
  private readonly db: Database.Database;

  constructor(
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
    private readonly events: UpcastingEventStore,
    relay: LedgerRelay,
  ) {
    this.key = loadOrCreateSigningKey(config.treeSigningKeyFile, (message) => logger.warn(message));
    this.db = openTreeDb(join(config.dataDir, TREE_FILE));
    this.tree = new MerkleTreeStore(this.db);
    // The tree covers the events as stored: the store itself, not the upcasting view.
    this.follower = new TreeFollower(
      events.stored,
      this.tree,
      LEDGER_LEAVES,
      this.key.privateKey,
      { everyEvents: config.treeHeadEveryEvents, everyMs: config.treeHeadEveryMs },
      logger,
    );
    const leadership = relay.leadership;
    this.publisher =
      leadership === null
        ? null
        : new TreeHeadPublisher(this.tree, this.db, {
            leadership,
            brokers: config.kafkaBrokers,
            topicPrefix: config.kafkaTopicPrefix,
            logger,
          });
  }

  /**
   * A head covering the store's log as it is now: waits (at most `timeoutMs`)
   * for the tree to reach the store's head position, then signs (or finds) the
   * head of the whole tree; null if the tree did not catch up in time.
   */
  async headNow(timeoutMs: number, position?: number): Promise<SignedTreeHead | null> {
    const until = position ?? (await this.events.stored.headPosition());
    if (!(await this.follower.waitFor(until, timeoutMs))) return null;
    return this.follower.signHead(position === undefined ? this.tree.size() : this.tree.sizeAtPosition(position));
  }

  onApplicationBootstrap(): void {
    this.follower.start();
    this.publisher?.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.publisher?.stop();
    await this.follower.stop();
    this.db.close();
  }
}

@Module({ imports: [KafkaRelayModule], providers: [LedgerTransparency], exports: [LedgerTransparency] })
export class TransparencyModule {}
