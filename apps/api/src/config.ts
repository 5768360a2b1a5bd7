import { resolve } from 'node:path';
import { type ApiKey, ApiKeysError, generateApiKeys, parseApiKeys } from './http/api-keys.js';

export interface LedgerConfig {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  /** `sqlite`: the embedded store in DATA_DIR; `esdb`: EventStoreDB at esdbConnectionString. */
  readonly eventStore: 'sqlite' | 'esdb';
  readonly esdbConnectionString: string | null;
  /** How long a read with ?minPosition waits for the projections before answering 503. */
  readonly readWaitTimeoutMs: number;
  readonly bodyLimitBytes: number;
  /** The most events one ?asOf/?knownAt answer may fold before it is refused (422 as-of-too-large). */
  readonly asOfMaxEvents: number;
  /** Kafka brokers the relay publishes to; the relay is off when empty. */
  readonly kafkaBrokers: readonly string[];
  readonly kafkaTopicPrefix: string;
  /** `json`: one JSON object per line (for log collectors); `pretty`: Nest's coloured console lines. */
  readonly logFormat: LogFormat;
  /** The least severe level written: `fatal` writes least, `verbose` most. */
  readonly logLevel: LedgerLogLevel;
  /** /health/ready fails when the oldest event the read models do not reflect yet was recorded longer ago than this. */
  readonly readyMaxProjectionLagMs: number;
  /** /health/ready fails (with KAFKA_BROKERS set) when the oldest event not yet published was recorded longer ago than this. */
  readonly readyMaxRelayLagMs: number;
  /** Who may call the API (API_KEYS); when API_KEYS is unset, one fresh key per role for this process. */
  readonly apiKeys: readonly ApiKey[];
  /** True when the keys were generated because API_KEYS was unset: `npm start` prints them once. */
  readonly apiKeysGenerated: boolean;
  /** Who publishes the IATI export (IATI_REPORTING_ORG_REF / _NAME / _TYPE). */
  readonly iatiReportingOrg: { readonly ref: string; readonly name: string; readonly type: string };
}

export type LogFormat = 'json' | 'pretty';
/** Most to least severe; LOG_LEVEL=warn writes fatal, error and warn. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'verbose'] as const;
export type LedgerLogLevel = (typeof LOG_LEVELS)[number];

/** See docs/api.md "As-of and known-at": folding runs at about 100k events/s, so about a second at the bound. */
export const DEFAULT_AS_OF_MAX_EVENTS = 100_000;

export class ConfigError extends Error {}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^[0-9]+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return Number(raw);
}

function brokers(raw: string | undefined): string[] {
  const list = (raw ?? '')
    .split(',')
    .map((broker) => broker.trim())
    .filter(Boolean);
  for (const broker of list) {
    if (!/^[A-Za-z0-9.-]+:[0-9]{1,5}$/.test(broker))
      throw new ConfigError(`KAFKA_BROKERS must be comma-separated host:port pairs, got ${JSON.stringify(broker)}`);
  }
  return list;
}

function topicPrefix(raw: string): string {
  if (!/^[A-Za-z0-9._-]{0,100}$/.test(raw))
    throw new ConfigError(`KAFKA_TOPIC_PREFIX may only hold letters, digits, '.', '_' and '-', got ${JSON.stringify(raw)}`);
  return raw;
}

