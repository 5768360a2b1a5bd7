import { SetMetadata } from '@nestjs/common';
import { FASTIFY_ROUTE_CONFIG_METADATA } from '@nestjs/platform-fastify/constants.js';
import type { FastifyRequest } from 'fastify';

/**
 * Who may call an endpoint. Every route must declare one (class or method);
 * the access guard refuses routes that do not.
 *  - public: no key needed (health probes, docs, the dashboard page)
 *  - any: a valid key of any role (summaries, project reads)
 *  - operator: commands and projection operations
 *  - auditor: history, audit and exports
 *  - metrics: the operator role, unless METRICS_PUBLIC=true opens it to all (a scraper that cannot send a key)
 */
export type AccessLevel = 'public' | 'any' | 'operator' | 'auditor' | 'metrics';

/** The level a route has in this process: `metrics` is decided by METRICS_PUBLIC, the others are what they say. */
export function effectiveAccess(level: AccessLevel, config: { readonly metricsPublic: boolean }): Exclude<AccessLevel, 'metrics'> {
  if (level !== 'metrics') return level;
  return config.metricsPublic ? 'public' : 'operator';
}

export const ACCESS_METADATA = 'ledger:access';

/**
 * Declares the access level for the guard (Nest metadata) and, on each route
 * handler, in the Fastify route's config: the `onRequest` hook reads it there
 * to refuse a request without a valid key before its body is read or parsed.
 * A method's own level wins over its class's (method decorators run first).
 */
export const Access =
  (level: AccessLevel) =>
  (target: object, key?: string | symbol, descriptor?: PropertyDescriptor): void => {
    if (descriptor) {
      SetMetadata(ACCESS_METADATA, level)(target, key as string | symbol, descriptor);
      routeAccess(descriptor.value as object, level, true);
      return;
    }
    SetMetadata(ACCESS_METADATA, level)(target as () => void);
    const prototype = (target as { prototype: Record<string, unknown> }).prototype;
    for (const name of Object.getOwnPropertyNames(prototype)) {
      const handler = name === 'constructor' ? undefined : Object.getOwnPropertyDescriptor(prototype, name)?.value;
      if (typeof handler === 'function') routeAccess(handler, level, false);
    }
  };

function routeAccess(handler: object, level: AccessLevel, own: boolean): void {
  const config = (Reflect.getMetadata(FASTIFY_ROUTE_CONFIG_METADATA, handler) ?? {}) as { access?: AccessLevel };
  if (own || config.access === undefined) Reflect.defineMetadata(FASTIFY_ROUTE_CONFIG_METADATA, { ...config, access: level }, handler);
}

/** The access level a matched route declared (undefined for no route, or a route registered outside Nest's controllers). */
export function routeAccessOf(request: FastifyRequest): AccessLevel | undefined {
  return (request.routeOptions.config as { access?: AccessLevel } | undefined)?.access;
}
