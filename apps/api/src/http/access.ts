import { SetMetadata } from '@nestjs/common';

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

export const Access = (level: AccessLevel) => SetMetadata(ACCESS_METADATA, level);
