import type Database from 'better-sqlite3';
import { Kafka, logLevel } from 'kafkajs';
import { BackgroundLoop, abortableDelay, readCheckpoint } from '#background';
import { treeHeadMessage } from '#contracts';
import type { RelayLeadership } from '#kafka-relay';
import type { MerkleTreeStore } from '#transparency';

/**
 * Where the publisher kept its checkpoint (the largest tree size published) before it shared the relay's lease: in
 * the tree's own file, one per DATA_DIR. Read only when the lease record holds no tree-heads checkpoint yet.
 */
export const TREE_HEADS_CHECKPOINT = 'kafka-tree-heads';

export interface TreeHeadPublisherOptions {
  /** The Kafka relay's leadership: heads are sent only while it holds the lease, and the checkpoint lives in its record. */
  leadership: RelayLeadership;
  brokers: readonly string[];
  topicPrefix: string;
  pollMs?: number;
  logger?: { log(message: string): void; warn(message: string): void };
}

/**
 * Publishes every signed tree head to Kafka (`<prefix>tree-heads`, key
 * `tree-head`), in order of size, while this process leads the Kafka relay:
 * it exists only in a process with the `relay` role, never takes the relay's
 * lease itself, and stands by whenever the relay does not hold it, so one
 * process of a fleet publishes heads at a time.
 *
 * Its checkpoint (the largest tree size published) lives in the relay's lease
 * record beside the relay's, written with the same fence: a deposed leader
 * cannot move it, and a new leader, on whatever DATA_DIR, goes on from the
 * fleet's checkpoint instead of its own. A head is sent with acks from all
 * in-sync replicas and the checkpoint then advances, so an outage, a crash or a
 * takeover can send a head again, never skip one (consumers deduplicate on
 * treeSize). Before each send it checks, with nothing awaited in between, that
 * the relay still holds the lease by its own clock, the check the relay makes
 * before each batch: a leader deposed or frozen past its lease sends nothing
 * more beyond a send already under way.
 */
export class TreeHeadPublisher extends BackgroundLoop {
  private readonly kafka: Kafka;
  private readonly leadership: RelayLeadership;
  lastError: string | null = null;

  constructor(
    private readonly tree: MerkleTreeStore,
    private readonly db: Database.Database,
    private readonly options: TreeHeadPublisherOptions,
  ) {
    super();
    this.leadership = options.leadership;
    this.kafka = new Kafka({
      clientId: 'commitment-ledger-tree-heads',
      brokers: [...options.brokers],
      logLevel: logLevel.NOTHING,
      retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 2000 },
    });
  }

  protected async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      if (!this.leadership.isLeading()) {
        await abortableDelay(this.options.pollMs ?? 1000, signal);
        continue;
      }
      this.options.logger?.log(`publishing signed tree heads after size ${this.checkpoint()}`);
      await this.lead(signal);
      if (!signal.aborted) this.options.logger?.log('no longer leading the Kafka relay: tree heads stand by');
    }
  }

  /** The fleet's checkpoint in the lease record; before any, the one this DATA_DIR's tree file kept. */
  private checkpoint(): number {
    return this.leadership.treeHeadsCheckpoint() ?? readCheckpoint(this.db, TREE_HEADS_CHECKPOINT);
  }

  /** Publishes while the relay leads; Kafka failures are retried with backoff, the end of leadership ends it. */
  private async lead(signal: AbortSignal): Promise<void> {
    let delayMs = 100;
    while (!signal.aborted && this.leadership.isLeading()) {
      const producer = this.kafka.producer({ allowAutoTopicCreation: true, maxInFlightRequests: 1 });
      try {
        await producer.connect();
        while (!signal.aborted) {
          // Heads are a few per thousand events: the ones not yet sent, a bounded batch at a time.
          const pending = this.tree.headsAfter(this.checkpoint(), 100);
          // The last look before sending, with nothing awaited in between: a deposed or frozen leader sends nothing more.
          if (!this.leadership.isLeading()) return;
          if (pending.length === 0) {
            await abortableDelay(this.options.pollMs ?? 1000, signal);
            continue;
          }
          const messages = pending.map((head) => treeHeadMessage(head, this.options.topicPrefix));
          await producer.send({ topic: messages[0].topic, acks: -1, messages });
          await this.saveCheckpoint(pending[pending.length - 1].treeSize, signal);
          this.lastError = null;
          delayMs = 100;
        }
      } catch (error) {
        if (signal.aborted || !this.leadership.isLeading()) return;
        this.lastError = (error as Error).message;
        this.options.logger?.warn(`publishing tree heads failed: ${this.lastError}; retrying in ${delayMs} ms`);
        await abortableDelay(delayMs, signal);
        delayMs = Math.min(delayMs * 2, 5000);
      } finally {
        await producer.disconnect().catch(() => undefined);
      }
    }
  }

  /**
   * The heads are acknowledged: record them under the lease (a fenced write). While this process still leads, a
   * failed write (the store briefly unreachable) is retried alone, so the heads are not sent again; once deposed the
   * error ends the term.
   */
  private async saveCheckpoint(treeSize: number, signal: AbortSignal): Promise<void> {
    for (let delayMs = 50; ; delayMs = Math.min(delayMs * 2, 2000)) {
      try {
        await this.leadership.saveTreeHeadsCheckpoint(treeSize);
        return;
      } catch (error) {
        if (signal.aborted || !this.leadership.isLeading()) throw error;
        this.lastError = `could not record tree-heads checkpoint ${treeSize}: ${(error as Error).message}`;
        await abortableDelay(delayMs, signal);
      }
    }
  }
}
