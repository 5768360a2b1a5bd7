import { type Money, add, parseMoney, subtract } from '../money/money.js';
import { type RecordedAt, assertNever } from '../shared/decision.js';
import { PersistentMap } from '../shared/persistent-map.js';
import type {
  DisbursementCorrected,
  DisbursementCorrectedData,
  FundsDisbursedData,
  JobsReportCorrected,
  JobsRecordedData,
  Milestone,
  PledgeRevisedData,
  ProjectCancelledData,
  ProjectEvent,
  ProjectSignedData,
} from './project.events.js';

export type ProjectStatus = 'active' | 'completed' | 'cancelled';

/** An event's data remembered with where it was recorded, so a retry can be answered with the original result. */
export interface Recorded<T> {
  readonly data: T;
  readonly at: RecordedAt;
}

/**
 * A signed project's state. Its maps are persistent: evolving it by one
 * event sets a key in a shared structure instead of copying the maps, so one
 * event costs the same on a project of 20,000 disbursements as on a new one.
 */
export interface SignedProject {
  readonly status: ProjectStatus;
  readonly signing: Recorded<ProjectSignedData>;
  readonly pledged: Money;
  readonly delivered: Money;
  readonly jobsCreated: number;
  /** Each disbursement as first recorded (what a retried command is compared with). */
  readonly disbursements: PersistentMap<string, Recorded<FundsDisbursedData>>;
  /** Each disbursement's amount now: the original, or its latest correction. */
  readonly disbursedAmounts: PersistentMap<string, Money>;
  readonly jobReports: PersistentMap<string, Recorded<JobsRecordedData>>;
  /** Each jobs report's figure now: the original, or its latest correction. */
  readonly reportedJobs: PersistentMap<string, number>;
  /** Corrections by their correctionId (one namespace per project for both kinds). */
  readonly corrections: PersistentMap<string, Recorded<DisbursementCorrected | JobsReportCorrected>>;
  readonly milestones: PersistentMap<Milestone, Recorded<{ reachedOn: string }>>;
  readonly lastRevision: Recorded<PledgeRevisedData> | null;
  readonly revisions: PersistentMap<string, Recorded<PledgeRevisedData>>;
  readonly cancellation: Recorded<ProjectCancelledData> | null;
}

export type ProjectState = { readonly status: 'unsigned' } | SignedProject;

export const initialProjectState: ProjectState = { status: 'unsigned' };

export function isSigned(state: ProjectState): state is SignedProject {
  return state.status !== 'unsigned';
}

/**
 * What a disbursement correction changes delivered capital by: the corrected
 * amount less the one it replaces (either may be zero). The state, the
 * projections and subscribers all apply it this way.
 */
export function correctionDelta(data: Pick<DisbursementCorrectedData, 'amount' | 'previousAmount'>): Money {
  return subtract(parseMoney(data.amount, { allowZero: true }), parseMoney(data.previousAmount, { allowZero: true }));
}

export function evolveProject(state: ProjectState, event: ProjectEvent, at: RecordedAt): ProjectState {
  if (event.type === 'ProjectSigned') {
    const pledged = parseMoney(event.data.pledged);
    return {
      status: 'active',
      signing: { data: event.data, at },
      pledged,
      delivered: { minor: 0n, currency: pledged.currency },
      jobsCreated: 0,
      disbursements: PersistentMap.empty(),
      disbursedAmounts: PersistentMap.empty(),
      jobReports: PersistentMap.empty(),
      reportedJobs: PersistentMap.empty(),
      corrections: PersistentMap.empty(),
      milestones: PersistentMap.empty(),
      lastRevision: null,
      revisions: PersistentMap.empty(),
      cancellation: null,
    };
  }
  if (!isSigned(state)) throw new Error(`${event.type} recorded for a project that was never signed`);
  switch (event.type) {
    case 'PledgeRevised': {
      const revision = { data: event.data, at };
      // Always present since schema v2; v1 events without one are upcast to null on read.
      const revisionId = event.data.revisionId;
      const revisions = revisionId === null ? state.revisions : state.revisions.set(revisionId, revision);
      return { ...state, pledged: parseMoney(event.data.pledged), lastRevision: revision, revisions };
    }
    case 'FundsDisbursed': {
      const amount = parseMoney(event.data.amount);
      return {
        ...state,
        delivered: add(state.delivered, amount),
        disbursements: state.disbursements.set(event.data.disbursementId, { data: event.data, at }),
        disbursedAmounts: state.disbursedAmounts.set(event.data.disbursementId, amount),
      };
    }
    case 'JobsRecorded':
      return {
        ...state,
        jobsCreated: state.jobsCreated + event.data.jobs,
        jobReports: state.jobReports.set(event.data.reportId, { data: event.data, at }),
        reportedJobs: state.reportedJobs.set(event.data.reportId, event.data.jobs),
      };
    case 'DisbursementCorrected': {
      return {
        ...state,
        delivered: add(state.delivered, correctionDelta(event.data)),
        disbursedAmounts: state.disbursedAmounts.set(event.data.disbursementId, parseMoney(event.data.amount, { allowZero: true })),
        corrections: state.corrections.set(event.data.correctionId, { data: event, at }),
      };
    }
    case 'JobsReportCorrected':
      return {
        ...state,
        jobsCreated: state.jobsCreated + event.data.jobs - event.data.previousJobs,
        reportedJobs: state.reportedJobs.set(event.data.reportId, event.data.jobs),
        corrections: state.corrections.set(event.data.correctionId, { data: event, at }),
      };
    case 'MilestoneReached':
      return {
        ...state,
        status: event.data.milestone === 'completed' && state.status === 'active' ? 'completed' : state.status,
        milestones: state.milestones.set(event.data.milestone, { data: { reachedOn: event.data.reachedOn }, at }),
      };
    case 'ProjectCancelled':
      return { ...state, status: 'cancelled', cancellation: { data: event.data, at } };
    default:
      return assertNever(event);
  }
}
