import { businessDateOf } from '../ledger-events.js';
import { Conflict, NotFound, RuleViolation } from '../shared/errors.js';
import { cancelled, cny, disbursed, signed } from '../testing/fixtures.js';
import { given, thenEvents, thenRefused } from '../testing/given-when-then.js';
import { type ProjectCommand, decideProject } from './project.decider.js';
import type { ProjectEvent } from './project.events.js';
import { type ProjectState, evolveProject, isSigned } from './project.state.js';

const projectId = 'graphite-anode';
const pairId = 'shanghai-sanming';

function correctDisbursement(
  correctionId: string,
  disbursementId: string,
  amount: string,
  overrides: { reason?: string; correctedOn?: string; currency?: 'CNY' | 'USD' } = {},
): ProjectCommand {
  const money = { minor: minorOf(amount), currency: overrides.currency ?? 'CNY' };
  return {
    type: 'CorrectDisbursement',
    data: {
      projectId,
      correctionId,
      disbursementId,
      amount: money,
      reason: overrides.reason ?? 'entered wrongly',
      correctedOn: overrides.correctedOn ?? '2024-10-01',
    },
  };
}
/** CNY minor units of a decimal string, zero included (cny() refuses zero, as requests do). */
function minorOf(amount: string): bigint {
  const [whole, fraction = ''] = amount.split('.');
  return BigInt(whole + fraction.padEnd(2, '0'));
}
function correctJobs(
  correctionId: string,
  reportId: string,
  jobs: number,
  overrides: { reason?: string; correctedOn?: string } = {},
): ProjectCommand {
  return {
    type: 'CorrectJobsReport',
    data: {
      projectId,
      correctionId,
      reportId,
      jobs,
      reason: overrides.reason ?? 'double counted',
      correctedOn: overrides.correctedOn ?? '2024-10-01',
    },
  };
}
function jobsRecorded(reportId: string, jobs: number, reportedOn = '2024-07-01'): ProjectEvent {
  return { type: 'JobsRecorded', data: { projectId, pairId, reportId, jobs, reportedOn } };
}
function disbursementCorrected(
  correctionId: string,
  disbursementId: string,
  amount: string,
  previousAmount: string,
  disbursedOn = '2024-06-01',
): ProjectEvent {
  return {
    type: 'DisbursementCorrected',
    data: {
      projectId,
      pairId,
      correctionId,
      disbursementId,
      disbursedOn,
      amount: { amount, currency: 'CNY' },
      previousAmount: { amount: previousAmount, currency: 'CNY' },
      reason: 'entered wrongly',
      correctedOn: '2024-10-01',
    },
  };
}

function delivered(state: ProjectState): string {
  if (!isSigned(state)) throw new Error('not signed');
  return state.delivered.minor.toString();
}

