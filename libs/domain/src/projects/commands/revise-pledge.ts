import { type Money, compare, formatAmount, toMoneyJson } from '../../money/money.js';
import { type Decision, append, replayOf } from '../../shared/decision.js';
import { RuleViolation } from '../../shared/errors.js';
import { sameJson } from '../../shared/values.js';
import type { PledgeRevisedData, ProjectEvent } from '../project.events.js';
import type { ProjectState } from '../project.state.js';
import { requireNotBeforeSigning, requireNotCancelled, requireSameCurrency, requireSigned } from './guards.js';

export type RevisePledge = {
  readonly type: 'RevisePledge';
  readonly data: { readonly projectId: string; readonly pledged: Money; readonly reason: string; readonly revisedOn: string };
};

/**
 * A pledge is revised up or down, never below what was already delivered.
 * Revisions carry no id of their own, so a retry is recognised as a command
 * identical to the latest revision.
 */
export function revisePledge(command: RevisePledge, state: ProjectState): Decision<ProjectEvent> {
  const { projectId, pledged, reason, revisedOn } = command.data;
  const project = requireSigned(state, projectId);
  const last = project.lastRevision;
  if (last) {
    const { previousPledged: _previous, ...lastRequest } = last.data;
    const request = { projectId, pairId: project.signing.data.pairId, pledged: toMoneyJson(pledged), reason, revisedOn };
    if (sameJson(lastRequest, request)) return replayOf(last.at);
  }
  requireNotCancelled(project);
  requireSameCurrency(project, pledged, 'the revised pledge');
  requireNotBeforeSigning(project, revisedOn, 'revision date');
  if (compare(pledged, project.pledged) === 0) {
    throw new RuleViolation('pledge-unchanged', `the pledge is already ${formatAmount(pledged)} ${pledged.currency}`);
  }
  if (compare(pledged, project.delivered) < 0) {
    throw new RuleViolation(
      'pledge-below-delivered',
      `the pledge may not be revised to ${formatAmount(pledged)} ${pledged.currency}, below the ${formatAmount(project.delivered)} already delivered`,
    );
  }
  const data: PledgeRevisedData = {
    projectId,
    pairId: project.signing.data.pairId,
    pledged: toMoneyJson(pledged),
    previousPledged: toMoneyJson(project.pledged),
    reason,
    revisedOn,
  };
  return append({ type: 'PledgeRevised', data });
}
