import { UpcasterRegistry } from './shared/upcasting.js';

/**
 * The schema history of the ledger's events. Writers write each type's
 * current version; readers upcast what was stored before. Every type not
 * named here is at version 1.
 *
 * PledgeRevised
 *  - v1: `revisionId` may be absent (revisions recorded before revision ids existed).
 *  - v2: `revisionId` is always present: the client's id, or null.
 */
export const LEDGER_UPCASTERS = new UpcasterRegistry().register('PledgeRevised', 1, (data: Record<string, unknown>) => ({
  ...data,
  revisionId: data.revisionId ?? null,
}));

/** The version a writer records for an event type today. */
export function currentSchemaVersion(type: string): number {
  return LEDGER_UPCASTERS.currentVersion(type);
}
