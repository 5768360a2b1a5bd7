import { businessDateOf, ledgerEventOf } from '#domain';
import type { RecordedEvent } from '#event-store';

/** What an exported record reads from an event's data: its business date and its money. */

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

/** What `from`/`to` compare: the domain's business date, null for a type this release does not know or data without one. */
export function businessDateOfRecorded(event: RecordedEvent): string | null {
  const known = ledgerEventOf({ type: event.type, data: dataOf(event) });
  return known === null ? null : text(businessDateOf(known));
}

export function moneyOf(event: RecordedEvent): { amount: string; currency: string } | null {
  const field = MONEY_FIELD[event.type];
  const money = field === undefined ? undefined : dataOf(event)[field];
  if (typeof money !== 'object' || money === null) return null;
  const { amount, currency } = money as Data;
  return typeof amount === 'string' && typeof currency === 'string' ? { amount, currency } : null;
}
