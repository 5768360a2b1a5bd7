import { type DynamicModule, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { LoggerModule, type Params, PinoLogger } from 'nestjs-pino';
import { type DestinationStream, type Level, type LoggerOptions, pino } from 'pino';
import type { LedgerConfig, LedgerLogLevel } from '../config.js';
import { LEDGER_CONFIG } from '../config.module.js';
import { ConsoleLines } from './console-lines.js';

/** LOG_LEVEL names Nest's levels; pino calls the least severe one `trace` (written as `verbose`). */
const PINO_LEVEL: Record<LedgerLogLevel, Level> = {
  fatal: 'fatal',
  error: 'error',
  warn: 'warn',
  info: 'info',
  debug: 'debug',
  verbose: 'trace',
};
/** Field names never written as they are: keys and credentials. */
const SECRET_FIELD = /authorization|api[-_]?keys?$|^keys?$|secret|password|token|cookie/i;
/** Fields pino writes itself (or binds per request): an extra field of the same name is prefixed, never written twice. */
const OWN_FIELDS = new Set(['time', 'level', 'pid', 'instanceId', 'correlationId']);

/**
 * pino, shaped to the documented line: `{level, time, pid, instanceId, context?, message, correlationId?, …fields}`,
 * `time` in ISO 8601, the level by name (`verbose` for pino's `trace`), no hostname; `instanceId` is the
 * process's name in the fleet (LEDGER_INSTANCE_ID, or the generated one), on every line. Extra fields go
 * through `redactFields`: pino's own `redact` takes fixed paths, and a credential may sit at any depth.
 */
export function ledgerPinoOptions(level: LedgerLogLevel, instanceId?: string): LoggerOptions {
  return {
    level: PINO_LEVEL[level],
    messageKey: 'message',
    base: instanceId === undefined ? { pid: process.pid } : { pid: process.pid, instanceId },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: {
      level: (label) => ({ level: label === 'trace' ? 'verbose' : label }),
      log: redactFields,
    },
  };
}

/**
 * nestjs-pino's parameters: pino (through pino-http's options, which build nestjs-pino's root
 * logger) and no middleware. The API enters each request's logging context itself, in its
 * onRequest hook (`PinoLogger.runInContext`, bound to the correlation id), and writes the access
 * line in its onResponse hook (see access-log.ts): the pino-http middleware, run through Nest's
 * middleware layer, cost a request about two fifths more CPU time (README, "Health, metrics and logs").
 */
export function ledgerLoggerParams(
  config: Pick<LedgerConfig, 'logFormat' | 'logLevel'> & Partial<Pick<LedgerConfig, 'instanceId'>>,
  destination?: DestinationStream,
): Params {
  const stream = destination ?? (config.logFormat === 'pretty' ? new ConsoleLines() : asyncStdout());
  return { pinoHttp: [ledgerPinoOptions(config.logLevel, config.instanceId), stream], forRoutes: [] };
}

/** The logger, configured from the ledger's configuration (LOG_FORMAT, LOG_LEVEL). */
export function ledgerLoggerModule(): DynamicModule {
  return LoggerModule.forRootAsync({
    inject: [LEDGER_CONFIG],
    useFactory: (config: LedgerConfig) => ledgerLoggerParams(config),
    providers: [FlushLogsOnShutdown],
  });
}

/**
 * stdout without a `write` per line: sonic-boom writes what accumulated while its previous write was
 * in flight in one go (a syscall per line cost the API about a seventh of its throughput). pino
 * flushes what is pending when the process exits normally; see FlushLogsOnShutdown for a signal.
 */
function asyncStdout(): DestinationStream {
  return pino.destination({ dest: 1, sync: false });
}

/**
 * On SIGTERM Nest closes the app, then ends the process with the signal: no 'exit' event, so pino's
 * own flush does not run, and the lines still pending (a second's worth behind a slow reader) would
 * be lost. They are written here, synchronously.
 */
@Injectable()
class FlushLogsOnShutdown implements OnApplicationShutdown {
  onApplicationShutdown(): void {
    const stream = (PinoLogger.root as unknown as Record<symbol, { flushSync?: () => void }> | undefined)?.[pino.symbols.streamSym];
    stream?.flushSync?.();
  }
}

/** Renames fields that would shadow pino's own, redacts credential-like ones at any depth, prints bigints as strings. */
export function redactFields(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    out[OWN_FIELDS.has(key) ? `field.${key}` : key] = SECRET_FIELD.test(key) ? '[redacted]' : scrub(value, 0);
  }
  return out;
}

function scrub(value: unknown, depth: number): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (depth > 8 || typeof value !== 'object' || value === null) return value;
  // Errors are left to pino's serializer (type, message, stack), dates and the like to their toJSON.
  if (value instanceof Error || typeof (value as { toJSON?: unknown }).toJSON === 'function') return value;
  if (Array.isArray(value)) return value.map((item) => scrub(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = SECRET_FIELD.test(key) ? '[redacted]' : scrub(item, depth + 1);
  return out;
}
