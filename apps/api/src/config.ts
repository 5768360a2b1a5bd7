import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { IsIn, Matches, ValidateBy, ValidateIf, type ValidationArguments, validateSync } from 'class-validator';
import { isIP } from 'node:net';
import { type ApiKey, ApiKeysError, generateApiKeys, parseApiKeys } from './http/api-keys.js';
import type { FailureBudget } from './http/failed-authentications.js';

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
  /** This process's name in the fleet (LEDGER_INSTANCE_ID): in heartbeats, the relay lease, metrics and logs. */
  readonly instanceId: string;
  /** What this process does (LEDGER_ROLES): serve the API, run the projections, relay to Kafka. All three by default. */
  readonly roles: ReadonlySet<LedgerRole>;
  /** Failed authentications a client address may make per window before it gets 429 (AUTH_FAILURE_LIMIT, AUTH_FAILURE_WINDOW_MS). */
  readonly authFailureBudget: FailureBudget;
  /**
   * Which proxies' X-Forwarded-For names the client (TRUST_PROXY): none (false, the default: the peer's address is the client's),
   * the number of proxies in front, or their addresses and CIDR ranges.
   */
  readonly trustProxy: false | number | readonly string[];
  /** Strict-Transport-Security's max-age (HSTS_MAX_AGE_SECONDS); 0: not sent (for when TLS terminates in front of the API). */
  readonly hstsMaxAgeSeconds: number;
  /** METRICS_PUBLIC=true: /metrics needs no key (by default it needs the operator role). */
  readonly metricsPublic: boolean;
  /** The Ed25519 key tree heads are signed with (TREE_SIGNING_KEY_FILE; default DATA_DIR/tree-signing-key.pem, generated if absent). */
  readonly treeSigningKeyFile: string;
  /** A tree head is signed once the tree has grown by this many events (TREE_HEAD_EVERY_EVENTS)… */
  readonly treeHeadEveryEvents: number;
  /** …or has grown at all and this long has passed since the last head (TREE_HEAD_EVERY_MS). */
  readonly treeHeadEveryMs: number;
  /** What the HTTP server allows a client: see ServerLimits. */
  readonly serverLimits: ServerLimits;
  /** How many audit reads of each kind may run at once; one more is refused (503 audit-busy, Retry-After). */
  readonly auditConcurrency: Readonly<Record<AuditReadKind, number>>;
  /** How often this process writes its heartbeat for the fleet (FLEET_HEARTBEAT_MS); a member silent for 3 beats is stale. */
  readonly fleetHeartbeatMs: number;
}

/** The reads that walk a ledger's history (long, however sliced): each kind is limited on its own. */
export const AUDIT_READ_KINDS = ['export', 'verify', 'iati', 'history', 'as-of'] as const;
export type AuditReadKind = (typeof AUDIT_READ_KINDS)[number];

/**
 * How long and how many: a client that trickles its headers or body, holds
 * an idle connection or opens connections without end is cut off, whoever it is.
 */
export interface ServerLimits {
  /** The whole request (headers and body) must have arrived this long after the connection's request began (REQUEST_TIMEOUT_MS). */
  readonly requestTimeoutMs: number;
  /** The headers must have arrived within this (HEADERS_TIMEOUT_MS, at most REQUEST_TIMEOUT_MS). */
  readonly headersTimeoutMs: number;
  /** A kept-alive connection with no request is closed after this (KEEP_ALIVE_TIMEOUT_MS). */
  readonly keepAliveTimeoutMs: number;
  /** A connection on which nothing moves either way is closed after this (IDLE_TIMEOUT_MS). */
  readonly idleTimeoutMs: number;
  /** Connections beyond this many open at once are closed as they arrive (MAX_CONNECTIONS). */
  readonly maxConnections: number;
  /** A connection is closed after this many requests; 0: no limit (MAX_REQUESTS_PER_SOCKET). */
  readonly maxRequestsPerSocket: number;
}

/** `api`: the HTTP server; `projections`: keeps the read models in DATA_DIR; `relay`: stands for the Kafka publisher's lease. */
export const LEDGER_ROLES = ['api', 'projections', 'relay'] as const;
export type LedgerRole = (typeof LEDGER_ROLES)[number];

const roleList = (raw: string): string[] =>
  raw
    .split(',')
    .map((role) => role.trim())
    .filter(Boolean);

