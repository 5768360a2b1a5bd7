import { type Decision, append } from '../../shared/decision.js';
import type { Milestone, ProjectEvent } from '../project.events.js';
import type { ProjectState } from '../project.state.js';
import { replayOrConflict, requireNotBeforeSigning, requireNotCancelled, requireSigned } from './guards.js';

export type ReachMilestone = {
  readonly type: 'ReachMilestone';
  readonly data: { readonly projectId: string; readonly milestone: Milestone; readonly reachedOn: string };
};

/** 落地 / 开工 / 投产 / completed: each milestone is reached once; `completed` completes the project. */
export function reachMilestone(command: ReachMilestone, state: ProjectState): Decision<ProjectEvent> {
  const { projectId, milestone, reachedOn } = command.data;
  const project = requireSigned(state, projectId);
  const replay = replayOrConflict(
    project.milestones.get(milestone),
    { reachedOn },
    'milestone-already-reached',
    `milestone ${milestone} was already reached on ${project.milestones.get(milestone)?.data.reachedOn}`,
  );
  if (replay) return replay;
  requireNotCancelled(project);
  requireNotBeforeSigning(project, reachedOn, 'milestone date');
  return append({ type: 'MilestoneReached', data: { projectId, pairId: project.signing.data.pairId, milestone, reachedOn } });
}
