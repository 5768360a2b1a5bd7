import { resolve } from 'node:path';
import { ConfigError, loadConfig } from './config.js';

const KEYS = 'operator:ops:key-0123456789abcdef';

function refusal(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error(`accepted ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  it('gives every variable its documented default; an empty value counts as unset but for KAFKA_TOPIC_PREFIX', () => {
    const expected = {
      port: 3000,
      host: '0.0.0.0',
      dataDir: resolve('./data'),
      eventStore: 'sqlite',
      esdbConnectionString: null,
      readWaitTimeoutMs: 5000,
      bodyLimitBytes: 65536,
      asOfMaxEvents: 100_000,
      kafkaBrokers: [],
      kafkaTopicPrefix: 'commitments.',
      logFormat: 'json',
      logLevel: 'info',
      readyMaxProjectionLagMs: 30_000,
      readyMaxRelayLagMs: 60_000,
      apiKeysGenerated: false,
      iatiReportingOrg: { ref: 'XX-COMMITMENT-LEDGER', name: 'Paired-assistance commitment ledger', type: '10' },
      treeSigningKeyFile: resolve('./data/tree-signing-key.pem'),
      treeHeadEveryEvents: 1000,
      treeHeadEveryMs: 60_000,
      serverLimits: {
        requestTimeoutMs: 60_000,
        headersTimeoutMs: 30_000,
        keepAliveTimeoutMs: 5000,
        idleTimeoutMs: 60_000,
        maxConnections: 4096,
        maxRequestsPerSocket: 0,
      },
      auditConcurrency: { export: 2, verify: 1, iati: 2, history: 4, 'as-of': 2 },
    };
    expect(loadConfig({ API_KEYS: KEYS })).toMatchObject(expected);
    const empty = [
      'PORT',
      'HOST',
      'DATA_DIR',
      'EVENT_STORE',
      'ESDB_CONNECTION_STRING',
      'READ_WAIT_TIMEOUT_MS',
      'LOG_FORMAT',
      'LOG_LEVEL',
    ].concat('IATI_REPORTING_ORG_REF');
    expect(loadConfig({ API_KEYS: KEYS, ...Object.fromEntries(empty.map((name) => [name, ''])) })).toMatchObject(expected);
    expect(loadConfig({ API_KEYS: KEYS, KAFKA_TOPIC_PREFIX: '' }).kafkaTopicPrefix).toBe('');
  });

  it('names the tree signing key file and the tree head policy; refuses a policy out of range', () => {
    const config = loadConfig({ API_KEYS: KEYS, DATA_DIR: 'd', TREE_HEAD_EVERY_EVENTS: '50', TREE_HEAD_EVERY_MS: '5000' });
    expect(config).toMatchObject({ treeSigningKeyFile: resolve('d/tree-signing-key.pem'), treeHeadEveryEvents: 50, treeHeadEveryMs: 5000 });
    expect(loadConfig({ API_KEYS: KEYS, TREE_SIGNING_KEY_FILE: 'secrets/ledger.pem' }).treeSigningKeyFile).toBe(
      resolve('secrets/ledger.pem'),
    );
    expect(refusal({ API_KEYS: KEYS, TREE_HEAD_EVERY_EVENTS: '0' })).toMatch(/^TREE_HEAD_EVERY_EVENTS must be a whole number/);
    expect(refusal({ API_KEYS: KEYS, TREE_HEAD_EVERY_MS: '10' })).toMatch(/^TREE_HEAD_EVERY_MS must be a whole number from 1000/);
  });

  it('reads and converts what is set', () => {
    const config = loadConfig({
      API_KEYS: KEYS,
      PORT: '0065535',
      KAFKA_BROKERS: ' a:1, b.example:9092 ,',
      EVENT_STORE: 'esdb',
      ESDB_CONNECTION_STRING: 'esdb://h:2113?tls=false',
      IATI_REPORTING_ORG_NAME: ' Fujian office ',
    });
    expect(config).toMatchObject({ port: 65535, kafkaBrokers: ['a:1', 'b.example:9092'], eventStore: 'esdb' });
    expect(config.iatiReportingOrg.name).toBe('Fujian office');
    // The client's older scheme, passed on in its current one (the client would warn on the console at each connection).
    expect(config.esdbConnectionString).toBe('kurrentdb://h:2113?tls=false');
    const discover = { API_KEYS: KEYS, EVENT_STORE: 'esdb', ESDB_CONNECTION_STRING: 'esdb+discover://a,b:2113' };
    expect(loadConfig(discover).esdbConnectionString).toBe('kurrentdb+discover://a,b:2113');
    const current = { API_KEYS: KEYS, EVENT_STORE: 'esdb', ESDB_CONNECTION_STRING: 'kurrentdb://ledger:secret@h:2113' };
    expect(loadConfig(current).esdbConnectionString).toBe('kurrentdb://ledger:secret@h:2113');
    expect(loadConfig({}).apiKeysGenerated).toBe(true);
  });

  it('runs every role under a generated instance id by default; LEDGER_ROLES and LEDGER_INSTANCE_ID narrow and name it', () => {
    const defaults = loadConfig({ API_KEYS: KEYS });
    expect([...defaults.roles]).toEqual(['api', 'projections', 'relay']);
    expect(defaults.instanceId).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]*-[0-9a-f]{8}$/);
    expect(loadConfig({ API_KEYS: KEYS }).instanceId).not.toBe(defaults.instanceId);
    const relay = loadConfig({ API_KEYS: KEYS, LEDGER_ROLES: ' relay ,projections', LEDGER_INSTANCE_ID: 'relay-1' });
    expect([...relay.roles]).toEqual(['relay', 'projections']);
    expect(relay.instanceId).toBe('relay-1');
    expect(defaults.fleetHeartbeatMs).toBe(5000);
    expect(loadConfig({ API_KEYS: KEYS, FLEET_HEARTBEAT_MS: '1000' }).fleetHeartbeatMs).toBe(1000);
  });

  it.each([
    [{ EVENT_STORE: 'postgres' }, 'EVENT_STORE must be "sqlite" or "esdb", got "postgres"'],
    [{ EVENT_STORE: 'esdb' }, 'EVENT_STORE=esdb needs ESDB_CONNECTION_STRING, e.g. kurrentdb://localhost:2113?tls=false'],
    [
      { ESDB_CONNECTION_STRING: 'localhost' },
      'ESDB_CONNECTION_STRING must look like kurrentdb://host:2113?tls=false (or esdb://…), got "localhost"',
    ],
    [
      { ESDB_CONNECTION_STRING: 'kurrentdb://ledger:p%40ss@h:2113' },
      'ESDB_CONNECTION_STRING: a percent-encoded user name or password is refused (the client reads it encoded)',
    ],
    [
      { ESDB_CONNECTION_STRING: 'kurrentdb://h:2113?tls=false&throwOnAppendFailure=false' },
      'ESDB_CONNECTION_STRING: throwOnAppendFailure=false is refused: the ledger relies on a refused append failing',
    ],
    [{ API_KEYS: '' }, 'API_KEYS is set but lists no keys; use role:key or role:name:key, comma-separated'],
    [{ PORT: '1e3' }, 'PORT must be a whole number from 0 to 65535, got "1e3"'],
    [{ BODY_LIMIT_BYTES: '1023' }, 'BODY_LIMIT_BYTES must be a whole number from 1024 to 16777216, got "1023"'],
    [{ KAFKA_BROKERS: 'a:1,bad' }, 'KAFKA_BROKERS must be comma-separated host:port pairs, got "bad"'],
    [{ KAFKA_TOPIC_PREFIX: 'a b' }, `KAFKA_TOPIC_PREFIX may only hold letters, digits, '.', '_' and '-', got "a b"`],
    [{ LOG_FORMAT: 'xml' }, 'LOG_FORMAT must be one of json, pretty, got "xml"'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL must be one of fatal, error, warn, info, debug, verbose, got "loud"'],
    [{ READY_MAX_RELAY_LAG_MS: '-1' }, 'READY_MAX_RELAY_LAG_MS must be a whole number from 0 to 86400000, got "-1"'],
    [{ IATI_REPORTING_ORG_REF: 'X' }, 'IATI_REPORTING_ORG_REF must be an IATI organisation identifier such as CN-USCC-12345, got "X"'],
    [{ IATI_REPORTING_ORG_NAME: '   ' }, 'IATI_REPORTING_ORG_NAME must be 1-200 characters without control characters'],
    [{ IATI_REPORTING_ORG_TYPE: 'g' }, 'IATI_REPORTING_ORG_TYPE must be an IATI OrganisationType code such as 10 (Government), got "g"'],
    [{ LEDGER_ROLES: 'api,worker' }, 'LEDGER_ROLES must be a comma-separated list of api, projections, relay, got "worker"'],
    [{ LEDGER_ROLES: ' , ' }, 'LEDGER_ROLES must name at least one of api, projections, relay'],
    [
      { LEDGER_ROLES: 'api,relay' },
      'LEDGER_ROLES: a process with api needs projections too: its queries, ?minPosition reads and readiness follow ' +
        'the read models its own projection runner keeps in DATA_DIR (several api,projections processes may share one DATA_DIR)',
    ],
    [
      { LEDGER_INSTANCE_ID: 'a b' },
      `LEDGER_INSTANCE_ID must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit, got "a b"`,
    ],
    [{ MAX_CONNECTIONS: '0' }, 'MAX_CONNECTIONS must be a whole number from 1 to 1000000, got "0"'],
    [{ REQUEST_TIMEOUT_MS: '50' }, 'REQUEST_TIMEOUT_MS must be a whole number from 100 to 3600000, got "50"'],
    [
      { HEADERS_TIMEOUT_MS: '61000' },
      'HEADERS_TIMEOUT_MS (61000) must not exceed REQUEST_TIMEOUT_MS (60000): the headers are part of the request',
    ],
    [{ FLEET_HEARTBEAT_MS: '100' }, 'FLEET_HEARTBEAT_MS must be a whole number from 200 to 60000, got "100"'],
    // Several wrong at once: the refusal names the first in the order above.
    [{ PORT: 'x', EVENT_STORE: 'esdb' }, 'EVENT_STORE=esdb needs ESDB_CONNECTION_STRING, e.g. kurrentdb://localhost:2113?tls=false'],
    [{ LOG_LEVEL: 'y', PORT: 'x' }, 'PORT must be a whole number from 0 to 65535, got "x"'],
  ])('refuses %j: %s', (env, message) => {
    expect(refusal({ API_KEYS: KEYS, ...env })).toBe(message);
  });
});