function rolesProblem(raw: string): string | null {
  const roles = roleList(raw);
  const bad = roles.find((role) => !(LEDGER_ROLES as readonly string[]).includes(role));
  if (bad !== undefined) return `LEDGER_ROLES must be a comma-separated list of ${LEDGER_ROLES.join(', ')}, got ${JSON.stringify(bad)}`;
  if (roles.length === 0) return `LEDGER_ROLES must name at least one of ${LEDGER_ROLES.join(', ')}`;
  if (roles.includes('api') && !roles.includes('projections'))
    return (
      'LEDGER_ROLES: a process with api needs projections too: its queries, ?minPosition reads and readiness follow ' +
      'the read models its own projection runner keeps in DATA_DIR (several api,projections processes may share one DATA_DIR)'
    );
  return null;
}

/** Unset LEDGER_INSTANCE_ID: the host name and a random suffix, new at every start (a restarted process is a new instance). */
const generatedInstanceId = (): string =>
  `${
    hostname()
      .replace(/[^A-Za-z0-9._-]/g, '-')
      .slice(0, 40) || 'ledger'
  }-${randomBytes(4).toString('hex')}`;

export type LogFormat = 'json' | 'pretty';
/** Most to least severe; LOG_LEVEL=warn writes fatal, error and warn. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'verbose'] as const;
export type LedgerLogLevel = (typeof LOG_LEVELS)[number];

/** See README "As-of and known-at": folding runs at about 100k events/s, so about a second at the bound. */
export const DEFAULT_AS_OF_MAX_EVENTS = 100_000;

/** The tree signing key's file name in DATA_DIR when TREE_SIGNING_KEY_FILE is unset. */
export const TREE_SIGNING_KEY_FILE_NAME = 'tree-signing-key.pem';

export class ConfigError extends Error {}

const got = ({ value }: ValidationArguments): string => JSON.stringify(value);

/** Decimal digits only (no sign, exponent or fraction), from `min` to `max`. */
function WholeNumber(min: number, max: number): PropertyDecorator {
  return ValidateBy({
    name: 'wholeNumber',
    validator: {
      validate: (value) => typeof value === 'string' && /^[0-9]+$/.test(value) && Number(value) >= min && Number(value) <= max,
      defaultMessage: (args) => `${args?.property} must be a whole number from ${min} to ${max}, got ${JSON.stringify(args?.value)}`,
    },
  });
}

function OneOf(values: readonly string[]): PropertyDecorator {
  return IsIn([...values], { message: (args) => `${args.property} must be one of ${values.join(', ')}, got ${got(args)}` });
}

/** A message that is the whole refusal: `problem` says what is wrong with the value, or null. */
function Valid(problem: (value: string) => string | null): PropertyDecorator {
  return ValidateBy({
    name: 'valid',
    validator: { validate: (value) => problem(value) === null, defaultMessage: (args) => problem(args?.value) ?? '' },
  });
}

const brokerList = (raw: string): string[] =>
  raw
    .split(',')
    .map((broker) => broker.trim())
    .filter(Boolean);

function brokersProblem(raw: string): string | null {
  const bad = brokerList(raw).find((broker) => !/^[A-Za-z0-9.-]+:[0-9]{1,5}$/.test(broker));
  return bad === undefined ? null : `KAFKA_BROKERS must be comma-separated host:port pairs, got ${JSON.stringify(bad)}`;
}

/**
 * What the EventStoreDB client would take but the ledger cannot run with (the value is not repeated: it may hold a
 * password). @kurrent/kurrentdb-client 1.3.1 decodes a percent-encoded user name or password for appends but passes it
 * on encoded for reads (its Rust bridge), so the reads would be refused; and with throwOnAppendFailure=false a refused
 * append is answered as if written, which would let a lost compare-and-set of the fleet's lease pass for a win.
 */
function esdbConnectionProblem(raw: string): string | null {
  const userinfo = /^[a-z+]+:\/\/([^@/?]*)@/.exec(raw)?.[1];
  if (userinfo?.includes('%')) {
    return 'ESDB_CONNECTION_STRING: a percent-encoded user name or password is refused (the client reads it encoded)';
  }
  if (/[?&]throwOnAppendFailure=false(&|$)/i.test(raw)) {
    return 'ESDB_CONNECTION_STRING: throwOnAppendFailure=false is refused: the ledger relies on a refused append failing';
  }
  return null;
}

