import { randomUUID } from 'node:crypto';
import { BadRequestException, type ExecutionContext, createParamDecorator } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { CommandContext } from '#application';
import type { AuthenticatedRequest } from './access.guard.js';

export const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;
export const IF_MATCH = /^"(0|[1-9][0-9]{0,14})"$/;

/** The request's correlation id: the caller's `X-Correlation-Id`, a fresh one if none was sent, null if it is malformed. */
export function correlationIdOf(request: FastifyRequest): string | null {
  const header = request.headers['x-correlation-id'];
  if (header === undefined) return randomUUID();
  return typeof header === 'string' && CORRELATION_ID.test(header) ? header : null;
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  if (Array.isArray(value)) throw new BadRequestException({ code: 'invalid-header', message: `send ${name} once` });
  return value;
}

/**
 * Builds the metadata for the events a command writes: correlation id,
 * causation id (a fresh id per request), actor (the name of the API key
 * the access guard accepted: never the key itself), and the revision pinned
 * by If-Match.
 */
export const CommandCtx = createParamDecorator((_: unknown, context: ExecutionContext): CommandContext => {
  const request = context.switchToHttp().getRequest<AuthenticatedRequest & { correlationId?: string }>();
  const actor = request.principal?.name;
  // The guard runs first on every command route; no principal means a route was declared public by mistake.
  if (actor === undefined) throw new Error('a command reached its handler without an authenticated principal');
  const ifMatch = header(request, 'if-match');
  let expectedRevision: number | undefined;
  if (ifMatch !== undefined) {
    const match = IF_MATCH.exec(ifMatch.trim());
    if (!match)
      throw new BadRequestException({
        code: 'invalid-header',
        message: 'If-Match must be a quoted revision number, such as "3", as sent in ETag',
      });
    expectedRevision = Number(match[1]);
  }
  return { correlationId: request.correlationId ?? randomUUID(), commandId: randomUUID(), actor, expectedRevision };
});
