import { type Decision, append } from '../../shared/decision.js';
import { NotFound, RuleViolation } from '../../shared/errors.js';
import { visibleText } from '../../shared/text.js';
import type { JobsReportCorrectedData, ProjectEvent } from '../project.events.js';
import type { ProjectState } from '../project.state.js';
import { MAX_JOBS_PER_REPORT } from './record-jobs.js';
import { replayOfCorrection, requireNotBeforeOriginal, requireNotCancelled, requireSigned } from './guards.js';

export type CorrectJobsReport = {
  readonly type: 'CorrectJobsReport';
  readonly data: {
    readonly projectId: string;
    readonly correctionId: string;
    readonly reportId: string;
    /** The corrected figure; zero if the report should not have counted at all. */
    readonly jobs: number;
    readonly reason: string;
    readonly correctedOn: string;
  };
};

/** A jobs report entered wrongly is corrected by a compensating event; raising it obeys the reporting rules. */
export function correctJobsReport(command: CorrectJobsReport, state: ProjectState): Decision<ProjectEvent> {
  const { projectId, correctionId, reportId, jobs, correctedOn } = command.data;
  const reason = visibleText('reason', command.data.reason);
  const project = requireSigned(state, projectId);
  const replay = replayOfCorrection(project, correctionId, { type: 'JobsReportCorrected', reportId, jobs, reason, correctedOn });
  if (replay) return replay;
  const original = project.jobReports.get(reportId);
  const current = project.reportedJobs.get(reportId);
  if (!original || current === undefined) throw new NotFound('report-not-found', `project ${projectId} has no jobs report ${reportId}`);
  if (!Number.isSafeInteger(jobs) || jobs < 0 || jobs > MAX_JOBS_PER_REPORT) {
    throw new RuleViolation('jobs-out-of-range', `corrected jobs must be a whole number from 0 to ${MAX_JOBS_PER_REPORT}`);
  }
  if (jobs === current) throw new RuleViolation('correction-unchanged', `jobs report ${reportId} already stands at ${current} jobs`);
  requireNotBeforeOriginal(correctedOn, original.data.reportedOn, `jobs report ${reportId}`);
  if (jobs > current) requireNotCancelled(project);
  const data: JobsReportCorrectedData = {
    projectId,
    pairId: project.signing.data.pairId,
    correctionId,
    reportId,
    reportedOn: original.data.reportedOn,
    jobs,
    previousJobs: current,
    reason,
    correctedOn,
  };
  return append({ type: 'JobsReportCorrected', data });
}
