import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { loadConfig } from '#api/config';
import { loadSubscriberConfig } from '#subscriber/config';
import { type Compose, type ComposeService, builtOutputInImage, composeProblems, parseDockerfile } from './deploy-checks.js';

/**
 * No Docker engine runs where this is tested, so the compose file is checked
 * as far as reading it allows: the services and their images, that every
 * published port is on loopback, that nothing is mounted from the source and
 * every ledger process runs the Dockerfile's image with a command it holds,
 * the fleet's shape, and that each environment is accepted by the ledger's
 * (or the subscriber's) own configuration loader. Each guard is removed from
 * a copy, and the check must name it.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const text = readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8');
// `merge`: compose reads YAML merge keys (`<<: *ledger`), which the file uses for what the ledger's services share.
const read = (yaml: string) =>
  parse(yaml, { merge: true }) as Compose & { services: Record<string, Required<Pick<ComposeService, 'environment'>> & ComposeService> };
const compose = read(text);
const inImage = builtOutputInImage(parseDockerfile(readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8')), 'build');
const problemsOf = (file: Compose) => composeProblems(file, inImage, { root });
const { eventstore, kafka, subscriber } = compose.services;
const ledgerServices = Object.entries(compose.services).filter(([, service]) => service.environment.LEDGER_ROLES !== undefined);
const byRoles = (roles: string) => ledgerServices.filter(([, service]) => service.environment.LEDGER_ROLES === roles);
const SAMPLE_KEYS = { API_KEYS: 'operator:ops:compose-key-0123456789', SUBSCRIBER_API_KEY: 'subscriber-key-0123456789abcdef' };

/** A copy of the parsed file with one service changed. */
function withService(name: string, change: (service: ComposeService) => ComposeService): Compose {
  const copy = structuredClone(compose);
  copy.services[name] = change(copy.services[name]) as (typeof copy.services)[string];
  return copy;
}