describe('correcting a disbursement', () => {
  const base = [
    signed({ pledged: { amount: '1000.00', currency: 'CNY' } }),
    disbursed('t1', '400.00', '2024-06-01'),
    disbursed('t2', '100.00', '2024-07-01'),
  ];

  it('records DisbursementCorrected with the previous amount and the original date, and delivered follows', () => {
    const events = thenEvents(given(...base), correctDisbursement('c1', 't1', '350'));
    expect(events).toEqual([disbursementCorrected('c1', 't1', '350.00', '400.00')]);
    expect(delivered(given(...base, ...events))).toBe('45000');
  });

  it('allows correcting to zero', () => {
    const events = thenEvents(given(...base), correctDisbursement('c1', 't2', '0'));
    expect(events).toEqual([disbursementCorrected('c1', 't2', '0.00', '100.00', '2024-07-01')]);
    expect(delivered(given(...base, ...events))).toBe('40000');
  });

  it('corrects a correction: the previous amount is the current one', () => {
    const first = disbursementCorrected('c1', 't1', '350.00', '400.00');
    const events = thenEvents(given(...base, first), correctDisbursement('c2', 't1', '380'));
    expect(events).toEqual([disbursementCorrected('c2', 't1', '380.00', '350.00')]);
    expect(delivered(given(...base, first, ...events))).toBe('48000');
  });

  it('refuses a project never signed, and an unknown disbursement', () => {
    thenRefused(given(), correctDisbursement('c1', 't1', '1'), NotFound, 'project-not-found');
    thenRefused(given(...base), correctDisbursement('c1', 'nope', '1'), NotFound, 'disbursement-not-found');
  });

  it('refuses another currency', () => {
    thenRefused(given(...base), correctDisbursement('c1', 't1', '1', { currency: 'USD' }), RuleViolation, 'currency-mismatch');
  });

  it('refuses a correction that changes nothing', () => {
    thenRefused(given(...base), correctDisbursement('c1', 't1', '400.00'), RuleViolation, 'correction-unchanged');
  });

  it('refuses a correction dated before the disbursement it corrects', () => {
    thenRefused(
      given(...base),
      correctDisbursement('c1', 't2', '90', { correctedOn: '2024-06-30' }),
      RuleViolation,
      'dated-before-original',
    );
    expect(thenEvents(given(...base), correctDisbursement('c1', 't2', '90', { correctedOn: '2024-07-01' }))).toHaveLength(1);
  });

  it('may raise an amount up to exactly the pledge, not one fen beyond', () => {
    // Delivered 500 of 1000: t1 may go from 400 to 900.
    expect(thenEvents(given(...base), correctDisbursement('c1', 't1', '900'))).toHaveLength(1);
    thenRefused(given(...base), correctDisbursement('c1', 't1', '900.01'), RuleViolation, 'exceeds-remaining-pledge');
  });

  it('counts the pledge as revised', () => {
    const revised: ProjectEvent = {
      type: 'PledgeRevised',
      data: {
        projectId,
        pairId,
        revisionId: null,
        pledged: { amount: '600.00', currency: 'CNY' },
        previousPledged: { amount: '1000.00', currency: 'CNY' },
        reason: 'cut',
        revisedOn: '2024-08-01',
      },
    };
    thenRefused(given(...base, revised), correctDisbursement('c1', 't1', '500.01'), RuleViolation, 'exceeds-remaining-pledge');
    expect(thenEvents(given(...base, revised), correctDisbursement('c1', 't1', '500'))).toHaveLength(1);
  });

  it('lowers an amount of a cancelled project, but refuses to raise one', () => {
    const state = given(...base, cancelled());
    expect(thenEvents(state, correctDisbursement('c1', 't1', '300'))).toHaveLength(1);
    thenRefused(state, correctDisbursement('c1', 't1', '401'), RuleViolation, 'project-cancelled');
  });

  it('answers a retry with the original result, even after later corrections', () => {
    const first = disbursementCorrected('c1', 't1', '350.00', '400.00');
    const second = disbursementCorrected('c2', 't1', '380.00', '350.00');
    const state = given(...base, first, second);
    expect(decideProject(correctDisbursement('c1', 't1', '350'), state)).toEqual({ kind: 'replay', at: { revision: 3, position: 13 } });
  });

  it('refuses a reused correction id with other content, or for a jobs report', () => {
    const state = given(...base, disbursementCorrected('c1', 't1', '350.00', '400.00'), jobsRecorded('r1', 10));
    thenRefused(state, correctDisbursement('c1', 't1', '351'), Conflict, 'correction-id-reused');
    thenRefused(state, correctDisbursement('c1', 't2', '350'), Conflict, 'correction-id-reused');
    thenRefused(state, correctDisbursement('c1', 't1', '350', { reason: 'another reason' }), Conflict, 'correction-id-reused');
    thenRefused(state, correctJobs('c1', 'r1', 5), Conflict, 'correction-id-reused');
  });

  it('keeps recognising a retry of the original disbursement after it was corrected', () => {
    const state = given(...base, disbursementCorrected('c1', 't1', '350.00', '400.00'));
    const retry: ProjectCommand = {
      type: 'DisburseFunds',
      data: { projectId, disbursementId: 't1', amount: cny('400'), disbursedOn: '2024-06-01' },
    };
    expect(decideProject(retry, state)).toEqual({ kind: 'replay', at: { revision: 1, position: 11 } });
  });
});

