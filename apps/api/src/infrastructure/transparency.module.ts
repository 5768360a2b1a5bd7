import { join } from 'node:path';
import { Inject, Injectable, Logger, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type Database from 'better-sqlite3';
import { retryWhileLocked } from '#background';
import { UpcastingEventStore } from '#event-store';
import { MerkleTreeStore, type SignedTreeHead, type TreeSigningKey, openTreeDb } from '#transparency';
import type { LedgerConfig } from '../config.js';
import { LEDGER_CONFIG } from '../config.module.js';
import { TREE_FILE } from './data-files.js';
import { FollowersThread } from './followers/followers-thread.js';
import { FollowersModule, TREE_SIGNING_KEY } from './followers/followers.module.js';
import { ThreadTreeFollower } from './followers/thread-followers.js';
import { KafkaRelayModule, LedgerRelay } from './kafka-relay.module.js';
import { TreeHeadPublisher } from './tree-head-publisher.js';

const logger = new Logger('Transparency');

/** How long a read of the latest head waits for another process's write lock on the tree's file before a 503. */
const LOCKED_FILE_WAIT_MS = 2000;

/**
 * The verifiable ledger (libs/transparency): the Merkle tree over the
 * ledger's events in DATA_DIR/merkle-tree.sqlite, kept current (and its heads
 * signed) in the followers thread, with the `projections` or `relay` role;
 * this thread reads the tree's file for proofs and heads. The signing key
 * (TREE_SIGNING_KEY_FILE, generated on first start with a warning), and in
 * a process with the `relay` role and KAFKA_BROKERS the publisher of every
 * head to the `tree-heads` topic, sending while that process leads the relay.
 */
@Injectable()
export class LedgerTransparency implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly tree: MerkleTreeStore;
  readonly follower: ThreadTreeFollower;
  /** Publishes every signed head to Kafka while the relay leads (null without KAFKA_BROKERS or the `relay` role). */
  readonly publisher: TreeHeadPublisher | null;
  private readonly db: Database.Database;

  constructor(
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
    private readonly events: UpcastingEventStore,
    @Inject(TREE_SIGNING_KEY) readonly key: TreeSigningKey,
    thread: FollowersThread,
    relay: LedgerRelay,
  ) {
    this.db = openTreeDb(join(config.dataDir, TREE_FILE));
    this.tree = new MerkleTreeStore(this.db);
    this.follower = new ThreadTreeFollower(thread, this.tree);
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
    const deadline = performance.now() + timeoutMs;
    const until = position ?? (await this.events.stored.headPosition());
    if (!(await this.follower.waitFor(until, timeoutMs))) return null;
    return this.signed(deadline, position === undefined ? this.tree.size() : this.tree.sizeAtPosition(position));
  }

  /** The latest signed head, or (none signed yet) one signed now; null if the tree cannot sign just now. */
  async latestHead(): Promise<SignedTreeHead | null> {
    return this.tree.latestHead() ?? this.signed(performance.now() + LOCKED_FILE_WAIT_MS);
  }

  /**
   * A head signed by the followers thread; null when it cannot sign by `deadline` (a `performance.now()` time): stopped,
   * restarting, or the tree's file locked all that time. Another process on the same DATA_DIR (a relay, an API) adds
   * its batches to the shared file and signs its own heads; the file is never waited on inside the thread (its busy
   * timeout is 0, so a batch is never held up), so a refusal for the lock is retried here until the deadline.
   */
  private async signed(deadline: number, treeSize?: number): Promise<SignedTreeHead | null> {
    try {
      return await retryWhileLocked(() => this.follower.signHead(treeSize), deadline - performance.now());
    } catch (error) {
      logger.warn(`no tree head could be signed just now: ${(error as Error).message}`);
      return null;
    }
  }

  /** The tree is kept by a process with the `projections` role (its API's proofs) or the `relay` role (the heads it publishes). */
  onApplicationBootstrap(): void {
    if (this.config.roles.has('projections') || this.config.roles.has('relay')) this.follower.start();
    this.publisher?.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.publisher?.stop();
    await this.follower.stop();
    this.db.close();
  }
}

@Module({ imports: [FollowersModule, KafkaRelayModule], providers: [LedgerTransparency], exports: [LedgerTransparency] })
export class TransparencyModule {}
