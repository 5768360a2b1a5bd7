import type Database from 'better-sqlite3';
import { Kafka, logLevel } from 'kafkajs';
import { BackgroundLoop, abortableDelay, readCheckpoint, writeCheckpoint } from '#background';
import { treeHeadMessage } from '#contracts';
import type { MerkleTreeStore } from '#transparency';

/** The publisher's checkpoint (the largest tree size published) in the tree's own file. */
export const TREE_HEADS_CHECKPOINT = 'kafka-tree-heads';

/**
 * Publishes every signed tree head to Kafka (`<prefix>tree-heads`, key
 * `tree-head`), in order of size, from its own checkpoint in the tree's file:
 * a head is sent with acks from all in-sync replicas and the checkpoint then
 * advances, so an outage or a crash can send a head again, never skip one.
 * Apart from the event relay (and its leadership) on purpose: heads are few,
 * and republishing one is harmless (consumers deduplicate on treeSize).
 */
export class TreeHeadPublisher extends BackgroundLoop {
  private readonly kafka: Kafka;
  lastError: string | null = null;

  constructor(
    private readonly tree: MerkleTreeStore,
    private readonly db: Database.Database,
    private readonly options: {
      brokers: readonly string[];
      topicPrefix: string;
      pollMs?: number;
      logger?: { warn(message: string): void };
    },
  ) {
    super();
    this.kafka = new Kafka({
      clientId: 'commitment-ledger-tree-heads',
      brokers: [...options.brokers],
      logLevel: logLevel.NOTHING,
      retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 2000 },
    });
  }

  protected async run(signal: AbortSignal): Promise<void> {
    let delayMs = 100;
    while (!signal.aborted) {
      const producer = this.kafka.producer({ allowAutoTopicCreation: true, maxInFlightRequests: 1 });
      try {
        await producer.connect();
        while (!signal.aborted) {
          const published = readCheckpoint(this.db, TREE_HEADS_CHECKPOINT);
          // Heads are a few per thousand events: the ones not yet sent, a bounded batch at a time.
          const pending = this.tree.headsAfter(published, 100);
          if (pending.length > 0) {
            const messages = pending.map((head) => treeHeadMessage(head, this.options.topicPrefix));
            await producer.send({ topic: messages[0].topic, acks: -1, messages });
            const last = pending[pending.length - 1].treeSize;
            this.db.transaction(() => writeCheckpoint(this.db, TREE_HEADS_CHECKPOINT, last)).immediate();
            this.lastError = null;
            delayMs = 100;
            continue;
          }
          await abortableDelay(this.options.pollMs ?? 1000, signal);
        }
      } catch (error) {
        if (signal.aborted) break;
        this.lastError = (error as Error).message;
        this.options.logger?.warn(`publishing tree heads failed: ${this.lastError}; retrying in ${delayMs} ms`);
        await abortableDelay(delayMs, signal);
        delayMs = Math.min(delayMs * 2, 5000);
      } finally {
        await producer.disconnect().catch(() => undefined);
      }
    }
  }
}