describe('correcting a jobs report', () => {
  const base = [signed(), jobsRecorded('r1', 120), jobsRecorded('r2', 30, '2025-01-15')];
  const jobsCreated = (state: ProjectState) => (isSigned(state) ? state.jobsCreated : NaN);

  it('records JobsReportCorrected with the previous figure and the original date', () => {
    const events = thenEvents(given(...base), correctJobs('c1', 'r2', 25, { correctedOn: '2025-02-01' }));
    expect(events).toEqual([
      {
        type: 'JobsReportCorrected',
        data: {
          projectId,
          pairId,
          correctionId: 'c1',
          reportId: 'r2',
          reportedOn: '2025-01-15',
          jobs: 25,
          previousJobs: 30,
          reason: 'double counted',
          correctedOn: '2025-02-01',
        },
      },
    ]);
    expect(jobsCreated(given(...base, ...events))).toBe(145);
  });

  it('allows zero, and corrects a correction from the current figure', () => {
    const first = thenEvents(given(...base), correctJobs('c1', 'r1', 0));
    const second = thenEvents(given(...base, ...first), correctJobs('c2', 'r1', 100));
    expect(second[0]).toMatchObject({ data: { jobs: 100, previousJobs: 0 } });
    expect(jobsCreated(given(...base, ...first, ...second))).toBe(130);
  });

  it('refuses an unknown report or project, an unchanged figure, a figure out of range, an early date', () => {
    thenRefused(given(), correctJobs('c1', 'r1', 1), NotFound, 'project-not-found');
    thenRefused(given(...base), correctJobs('c1', 'nope', 1), NotFound, 'report-not-found');
    thenRefused(given(...base), correctJobs('c1', 'r1', 120), RuleViolation, 'correction-unchanged');
    for (const jobs of [-1, 1.5, Number.NaN, 10_000_001])
      thenRefused(given(...base), correctJobs('c1', 'r1', jobs), RuleViolation, 'jobs-out-of-range');
    thenRefused(given(...base), correctJobs('c1', 'r2', 5, { correctedOn: '2025-01-14' }), RuleViolation, 'dated-before-original');
  });

  it('lowers a report of a cancelled project, but refuses to raise one', () => {
    const state = given(...base, cancelled());
    expect(thenEvents(state, correctJobs('c1', 'r1', 100))).toHaveLength(1);
    thenRefused(state, correctJobs('c1', 'r1', 121), RuleViolation, 'project-cancelled');
  });

  it('answers a retry and refuses the id with other content', () => {
    const events = thenEvents(given(...base), correctJobs('c1', 'r1', 100));
    const state = given(...base, ...events);
    expect(decideProject(correctJobs('c1', 'r1', 100), state)).toEqual({ kind: 'replay', at: { revision: 3, position: 13 } });
    thenRefused(state, correctJobs('c1', 'r1', 101), Conflict, 'correction-id-reused');
  });
});

describe('business dates', () => {
  it('dates a correction on the date of the fact it corrects', () => {
    expect(businessDateOf(disbursementCorrected('c1', 't1', '1.00', '2.00', '2023-12-31'))).toBe('2023-12-31');
    expect(businessDateOf(signed())).toBe('2024-05-07');
    expect(businessDateOf(cancelled('x', '2024-09-01'))).toBe('2024-09-01');
  });

  it('folds corrections in evolve exactly as the decider computed them', () => {
    const state = [signed(), disbursed('t1', '10.00'), disbursementCorrected('c1', 't1', '0.00', '10.00')].reduce<ProjectState>(
      (s, e, revision) => evolveProject(s, e, { revision, position: revision + 1 }),
      given(),
    );
    expect(isSigned(state) && state.disbursedAmounts.get('t1')?.minor).toBe(0n);
    expect(delivered(state)).toBe('0');
  });
});
