import { Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { type Consumer, Kafka, logLevel } from 'kafkajs';
import { join } from 'node:path';
import { type EventEnvelope, envelopeProblem, ledgerTopics } from '#contracts';
import type { SubscriberConfig } from './config.js';
import { DeliveredView } from './delivered-view.js';

/**
 * Consumes the ledger's topics in a consumer group. Each message is checked
 * against the published schema of its event type and applied to the view
 * exactly once (by eventId); the offset is committed only after that, so a
 * crash makes Kafka redeliver, never skip.
 */
export class LedgerConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly view: DeliveredView;
  private readonly consumer: Consumer;
  private readonly logger = new Logger('LedgerConsumer');

  constructor(private readonly config: SubscriberConfig) {
    this.view = new DeliveredView(join(config.dataDir, 'delivered-view.sqlite'));
    const kafka = new Kafka({ clientId: 'commitments-subscriber', brokers: [...config.brokers], logLevel: logLevel.ERROR });
    this.consumer = kafka.consumer({ groupId: config.groupId, sessionTimeout: 10_000, heartbeatInterval: 1000, maxWaitTimeInMs: 200 });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: ledgerTopics(this.config.topicPrefix), fromBeginning: true });
    await this.consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        const where = `${topic}/${partition}@${message.offset}`;
        let envelope: unknown;
        try {
          envelope = JSON.parse(message.value?.toString('utf8') ?? '');
        } catch {
          this.logger.warn(`skipping message ${where}: not JSON`);
          this.view.reject();
          return;
        }
        if (typeof envelope !== 'object' || envelope === null) {
          this.logger.warn(`skipping message ${where}: not an envelope`);
          this.view.reject();
          return;
        }
        // An event this view cannot check or apply is parked, never silently dropped or retried forever.
        const problem = envelopeProblem(envelope);
        if (problem) {
          this.logger.error(`parking ${where}: ${problem}`);
          this.view.park(envelope, problem);
          return;
        }
        try {
          this.view.apply(envelope as EventEnvelope);
        } catch (error) {
          this.logger.error(`parking ${where}: ${(error as Error).message}`);
          this.view.park(envelope, (error as Error).message);
        }
      },
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumer.disconnect();
    this.view.close();
  }
}
