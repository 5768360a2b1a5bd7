import { type Money, compare, formatAmount, toMoneyJson } from '../../money/money.js';
import { type Decision, append, replayOf } from '../../shared/decision.js';
import { Conflict, RuleViolation } from '../../shared/errors.js';
import { visibleText } from '../../shared/text.js';
import { sameJson } from '../../shared/values.js';
import type { PledgeRevisedData, ProjectEvent } from '../project.events.js';
import type { ProjectState, Recorded } from '../project.state.js';
import { requireNotBeforeSigning, requireNotCancelled, requireSameCurrency, requireSigned } from './guards.js';

export type RevisePledge = {
  readonly type: 'RevisePledge';
  readonly data: {
    readonly projectId: string;
    readonly revisionId: string | null;
    readonly pledged: Money;
    readonly reason: string;
    readonly revisedOn: string;
  };
};

/** What a revision asked for, without the previous pledge the ledger added. */
function requested(revision: Recorded<PledgeRevisedData>) {
  const { previousPledged: _previous, ...request } = revision.data;
  return { ...request, revisionId: request.revisionId ?? null };
}

/**
 * A pledge is revised up or down, never below what was already delivered.
 * A revision sent with a `revisionId` is recognised by it when retried, like
 * a disbursement. Without one, only a repeat of the latest revision is
 * recognised as a retry; If-Match guards the rest.
 */
export function revisePledge(command: RevisePledge, state: ProjectState): Decision<ProjectEvent> {
  const { projectId, revisionId, pledged, revisedOn } = command.data;
  const reason = visibleText('reason', command.data.reason);
  const project = requireSigned(state, projectId);
  const request = { projectId, pairId: project.signing.data.pairId, revisionId, pledged: toMoneyJson(pledged), reason, revisedOn };
  const previous = revisionId === null ? project.lastRevision : project.revisions.get(revisionId);
  if (previous && sameJson(requested(previous), request)) return replayOf(previous.at);
  if (previous && revisionId !== null) {
    throw new Conflict('revision-id-reused', `pledge revision ${revisionId} was already recorded with different content`);
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
      `the pledge may not be revised to ${formatAmount(pledged)} ${pledged.currency}, ` +
        `below the ${formatAmount(project.delivered)} already delivered`,
    );
  }
  const data: PledgeRevisedData = { ...request, previousPledged: toMoneyJson(project.pledged) };
  return append({ type: 'PledgeRevised', data });
}
