import { resolve } from 'node:path';

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
}

export class ConfigError extends Error {}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^[0-9]+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return Number(raw);
}

/** Reads the configuration from environment variables, refusing bad values with a message that names them. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): LedgerConfig {
  const eventStore = env.EVENT_STORE || 'sqlite';
  if (eventStore !== 'sqlite' && eventStore !== 'esdb') throw new ConfigError(`EVENT_STORE must be "sqlite" or "esdb", got ${JSON.stringify(eventStore)}`);
  const esdbConnectionString = env.ESDB_CONNECTION_STRING || null;
  if (eventStore === 'esdb' && !esdbConnectionString) {
    throw new ConfigError('EVENT_STORE=esdb needs ESDB_CONNECTION_STRING, e.g. esdb://localhost:2113?tls=false');
  }
  if (esdbConnectionString !== null && !/^(esdb|esdb\+discover):\/\/\S+$/.test(esdbConnectionString)) {
    throw new ConfigError(`ESDB_CONNECTION_STRING must look like esdb://host:2113?tls=false, got ${JSON.stringify(esdbConnectionString)}`);
  }
  return {
    port: integer(env, 'PORT', 3000, 0, 65535),
    host: env.HOST || '0.0.0.0',
    dataDir: resolve(env.DATA_DIR || './data'),
    eventStore,
    esdbConnectionString,
    readWaitTimeoutMs: integer(env, 'READ_WAIT_TIMEOUT_MS', 5000, 0, 60_000),
    bodyLimitBytes: integer(env, 'BODY_LIMIT_BYTES', 64 * 1024, 1024, 16 * 1024 * 1024),
  };
}
