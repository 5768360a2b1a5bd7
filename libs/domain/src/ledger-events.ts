import { PARTNER_PAIR_EVENT_TYPES, type PartnerPairEvent } from './partner-pairs/partner-pair.js';
import { PROJECT_EVENT_TYPES, type ProjectEvent } from './projects/project.events.js';
import { assertNever } from './shared/decision.js';

/** Every event the ledger records: a pair's or a project's. */
export type LedgerEvent = PartnerPairEvent | ProjectEvent;

const LEDGER_EVENT_TYPES = new Set<string>([...PARTNER_PAIR_EVENT_TYPES, ...PROJECT_EVENT_TYPES]);

/** Whether a stored event is of a type this release knows, as ledgerEventOf but without a copy (its data is not checked). */
export function isLedgerEvent<T extends { readonly type: string; readonly data: unknown }>(event: T): event is T & LedgerEvent {
  return LEDGER_EVENT_TYPES.has(event.type);
}

/**
 * A stored event (its type and its data, as read) as a ledger event, or null
 * for a type this release does not know (a newer release recorded it). The
 * data is taken as it is, not checked.
 */
export function ledgerEventOf(event: { readonly type: string; readonly data: unknown }): LedgerEvent | null {
  return LEDGER_EVENT_TYPES.has(event.type) ? ({ type: event.type, data: event.data } as LedgerEvent) : null;
}

/**
 * The business date of the fact an event records: what `asOf` and an
 * export's `from`/`to` compare. A correction corrects its original, so it is
 * dated on the original's date (when the correction was made is
 * `correctedOn`, and when it was recorded is the event's `recordedAt`). A
 * pair's is the day it was established: null when that is not known.
 */
export function businessDateOf(event: ProjectEvent): string;
export function businessDateOf(event: LedgerEvent): string | null;
export function businessDateOf(event: LedgerEvent): string | null {
  switch (event.type) {
    case 'PartnerPairRegistered':
      return event.data.establishedOn;
    case 'ProjectSigned':
      return event.data.signedOn;
    case 'PledgeRevised':
      return event.data.revisedOn;
    case 'FundsDisbursed':
    case 'DisbursementCorrected':
      return event.data.disbursedOn;
    case 'JobsRecorded':
    case 'JobsReportCorrected':
      return event.data.reportedOn;
    case 'MilestoneReached':
      return event.data.reachedOn;
    case 'ProjectCancelled':
      return event.data.cancelledOn;
    default:
      return assertNever(event);
  }
}