/** proxy-addr's names for address ranges, accepted in TRUST_PROXY beside addresses and CIDR ranges. */
const PROXY_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function trustedProxy(entry: string): boolean {
  if (PROXY_RANGES.has(entry)) return true;
  const [address, bits, ...rest] = entry.split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return false;
  return bits === undefined || (/^[0-9]{1,3}$/.test(bits) && Number(bits) <= (version === 4 ? 32 : 128));
}

function trustProxyProblem(raw: string): string | null {
  if (raw === 'false' || /^[0-9]{1,2}$/.test(raw)) return null;
  if (raw === 'true')
    return (
      'TRUST_PROXY=true would let any client choose its address with X-Forwarded-For; ' +
      'give the number of proxies in front, or their addresses'
    );
  const bad = roleList(raw).find((entry) => !trustedProxy(entry));
  return bad === undefined && roleList(raw).length > 0
    ? null
    : 'TRUST_PROXY must be false, the number of proxies in front (e.g. 1), or their addresses and CIDR ranges ' +
        `(e.g. 10.0.0.0/8,loopback), got ${JSON.stringify(bad ?? raw)}`;
}

function parseTrustProxy(raw: string): LedgerConfig['trustProxy'] {
  if (raw === 'false') return false;
  return /^[0-9]+$/.test(raw) ? (Number(raw) === 0 ? false : Number(raw)) : roleList(raw);
}

function apiKeysProblem(raw: string): string | null {
  try {
    parseApiKeys(raw);
    return null;
  } catch (error) {
    if (error instanceof ApiKeysError) return error.message;
    throw error;
  }
}

/**
 * The environment the API reads, as a class-validator schema: each variable with its default and
 * its rule, checked in this order (the first broken rule is the refusal). An empty value counts
 * as unset, except for KAFKA_TOPIC_PREFIX (no prefix) and API_KEYS (refused: it lists no keys).
 */
export class LedgerEnvironment {
  @IsIn(['sqlite', 'esdb'], { message: (args) => `EVENT_STORE must be "sqlite" or "esdb", got ${got(args)}` })
  EVENT_STORE: LedgerConfig['eventStore'] = 'sqlite';

  @ValidateIf((env: LedgerEnvironment) => env.EVENT_STORE === 'esdb' || env.ESDB_CONNECTION_STRING !== undefined)
  @Matches(/^(kurrentdb|kurrent|kdb|esdb)(\+discover)?:\/\/\S+$/, {
    message: (args) =>
      args.value === undefined
        ? 'EVENT_STORE=esdb needs ESDB_CONNECTION_STRING, e.g. kurrentdb://localhost:2113?tls=false'
        : `ESDB_CONNECTION_STRING must look like kurrentdb://host:2113?tls=false (or esdb://…), got ${got(args)}`,
  })
  @Valid(esdbConnectionProblem)
  ESDB_CONNECTION_STRING: string | undefined = undefined;

  /** Unset: one fresh key per role for this process. */
  @ValidateIf((env: LedgerEnvironment) => env.API_KEYS !== undefined)
  @Valid(apiKeysProblem)
  API_KEYS: string | undefined = undefined;

  @WholeNumber(0, 65535) PORT = '3000';
  HOST = '0.0.0.0';
  DATA_DIR = './data';
  @WholeNumber(0, 60_000) READ_WAIT_TIMEOUT_MS = '5000';
  @WholeNumber(1024, 16 * 1024 * 1024) BODY_LIMIT_BYTES = String(64 * 1024);
  @WholeNumber(1, 100_000_000) AS_OF_MAX_EVENTS = String(DEFAULT_AS_OF_MAX_EVENTS);
  @Valid(brokersProblem) KAFKA_BROKERS = '';

  @Matches(/^[A-Za-z0-9._-]{0,100}$/, {
    message: (args) => `KAFKA_TOPIC_PREFIX may only hold letters, digits, '.', '_' and '-', got ${got(args)}`,
  })
  KAFKA_TOPIC_PREFIX = 'commitments.';

  @OneOf(['json', 'pretty']) LOG_FORMAT: LogFormat = 'json';
  @OneOf(LOG_LEVELS) LOG_LEVEL: LedgerLogLevel = 'info';
  @WholeNumber(0, 86_400_000) READY_MAX_PROJECTION_LAG_MS = '30000';
  @WholeNumber(0, 86_400_000) READY_MAX_RELAY_LAG_MS = '60000';

