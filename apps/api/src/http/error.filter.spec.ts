import { type ArgumentsHost, Logger } from '@nestjs/common';
import { StreamContended } from '#application';
import { AppendOutcomeUnknown, AppendTooLarge, StreamDeleted } from '#event-store';
import { LedgerErrorFilter } from './error.filter.js';

/** What the filter answers for an exception: the status and body it sends. */
function answer(exception: unknown): { status: number; body: Record<string, unknown>; headers: Record<string, string> } {
  const sent: { status: number; body: Record<string, unknown>; headers: Record<string, string> } = { status: 0, body: {}, headers: {} };
  const reply = {
    status: (status: number) => ((sent.status = status), reply),
    header: (name: string, value: string) => ((sent.headers[name.toLowerCase()] = value), reply),
    send: (body: Record<string, unknown>) => ((sent.body = body), reply),
  };
  const host = { switchToHttp: () => ({ getResponse: () => reply }) } as unknown as ArgumentsHost;
  new LedgerErrorFilter().catch(exception, host);
  return sent;
}

describe('LedgerErrorFilter, on what the event store refuses', () => {
  // The filter logs what it answers; the test reads the answer.
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(['log', 'error', 'warn']));

  it('a deleted stream: 410 stream-deleted, saying which stream', () => {
    const { status, body } = answer(new StreamDeleted('project-sm-graphite-anode'));
    expect(status).toBe(410);
    expect(body).toEqual({
      statusCode: 410,
      error: 'Gone',
      code: 'stream-deleted',
      message: 'stream project-sm-graphite-anode was deleted in the event store; it can no longer be read or written',
    });
  });

  it('an append over the store size limit: 413 append-too-large, saying the limit', () => {
    const { status, body } = answer(new AppendTooLarge('project-sm-graphite-anode', 1048576));
    expect(status).toBe(413);
    expect(body).toMatchObject({ statusCode: 413, error: 'Payload Too Large', code: 'append-too-large' });
    expect(body.message).toContain('1048576 bytes');
  });

  it('a stream other writers kept winning: 503 stream-contended with Retry-After, not a 409 (no rule refused it)', () => {
    const { status, body, headers } = answer(new StreamContended('project-sm-graphite-anode', 61, 4987));
    expect(status).toBe(503);
    expect(headers['retry-after']).toBe('1');
    expect(body).toMatchObject({ statusCode: 503, error: 'Service Unavailable', code: 'stream-contended' });
    expect(body.message).toContain('nothing was appended');
  });

  it('an append whose outcome the store lost (its writer thread stopped): 503 append-outcome-unknown, saying a retry is safe', () => {
    const { status, body } = answer(new AppendOutcomeUnknown('its writer thread: exit code 1'));
    expect(status).toBe(503);
    expect(body).toMatchObject({ statusCode: 503, error: 'Service Unavailable', code: 'append-outcome-unknown' });
    expect(body.message).toContain('repeating it with the same event ids is safe');
  });

  it('anything else unexpected: a bare 500 internal-error', () => {
    expect(answer(new Error('boom'))).toEqual({
      status: 500,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: {
        statusCode: 500,
        error: 'Internal Server Error',
        code: 'internal-error',
        message: 'internal error; the request may be retried',
      },
    });
  });
});
