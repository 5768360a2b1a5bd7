import { type Decision, type RecordedAt, append, replayOf } from '../shared/decision.js';
import { Conflict, NotFound, RuleViolation } from '../shared/errors.js';
import { nameKey, visibleText } from '../shared/text.js';
import { sameJson } from '../shared/values.js';

export const REGION_LEVELS = ['province', 'prefecture', 'city', 'county', 'district', 'zone'] as const;
export type RegionLevel = (typeof REGION_LEVELS)[number];

export const PROGRAMMES = ['paired-assistance', 'paired-cooperation', 'strategic-cooperation'] as const;
export type Programme = (typeof PROGRAMMES)[number];

export interface Region {
  readonly name: string;
  readonly level: RegionLevel;
}

export interface PartnerPairDetails {
  readonly pairId: string;
  readonly donor: Region;
  readonly recipient: Region;
  readonly programme: Programme;
  readonly parentPairId: string | null;
  readonly establishedOn: string | null;
}

export type PartnerPairRegistered = { readonly type: 'PartnerPairRegistered'; readonly data: PartnerPairDetails };
export type PartnerPairEvent = PartnerPairRegistered;
export const PARTNER_PAIR_EVENT_TYPES: readonly PartnerPairEvent['type'][] = ['PartnerPairRegistered'];

export type RegisterPartnerPair = { readonly type: 'RegisterPartnerPair'; readonly data: PartnerPairDetails };

export type PartnerPairState =
  | { readonly status: 'unregistered' }
  | { readonly status: 'registered'; readonly details: PartnerPairDetails; readonly registeredAt: RecordedAt };

export const initialPartnerPairState: PartnerPairState = { status: 'unregistered' };

export function partnerPairStreamId(pairId: string): string {
  return `partner-pair-${pairId}`;
}

export function evolvePartnerPair(state: PartnerPairState, event: PartnerPairEvent, at: RecordedAt): PartnerPairState {
  switch (event.type) {
    case 'PartnerPairRegistered':
      return { status: 'registered', details: event.data, registeredAt: at };
  }
}

/**
 * Registers a pair. `parent` is the state of `parentPairId`'s stream, or null
 * when the command names no parent. Pairs are immutable once registered, so a
 * parent can never become its own descendant.
 */
export function registerPartnerPair(
  command: RegisterPartnerPair,
  state: PartnerPairState,
  parent: PartnerPairState | null,
): Decision<PartnerPairEvent> {
  const details: PartnerPairDetails = {
    ...command.data,
    donor: { ...command.data.donor, name: visibleText('donor.name', command.data.donor.name) },
    recipient: { ...command.data.recipient, name: visibleText('recipient.name', command.data.recipient.name) },
  };
  if (state.status === 'registered') {
    if (sameJson(state.details, details)) return replayOf(state.registeredAt);
    throw new Conflict('pair-already-registered', `partner pair ${details.pairId} is already registered with different details`);
  }
  if (details.parentPairId !== null && parent?.status !== 'registered') {
    throw new NotFound('parent-pair-not-found', `parent partner pair ${details.parentPairId} is not registered`);
  }
  if (sameRegion(details.donor, details.recipient)) {
    throw new RuleViolation('donor-is-recipient', 'the donor and the recipient must be different regions');
  }
  return append({ type: 'PartnerPairRegistered', data: details });
}

/** Compared as read, not as stored: `Ｓhanghai` and `shanghai ` are one region (see nameKey). */
function sameRegion(a: Region, b: Region): boolean {
  return a.level === b.level && nameKey(a.name) === nameKey(b.name);
}
