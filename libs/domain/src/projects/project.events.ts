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

export type ProjectSigned = { readonly type: 'ProjectSigned'; readonly data: ProjectSignedData };
export type PledgeRevised = { readonly type: 'PledgeRevised'; readonly data: PledgeRevisedData };
export type FundsDisbursed = { readonly type: 'FundsDisbursed'; readonly data: FundsDisbursedData };
export type JobsRecorded = { readonly type: 'JobsRecorded'; readonly data: JobsRecordedData };
export type MilestoneReached = { readonly type: 'MilestoneReached'; readonly data: MilestoneReachedData };
export type ProjectCancelled = { readonly type: 'ProjectCancelled'; readonly data: ProjectCancelledData };

export type ProjectEvent =
  | ProjectSigned
  | PledgeRevised
  | FundsDisbursed
  | JobsRecorded
  | MilestoneReached
  | ProjectCancelled;

export const PROJECT_EVENT_TYPES: readonly ProjectEvent['type'][] = [
  'ProjectSigned',
  'PledgeRevised',
  'FundsDisbursed',
  'JobsRecorded',
  'MilestoneReached',
  'ProjectCancelled',
];

export function projectStreamId(projectId: string): string {
  return `project-${projectId}`;
}
