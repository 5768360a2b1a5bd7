import { type Decision, append } from '../../shared/decision.js';
import { RuleViolation } from '../../shared/errors.js';
import type { JobsRecordedData, ProjectEvent } from '../project.events.js';
import type { ProjectState } from '../project.state.js';
import { replayOrConflict, requireNotBeforeSigning, requireNotCancelled, requireSigned } from './guards.js';

export const MAX_JOBS_PER_REPORT = 10_000_000;

export type RecordJobs = {
  readonly type: 'RecordJobs';
  readonly data: { readonly projectId: string; readonly reportId: string; readonly jobs: number; readonly reportedOn: string };
};

/** 吸纳就业: jobs created by the project, reported as a positive whole number. */
export function recordJobs(command: RecordJobs, state: ProjectState): Decision<ProjectEvent> {
  const { projectId, reportId, jobs, reportedOn } = command.data;
  const project = requireSigned(state, projectId);
  const data: JobsRecordedData = { projectId, pairId: project.signing.data.pairId, reportId, jobs, reportedOn };
  const replay = replayOrConflict(
    project.jobReports.get(reportId),
    data,
    'report-id-reused',
    `jobs report ${reportId} was already recorded with different content`,
  );
  if (replay) return replay;
  if (!Number.isSafeInteger(jobs) || jobs < 1 || jobs > MAX_JOBS_PER_REPORT) {
    throw new RuleViolation('jobs-not-positive-integer', `jobs must be a whole number from 1 to ${MAX_JOBS_PER_REPORT}`);
  }
  requireNotCancelled(project);
  requireNotBeforeSigning(project, reportedOn, 'report date');
  return append({ type: 'JobsRecorded', data });
}
