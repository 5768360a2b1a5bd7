import type { MoneyJson } from '../money/money.js';

export const CAPITAL_KINDS = ['investment', 'aid'] as const;
export type CapitalKind = (typeof CAPITAL_KINDS)[number];

/** 落地 / 开工 / 投产 / completed, in the order a project usually reaches them. */
export const MILESTONES = ['landed', 'construction-started', 'in-production', 'completed'] as const;
export type Milestone = (typeof MILESTONES)[number];

/**
 * Every project event carries its projectId and pairId, so that a consumer
 * of one event (a projection, a Kafka subscriber) needs no other event to
 * know where it belongs. Money is stored in its exact decimal string form.
 */
export interface ProjectSignedData {
  readonly projectId: string;
  readonly pairId: string;
  readonly title: string;
  readonly sector: string;
  readonly capitalKind: CapitalKind;
  readonly pledged: MoneyJson;
  readonly signedOn: string;
  readonly occasion: string | null;
  readonly investor: string | null;
}

export interface PledgeRevisedData {
  readonly projectId: string;
  readonly pairId: string;
  /** The client's id for this revision, when it sent one: retries are recognised by it. */
  readonly revisionId: string | null;
  readonly pledged: MoneyJson;
  readonly previousPledged: MoneyJson;
  readonly reason: string;
  readonly revisedOn: string;
}

export interface FundsDisbursedData {
  readonly projectId: string;
  readonly pairId: string;
  readonly disbursementId: string;
  readonly amount: MoneyJson;
  readonly disbursedOn: string;
}

export interface JobsRecordedData {
  readonly projectId: string;
  readonly pairId: string;
  readonly reportId: string;
  readonly jobs: number;
  readonly reportedOn: string;
}

export interface MilestoneReachedData {
  readonly projectId: string;
  readonly pairId: string;
  readonly milestone: Milestone;
  readonly reachedOn: string;
}

export interface ProjectCancelledData {
  readonly projectId: string;
  readonly pairId: string;
  readonly reason: string;
  readonly cancelledOn: string;
}

/**
 * A disbursement entered wrongly is corrected by this compensating event,
 * never by editing the original. `amount` is the corrected amount (zero if
 * the tranche never arrived), `previousAmount` what the ledger held until
 * then (the original amount, or the last correction's). `disbursedOn` is the
 * ORIGINAL disbursement's date: the correction changes that fact, so a
 * consumer counts the difference in the original's year, and an as-of query
 * dates it there, without needing any other event.
 */
export interface DisbursementCorrectedData {
  readonly projectId: string;
  readonly pairId: string;
  readonly correctionId: string;
  readonly disbursementId: string;
  readonly disbursedOn: string;
  readonly amount: MoneyJson;
  readonly previousAmount: MoneyJson;
  readonly reason: string;
  readonly correctedOn: string;
}

/** A jobs report entered wrongly, corrected like a disbursement; `reportedOn` is the original report's date. */
export interface JobsReportCorrectedData {
  readonly projectId: string;
  readonly pairId: string;
  readonly correctionId: string;
  readonly reportId: string;
  readonly reportedOn: string;
  readonly jobs: number;
  readonly previousJobs: number;
  readonly reason: string;
  readonly correctedOn: string;
}

export type ProjectSigned = { readonly type: 'ProjectSigned'; readonly data: ProjectSignedData };
export type PledgeRevised = { readonly type: 'PledgeRevised'; readonly data: PledgeRevisedData };
export type FundsDisbursed = { readonly type: 'FundsDisbursed'; readonly data: FundsDisbursedData };
export type JobsRecorded = { readonly type: 'JobsRecorded'; readonly data: JobsRecordedData };
export type MilestoneReached = { readonly type: 'MilestoneReached'; readonly data: MilestoneReachedData };
export type ProjectCancelled = { readonly type: 'ProjectCancelled'; readonly data: ProjectCancelledData };
export type DisbursementCorrected = { readonly type: 'DisbursementCorrected'; readonly data: DisbursementCorrectedData };
export type JobsReportCorrected = { readonly type: 'JobsReportCorrected'; readonly data: JobsReportCorrectedData };

export type ProjectEvent =
  | ProjectSigned
  | PledgeRevised
  | FundsDisbursed
  | JobsRecorded
  | MilestoneReached
  | ProjectCancelled
  | DisbursementCorrected
  | JobsReportCorrected;

export const PROJECT_EVENT_TYPES: readonly ProjectEvent['type'][] = [
  'ProjectSigned',
  'PledgeRevised',
  'FundsDisbursed',
  'JobsRecorded',
  'MilestoneReached',
  'ProjectCancelled',
  'DisbursementCorrected',
  'JobsReportCorrected',
];

export function projectStreamId(projectId: string): string {
  return `project-${projectId}`;
}
