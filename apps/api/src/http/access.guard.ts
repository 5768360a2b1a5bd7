import { type CanActivate, type ExecutionContext, ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ACCESS_METADATA, type AccessLevel } from './access.js';
import { ApiKeyRing, type Principal, type Role } from './api-keys.js';

/** RFC 9110: the scheme is case-insensitive and followed by one or more spaces; the key is one token. */
const BEARER = /^Bearer +([^\s,]+)$/i;

/** The roles that satisfy each access level (`any`: every role). */
const ALLOWED: Record<Exclude<AccessLevel, 'public'>, readonly Role[]> = {
  any: ['operator', 'auditor', 'reader'],
  operator: ['operator'],
  auditor: ['auditor'],
};

export type AuthenticatedRequest = FastifyRequest & { principal?: Principal };

/**
 * Checks every request against the route's declared access level before any
 * pipe or handler runs: 401 without a valid `Authorization: Bearer <key>`,
 * 403 when the key's roles do not include the one the route needs. A route
 * that declares no level is refused: access is never open by omission.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeyRing,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const level = this.reflector.getAllAndOverride<AccessLevel | undefined>(ACCESS_METADATA, [context.getHandler(), context.getClass()]);
    if (level === undefined)
      throw new ForbiddenException({ code: 'access-undeclared', message: 'this endpoint declares no access level, so nobody may call it' });
    if (level === 'public') return true;
    const http = context.switchToHttp();
    const request = http.getRequest<AuthenticatedRequest>();
    const principal = this.authenticate(request, http.getResponse<FastifyReply>());
    const allowed = ALLOWED[level];
    if (!allowed.some((role) => principal.roles.has(role))) {
      throw new ForbiddenException({
        code: 'forbidden',
        message: `this needs a key with the ${allowed.join(' or ')} role; ${principal.name} has ${[...principal.roles].join(', ')}`,
      });
    }
    request.principal = principal;
    return true;
  }

  private authenticate(request: FastifyRequest, reply: FastifyReply): Principal {
    const principal = authenticate(request, this.keys);
    if (typeof principal !== 'string') return principal;
    void reply.header('www-authenticate', WWW_AUTHENTICATE);
    throw new UnauthorizedException({ code: 'unauthenticated', message: principal });
  }
}

export const WWW_AUTHENTICATE = 'Bearer realm="ledger"';

/**
 * Who sent the request, or why the key is refused (the 401's message). Run
 * twice per request: by the `onRequest` hook (before the body is read) and by
 * the guard (which then checks the role).
 */
export function authenticate(request: FastifyRequest, keys: ApiKeyRing): Principal | string {
  const header = request.headers.authorization;
  if (header === undefined) return 'send an API key: Authorization: Bearer <key>';
  // Node keeps the first of several Authorization headers and drops the rest; a proxy in front may
  // pick another one. Two credentials are ambiguous: refused, whichever of them is valid.
  if (authorizationHeaders(request) > 1) return 'send one Authorization header, not several';
  const match = typeof header === 'string' ? BEARER.exec(header.trim()) : null;
  if (!match) return 'the Authorization header must be "Bearer <key>"';
  return keys.principalOf(match[1]) ?? 'this API key is not valid';
}

function authorizationHeaders(request: FastifyRequest): number {
  const raw = request.raw.rawHeaders;
  let count = 0;
  for (let i = 0; i < raw.length; i += 2) if (raw[i].toLowerCase() === 'authorization') count++;
  return count;
}
