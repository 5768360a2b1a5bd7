import { ConsoleLogger, type LogLevel } from '@nestjs/common';
import type { DestinationStream } from 'pino';

/** pino's level labels (as the ledger writes them) and Nest's console method for each: Nest's `log` is `info`. */
const NEST_METHOD: Record<string, LogLevel> = {
  fatal: 'fatal',
  error: 'error',
  warn: 'warn',
  info: 'log',
  debug: 'debug',
  verbose: 'verbose',
};

/**
 * LOG_FORMAT=pretty: each line pino writes, shown as Nest's coloured console line (the README's
 * promise, which pino-pretty's layout is not), with the extra fields and the correlation id
 * appended. pino has already filtered by LOG_LEVEL and redacted.
 */
export class ConsoleLines implements DestinationStream {
  private readonly console = new ConsoleLogger();

  write(line: string): void {
    const {
      level,
      time: _time,
      pid: _pid,
      instanceId: _instanceId,
      context,
      message,
      correlationId,
      err,
      ...fields
    } = JSON.parse(line) as Record<string, unknown>;
    const method = NEST_METHOD[level as string] ?? 'log';
    const stack = method === 'error' || method === 'fatal' ? (err as { stack?: unknown } | undefined)?.stack : undefined;
    if (err !== undefined && typeof stack !== 'string') fields.err = err;
    const extra = Object.entries(fields)
      .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
      .join(' ');
    const text = [message, extra, correlationId ? `(correlationId=${correlationId})` : ''].filter(Boolean).join(' ');
    const args: unknown[] = [text];
    if (typeof stack === 'string') args.push(stack);
    if (typeof context === 'string') args.push(context);
    (this.console[method] as (...args: unknown[]) => void).apply(this.console, args);
  }
}
