import { Conflict, NotFound, RuleViolation } from '../shared/errors.js';
import { pairDetails, registeredPair } from '../testing/fixtures.js';
import { type RegisterPartnerPair, initialPartnerPairState, registerPartnerPair } from './partner-pair.js';

const register = (overrides = {}): RegisterPartnerPair => ({ type: 'RegisterPartnerPair', data: pairDetails(overrides) });

describe('registering a partner pair', () => {
  it('records PartnerPairRegistered for a new pair', () => {
    expect(registerPartnerPair(register(), initialPartnerPairState, null)).toEqual({
      kind: 'append',
      events: [{ type: 'PartnerPairRegistered', data: pairDetails() }],
    });
  });

  it('registers a sub-pair under a registered parent', () => {
    const sub = register({ pairId: 'quanzhou-changji', parentPairId: 'shanghai-sanming' });
    expect(registerPartnerPair(sub, initialPartnerPairState, registeredPair())).toMatchObject({ kind: 'append' });
  });

  it('refuses a sub-pair whose parent is not registered', () => {
    const sub = register({ pairId: 'quanzhou-changji', parentPairId: 'fujian-changji' });
    expect(() => registerPartnerPair(sub, initialPartnerPairState, initialPartnerPairState)).toThrow(NotFound);
  });

  it('refuses a pair whose donor is its recipient', () => {
    const same = register({ recipient: { name: ' shanghai municipality', level: 'province' } });
    expect(() => registerPartnerPair(same, initialPartnerPairState, null)).toThrow(RuleViolation);
  });

  it('answers a retry with the same details with the original result', () => {
    expect(registerPartnerPair(register(), registeredPair(), null)).toEqual({ kind: 'replay', at: { revision: 0, position: 1 } });
  });

  it('refuses the same id with different details as a conflict', () => {
    expect(() => registerPartnerPair(register({ programme: 'paired-assistance' }), registeredPair(), null)).toThrow(Conflict);
  });
});
