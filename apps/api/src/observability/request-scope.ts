import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/** What every log line written while a request is handled can tell about it. */
export interface RequestScope {
  readonly correlationId: string;
}

const storage = new AsyncLocalStorage<RequestScope>();
const resources = new WeakMap<FastifyRequest, AsyncResource>();

/** The scope of the request being handled, if any (undefined in background work such as projections). */
export function currentRequestScope(): RequestScope | undefined {
  return storage.getStore();
}

/** Runs `fn` inside a request scope: for code that is not reached through Fastify (tests, CLIs). */
export function runInRequestScope<T>(scope: RequestScope, fn: () => T): T {
  return storage.run(scope, fn);
}

/**
 * Carries the request's scope through its handling. Entered in `onRequest`
 * once the correlation id is known. The body is read from socket events
 * after that hook: `preValidation` and `preHandler` re-enter the scope
 * through an AsyncResource (as @fastify/request-context does), so Nest's
 * guards, pipes and handlers run in it whatever context those events carry
 * (on Node 20 they already keep it; the logs test sends a body in pieces).
 */
export function enterRequestScope(request: FastifyRequest, scope: RequestScope, done: () => void): void {
  storage.run(scope, () => {
    const resource = new AsyncResource('ledger-request');
    resources.set(request, resource);
    resource.runInAsyncScope(done, request.raw);
  });
}

export function registerRequestScopeHooks(fastify: FastifyInstance): void {
  const reenter = (request: FastifyRequest, _reply: unknown, done: () => void): void => {
    const resource = resources.get(request);
    if (resource) resource.runInAsyncScope(done, request.raw);
    else done();
  };
  fastify.addHook('preValidation', reenter);
  fastify.addHook('preHandler', reenter);
}
