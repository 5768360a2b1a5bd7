import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { StreamContended } from '#application';
import { DomainError, InvalidInput, UnknownSchemaVersion } from '#domain';
import { AppendOutcomeUnknown, AppendTooLarge, StreamDeleted } from '#event-store';
import { statusOf } from './error-codes.js';

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  414: 'URI Too Long',
  404: 'Not Found',
  408: 'Request Timeout',
  409: 'Conflict',
  410: 'Gone',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** What a 503 `stream-contended` tells the client to wait before sending the command again. */
export const STREAM_CONTENDED_RETRY_AFTER_SECONDS = 1;

/** The one error body every refusal uses. */
export function errorBody(status: number, code: string, message: string): Record<string, unknown> {
  return { statusCode: status, error: STATUS_TEXT[status] ?? 'Error', code, message };
}

/**
 * One error body for every failure: `{statusCode, error, code, message}`
 * (+ `fields` for invalid requests). Refusals keep their domain code; an
 * unexpected error is logged with its stack and answered as a bare 500.
 */
@Catch()
export class LedgerErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const { status, body } = this.describe(exception);
    // Nothing was appended and no rule refused it: the same command may simply be sent again.
    if (exception instanceof StreamContended) void reply.header('retry-after', String(STREAM_CONTENDED_RETRY_AFTER_SECONDS));
    void reply.status(status).header('content-type', 'application/json; charset=utf-8').send(body);
  }

  private describe(exception: unknown): { status: number; body: Record<string, unknown> } {
    if (exception instanceof DomainError) {
      const status = statusOf(exception.code);
      const body = errorBody(status, exception.code, exception.message);
      // Named like a failed request validation's fields, so a client reads both alike.
      if (exception instanceof InvalidInput) body.fields = [{ field: exception.field, problems: [exception.message] }];
      return { status, body };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      const body = typeof response === 'object' && response !== null ? (response as Record<string, unknown>) : { message: response };
      return {
        status,
        body: {
          statusCode: status,
          error: STATUS_TEXT[status] ?? exception.name,
          code: body.code ?? fastifyCode(exception.cause, status),
          ...body,
        },
      };
    }
    // Errors raised by Fastify's body parsing (bad JSON, body too large, wrong media type).
    const fastifyStatus = (exception as { statusCode?: unknown })?.statusCode;
    if (typeof fastifyStatus === 'number' && fastifyStatus >= 400 && fastifyStatus < 500) {
      return { status: fastifyStatus, body: errorBody(fastifyStatus, fastifyCode(exception, fastifyStatus), (exception as Error).message) };
    }
    if (exception instanceof StreamContended) {
      this.logger.warn(exception.message);
      const status = statusOf('stream-contended');
      return { status, body: errorBody(status, 'stream-contended', exception.message) };
    }
    if (exception instanceof UnknownSchemaVersion) {
      // Not the request's fault: the store holds an event this release cannot read (written by a newer one). Said loudly, never misread.
      this.logger.error(`unreadable event: ${exception.message}`, exception.stack);
      const status = statusOf('unknown-schema-version');
      return { status, body: errorBody(status, 'unknown-schema-version', exception.message) };
    }
    if (exception instanceof StreamDeleted || exception instanceof AppendTooLarge) {
      // What the event store refuses, said as it is: not a bare 500. (The ledger never deletes a stream: an operator did.)
      const code = exception instanceof StreamDeleted ? 'stream-deleted' : 'append-too-large';
      this.logger.error(`event store refused: ${exception.message}`);
      const status = statusOf(code);
      return { status, body: errorBody(status, code, exception.message) };
    }
    if (exception instanceof AppendOutcomeUnknown) {
      // Not a fault of the request, nor an unknown one: the store lost the append's outcome; a retry with the same ids is safe.
      this.logger.error(`event store: ${exception.message}`);
      const status = statusOf('append-outcome-unknown');
      return { status, body: errorBody(status, 'append-outcome-unknown', exception.message) };
    }
    this.logger.error(`unexpected error: ${(exception as Error)?.message}`, (exception as Error)?.stack);
    const status = statusOf('internal-error');
    return { status, body: errorBody(status, 'internal-error', 'internal error; the request may be retried') };
  }
}

/** Fastify's body-parsing errors (Nest wraps them, keeping the original as `cause`) are `invalid-body`. */
function fastifyCode(error: unknown, status: number): string {
  const code = String((error as { code?: unknown } | undefined)?.code ?? '');
  return status === 400 && code.startsWith('FST_ERR_CTP_') ? 'invalid-body' : httpCode(status);
}

function httpCode(status: number): string {
  return (STATUS_TEXT[status] ?? `http-${status}`).toLowerCase().replace(/ /g, '-');
}
