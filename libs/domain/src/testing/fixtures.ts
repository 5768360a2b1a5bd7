import { type Money, parseMoney } from '../money/money.js';
import {
  type PartnerPairDetails,
  type PartnerPairState,
  evolvePartnerPair,
  initialPartnerPairState,
} from '../partner-pairs/partner-pair.js';
import type { SignProject } from '../projects/commands/sign-project.js';
import type { ProjectEvent, ProjectSignedData } from '../projects/project.events.js';

/** Small builders for specs: the values and events they start from. */

export function cny(amount: string): Money {
  return parseMoney({ amount, currency: 'CNY' });
}

export function pairDetails(overrides: Partial<PartnerPairDetails> = {}): PartnerPairDetails {
  return {
    pairId: 'shanghai-sanming',
    donor: { name: 'Shanghai Municipality', level: 'province' },
    recipient: { name: 'Sanming City', level: 'city' },
    programme: 'paired-cooperation',
    parentPairId: null,
    establishedOn: '2022-01-01',
    ...overrides,
  };
}

export function registeredPair(overrides: Partial<PartnerPairDetails> = {}): PartnerPairState {
  return evolvePartnerPair(
    initialPartnerPairState,
    { type: 'PartnerPairRegistered', data: pairDetails(overrides) },
    { revision: 0, position: 1 },
  );
}

/** The project the specs sign: everything but the pledge, which the event and the command write differently. */
const SIGNED_PROJECT = {
  projectId: 'graphite-anode',
  pairId: 'shanghai-sanming',
  title: 'Natural-graphite anode precursor',
  sector: 'new-materials',
  capitalKind: 'investment',
  signedOn: '2024-05-07',
  occasion: 'Second joint meeting',
  investor: 'A Shanghai new materials company',
} as const;

export function signed(overrides: Partial<ProjectSignedData> = {}): ProjectEvent {
  return { type: 'ProjectSigned', data: { ...SIGNED_PROJECT, pledged: { amount: '3000000000.00', currency: 'CNY' }, ...overrides } };
}

/** The SignProject command that `signed()` records. */
export function signing(overrides: Partial<SignProject['data']> = {}): SignProject {
  return { type: 'SignProject', data: { ...SIGNED_PROJECT, pledged: cny('3000000000'), ...overrides } };
}

export function disbursed(disbursementId: string, amount: string, disbursedOn = '2024-06-01'): ProjectEvent {
  return {
    type: 'FundsDisbursed',
    data: { projectId: 'graphite-anode', pairId: 'shanghai-sanming', disbursementId, amount: { amount, currency: 'CNY' }, disbursedOn },
  };
}

export function cancelled(reason = 'investor withdrew', cancelledOn = '2024-09-01'): ProjectEvent {
  return { type: 'ProjectCancelled', data: { projectId: 'graphite-anode', pairId: 'shanghai-sanming', reason, cancelledOn } };
}
