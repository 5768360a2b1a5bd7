import { type Decision, append } from '../../shared/decision.js';
import { RuleViolation } from '../../shared/errors.js';
import { visibleText } from '../../shared/text.js';
import type { ProjectCancelledData, ProjectEvent } from '../project.events.js';
import type { ProjectState } from '../project.state.js';
import { replayOrConflict, requireNotBeforeSigning, requireSigned } from './guards.js';

export type CancelProject = {
  readonly type: 'CancelProject';
  readonly data: { readonly projectId: string; readonly reason: string; readonly cancelledOn: string };
};

/** A cancelled project no longer counts as pledged; what was delivered stays delivered. */
export function cancelProject(command: CancelProject, state: ProjectState): Decision<ProjectEvent> {
  const { projectId, cancelledOn } = command.data;
  const reason = visibleText('reason', command.data.reason);
  const project = requireSigned(state, projectId);
  const data: ProjectCancelledData = { projectId, pairId: project.signing.data.pairId, reason, cancelledOn };
  const replay = replayOrConflict(
    project.cancellation,
    data,
    'project-already-cancelled',
    `project ${projectId} was already cancelled on ${project.cancellation?.data.cancelledOn}`,
  );
  if (replay) return replay;
  if (project.status === 'completed') {
    throw new RuleViolation('project-completed', `project ${projectId} is completed and can no longer be cancelled`);
  }
  requireNotBeforeSigning(project, cancelledOn, 'cancellation date');
  return append({ type: 'ProjectCancelled', data });
}
