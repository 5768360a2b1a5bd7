import { type Money, toMoneyJson } from '../../money/money.js';
import { type PartnerPairState } from '../../partner-pairs/partner-pair.js';
import { type Decision, append, replayOf } from '../../shared/decision.js';
import { Conflict, NotFound, RuleViolation } from '../../shared/errors.js';
import { visibleText, visibleTextOrNull } from '../../shared/text.js';
import { sameJson } from '../../shared/values.js';
import type { CapitalKind, ProjectEvent, ProjectSignedData } from '../project.events.js';
import { type ProjectState, isSigned } from '../project.state.js';

export type SignProject = {
  readonly type: 'SignProject';
  readonly data: {
    readonly projectId: string;
    readonly pairId: string;
    readonly title: string;
    readonly sector: string;
    readonly capitalKind: CapitalKind;
    readonly pledged: Money;
    readonly signedOn: string;
    readonly occasion: string | null;
    readonly investor: string | null;
  };
};

/** 签约: a project is signed for a registered pair with its pledged total investment. */
export function signProject(command: SignProject, state: ProjectState, pair: PartnerPairState): Decision<ProjectEvent> {
  const data: ProjectSignedData = {
    ...command.data,
    title: visibleText('title', command.data.title),
    occasion: visibleTextOrNull('occasion', command.data.occasion),
    investor: visibleTextOrNull('investor', command.data.investor),
    pledged: toMoneyJson(command.data.pledged),
  };
  if (isSigned(state)) {
    if (sameJson(state.signing.data, data)) return replayOf(state.signing.at);
    throw new Conflict('project-already-signed', `project ${data.projectId} is already signed with different details`);
  }
  if (pair.status !== 'registered') {
    throw new NotFound('pair-not-found', `partner pair ${data.pairId} is not registered`);
  }
  const established = pair.details.establishedOn;
  if (established !== null && data.signedOn < established) {
    throw new RuleViolation(
      'signed-before-pair-established',
      `signing date ${data.signedOn} is before the pair was established on ${established}`,
    );
  }
  return append({ type: 'ProjectSigned', data });
}