  /** IATI organisation identifiers are `{registration agency}-{number}`, e.g. `CN-USCC-12345`: no spaces, at least one hyphen. */
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._]*-[A-Za-z0-9._/-]{1,120}$/, {
    message: (args) => `IATI_REPORTING_ORG_REF must be an IATI organisation identifier such as CN-USCC-12345, got ${got(args)}`,
  })
  IATI_REPORTING_ORG_REF = 'XX-COMMITMENT-LEDGER';

  @Valid((name) =>
    // eslint-disable-next-line no-control-regex -- refusing control characters is the point
    name.trim() === '' || name.length > 200 || /[\u0000-\u001f\u007f]/.test(name)
      ? 'IATI_REPORTING_ORG_NAME must be 1-200 characters without control characters'
      : null,
  )
  IATI_REPORTING_ORG_NAME = 'Paired-assistance commitment ledger';

  @Matches(/^[0-9]{1,3}$/, {
    message: (args) => `IATI_REPORTING_ORG_TYPE must be an IATI OrganisationType code such as 10 (Government), got ${got(args)}`,
  })
  IATI_REPORTING_ORG_TYPE = '10';

  @ValidateIf((env: LedgerEnvironment) => env.LEDGER_INSTANCE_ID !== undefined)
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, {
    message: (args) =>
      `LEDGER_INSTANCE_ID must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit, got ${got(args)}`,
  })
  LEDGER_INSTANCE_ID: string | undefined = undefined;

  @Valid(rolesProblem) LEDGER_ROLES = LEDGER_ROLES.join(',');

  @WholeNumber(1, 1_000_000) AUTH_FAILURE_LIMIT = '30';
  @WholeNumber(1000, 86_400_000) AUTH_FAILURE_WINDOW_MS = '60000';
  @Valid(trustProxyProblem) TRUST_PROXY = 'false';
  @WholeNumber(0, 63_072_000) HSTS_MAX_AGE_SECONDS = '0';
  @OneOf(['true', 'false']) METRICS_PUBLIC = 'false';
  /** Unset: DATA_DIR/tree-signing-key.pem. */
  TREE_SIGNING_KEY_FILE: string | undefined = undefined;
  @WholeNumber(1, 100_000_000) TREE_HEAD_EVERY_EVENTS = '1000';
  @WholeNumber(1000, 86_400_000) TREE_HEAD_EVERY_MS = '60000';
  @WholeNumber(100, 3_600_000) REQUEST_TIMEOUT_MS = '60000';
  @WholeNumber(100, 3_600_000) HEADERS_TIMEOUT_MS = '30000';
  @WholeNumber(100, 3_600_000) KEEP_ALIVE_TIMEOUT_MS = '5000';
  @WholeNumber(100, 3_600_000) IDLE_TIMEOUT_MS = '60000';
  @WholeNumber(1, 1_000_000) MAX_CONNECTIONS = '4096';
  @WholeNumber(0, 1_000_000_000) MAX_REQUESTS_PER_SOCKET = '0';

  @WholeNumber(1, 1000) EXPORT_MAX_CONCURRENT = '2';
  @WholeNumber(1, 1000) VERIFY_MAX_CONCURRENT = '1';
  @WholeNumber(1, 1000) IATI_MAX_CONCURRENT = '2';
  @WholeNumber(1, 1000) HISTORY_MAX_CONCURRENT = '4';
  @WholeNumber(1, 1000) AS_OF_MAX_CONCURRENT = '2';
  @WholeNumber(200, 60_000) FLEET_HEARTBEAT_MS = '5000';
}

const KEEP_EMPTY = new Set(['KAFKA_TOPIC_PREFIX', 'API_KEYS']);

