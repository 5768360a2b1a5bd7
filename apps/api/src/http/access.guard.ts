import { type CanActivate, type ExecutionContext, ForbiddenException, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { LedgerConfig } from '../config.js';
import { LEDGER_CONFIG } from '../config.module.js';
import { ACCESS_METADATA, type AccessLevel, effectiveAccess } from './access.js';
import { ApiKeyRing, type Principal, type Role } from './api-keys.js';
import { FailedAuthentications } from './failed-authentications.js';

/** RFC 9110: the scheme is case-insensitive and followed by one or more spaces; the key is one token. */
const BEARER = /^Bearer +([^\s,]+)$/i;

/** The roles that satisfy each access level (`any`: every role). */
const ALLOWED: Record<Exclude<AccessLevel, 'public' | 'metrics'>, readonly Role[]> = {
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
 * Public routes need no key and never answer 401 or 403; a valid key sent to
 * them sets the request's principal (the health probes answer more to it), a
 * wrong one leaves the request anonymous but counts as a failure all the same.
 *
 * Failed authentications are counted per client address: an address that has
 * used its budget gets 429 with `Retry-After` on every route it sends a key to.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeyRing,
    private readonly failures: FailedAuthentications,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const declared = this.reflector.getAllAndOverride<AccessLevel | undefined>(ACCESS_METADATA, [context.getHandler(), context.getClass()]);
    if (declared === undefined)
      throw new ForbiddenException({ code: 'access-undeclared', message: 'this endpoint declares no access level, so nobody may call it' });
    const level = effectiveAccess(declared, this.config);
    const http = context.switchToHttp();
    const request = http.getRequest<AuthenticatedRequest>();
    if (level === 'public' && request.headers.authorization === undefined) return true;
    const reply = http.getResponse<FastifyReply>();
    await this.failures.refuseIfExhausted(request, reply);
    const identified = authenticate(request, this.keys);
    if (level === 'public') {
      // No free guesses where nothing is refused: a wrong key costs the same as anywhere else.
      if (typeof identified === 'string') await this.failures.record(request, reply, identified);
      else request.principal = identified;
      return true;
    }
    if (typeof identified === 'string') {
      await this.failures.record(request, reply, identified);
      void reply.header('www-authenticate', WWW_AUTHENTICATE);
      throw new UnauthorizedException({ code: 'unauthenticated', message: identified });
    }
    const principal = identified;
    request.principal = principal;
    const allowed = ALLOWED[level];
    if (!allowed.some((role) => principal.roles.has(role))) {
      throw new ForbiddenException({
        code: 'forbidden',
        message: `this needs a key with the ${allowed.join(' or ')} role; ${principal.name} has ${[...principal.roles].join(', ')}`,
      });
    }
    return true;
  }
}

export const WWW_AUTHENTICATE = 'Bearer realm="ledger"';

/**
 * Who sent the request, or why the key is refused (the 401's message). Run
 * by the `onRequest` hook (before the body is read: a refusal there is counted
 * as a failed authentication and answered 401 or 429) and by the guard (which
 * then checks the role, and handles public routes a key was sent to).
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
