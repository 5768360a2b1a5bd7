import { resolve } from 'node:path';

export interface SubscriberConfig {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly brokers: readonly string[];
  readonly topicPrefix: string;
  readonly groupId: string;
  /** The bearer key every request must present (SUBSCRIBER_API_KEY). */
  readonly apiKey: string;
}

export class SubscriberConfigError extends Error {}

/** The subscriber's settings, from environment variables, refused with a message naming the variable. */
export function loadSubscriberConfig(env: NodeJS.ProcessEnv = process.env): SubscriberConfig {
  const brokers = (env.KAFKA_BROKERS ?? '')
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  if (brokers.length === 0) throw new SubscriberConfigError('KAFKA_BROKERS must list the brokers to consume from, e.g. localhost:29092');
  const port = Number(env.SUBSCRIBER_PORT ?? 3100);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new SubscriberConfigError(`SUBSCRIBER_PORT must be a port number, got ${env.SUBSCRIBER_PORT}`);
  const groupId = env.SUBSCRIBER_GROUP_ID || 'commitments-delivered-view';
  if (!/^[A-Za-z0-9._-]{1,200}$/.test(groupId))
    throw new SubscriberConfigError(`SUBSCRIBER_GROUP_ID may only hold letters, digits, '.', '_' and '-'`);
  const apiKey = env.SUBSCRIBER_API_KEY ?? '';
  if (!/^[\x21-\x7e]{16,256}$/.test(apiKey))
    throw new SubscriberConfigError(
      'SUBSCRIBER_API_KEY must be set: the key (16 to 256 printable characters, no spaces) clients send as Authorization: Bearer <key>',
    );
  return {
    port,
    // Loopback unless told otherwise: a container sets HOST=0.0.0.0 and publishes the port where it chooses.
    host: env.HOST || '127.0.0.1',
    dataDir: resolve(env.SUBSCRIBER_DATA_DIR || './data/subscriber'),
    brokers,
    topicPrefix: env.KAFKA_TOPIC_PREFIX ?? 'commitments.',
    groupId,
    apiKey,
  };
}
