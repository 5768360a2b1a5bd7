import { Kafka, type Producer, logLevel } from 'kafkajs';
import { BackgroundLoop, abortableDelay } from '#background';
import { ledgerTopics, toMessage } from '#contracts';
import type { EventStore, RecordedEvent } from '#event-store';
import { type FencedLease, type FleetRecord, type LeaseValue, LeaseLost } from '#fleet';

export interface RelayOptions {
  readonly brokers: readonly string[];
  readonly topicPrefix: string;
  readonly clientId?: string;
  readonly logger?: { log(message: string): void; warn(message: string): void };
}

/** What the relay keeps in its lease record: how far the fleet has published the log, and its signed tree heads. */
export type RelayLeaseData = {
  readonly checkpoint: number;
  /** The largest tree size published to the tree-heads topic; absent until a leader first published heads under the lease. */
  readonly treeHeadsCheckpoint?: number;
};
export type RelayLeaseRecord = FleetRecord<LeaseValue<RelayLeaseData>>;

/** The coordination-store key of the relay's lease and checkpoint. */
export const RELAY_LEASE_KEY = 'relay-lease';

export interface RelayStatus {
  readonly enabled: true;
  /** Whether this instance holds the lease and publishes (false on a standby). */
  readonly leader: boolean;
  /** Whether the producer is connected and publishing (only ever true on the leader). */
  readonly connected: boolean;
  /** Events this instance has published since it started. */
  readonly published: number;
  /** This instance's last failure (to publish, or to read or write the lease), null once it succeeds again. */
  readonly lastError: string | null;
}

/**
 * The relay's leadership as something else that publishes under the same lease sees it (the signed tree heads):
 * whether this instance leads now, and that publisher's own checkpoint in the lease record. It never takes the
 * lease itself; the relay does.
 */
export interface RelayLeadership {
  /** Whether this instance holds the relay's lease now, by its own monotonic clock: what the relay checks before each batch. */
  isLeading(): boolean;
  /** The fleet's tree-heads checkpoint in the lease record as this instance last wrote or read it (null: none recorded yet). */
  treeHeadsCheckpoint(): number | null;
  /** Records the heads up to `treeSize` as published: a fenced write under the lease, never backwards; throws LeaseLost when deposed. */
  saveTreeHeadsCheckpoint(treeSize: number): Promise<void>;
}

/** The leadership of whoever acquires `lease` (the relay): read from the lease, never acquiring it. */
export function relayLeadership(lease: FencedLease<RelayLeaseData>): RelayLeadership {
  return {
    isLeading: () => lease.held,
    treeHeadsCheckpoint: () => lease.record?.value.data.treeHeadsCheckpoint ?? null,
    saveTreeHeadsCheckpoint: (treeSize) =>
      lease.update((data) =>
        data.treeHeadsCheckpoint === undefined || treeSize > data.treeHeadsCheckpoint ? { ...data, treeHeadsCheckpoint: treeSize } : data,
      ),
  };
}

const silent = { log: () => undefined, warn: () => undefined };

/**
 * Publishes every ledger event to Kafka, in log order, while this instance
 * holds the relay's lease (a FencedLease on the coordination store every
 * replica shares); the other relays stand by. The checkpoint lives in the
 * lease record and moves only by compare-and-set under the lease, never
 * backwards.
 *
 * A batch is sent with acks from all in-sync replicas, then the checkpoint is
 * written with the fence; on a Kafka failure the leader starts again from its
 * checkpoint with backoff, keeping the lease. Before each batch the leader
 * checks its lease is still valid by its own clock (with a safety margin), so
 * a leader frozen past its lease publishes nothing more beyond a batch already
 * in flight; a failed fence (another instance took over) ends its term at
 * once: it disconnects and stands by. So a crash or an outage can make the
 * fleet send an event again, never skip one; one key's events are never
 * reordered (one request in flight at a time, one publisher at a time).
 *
 * The signed tree heads are published beside it under the same lease: the
 * tree-head publisher asks `leadership` before each send and keeps its own
 * checkpoint in the same record (`treeHeadsCheckpoint`).
 */
export class KafkaRelay extends BackgroundLoop {
  private readonly kafka: Kafka;
  private published = 0;
  private lastError: string | null = null;
  private connected = false;
  private readonly logger;
  /** This relay's leadership, for the tree-head publisher that publishes beside it while it leads. */
  readonly leadership: RelayLeadership;