/** IATI organisation identifiers are `{registration agency}-{number}`, e.g. `CN-USCC-12345`: no spaces, at least one hyphen. */
function iatiReportingOrg(env: NodeJS.ProcessEnv): LedgerConfig['iatiReportingOrg'] {
  const ref = env.IATI_REPORTING_ORG_REF || 'XX-COMMITMENT-LEDGER';
  if (!/^[A-Za-z0-9][A-Za-z0-9._]*-[A-Za-z0-9._/-]{1,120}$/.test(ref)) {
    throw new ConfigError(
      `IATI_REPORTING_ORG_REF must be an IATI organisation identifier such as CN-USCC-12345, got ${JSON.stringify(ref)}`,
    );
  }
  const name = env.IATI_REPORTING_ORG_NAME || 'Paired-assistance commitment ledger';
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point
  if (name.trim() === '' || name.length > 200 || /[\u0000-\u001f\u007f]/.test(name)) {
    throw new ConfigError('IATI_REPORTING_ORG_NAME must be 1-200 characters without control characters');
  }
  const type = env.IATI_REPORTING_ORG_TYPE || '10';
  if (!/^[0-9]{1,3}$/.test(type))
    throw new ConfigError(
      `IATI_REPORTING_ORG_TYPE must be an IATI OrganisationType code such as 10 (Government), got ${JSON.stringify(type)}`,
    );
  return { ref, name: name.trim(), type };
}

function oneOf<T extends string>(env: NodeJS.ProcessEnv, name: string, values: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(values as readonly string[]).includes(raw))
    throw new ConfigError(`${name} must be one of ${values.join(', ')}, got ${JSON.stringify(raw)}`);
  return raw as T;
}

/** Reads the configuration from environment variables, refusing bad values with a message that names them. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): LedgerConfig {
  const eventStore = env.EVENT_STORE || 'sqlite';
  if (eventStore !== 'sqlite' && eventStore !== 'esdb')
    throw new ConfigError(`EVENT_STORE must be "sqlite" or "esdb", got ${JSON.stringify(eventStore)}`);
  const esdbConnectionString = env.ESDB_CONNECTION_STRING || null;
  if (eventStore === 'esdb' && !esdbConnectionString) {
    throw new ConfigError('EVENT_STORE=esdb needs ESDB_CONNECTION_STRING, e.g. esdb://localhost:2113?tls=false');
  }
  if (esdbConnectionString !== null && !/^(esdb|esdb\+discover):\/\/\S+$/.test(esdbConnectionString)) {
    throw new ConfigError(`ESDB_CONNECTION_STRING must look like esdb://host:2113?tls=false, got ${JSON.stringify(esdbConnectionString)}`);
  }
  let apiKeys: ApiKey[];
  try {
    apiKeys = env.API_KEYS === undefined ? generateApiKeys() : parseApiKeys(env.API_KEYS);
  } catch (error) {
    if (error instanceof ApiKeysError) throw new ConfigError(error.message);
    throw error;
  }
  return {
    port: integer(env, 'PORT', 3000, 0, 65535),
    host: env.HOST || '0.0.0.0',
    dataDir: resolve(env.DATA_DIR || './data'),
    eventStore,
    esdbConnectionString,
    readWaitTimeoutMs: integer(env, 'READ_WAIT_TIMEOUT_MS', 5000, 0, 60_000),
    bodyLimitBytes: integer(env, 'BODY_LIMIT_BYTES', 64 * 1024, 1024, 16 * 1024 * 1024),
    asOfMaxEvents: integer(env, 'AS_OF_MAX_EVENTS', DEFAULT_AS_OF_MAX_EVENTS, 1, 100_000_000),
    kafkaBrokers: brokers(env.KAFKA_BROKERS),
    kafkaTopicPrefix: topicPrefix(env.KAFKA_TOPIC_PREFIX ?? 'commitments.'),
    logFormat: oneOf(env, 'LOG_FORMAT', ['json', 'pretty'] as const, 'json'),
    logLevel: oneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    readyMaxProjectionLagMs: integer(env, 'READY_MAX_PROJECTION_LAG_MS', 30_000, 0, 86_400_000),
    readyMaxRelayLagMs: integer(env, 'READY_MAX_RELAY_LAG_MS', 60_000, 0, 86_400_000),
    apiKeys,
    apiKeysGenerated: env.API_KEYS === undefined,
    iatiReportingOrg: iatiReportingOrg(env),
  };
}
