import { type Decision, assertNever } from '../shared/decision.js';
import { type CancelProject, cancelProject } from './commands/cancel-project.js';
import { type CorrectDisbursement, correctDisbursement } from './commands/correct-disbursement.js';
import { type CorrectJobsReport, correctJobsReport } from './commands/correct-jobs-report.js';
import { type DisburseFunds, disburseFunds } from './commands/disburse-funds.js';
import { type ReachMilestone, reachMilestone } from './commands/reach-milestone.js';
import { type RecordJobs, recordJobs } from './commands/record-jobs.js';
import { type RevisePledge, revisePledge } from './commands/revise-pledge.js';
import { type SignProject, signProject } from './commands/sign-project.js';
import type { PartnerPairState } from '../partner-pairs/partner-pair.js';
import type { ProjectEvent } from './project.events.js';
import type { ProjectState } from './project.state.js';

/** Commands on a project that already exists (signing also needs the pair, see signProject). */
export type ProjectCommand =
  DisburseFunds | RecordJobs | RevisePledge | ReachMilestone | CancelProject | CorrectDisbursement | CorrectJobsReport;
export type AnyProjectCommand = SignProject | ProjectCommand;

export function decideProject(command: ProjectCommand, state: ProjectState): Decision<ProjectEvent> {
  switch (command.type) {
    case 'DisburseFunds':
      return disburseFunds(command, state);
    case 'RecordJobs':
      return recordJobs(command, state);
    case 'RevisePledge':
      return revisePledge(command, state);
    case 'ReachMilestone':
      return reachMilestone(command, state);
    case 'CancelProject':
      return cancelProject(command, state);
    case 'CorrectDisbursement':
      return correctDisbursement(command, state);
    case 'CorrectJobsReport':
      return correctJobsReport(command, state);
    default:
      return assertNever(command);
  }
}

/**
 * Any command on a project, signing included: a signing is decided against
 * the pair it is signed under, which `pairOf` is asked for (and only then).
 */
export async function decideOnProject(
  command: AnyProjectCommand,
  state: ProjectState,
  pairOf: (pairId: string) => Promise<PartnerPairState>,
): Promise<Decision<ProjectEvent>> {
  if (command.type === 'SignProject') return signProject(command, state, await pairOf(command.data.pairId));
  return decideProject(command, state);
}
