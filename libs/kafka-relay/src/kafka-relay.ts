import type Database from 'better-sqlite3';
import { Kafka, type Producer, logLevel } from 'kafkajs';
import { BackgroundLoop, readCheckpoint, writeCheckpoint } from '#background';
import { ledgerTopics, toMessage } from '#contracts';
import type { EventStore } from '#event-store';

export interface RelayOptions {
  readonly brokers: readonly string[];
  readonly topicPrefix: string;
  readonly clientId?: string;
  readonly logger?: { log(message: string): void; warn(message: string): void };
}

export interface RelayStatus {
  readonly enabled: true;
  /** Whether the producer is connected and the relay is publishing (false while it retries after a failure). */
  readonly connected: boolean;
  readonly checkpoint: number;
  readonly published: number;
  readonly lastError: string | null;
}

export const RELAY_CHECKPOINT = 'kafka-relay';
const silent = { log: () => undefined, warn: () => undefined };

/**
 * Publishes every ledger event to Kafka, in log order, from its own stored
 * checkpoint. A batch is sent with acks from all in-sync replicas and the
 * checkpoint advances only after the broker acknowledged it; on any failure
 * the relay starts again from the stored checkpoint with backoff. So a crash
 * or an outage can make it send an event again, never skip one, and one
 * key's events are never reordered (one request in flight at a time).
 */
export class KafkaRelay extends BackgroundLoop {
  private readonly kafka: Kafka;
  private checkpoint: number;
  private published = 0;
  private lastError: string | null = null;
  private connected = false;
  private readonly logger;

  constructor(
    private readonly store: EventStore,
    private readonly db: Database.Database,
    private readonly options: RelayOptions,
  ) {
    super();
    this.logger = options.logger ?? silent;
    this.kafka = new Kafka({
      clientId: options.clientId ?? 'commitment-ledger-relay',
      brokers: [...options.brokers],
      logLevel: logLevel.NOTHING,
      retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 2000 },
    });
    this.checkpoint = readCheckpoint(db, RELAY_CHECKPOINT);
  }

  status(): RelayStatus {
    return { enabled: true, connected: this.connected, checkpoint: this.checkpoint, published: this.published, lastError: this.lastError };
  }

  protected async run(signal: AbortSignal): Promise<void> {
    let delayMs = 100;
    let topicAttempts = 0;
    while (!signal.aborted) {
      const producer = this.kafka.producer({ allowAutoTopicCreation: true, maxInFlightRequests: 1, idempotent: false });
      try {
        // Until the admin API has answered once, try it again on reconnection (a few times: some clusters never allow it).
        if (topicAttempts >= 0 && topicAttempts < 3) topicAttempts = (await this.ensureTopics()) ? -1 : topicAttempts + 1;
        await producer.connect();
        this.connected = true;
        this.checkpoint = readCheckpoint(this.db, RELAY_CHECKPOINT);
        for await (const batch of this.store.subscribeToAll({ after: this.checkpoint, maxBatch: 500, signal })) {
          await this.publish(producer, batch, signal);
          if (this.lastError) this.logger.log(`relay recovered; publishing from position ${this.checkpoint}`);
          this.lastError = null;
          delayMs = 100;
        }
      } catch (error) {
        this.connected = false;
        if (signal.aborted) break;
        this.lastError = (error as Error).message;
        this.logger.warn(`relay stopped at position ${this.checkpoint}: ${this.lastError}; retrying in ${delayMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        delayMs = Math.min(delayMs * 2, 5000);
      } finally {
        this.connected = false;
        await producer.disconnect().catch(() => undefined);
      }
    }
  }

  private async publish(producer: Producer, batch: Awaited<ReturnType<EventStore['readAll']>>, signal: AbortSignal): Promise<void> {
    const byTopic = new Map<string, Array<{ key: string; value: string; headers: Record<string, string> }>>();
    for (const event of batch) {
      const message = toMessage(event, this.options.topicPrefix);
      if (!message) continue;
      const messages = byTopic.get(message.topic) ?? [];
      messages.push({ key: message.key, value: message.value, headers: message.headers });
      byTopic.set(message.topic, messages);
    }
    if (byTopic.size > 0) {
      await producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
    }
    const position = batch[batch.length - 1].position;
    await this.saveCheckpoint(position, signal);
    this.checkpoint = position;
    this.published += batch.length;
  }

  /**
   * The batch is acknowledged: if recording that fails (disk full, a lock),
   * retry the write alone. Failing the whole loop would resend the batch on
   * every attempt.
   */
  private async saveCheckpoint(position: number, signal: AbortSignal): Promise<void> {
    for (let delayMs = 50; ; delayMs = Math.min(delayMs * 2, 2000)) {
      try {
        this.db.transaction(() => writeCheckpoint(this.db, RELAY_CHECKPOINT, position)).immediate();
        return;
      } catch (error) {
        if (signal.aborted) throw error;
        this.lastError = `could not record checkpoint ${position}: ${(error as Error).message}`;
        await new Promise((resolve) => setTimeout(resolve, delayMs));
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
