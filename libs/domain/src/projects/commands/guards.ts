import type { Money } from '../../money/money.js';
import type { Recorded } from '../project.state.js';
import { type SignedProject, type ProjectState, isSigned } from '../project.state.js';
import { type Decision, replayOf } from '../../shared/decision.js';
import { Conflict, type ConflictCode, NotFound, RuleViolation } from '../../shared/errors.js';
import { sameJson } from '../../shared/values.js';
import type { ProjectEvent } from '../project.events.js';

/** Rules shared by the commands that act on an existing project. */
export function requireSigned(state: ProjectState, projectId: string): SignedProject {
  if (!isSigned(state)) throw new NotFound('project-not-found', `project ${projectId} has not been signed`);
  return state;
}

export function requireNotCancelled(project: SignedProject): void {
  if (project.status === 'cancelled') {
    throw new RuleViolation('project-cancelled', `project ${project.signing.data.projectId} was cancelled`);
  }
}

export function requireSameCurrency(project: SignedProject, money: Money, what: string): void {
  if (money.currency !== project.pledged.currency) {
    throw new RuleViolation(
      'currency-mismatch',
      `${what} is in ${money.currency} but the pledge is in ${project.pledged.currency}; currencies are never mixed`,
    );
  }
}

export function requireNotBeforeSigning(project: SignedProject, date: string, what: string): void {
  if (date < project.signing.data.signedOn) {
    throw new RuleViolation('dated-before-signing', `${what} ${date} is before the project was signed on ${project.signing.data.signedOn}`);
  }
}

/**
 * A command carrying an id that was already used: the same content is a
 * retry (answered with the original result), other content is a conflict.
 */
export function replayOrConflict<T>(
  previous: Recorded<T> | null | undefined,
  data: T,
  conflictCode: ConflictCode,
  conflictMessage: string,
): Decision<ProjectEvent> | null {
  if (!previous) return null;
  if (sameJson(previous.data, data)) return replayOf(previous.at);
  throw new Conflict(conflictCode, conflictMessage);
}

export function requireNotBeforeOriginal(correctedOn: string, originalDate: string, what: string): void {
  if (correctedOn < originalDate) {
    throw new RuleViolation('dated-before-original', `a correction dated ${correctedOn} cannot precede ${what}, dated ${originalDate}`);
  }
}

/**
 * A correction sent again under its correctionId: the same request (type,
 * target, corrected figure, reason, date) is a retry, answered with the
 * original result even if later corrections followed; anything else under
 * that id is a conflict. What the ledger added (previous figure, dates of
 * the original) is not part of the comparison.
 */
export function replayOfCorrection(
  project: SignedProject,
  correctionId: string,
  request: { readonly type: 'DisbursementCorrected' | 'JobsReportCorrected' } & Record<string, unknown>,
): Decision<ProjectEvent> | null {
  const previous = project.corrections.get(correctionId);
  if (!previous) return null;
  const { type, data } = previous.data;
  const recorded =
    type === 'DisbursementCorrected'
      ? { type, disbursementId: data.disbursementId, amount: data.amount, reason: data.reason, correctedOn: data.correctedOn }
      : { type, reportId: data.reportId, jobs: data.jobs, reason: data.reason, correctedOn: data.correctedOn };
  if (sameJson(recorded, request)) return replayOf(previous.at);
  throw new Conflict('correction-id-reused', `correction ${correctionId} was already recorded with different content`);
}
