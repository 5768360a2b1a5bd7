import { Logger as NestLogger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger, LoggerModule } from 'nestjs-pino';
import { pino } from 'pino';
import type { LedgerLogLevel } from '../config.js';
import { ConsoleLines } from './console-lines.js';
import { ledgerLoggerParams, ledgerPinoOptions } from './logger.module.js';

type Line = Record<string, unknown>;

function capture(): { lines: Line[]; write: (line: string) => void } {
  const lines: Line[] = [];
  return { lines, write: (line) => lines.push(JSON.parse(line) as Line) };
}

/** pino as the API configures it, writing to an array. */
function pinoCapture(level: LedgerLogLevel) {
  const { lines, write } = capture();
  return { logger: pino(ledgerPinoOptions(level), { write }), lines };
}

/** The logger Nest's `Logger` instances reach once the app uses it (nestjs-pino keeps one root per process). */
const nest = capture();
let nestLogger: Logger;
let close: () => Promise<void>;

beforeAll(async () => {
  @Module({
    imports: [
      LoggerModule.forRoot(ledgerLoggerParams({ logFormat: 'json', logLevel: 'verbose', instanceId: 'replica-1' }, { write: nest.write })),
    ],
  })
  class LoggingOnly {}
  const app = await NestFactory.createApplicationContext(LoggingOnly, { logger: false });
  nestLogger = app.get(Logger);
  close = () => app.close();
});

afterAll(() => close());

beforeEach(() => nest.lines.splice(0));

const at = { time: expect.any(String), pid: process.pid, instanceId: 'replica-1' };

describe('the ledger logger (LOG_FORMAT=json)', () => {
  it('writes one object per call with time, level, pid, instance id, context and message, Nest-style arguments included', () => {
    nestLogger.log('started', 'Ledger');
    nestLogger.warn({ message: 'slow', durationMs: 12.5 }, 'HTTP');
    nestLogger.debug('no context');
    nestLogger.verbose('least severe', 'Ledger');
    expect(nest.lines).toEqual([
      { ...at, level: 'info', context: 'Ledger', message: 'started' },
      { ...at, level: 'warn', context: 'HTTP', message: 'slow', durationMs: 12.5 },
      { ...at, level: 'debug', message: 'no context' },
      { ...at, level: 'verbose', context: 'Ledger', message: 'least severe' },
    ]);
    expect(new Date(nest.lines[0].time as string).toISOString()).toBe(nest.lines[0].time);
  });

  it('keeps an error stack under err, and writes nothing more for an error logged without one', () => {
    const error = new Error('boom');
    nestLogger.error('failed', error.stack, 'Projections');
    nestLogger.error('failed quietly', undefined, 'Projections');
    expect(nest.lines[0]).toMatchObject({ level: 'error', context: 'Projections', message: 'failed' });
    expect(nest.lines[0].err).toMatchObject({ stack: expect.stringContaining('Error: boom\n    at ') });
    expect(nest.lines[1]).toEqual({ ...at, level: 'error', context: 'Projections', message: 'failed quietly' });
  });

  it('writes only the levels at or above LOG_LEVEL', () => {
    const { logger, lines } = pinoCapture('warn');
    logger.trace('v');
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.error('e');
    logger.fatal('f');
    expect(lines.map((line) => line.level)).toEqual(['warn', 'error', 'fatal']);
  });

  it('redacts fields that could hold keys or credentials, at any depth, and never lets extra fields shadow its own', () => {
    const { logger, lines } = pinoCapture('info');
    logger.child({ correlationId: 'corr-42' }).info({
      message: 'request',
      headers: { authorization: 'Bearer k-1', accept: '*/*' },
      apiKey: 'k-2',
      keys: ['k-3'],
      nested: [{ password: 'p' }],
      level: 'fake',
      time: 'then',
      correlationId: 'forged',
      at: new Date(0),
    });
    const text = JSON.stringify(lines[0]);
    for (const secret of ['k-1', 'k-2', 'k-3', '"p"']) expect(text).not.toContain(secret);
    expect(lines[0]).toMatchObject({
      level: 'info',
      correlationId: 'corr-42',
      'field.level': 'fake',
      'field.time': 'then',
      'field.correlationId': 'forged',
      headers: { authorization: '[redacted]', accept: '*/*' },
      apiKey: '[redacted]',
      keys: '[redacted]',
      nested: [{ password: '[redacted]' }],
      at: '1970-01-01T00:00:00.000Z',
    });
    // One key per name: a parser that keeps the last of two would otherwise read the forged value.
    expect(text.match(/"level":/g)).toHaveLength(1);
  });

  it("serves Nest's Logger instances once installed, and bigint values print as strings", () => {
    NestLogger.overrideLogger(nestLogger);
    try {
      new NestLogger('Rebuild').log({ message: 'done', events: 12n });
    } finally {
      NestLogger.overrideLogger(false);
    }
    expect(nest.lines).toEqual([{ ...at, level: 'info', context: 'Rebuild', message: 'done', events: '12' }]);
  });
});

describe('the ledger logger (LOG_FORMAT=pretty)', () => {
  it("writes Nest's console lines, with the extra fields and the correlation id appended", () => {
    const written: string[] = [];
    const original = { stdout: process.stdout.write, stderr: process.stderr.write };
    // Nest's console logger writes errors to stderr, the rest to stdout.
    process.stdout.write = process.stderr.write = ((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    try {
      const logger = pino(ledgerPinoOptions('info'), new ConsoleLines());
      logger.child({ correlationId: 'corr-7' }).info({ context: 'HTTP', message: 'POST /projects 201', status: 201 });
      logger.error({ context: 'Projections', err: new Error('boom') }, 'failed');
      logger.debug('hidden');
    } finally {
      process.stdout.write = original.stdout;
      process.stderr.write = original.stderr;
    }
    const text = written.join('');
    expect(text).toContain('[HTTP]');
    expect(text).toContain('POST /projects 201 status=201 (correlationId=corr-7)');
    expect(text).toContain('[Projections]');
    expect(text).toContain('Error: boom\n    at ');
    expect(text).not.toContain('hidden');
  });
});
