import { Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { type Consumer, Kafka, logLevel } from 'kafkajs';
import { join } from 'node:path';
import { envelopeProblem } from '../../../libs/contracts/src/index.js';
import { type EventEnvelope, ledgerTopics } from '../../../libs/kafka-relay/src/index.js';
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
    const kafka = new Kafka({ clientId: 'commitments-subscriber', brokers: [...config.brokers], logLevel: logLevel.NOTHING });
    this.consumer = kafka.consumer({ groupId: config.groupId, sessionTimeout: 10_000, heartbeatInterval: 1000, maxWaitTimeInMs: 200 });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: ledgerTopics(this.config.topicPrefix), fromBeginning: true });
    await this.consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        let envelope: unknown;
        try {
          envelope = JSON.parse(message.value?.toString('utf8') ?? '');
        } catch {
          envelope = null;
        }
        const problem = envelopeProblem(envelope);
        if (problem) {
          this.logger.warn(`skipping message ${topic}/${partition}@${message.offset}: ${problem}`);
          this.view.reject();
          return;
        }
        this.view.apply(envelope as EventEnvelope);
      },
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumer.disconnect();
    this.view.close();
  }
}
