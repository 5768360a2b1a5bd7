import { ConsoleLogger, type LogLevel, type LoggerService } from '@nestjs/common';
import { LOG_LEVELS, type LedgerLogLevel, type LogFormat } from '../config.js';
import { currentRequestScope } from './request-scope.js';

/** Nest's method names and the level each writes: Nest's `log` is `info`. */
const NEST_LEVEL: Record<LogLevel, LedgerLogLevel> = {
  fatal: 'fatal',
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
  verbose: 'verbose',
};
const LEDGER_TO_NEST: Record<LedgerLogLevel, LogLevel> = {
  fatal: 'fatal',
  error: 'error',
  warn: 'warn',
  info: 'log',
  debug: 'debug',
  verbose: 'verbose',
};
const STACK = /^.*\n\s+at .+/s;
/** Field names never written as they are: keys and credentials. */
const SECRET_FIELD = /authorization|api[-_]?keys?$|^keys?$|secret|password|token|cookie/i;
/** Fields the line itself owns; extra fields with these names are prefixed. */
const OWN_FIELDS = new Set(['time', 'level', 'context', 'message', 'correlationId', 'pid']);

let pending: string[] = [];
let flushScheduled = false;
let flushOnExit = false;

function flushStdout(): void {
  flushScheduled = false;
  if (pending.length === 0) return;
  const chunk = pending.join('');
  pending = [];
  process.stdout.write(chunk);
}

/**
 * Lines go out once per turn of the event loop, in one write: a write per
 * line (one syscall each, on a pipe) cost the API about a seventh of its
 * request throughput. What is pending is written before the process exits.
 */
function writeToStdout(line: string): void {
  pending.push(line + '\n');
  if (flushScheduled) return;
  if (!flushOnExit) {
    flushOnExit = true;
    process.on('exit', flushStdout);
  }
  flushScheduled = true;
  setImmediate(flushStdout);
}

export interface LedgerLoggerOptions {
  readonly format: LogFormat;
  readonly level: LedgerLogLevel;
  /** Where JSON lines go; stdout by default. */
  readonly write?: (line: string) => void;
}

/** A log line's extra fields, as a caller passes them: `logger.log({ message: '…', route, status }, 'HTTP')`. */
export type LogFields = Record<string, unknown> & { message?: unknown };

/**
 * The API's Nest logger. `json`: one JSON object per line on stdout, with
 * `time`, `level`, `context`, `message`, the `correlationId` of the request
 * being handled (from the request scope), and any extra fields the caller
 * passed as an object. `pretty`: Nest's console lines, with the correlation
 * id appended. Fields that could hold keys or credentials are redacted.
 */
export class LedgerLogger implements LoggerService {
  /** LOG_LEVEL and every more severe level: what Nest's `setLogLevels` can narrow, never widen. */
  private readonly allowed: ReadonlySet<LedgerLogLevel>;
  private enabled: ReadonlySet<LedgerLogLevel>;
  private readonly write: (line: string) => void;
  private readonly console: ConsoleLogger | null;

  constructor(options: LedgerLoggerOptions) {
    this.allowed = new Set(LOG_LEVELS.slice(0, LOG_LEVELS.indexOf(options.level) + 1));
    this.enabled = this.allowed;
    this.write = options.write ?? writeToStdout;
    this.console =
      options.format === 'pretty' ? new ConsoleLogger({ logLevels: [...this.enabled].map((level) => LEDGER_TO_NEST[level]) }) : null;
  }

  isEnabled(level: LedgerLogLevel): boolean {
    return this.enabled.has(level);
  }

  log(message: unknown, ...params: unknown[]): void {
    this.emit('log', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.emit('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.emit('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.emit('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.emit('verbose', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.emit('fatal', message, params);
  }

  /** Nest calls this with its `logger` option's levels; the ledger's own level still bounds them. */
  setLogLevels(levels: LogLevel[]): void {
    this.enabled = new Set(levels.map((level) => NEST_LEVEL[level]).filter((level) => this.allowed.has(level)));
    this.console?.setLogLevels([...this.enabled].map((level) => LEDGER_TO_NEST[level]));
  }

  private emit(nestLevel: LogLevel, message: unknown, params: unknown[]): void {
    const level = NEST_LEVEL[nestLevel];
    if (!this.enabled.has(level)) return;
    // Nest's convention: a trailing string is the context; for errors, a string before it that looks like a stack is the stack.
    const rest = [...params];
    const context = rest.length > 0 && typeof rest[rest.length - 1] === 'string' ? (rest.pop() as string) : undefined;
    const stack = nestLevel === 'error' || nestLevel === 'fatal' ? takeStack(rest) : undefined;
    const correlationId = currentRequestScope()?.correlationId;
    const { text, fields } = split(message);
    if (this.console) {
      const extra = Object.entries(redact({ ...fields, ...(rest.length > 0 ? { params: rest } : {}) }))
        .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
        .join(' ');
      const line = [text, extra, correlationId ? `(correlationId=${correlationId})` : ''].filter(Boolean).join(' ');
      const args: unknown[] = stack ? [line, stack] : [line];
      if (context) args.push(context);
      (this.console[nestLevel] as (...args: unknown[]) => void).apply(this.console, args);
      return;
    }
    const line: Record<string, unknown> = { time: new Date().toISOString(), level, pid: process.pid };
    if (context) line.context = context;
    line.message = text;
    if (correlationId) line.correlationId = correlationId;
    for (const [key, value] of Object.entries(redact(fields))) line[OWN_FIELDS.has(key) ? `field.${key}` : key] = value;
    if (rest.length > 0) line.params = redact({ params: rest }).params;
    if (stack) line.stack = stack;
    this.write(safeStringify(line));
  }
}

function takeStack(params: unknown[]): string | undefined {
  if (params.length > 0 && typeof params[params.length - 1] === 'string' && STACK.test(params[params.length - 1] as string))
    return params.pop() as string;
  if (params.length === 1 && params[0] === undefined) params.pop();
  return undefined;
}

function split(message: unknown): { text: string; fields: Record<string, unknown> } {
  if (message instanceof Error) return { text: message.message, fields: { errorName: message.name, stack: message.stack } };
  if (typeof message === 'object' && message !== null && !Array.isArray(message)) {
    const { message: text, ...fields } = message as LogFields;
    return { text: typeof text === 'string' ? text : text === undefined ? '' : safeStringify(text), fields };
  }
  return { text: typeof message === 'string' ? message : safeStringify(message), fields: {} };
}

/** Replaces the values of credential-like fields, at any depth. */
function redact<T>(value: T, depth = 0): T {
  if (depth > 8 || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1)) as T;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = SECRET_FIELD.test(key) ? '[redacted]' : redact(item, depth + 1);
  return out as T;
}

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? item.toString() : item)) ?? String(value);
  } catch {
    return String(value);
  }
}
