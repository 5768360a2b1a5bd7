import type { RecordedEvent } from '#event-store';

/** What an exported record reads from an event's data: its business date and its money. */

/**
 * The date of the fact each event records, which `from`/`to` compare: the
 * pair's establishment, the signing, the revision, the tranche, the jobs
 * report, the milestone, the cancellation. A correction is dated on the date
 * of what it corrects (as the as-of queries date it), not on when it was made.
 */
const BUSINESS_DATE_FIELD: Record<string, string> = {
  PartnerPairRegistered: 'establishedOn',
  ProjectSigned: 'signedOn',
  PledgeRevised: 'revisedOn',
  FundsDisbursed: 'disbursedOn',
  DisbursementCorrected: 'disbursedOn',
  JobsRecorded: 'reportedOn',
  JobsReportCorrected: 'reportedOn',
  MilestoneReached: 'reachedOn',
  ProjectCancelled: 'cancelledOn',
};

/** The money an event records: the pledge signed or revised to, the tranche, a tranche's corrected amount. */
const MONEY_FIELD: Record<string, string> = {
  ProjectSigned: 'pledged',
  PledgeRevised: 'pledged',
  FundsDisbursed: 'amount',
  DisbursementCorrected: 'amount',
};

export type Data = Record<string, unknown>;

export function dataOf(event: RecordedEvent): Data {
  return typeof event.data === 'object' && event.data !== null ? (event.data as Data) : {};
}

export function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

export function businessDateOf(event: RecordedEvent): string | null {
  const field = BUSINESS_DATE_FIELD[event.type];
  return field === undefined ? null : text(dataOf(event)[field]);
}

export function moneyOf(event: RecordedEvent): { amount: string; currency: string } | null {
  const field = MONEY_FIELD[event.type];
  const money = field === undefined ? undefined : dataOf(event)[field];
  if (typeof money !== 'object' || money === null) return null;
  const { amount, currency } = money as Data;
  return typeof amount === 'string' && typeof currency === 'string' ? { amount, currency } : null;
}
