import { LEDGER_UPCASTERS } from '../event-versions.js';
import { Conflict, NotFound, RuleViolation } from '../shared/errors.js';
import type { Decision } from '../shared/decision.js';
import { initialPartnerPairState } from '../partner-pairs/partner-pair.js';
import { cancelled, cny, disbursed, registeredPair, signed, signing as sign } from '../testing/fixtures.js';
import { given, thenEvents, thenRefused } from '../testing/given-when-then.js';
import { signProject } from './commands/sign-project.js';
import { type ProjectCommand, decideProject } from './project.decider.js';
import type { ProjectEvent } from './project.events.js';
import { type ProjectState, evolveProject, initialProjectState } from './project.state.js';

const projectId = 'graphite-anode';
const pairId = 'shanghai-sanming';

function disburse(disbursementId: string, amount: string, disbursedOn = '2024-06-01'): ProjectCommand {
  return { type: 'DisburseFunds', data: { projectId, disbursementId, amount: cny(amount), disbursedOn } };
}
function recordJobs(reportId: string, jobs: number, reportedOn = '2024-07-01'): ProjectCommand {
  return { type: 'RecordJobs', data: { projectId, reportId, jobs, reportedOn } };
}
function revise(amount: string, reason = 'scope changed', revisedOn = '2024-08-01', revisionId: string | null = null): ProjectCommand {
  return { type: 'RevisePledge', data: { projectId, revisionId, pledged: cny(amount), reason, revisedOn } };
}
function milestone(name: 'landed' | 'construction-started' | 'in-production' | 'completed', reachedOn = '2024-06-15'): ProjectCommand {
  return { type: 'ReachMilestone', data: { projectId, milestone: name, reachedOn } };
}
function cancel(reason = 'investor withdrew', cancelledOn = '2024-09-01'): ProjectCommand {
  return { type: 'CancelProject', data: { projectId, reason, cancelledOn } };
}

describe('signing a project', () => {
  it('records ProjectSigned with the pledge in its exact decimal form', () => {
    expect(signProject(sign(), initialProjectState, registeredPair())).toEqual({ kind: 'append', events: [signed()] });
  });

  it('refuses a project for an unregistered pair', () => {
    expect(() => signProject(sign(), initialProjectState, initialPartnerPairState)).toThrow(NotFound);
  });

  it('refuses a signing dated before the pair was established', () => {
    expect(() => signProject(sign({ signedOn: '2021-12-31' }), initialProjectState, registeredPair())).toThrow(RuleViolation);
  });

  it('answers a retry with the original result, and refuses different details under the same id', () => {
    const state = given(signed());
    expect(signProject(sign({ pledged: cny('3000000000.00') }), state, registeredPair())).toEqual({
      kind: 'replay',
      at: { revision: 0, position: 10 },
    });
    expect(() => signProject(sign({ title: 'Something else' }), state, registeredPair())).toThrow(Conflict);
  });
});

describe('disbursing funds', () => {
  it('records FundsDisbursed within the remaining pledge', () => {
    expect(thenEvents(given(signed(), disbursed('t1', '1000000000.00')), disburse('t2', '2000000000'))).toEqual([
      disbursed('t2', '2000000000.00'),
    ]);
  });

  it('refuses a tranche that exceeds the remaining pledge by one fen', () => {
    thenRefused(
      given(signed(), disbursed('t1', '1000000000.00')),
      disburse('t2', '2000000000.01'),
      RuleViolation,
      'exceeds-remaining-pledge',
    );
  });

  it('refuses a tranche in another currency', () => {
    const usd: ProjectCommand = {
      type: 'DisburseFunds',
      data: { projectId, disbursementId: 't1', amount: { minor: 100n, currency: 'USD' }, disbursedOn: '2024-06-01' },
    };
    thenRefused(given(signed()), usd, RuleViolation, 'currency-mismatch');
  });

  it('refuses a tranche for a cancelled project', () => {
    thenRefused(given(signed(), cancelled()), disburse('t1', '1'), RuleViolation, 'project-cancelled');
  });

  it('refuses a tranche dated before the signing', () => {
    thenRefused(given(signed()), disburse('t1', '1', '2024-05-06'), RuleViolation, 'dated-before-signing');
  });

  it('refuses a tranche for a project never signed', () => {
    thenRefused(initialProjectState, disburse('t1', '1'), NotFound, 'project-not-found');
  });

  it('answers a retried disbursement with the original result, even once the pledge is used up', () => {
    const state = given(signed(), disbursed('t1', '3000000000.00'));
    expect(decideProject(disburse('t1', '3000000000'), state)).toEqual({ kind: 'replay', at: { revision: 1, position: 11 } });
  });

  it('refuses a reused disbursement id with other content', () => {
    thenRefused(given(signed(), disbursed('t1', '5.00')), disburse('t1', '6'), Conflict, 'disbursement-id-reused');
  });
});

describe('recording jobs', () => {
  it('records JobsRecorded', () => {
    expect(thenEvents(given(signed()), recordJobs('r1', 120))).toEqual([
      { type: 'JobsRecorded', data: { projectId, pairId, reportId: 'r1', jobs: 120, reportedOn: '2024-07-01' } },
    ]);
  });

  it.each([0, -3, 1.5, Number.NaN, 10_000_001])('refuses %p jobs', (jobs) => {
    thenRefused(given(signed()), recordJobs('r1', jobs), RuleViolation, 'jobs-not-positive-integer');
  });

  it('refuses jobs for a cancelled project', () => {
    thenRefused(given(signed(), cancelled()), recordJobs('r1', 5), RuleViolation, 'project-cancelled');
  });

  it('answers a retry and refuses a reused report id', () => {
    const state = given(signed(), ...thenEvents(given(signed()), recordJobs('r1', 5)));
    expect(decideProject(recordJobs('r1', 5), state)).toEqual({ kind: 'replay', at: { revision: 1, position: 11 } });
    thenRefused(state, recordJobs('r1', 6), Conflict, 'report-id-reused');
  });
});

