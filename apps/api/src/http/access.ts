import { SetMetadata } from '@nestjs/common';

/**
 * Who may call an endpoint. Every route must declare one (class or method);
 * the access guard refuses routes that do not.
 *  - public: no key needed (health probes, metrics, docs, the dashboard page)
 *  - any: a valid key of any role (summaries, project reads)
 *  - operator: commands and projection operations
 *  - auditor: history, audit and exports
 */
export type AccessLevel = 'public' | 'any' | 'operator' | 'auditor';

export const ACCESS_METADATA = 'ledger:access';

export const Access = (level: AccessLevel) => SetMetadata(ACCESS_METADATA, level);
