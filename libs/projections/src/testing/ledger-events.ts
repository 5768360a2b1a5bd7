import { randomUUID } from 'node:crypto';
import type { EventStore, NewEvent } from '#event-store';

/** Builders of raw ledger events, appended straight to a store as a migration script (or a bug) could. */
const meta = { correlationId: 'c', causationId: 'c', actor: 'test' };

export const rawEvent = (type: string, data: unknown): NewEvent => ({ id: randomUUID(), type, schemaVersion: 1, data, metadata: meta });

export const pairRegistered = (pairId: string, parentPairId: string | null = null) =>
  rawEvent('PartnerPairRegistered', {
    pairId,
    donor: { name: `d-${pairId}`, level: 'city' },
    recipient: { name: `r-${pairId}`, level: 'county' },
    programme: 'paired-assistance',
    parentPairId,
    establishedOn: null,
  });

export const projectSigned = (projectId: string, pairId: string, amount: string, signedOn = '2024-01-01') =>
  rawEvent('ProjectSigned', {
    projectId,
    pairId,
    title: projectId,
    sector: 'textiles',
    capitalKind: 'aid',
    pledged: { amount, currency: 'CNY' },
    signedOn,
    occasion: null,
    investor: null,
  });

export const fundsDisbursed = (projectId: string, pairId: string, amount: string, disbursedOn = '2024-02-01') =>
  rawEvent('FundsDisbursed', { projectId, pairId, disbursementId: randomUUID(), amount: { amount, currency: 'CNY' }, disbursedOn });

export const jobsRecorded = (projectId: string, pairId: string, jobs: number) =>
  rawEvent('JobsRecorded', { projectId, pairId, reportId: randomUUID(), jobs, reportedOn: '2024-03-01' });

/** Appends to a stream at whatever revision it is (tests only). */
export function append(store: EventStore, streamId: string, ...events: NewEvent[]) {
  return store.appendToStream(streamId, events, { expectedRevision: 'any' });
}