describe('revising a pledge', () => {
  it('records PledgeRevised with the previous pledge', () => {
    expect(thenEvents(given(signed()), revise('3500000000'))).toEqual([
      {
        type: 'PledgeRevised',
        data: {
          projectId,
          pairId,
          revisionId: null,
          pledged: { amount: '3500000000.00', currency: 'CNY' },
          previousPledged: { amount: '3000000000.00', currency: 'CNY' },
          reason: 'scope changed',
          revisedOn: '2024-08-01',
        },
      },
    ]);
  });

  it('allows revising down to exactly what was delivered, not one fen below', () => {
    const state = given(signed(), disbursed('t1', '1000.00'));
    expect(thenEvents(state, revise('1000'))).toHaveLength(1);
    thenRefused(state, revise('999.99'), RuleViolation, 'pledge-below-delivered');
  });

  it('refuses an unchanged pledge, another currency, a cancelled project', () => {
    thenRefused(given(signed()), revise('3000000000'), RuleViolation, 'pledge-unchanged');
    const usd: ProjectCommand = {
      type: 'RevisePledge',
      data: { projectId, revisionId: null, pledged: { minor: 1n, currency: 'USD' }, reason: 'x', revisedOn: '2024-08-01' },
    };
    thenRefused(given(signed()), usd, RuleViolation, 'currency-mismatch');
    thenRefused(given(signed(), cancelled()), revise('1'), RuleViolation, 'project-cancelled');
  });

  it('recognises a late retry by its revision id, and refuses the id with other content', () => {
    const first = thenEvents(given(signed()), revise('3500000000', 'up', '2024-08-01', 'rev-up'));
    const afterFirst = given(signed(), ...first);
    const second = thenEvents(afterFirst, revise('3200000000', 'down', '2024-09-01', 'rev-down'));
    const state = given(signed(), ...first, ...second);
    expect(decideProject(revise('3500000000', 'up', '2024-08-01', 'rev-up'), state)).toEqual({
      kind: 'replay',
      at: { revision: 1, position: 11 },
    });
    thenRefused(state, revise('3600000000', 'up', '2024-08-01', 'rev-up'), Conflict, 'revision-id-reused');
  });

  it('treats a revision recorded before revision ids existed (schema v1, upcast on read) as having none', () => {
    const { revisionId: _none, ...legacy } = (thenEvents(given(signed()), revise('3500000000'))[0] as { data: { revisionId: null } }).data;
    const upcast = LEDGER_UPCASTERS.upcast('PledgeRevised', 1, legacy);
    expect(upcast).toEqual({ version: 2, data: { ...legacy, revisionId: null } });
    const state = given(signed(), { type: 'PledgeRevised', data: upcast.data } as ProjectEvent);
    expect(decideProject(revise('3500000000'), state)).toEqual({ kind: 'replay', at: { revision: 1, position: 11 } });
  });

  it('answers a repeat of the latest revision with its original result', () => {
    const state = given(signed(), ...thenEvents(given(signed()), revise('3500000000')));
    expect(decideProject(revise('3500000000.00'), state)).toEqual({ kind: 'replay', at: { revision: 1, position: 11 } });
  });
});

describe('milestones', () => {
  it('records MilestoneReached; completed completes the project', () => {
    const events = thenEvents(given(signed()), milestone('completed', '2025-01-01'));
    const state = events.reduce<ProjectState>((s, e) => evolveProject(s, e, { revision: 1, position: 11 }), given(signed()));
    expect(state.status).toBe('completed');
  });

  it('answers a repeat with the original result and refuses another date', () => {
    const state = given(signed(), ...thenEvents(given(signed()), milestone('landed')));
    expect(decideProject(milestone('landed'), state)).toEqual({ kind: 'replay', at: { revision: 1, position: 11 } });
    thenRefused(state, milestone('landed', '2024-06-16'), Conflict, 'milestone-already-reached');
  });

  it('refuses milestones of a cancelled project and dates before signing', () => {
    thenRefused(given(signed(), cancelled()), milestone('landed'), RuleViolation, 'project-cancelled');
    thenRefused(given(signed()), milestone('landed', '2020-01-01'), RuleViolation, 'dated-before-signing');
  });
});

describe('cancelling a project', () => {
  it('records ProjectCancelled', () => {
    expect(thenEvents(given(signed()), cancel())).toEqual([cancelled()]);
  });

  it('answers a repeat with the original result, refuses a second different cancellation', () => {
    const state = given(signed(), cancelled());
    expect(decideProject(cancel(), state)).toEqual({ kind: 'replay', at: { revision: 1, position: 11 } } satisfies Decision<ProjectEvent>);
    thenRefused(state, cancel('other reason'), Conflict, 'project-already-cancelled');
  });

  it('refuses to cancel a completed project', () => {
    const completed = given(signed(), {
      type: 'MilestoneReached',
      data: { projectId, pairId, milestone: 'completed', reachedOn: '2025-01-01' },
    });
    thenRefused(completed, cancel(), RuleViolation, 'project-completed');
  });
});