/** Reads the configuration from environment variables, refusing bad values with a message that names them. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): LedgerConfig {
  const vars = new LedgerEnvironment();
  for (const name of Object.keys(vars)) {
    const value = env[name];
    if (value !== undefined && (value !== '' || KEEP_EMPTY.has(name))) (vars as unknown as Record<string, string>)[name] = value;
  }
  const [error] = validateSync(vars, { stopAtFirstError: true });
  if (error) throw new ConfigError(Object.values(error.constraints ?? {})[0] ?? `${error.property} is invalid`);
  if (Number(vars.HEADERS_TIMEOUT_MS) > Number(vars.REQUEST_TIMEOUT_MS)) {
    throw new ConfigError(
      `HEADERS_TIMEOUT_MS (${vars.HEADERS_TIMEOUT_MS}) must not exceed REQUEST_TIMEOUT_MS (${vars.REQUEST_TIMEOUT_MS}): ` +
        'the headers are part of the request',
    );
  }
  return {
    port: Number(vars.PORT),
    host: vars.HOST,
    dataDir: resolve(vars.DATA_DIR),
    eventStore: vars.EVENT_STORE,
    esdbConnectionString: vars.ESDB_CONNECTION_STRING === undefined ? null : currentScheme(vars.ESDB_CONNECTION_STRING),
    readWaitTimeoutMs: Number(vars.READ_WAIT_TIMEOUT_MS),
    bodyLimitBytes: Number(vars.BODY_LIMIT_BYTES),
    asOfMaxEvents: Number(vars.AS_OF_MAX_EVENTS),
    kafkaBrokers: brokerList(vars.KAFKA_BROKERS),
    kafkaTopicPrefix: vars.KAFKA_TOPIC_PREFIX,
    logFormat: vars.LOG_FORMAT,
    logLevel: vars.LOG_LEVEL,
    readyMaxProjectionLagMs: Number(vars.READY_MAX_PROJECTION_LAG_MS),
    readyMaxRelayLagMs: Number(vars.READY_MAX_RELAY_LAG_MS),
    apiKeys: vars.API_KEYS === undefined ? generateApiKeys() : parseApiKeys(vars.API_KEYS),
    apiKeysGenerated: vars.API_KEYS === undefined,
    iatiReportingOrg: { ref: vars.IATI_REPORTING_ORG_REF, name: vars.IATI_REPORTING_ORG_NAME.trim(), type: vars.IATI_REPORTING_ORG_TYPE },
    instanceId: vars.LEDGER_INSTANCE_ID ?? generatedInstanceId(),
    roles: new Set(roleList(vars.LEDGER_ROLES) as LedgerRole[]),
    authFailureBudget: { limit: Number(vars.AUTH_FAILURE_LIMIT), windowMs: Number(vars.AUTH_FAILURE_WINDOW_MS) },
    trustProxy: parseTrustProxy(vars.TRUST_PROXY),
    hstsMaxAgeSeconds: Number(vars.HSTS_MAX_AGE_SECONDS),
    metricsPublic: vars.METRICS_PUBLIC === 'true',
    treeSigningKeyFile: resolve(vars.TREE_SIGNING_KEY_FILE ?? join(vars.DATA_DIR, TREE_SIGNING_KEY_FILE_NAME)),
    treeHeadEveryEvents: Number(vars.TREE_HEAD_EVERY_EVENTS),
    treeHeadEveryMs: Number(vars.TREE_HEAD_EVERY_MS),
    serverLimits: {
      requestTimeoutMs: Number(vars.REQUEST_TIMEOUT_MS),
      headersTimeoutMs: Number(vars.HEADERS_TIMEOUT_MS),
      keepAliveTimeoutMs: Number(vars.KEEP_ALIVE_TIMEOUT_MS),
      idleTimeoutMs: Number(vars.IDLE_TIMEOUT_MS),
      maxConnections: Number(vars.MAX_CONNECTIONS),
      maxRequestsPerSocket: Number(vars.MAX_REQUESTS_PER_SOCKET),
    },
    auditConcurrency: {
      export: Number(vars.EXPORT_MAX_CONCURRENT),
      verify: Number(vars.VERIFY_MAX_CONCURRENT),
      iati: Number(vars.IATI_MAX_CONCURRENT),
      history: Number(vars.HISTORY_MAX_CONCURRENT),
      'as-of': Number(vars.AS_OF_MAX_CONCURRENT),
    },
    fleetHeartbeatMs: Number(vars.FLEET_HEARTBEAT_MS),
  };
}

/**
 * The client (@kurrent/kurrentdb-client) takes esdb:// and esdb+discover:// as kurrentdb:// and kurrentdb+discover://,
 * but warns on the console at every connection: an operator's older string is passed on in the current scheme.
 */
function currentScheme(connectionString: string): string {
  return connectionString.replace(/^esdb(\+discover)?:\/\//, 'kurrentdb$1://');
}
