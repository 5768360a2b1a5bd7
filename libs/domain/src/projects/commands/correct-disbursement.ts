import { type Money, add, compare, formatAmount, subtract, toMoneyJson } from '../../money/money.js';
import { type Decision, append } from '../../shared/decision.js';
import { NotFound, RuleViolation } from '../../shared/errors.js';
import { visibleText } from '../../shared/text.js';
import type { DisbursementCorrectedData, ProjectEvent } from '../project.events.js';
import type { ProjectState } from '../project.state.js';
import { replayOfCorrection, requireNotBeforeOriginal, requireNotCancelled, requireSameCurrency, requireSigned } from './guards.js';

export type CorrectDisbursement = {
  readonly type: 'CorrectDisbursement';
  readonly data: {
    readonly projectId: string;
    readonly correctionId: string;
    readonly disbursementId: string;
    /** The corrected amount; zero if the tranche never arrived. */
    readonly amount: Money;
    readonly reason: string;
    readonly correctedOn: string;
  };
};

/**
 * A disbursement entered wrongly is corrected by a compensating event; the
 * original stays recorded. Lowering an amount is always possible; raising
 * one is a further delivery, so it obeys the disbursement rules: not for a
 * cancelled project, never beyond the pledge.
 */
export function correctDisbursement(command: CorrectDisbursement, state: ProjectState): Decision<ProjectEvent> {
  const { projectId, correctionId, disbursementId, amount, correctedOn } = command.data;
  const reason = visibleText('reason', command.data.reason);
  const project = requireSigned(state, projectId);
  const replay = replayOfCorrection(project, correctionId, {
    type: 'DisbursementCorrected',
    disbursementId,
    amount: toMoneyJson(amount),
    reason,
    correctedOn,
  });
  if (replay) return replay;
  const original = project.disbursements.get(disbursementId);
  const current = project.disbursedAmounts.get(disbursementId);
  if (!original || !current) {
    throw new NotFound('disbursement-not-found', `project ${projectId} has no disbursement ${disbursementId}`);
  }
  requireSameCurrency(project, amount, 'the corrected amount');
  if (compare(amount, current) === 0) {
    throw new RuleViolation(
      'correction-unchanged',
      `disbursement ${disbursementId} already stands at ${formatAmount(current)} ${current.currency}`,
    );
  }
  requireNotBeforeOriginal(correctedOn, original.data.disbursedOn, `disbursement ${disbursementId}`);
  if (compare(amount, current) > 0) {
    requireNotCancelled(project);
    const delivered = add(subtract(project.delivered, current), amount);
    if (compare(delivered, project.pledged) > 0) {
      const remaining = subtract(project.pledged, project.delivered);
      throw new RuleViolation(
        'exceeds-remaining-pledge',
        `correcting disbursement ${disbursementId} from ${formatAmount(current)} to ${formatAmount(amount)} ${amount.currency} ` +
          `would exceed the remaining pledge of ${formatAmount(remaining)} ${remaining.currency}`,
      );
    }
  }
  const data: DisbursementCorrectedData = {
    projectId,
    pairId: project.signing.data.pairId,
    correctionId,
    disbursementId,
    disbursedOn: original.data.disbursedOn,
    amount: toMoneyJson(amount),
    previousAmount: toMoneyJson(current),
    reason,
    correctedOn,
  };
  return append({ type: 'DisbursementCorrected', data });
}
