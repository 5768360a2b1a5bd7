import { type Money, add, parseMoney } from '../money/money.js';
import { type RecordedAt, assertNever } from '../shared/decision.js';
import type {
  FundsDisbursedData,
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

export interface SignedProject {
  readonly status: ProjectStatus;
  readonly signing: Recorded<ProjectSignedData>;
  readonly pledged: Money;
  readonly delivered: Money;
  readonly jobsCreated: number;
  readonly disbursements: ReadonlyMap<string, Recorded<FundsDisbursedData>>;
  readonly jobReports: ReadonlyMap<string, Recorded<JobsRecordedData>>;
  readonly milestones: ReadonlyMap<Milestone, Recorded<{ reachedOn: string }>>;
  readonly lastRevision: Recorded<PledgeRevisedData> | null;
  readonly revisions: ReadonlyMap<string, Recorded<PledgeRevisedData>>;
  readonly cancellation: Recorded<ProjectCancelledData> | null;
}

export type ProjectState = { readonly status: 'unsigned' } | SignedProject;

export const initialProjectState: ProjectState = { status: 'unsigned' };

export function isSigned(state: ProjectState): state is SignedProject {
  return state.status !== 'unsigned';
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
      disbursements: new Map(),
      jobReports: new Map(),
      milestones: new Map(),
      lastRevision: null,
      revisions: new Map(),
      cancellation: null,
    };
  }
  if (!isSigned(state)) throw new Error(`${event.type} recorded for a project that was never signed`);
  switch (event.type) {
    case 'PledgeRevised': {
      const revision = { data: event.data, at };
      // Always present since schema v2; v1 events without one are upcast to null on read.
      const revisionId = event.data.revisionId;
      const revisions = revisionId === null ? state.revisions : new Map(state.revisions).set(revisionId, revision);
      return { ...state, pledged: parseMoney(event.data.pledged), lastRevision: revision, revisions };
    }
    case 'FundsDisbursed':
      return {
        ...state,
        delivered: add(state.delivered, parseMoney(event.data.amount)),
        disbursements: new Map(state.disbursements).set(event.data.disbursementId, { data: event.data, at }),
      };
    case 'JobsRecorded':
      return {
        ...state,
        jobsCreated: state.jobsCreated + event.data.jobs,
        jobReports: new Map(state.jobReports).set(event.data.reportId, { data: event.data, at }),
      };
    case 'MilestoneReached':
      return {
        ...state,
        status: event.data.milestone === 'completed' && state.status === 'active' ? 'completed' : state.status,
        milestones: new Map(state.milestones).set(event.data.milestone, { data: { reachedOn: event.data.reachedOn }, at }),
      };
    case 'ProjectCancelled':
      return { ...state, status: 'cancelled', cancellation: { data: event.data, at } };
    default:
      return assertNever(event);
  }
}
