import { Logger } from '@nestjs/common';
import { LedgerLogger } from './ledger-logger.js';
import { runInRequestScope } from './request-scope.js';

function capture(level: ConstructorParameters<typeof LedgerLogger>[0]['level'] = 'verbose') {
  const lines: Record<string, unknown>[] = [];
  const logger = new LedgerLogger({ format: 'json', level, write: (line) => lines.push(JSON.parse(line)) });
  return { logger, lines };
}

describe('LedgerLogger (json)', () => {
  it('writes one object per call with time, level, context and message, Nest-style arguments included', () => {
    const { logger, lines } = capture();
    logger.log('started', 'Ledger');
    logger.warn({ message: 'slow', durationMs: 12.5 }, 'HTTP');
    logger.debug('no context');
    expect(lines).toEqual([
      { time: expect.any(String), level: 'info', pid: process.pid, context: 'Ledger', message: 'started' },
      { time: expect.any(String), level: 'warn', pid: process.pid, context: 'HTTP', message: 'slow', durationMs: 12.5 },
      { time: expect.any(String), level: 'debug', pid: process.pid, message: 'no context' },
    ]);
    expect(new Date(lines[0].time as string).toISOString()).toBe(lines[0].time);
  });

  it('keeps an error stack in its own field, and drops the empty stack Nest passes for errors without one', () => {
    const { logger, lines } = capture();
    const error = new Error('boom');
    logger.error('failed', error.stack, 'Projections');
    logger.error('failed quietly', undefined, 'Projections');
    expect(lines[0]).toMatchObject({
      level: 'error',
      context: 'Projections',
      message: 'failed',
      stack: expect.stringContaining('Error: boom\n    at '),
    });
    expect(lines[1]).toEqual({
      time: expect.any(String),
      level: 'error',
      pid: process.pid,
      context: 'Projections',
      message: 'failed quietly',
    });
  });

  it('writes only the levels at or above LOG_LEVEL', () => {
    const { logger, lines } = capture('warn');
    logger.verbose('v');
    logger.debug('d');
    logger.log('i');
    logger.warn('w');
    logger.error('e');
    logger.fatal('f');
    expect(lines.map((line) => line.level)).toEqual(['warn', 'error', 'fatal']);
  });

  it('adds the correlation id of the request scope it is called in', () => {
    const { logger, lines } = capture();
    runInRequestScope({ correlationId: 'corr-42' }, () => logger.log('inside'));
    logger.log('outside');
    expect(lines[0].correlationId).toBe('corr-42');
    expect(lines[1]).not.toHaveProperty('correlationId');
  });

  it('redacts fields that could hold keys or credentials, at any depth, and never lets extra fields overwrite its own', () => {
    const { logger, lines } = capture();
    logger.log({
      message: 'request',
      headers: { authorization: 'Bearer k-1', accept: '*/*' },
      apiKey: 'k-2',
      keys: ['k-3'],
      level: 'fake',
      nested: [{ password: 'p' }],
    });
    const text = JSON.stringify(lines[0]);
    for (const secret of ['k-1', 'k-2', 'k-3', '"p"']) expect(text).not.toContain(secret);
    expect(lines[0]).toMatchObject({
      level: 'info',
      'field.level': 'fake',
      headers: { authorization: '[redacted]', accept: '*/*' },
      apiKey: '[redacted]',
    });
  });

  it('serves Nest Logger instances once installed, and bigint values print as strings', () => {
    const { logger, lines } = capture();
    Logger.overrideLogger(logger);
    try {
      new Logger('Rebuild').log({ message: 'done', events: 12n });
    } finally {
      Logger.overrideLogger(false);
    }
    expect(lines).toEqual([
      { time: expect.any(String), level: 'info', pid: process.pid, context: 'Rebuild', message: 'done', events: '12' },
    ]);
  });
});

describe('LedgerLogger (pretty)', () => {
  it("writes Nest's console lines, with the correlation id and extra fields appended", () => {
    const written: string[] = [];
    const original = process.stdout.write;
    process.stdout.write = ((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    try {
      const logger = new LedgerLogger({ format: 'pretty', level: 'info' });
      runInRequestScope({ correlationId: 'corr-7' }, () => logger.log({ message: 'POST /projects 201', status: 201 }, 'HTTP'));
      logger.debug('hidden');
    } finally {
      process.stdout.write = original;
    }
    const text = written.join('');
    expect(text).toContain('[HTTP]');
    expect(text).toContain('POST /projects 201 status=201 (correlationId=corr-7)');
    expect(text).not.toContain('hidden');
  });
});
