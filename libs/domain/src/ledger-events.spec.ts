import { businessDateOf, ledgerEventOf } from './ledger-events.js';
import { disbursed, pairDetails } from './testing/fixtures.js';

describe('ledger events', () => {
  it("dates a pair's registration on the day it was established, and on nothing when that is not known", () => {
    expect(businessDateOf({ type: 'PartnerPairRegistered', data: pairDetails({ establishedOn: '2022-01-01' }) })).toBe('2022-01-01');
    expect(businessDateOf({ type: 'PartnerPairRegistered', data: pairDetails({ establishedOn: null }) })).toBeNull();
  });

  it('reads a stored event of a type this release knows, and none of a type it does not', () => {
    const { data } = disbursed('t1', '100.00', '2024-06-01');
    const known = ledgerEventOf({ type: 'FundsDisbursed', data });
    expect(known).toEqual({ type: 'FundsDisbursed', data });
    expect(known && businessDateOf(known)).toBe('2024-06-01');
    expect(ledgerEventOf({ type: 'FundsTeleported', data })).toBeNull();
  });
});