describe('docker-compose.yml', () => {
  it('runs EventStoreDB, Kafka, two API replicas, two relays and the subscriber', () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      ['eventstore', 'kafka', 'ledger-api-1', 'ledger-api-2', 'ledger-relay-1', 'ledger-relay-2', 'subscriber'].sort(),
    );
    expect(eventstore.image).toMatch(/^eventstore\/eventstore:\d/);
    expect(kafka.image).toMatch(/^apache\/kafka:\d/);
  });

  it('has no problem: loopback ports, no source mount, the Dockerfile image, commands that exist in it', () => {
    expect(problemsOf(compose)).toEqual([]);
    for (const [, service] of [...ledgerServices, ['subscriber', subscriber] as const]) {
      expect(service.build).toEqual({ context: '.', dockerfile: 'Dockerfile' });
      expect(service.healthcheck === undefined || service.healthcheck.test[0] === 'CMD').toBe(true);
    }
  });

  it.each<[string, string, (service: ComposeService) => ComposeService, string]>([
    ['Kafka published on every interface', 'kafka', (s) => ({ ...s, ports: ['29092:29092'] }), 'beyond 127.0.0.1'],
    ['EventStoreDB published on 0.0.0.0', 'eventstore', (s) => ({ ...s, ports: ['0.0.0.0:2113:2113'] }), 'beyond 127.0.0.1'],
    ['an API port in long syntax without host_ip', 'ledger-api-1', (s) => ({ ...s, ports: [{ target: 3000, published: 3000 }] }), 'beyond'],
    ['the source mounted', 'ledger-api-2', (s) => ({ ...s, volumes: [...(s.volumes ?? []), '.:/app'] }), 'mounts . from the host'],
    [
      'a bind mount in long syntax',
      'subscriber',
      (s) => ({ ...s, volumes: [{ type: 'bind', source: 'src', target: '/app' }] }),
      'from the host',
    ],
    ['npm at start', 'ledger-relay-1', (s) => ({ ...s, command: ['sh', '-c', 'npm ci && npm start'] }), 'runs npm'],
    ['a bare node image', 'ledger-relay-2', ({ build: _build, ...s }) => ({ ...s, image: 'node:20-bookworm' }), 'bare node image'],
    [
      'another Dockerfile',
      'ledger-api-1',
      (s) => ({ ...s, build: { context: '.', dockerfile: 'Dockerfile.dev' } }),
      "project's Dockerfile",
    ],
    [
      'a command not in the build',
      'subscriber',
      (s) => ({ ...s, command: ['node', 'dist/apps/subscriber/src/index.js'] }),
      'does not produce',
    ],
    ['a command not copied into the image', 'ledger-api-2', (s) => ({ ...s, command: ['node', 'dist/bench/run.js'] }), 'not copied'],
  ])('names the problem with %s', (_, name, change, problem) => {
    expect(problemsOf(withService(name, change)).join('\n')).toContain(problem);
  });

  it('keeps EventStoreDB an insecure node for local use only: loopback, no AtomPub, data persisted', () => {
    expect(eventstore.environment).toMatchObject({
      EVENTSTORE_CLUSTER_SIZE: '1',
      EVENTSTORE_INSECURE: 'true',
      EVENTSTORE_ENABLE_ATOM_PUB_OVER_HTTP: 'false',
    });
    expect(eventstore.ports).toEqual([`127.0.0.1:2113:${eventstore.environment.EVENTSTORE_NODE_PORT}`]);
    expect(eventstore.volumes).toContain('eventstore-data:/var/lib/eventstore');
    // The decision is written where the next reader of the file sees it.
    expect(text).toMatch(/EventStoreDB is deliberately an INSECURE node here[^]*local use only/);
  });

  it('runs Kafka in KRaft mode, advertising its internal listener to the other containers, the host on loopback', () => {
    expect(kafka.environment.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    expect(kafka.environment.KAFKA_CONTROLLER_QUORUM_VOTERS).toBe(`${kafka.environment.KAFKA_NODE_ID}@kafka:9093`);
    expect(kafka.environment.KAFKA_ADVERTISED_LISTENERS).toContain('INTERNAL://kafka:9092');
    expect(kafka.ports).toEqual(['127.0.0.1:29092:29092']);
    expect(kafka.volumes).toContain(`kafka-data:${kafka.environment.KAFKA_LOG_DIRS}`);
  });

  it('shows the fleet: two API replicas and two relays, each its own instance id and DATA_DIR volume', () => {
    expect(byRoles('api,projections').map(([name]) => name)).toHaveLength(2);
    expect(byRoles('relay').map(([name]) => name)).toHaveLength(2);
    const ids = ledgerServices.map(([, service]) => service.environment.LEDGER_INSTANCE_ID);
    const volumes = ledgerServices.map(([, service]) => service.volumes?.[0]);
    expect(new Set(ids).size).toBe(4);
    expect(new Set(volumes).size).toBe(4);
    for (const [name, service] of ledgerServices) {
      // API_KEYS comes from the operator's environment, and compose refuses to start without it.
      expect([name, service.environment.API_KEYS]).toEqual([name, expect.stringMatching(/^\$\{API_KEYS:\?.+\}$/)]);
      const config = loadConfig({ ...service.environment, ...SAMPLE_KEYS });
      expect(config.instanceId).toBe(service.environment.LEDGER_INSTANCE_ID);
      expect(service.volumes).toEqual([`${name.replace(/^ledger-/, '')}-data:${config.dataDir}`]);
      expect(config.eventStore).toBe('esdb');
      const esdb = new URL((config.esdbConnectionString as string).replace(/^[a-z+]+:/, 'http:'));
      expect([esdb.hostname, esdb.port]).toEqual(['eventstore', eventstore.environment.EVENTSTORE_NODE_PORT]);
      expect(esdb.searchParams.get('tls')).toBe(eventstore.environment.EVENTSTORE_INSECURE === 'true' ? 'false' : 'true');
      expect(service.depends_on).toEqual({ eventstore: { condition: 'service_healthy' }, kafka: { condition: 'service_healthy' } });
    }
    for (const [, relay] of byRoles('relay')) expect(relay.environment.KAFKA_BROKERS).toBe('kafka:9092');
    for (const [name, api] of byRoles('api,projections')) {
      const config = loadConfig({ ...api.environment, ...SAMPLE_KEYS });
      expect([name, api.ports?.[0]]).toEqual([name, expect.stringMatching(new RegExp(`^127\\.0\\.0\\.1:\\d+:${config.port}$`))]);
      // Healthy means ready: EventStoreDB answers and the read models are caught up.
      expect(api.healthcheck?.test.join(' ')).toContain(`http://127.0.0.1:${config.port}/health/ready'`);
    }
  });

  it('puts the subscriber behind a key the operator must set, on loopback, health-checked with its key', () => {
    expect(subscriber.environment.SUBSCRIBER_API_KEY).toMatch(/^\$\{SUBSCRIBER_API_KEY:\?.+\}$/);
    const config = loadSubscriberConfig({ ...subscriber.environment, SUBSCRIBER_API_KEY: SAMPLE_KEYS.SUBSCRIBER_API_KEY });
    expect(config).toMatchObject({ brokers: ['kafka:9092'], apiKey: SAMPLE_KEYS.SUBSCRIBER_API_KEY });
    expect(subscriber.ports).toEqual([`127.0.0.1:${config.port}:${config.port}`]);
    expect(subscriber.healthcheck?.test.join(' ')).toContain("'Bearer ' + process.env.SUBSCRIBER_API_KEY");
    const { SUBSCRIBER_API_KEY: _key, ...keyless } = subscriber.environment;
    expect(() => loadSubscriberConfig(keyless)).toThrow('SUBSCRIBER_API_KEY');
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