  constructor(
    private readonly store: EventStore,
    private readonly lease: FencedLease<RelayLeaseData>,
    private readonly options: RelayOptions,
  ) {
    super();
    this.logger = options.logger ?? silent;
    this.leadership = relayLeadership(lease);
    this.kafka = new Kafka({
      clientId: options.clientId ?? 'commitment-ledger-relay',
      brokers: [...options.brokers],
      logLevel: logLevel.NOTHING,
      retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 2000 },
    });
  }

  status(): RelayStatus {
    return {
      enabled: true,
      leader: this.lease.held,
      connected: this.connected,
      published: this.published,
      lastError: this.lastError ?? this.lease.lastError,
    };
  }

  override async stop(): Promise<void> {
    await super.stop();
    await this.lease.release();
  }

  protected async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const term = await this.lease.acquire(signal);
      if (signal.aborted) break;
      const epoch = this.lease.record?.value.epoch;
      this.logger.log(`leading the Kafka relay (epoch ${epoch}) from position ${this.lease.data.checkpoint}`);
      try {
        await this.lead(AbortSignal.any([signal, term]));
        if (!signal.aborted) this.logger.warn(`no longer leading the Kafka relay (epoch ${epoch}); standing by`);
      } catch (error) {
        this.lease.abandon((error as Error).message);
        this.logger.warn(`stopped publishing (epoch ${epoch}): ${(error as Error).message}; standing by`);
      }
    }
  }

  /** Publishes from the lease's checkpoint until the term ends; Kafka failures are retried with backoff, a lost lease is thrown. */
  private async lead(term: AbortSignal): Promise<void> {
    let delayMs = 100;
    let topicAttempts = 0;
    while (!term.aborted) {
      const producer = this.kafka.producer({ allowAutoTopicCreation: true, maxInFlightRequests: 1, idempotent: false });
      try {
        // Until the admin API has answered once, try it again on reconnection (a few times: some clusters never allow it).
        if (topicAttempts >= 0 && topicAttempts < 3) topicAttempts = (await this.ensureTopics()) ? -1 : topicAttempts + 1;
        await producer.connect();
        this.connected = true;
        for await (const batch of this.store.subscribeToAll({ after: this.lease.data.checkpoint, maxBatch: 500, signal: term })) {
          await this.publish(producer, batch, term);
          if (this.lastError) this.logger.log(`relay recovered; publishing from position ${this.lease.data.checkpoint}`);
          this.lastError = null;
          delayMs = 100;
        }
      } catch (error) {
        if (error instanceof LeaseLost || term.aborted) throw error;
        this.lastError = (error as Error).message;
        this.logger.warn(`relay stopped at position ${this.lease.data.checkpoint}: ${this.lastError}; retrying in ${delayMs} ms`);
        await abortableDelay(delayMs, term);
        delayMs = Math.min(delayMs * 2, 5000);
      } finally {
        this.connected = false;
        await producer.disconnect().catch(() => undefined);
      }
    }
  }

  private async publish(producer: Producer, batch: RecordedEvent[], term: AbortSignal): Promise<void> {
    const byTopic = new Map<string, Array<{ key: string; value: string; headers: Record<string, string> }>>();
    for (const event of batch) {
      const message = toMessage(event, this.options.topicPrefix);
      if (!message) continue;
      const messages = byTopic.get(message.topic) ?? [];
      messages.push({ key: message.key, value: message.value, headers: message.headers });
      byTopic.set(message.topic, messages);
    }
    // The last look before sending, with nothing awaited in between: a leader frozen past its lease sends nothing more.
    if (!this.lease.held) throw new LeaseLost(`the lease ran out by this instance's clock before position ${batch[0].position}`);
    if (byTopic.size > 0) {
      await producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
    }
    await this.saveCheckpoint(batch[batch.length - 1].position, term);
    this.published += batch.length;
  }

  /**
   * The batch is acknowledged: record it under the lease (a fenced write). A
   * failed fence throws LeaseLost; any other failure (the store briefly
   * unreachable) retries the write alone, since failing the loop would resend
   * the batch.
   */
  private async saveCheckpoint(position: number, term: AbortSignal): Promise<void> {
    for (let delayMs = 50; ; delayMs = Math.min(delayMs * 2, 2000)) {
      try {
        await this.lease.update((data) => (position > data.checkpoint ? { ...data, checkpoint: position } : data));
        return;
      } catch (error) {
        if (error instanceof LeaseLost || term.aborted) throw error;
        this.lastError = `could not record checkpoint ${position}: ${(error as Error).message}`;
        await abortableDelay(delayMs, term);
      }
    }
  }

  /**
   * Creates the topics if the cluster lets an admin client do so; many
   * brokers refuse (or, like test brokers, report no controller) but create
   * topics on first use, so a refusal is logged and publishing goes on.
   * True once the admin API answered (topics exist or were created).
   */
  private async ensureTopics(): Promise<boolean> {
    const admin = this.kafka.admin();
    const topics = ledgerTopics(this.options.topicPrefix);
    try {
      await admin.connect();
      const existing = new Set(await admin.listTopics());
      const missing = topics.filter((topic) => !existing.has(topic));
      if (missing.length > 0) {
        await admin.createTopics({ topics: missing.map((topic) => ({ topic, numPartitions: 3 })), waitForLeaders: true, timeout: 5000 });
        this.logger.log(`created topics ${missing.join(', ')}`);
      }
      return true;
    } catch (error) {
      this.logger.warn(
        `could not create topics ${topics.join(', ')} through the admin API (${(error as Error).message}); ` +
          'relying on the broker creating them on first publish',
      );
      return false;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
}
