import { type Money, compare, formatAmount, subtract, toMoneyJson } from '../../money/money.js';
import { type Decision, append } from '../../shared/decision.js';
import { RuleViolation } from '../../shared/errors.js';
import type { FundsDisbursedData, ProjectEvent } from '../project.events.js';
import type { ProjectState } from '../project.state.js';
import { replayOrConflict, requireNotBeforeSigning, requireNotCancelled, requireSameCurrency, requireSigned } from './guards.js';

export type DisburseFunds = {
  readonly type: 'DisburseFunds';
  readonly data: { readonly projectId: string; readonly disbursementId: string; readonly amount: Money; readonly disbursedOn: string };
};

/** 到位资金: a tranche of the pledge is delivered; never more than what remains pledged. */
export function disburseFunds(command: DisburseFunds, state: ProjectState): Decision<ProjectEvent> {
  const { projectId, disbursementId, amount, disbursedOn } = command.data;
  const project = requireSigned(state, projectId);
  const data: FundsDisbursedData = {
    projectId,
    pairId: project.signing.data.pairId,
    disbursementId,
    amount: toMoneyJson(amount),
    disbursedOn,
  };
  const replay = replayOrConflict(
    project.disbursements.get(disbursementId),
    data,
    'disbursement-id-reused',
    `disbursement ${disbursementId} was already recorded with different content`,
  );
  if (replay) return replay;
  requireNotCancelled(project);
  requireSameCurrency(project, amount, 'the disbursement');
  requireNotBeforeSigning(project, disbursedOn, 'disbursement date');
  const remaining = subtract(project.pledged, project.delivered);
  if (compare(amount, remaining) > 0) {
    throw new RuleViolation(
      'exceeds-remaining-pledge',
      `disbursing ${formatAmount(amount)} ${amount.currency} ` +
        `would exceed the remaining pledge of ${formatAmount(remaining)} ${remaining.currency}`,
    );
  }
  return append({ type: 'FundsDisbursed', data });
}
