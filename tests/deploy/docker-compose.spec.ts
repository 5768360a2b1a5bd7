import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { loadConfig } from '#api/config';

/**
 * No Docker engine runs where this is tested, so the compose file is checked
 * as far as reading it allows: the services, their images, ports, volumes
 * and health checks, and that the ledger's environment points at the other
 * services and is accepted by the ledger's own configuration loader.
 */
interface Service {
  image: string;
  environment: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
}

const compose = parse(readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8')) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};
const { eventstore, kafka, 'ledger-api': api } = compose.services;

describe('docker-compose.yml', () => {
  it('runs EventStoreDB, Kafka and the ledger API from official images', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['eventstore', 'kafka', 'ledger-api']);
    expect(eventstore.image).toMatch(/^eventstore\/eventstore:\d/);
    expect(kafka.image).toMatch(/^apache\/kafka:\d/);
    expect(api.image).toMatch(/^node:20/);
  });

  it('gives every service a health check and every named volume a declaration', () => {
    for (const service of Object.values(compose.services)) expect(service.healthcheck?.test[0]).toBe('CMD-SHELL');
    const named = Object.values(compose.services)
      .flatMap((service) => service.volumes ?? [])
      .map((volume) => volume.split(':')[0])
      .filter((source) => /^[a-z]/.test(source));
    expect(named.length).toBeGreaterThan(0);
    for (const volume of named) expect(compose.volumes).toHaveProperty(volume);
  });

  it('runs EventStoreDB as an insecure single node with its data persisted', () => {
    expect(eventstore.environment).toMatchObject({ EVENTSTORE_CLUSTER_SIZE: '1', EVENTSTORE_INSECURE: 'true' });
    expect(eventstore.volumes).toContain('eventstore-data:/var/lib/eventstore');
    expect(eventstore.ports).toContain(`2113:${eventstore.environment.EVENTSTORE_NODE_PORT}`);
  });

  it('runs Kafka in KRaft mode, advertising its internal listener to the other containers', () => {
    expect(kafka.environment.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    expect(kafka.environment.KAFKA_CONTROLLER_QUORUM_VOTERS).toBe(`${kafka.environment.KAFKA_NODE_ID}@kafka:9093`);
    expect(kafka.environment.KAFKA_ADVERTISED_LISTENERS).toContain('INTERNAL://kafka:9092');
    expect(kafka.volumes).toContain(`kafka-data:${kafka.environment.KAFKA_LOG_DIRS}`);
  });

  it('wires the ledger to both, starting it only once they are healthy', () => {
    expect(api.depends_on).toEqual({ eventstore: { condition: 'service_healthy' }, kafka: { condition: 'service_healthy' } });
    // API_KEYS comes from the operator's environment, and compose refuses to start without it.
    expect(api.environment.API_KEYS).toMatch(/^\$\{API_KEYS:\?.+\}$/);
    const config = loadConfig({ ...api.environment, API_KEYS: 'operator:ops:compose-key-0123456789' });
    expect(config.eventStore).toBe('esdb');
    const esdb = new URL((config.esdbConnectionString as string).replace(/^esdb:/, 'http:'));
    expect(esdb.hostname).toBe('eventstore');
    expect(esdb.port).toBe(eventstore.environment.EVENTSTORE_NODE_PORT);
    expect(esdb.searchParams.get('tls')).toBe(eventstore.environment.EVENTSTORE_INSECURE === 'true' ? 'false' : 'true');
    expect(api.environment.KAFKA_BROKERS).toBe('kafka:9092');
    expect(api.ports).toContain(`${config.port}:${config.port}`);
    expect(api.volumes).toContain(`ledger-data:${config.dataDir}`);
    // Healthy means the ledger is ready: EventStoreDB answers, the read models and the Kafka relay are caught up.
    expect(api.healthcheck?.test[1]).toContain(`http://localhost:${config.port}/health/ready'`);
  });
});

describe('configuration', () => {
  it('refuses EVENT_STORE=esdb without a valid connection string, naming the variable', () => {
    expect(() => loadConfig({ EVENT_STORE: 'esdb' })).toThrow('ESDB_CONNECTION_STRING');
    expect(() => loadConfig({ EVENT_STORE: 'esdb', ESDB_CONNECTION_STRING: 'localhost:2113' })).toThrow('ESDB_CONNECTION_STRING');
    expect(() => loadConfig({ EVENT_STORE: 'postgres' })).toThrow('EVENT_STORE');
    expect(loadConfig({}).eventStore).toBe('sqlite');
  });

  it('reads the logging and readiness settings, with their documented defaults, and refuses bad values', () => {
    expect(loadConfig({})).toMatchObject({
      logFormat: 'json',
      logLevel: 'info',
      readyMaxProjectionLagMs: 30_000,
      readyMaxRelayLagMs: 60_000,
    });
    expect(loadConfig({ LOG_FORMAT: 'pretty', LOG_LEVEL: 'debug', READY_MAX_PROJECTION_LAG_MS: '500' })).toMatchObject({
      logFormat: 'pretty',
      logLevel: 'debug',
      readyMaxProjectionLagMs: 500,
    });
    expect(() => loadConfig({ LOG_FORMAT: 'xml' })).toThrow('LOG_FORMAT');
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow('LOG_LEVEL');
    expect(() => loadConfig({ READY_MAX_PROJECTION_LAG_MS: '-1' })).toThrow('READY_MAX_PROJECTION_LAG_MS');
    expect(() => loadConfig({ READY_MAX_RELAY_LAG_MS: '1e3' })).toThrow('READY_MAX_RELAY_LAG_MS');
  });
});
