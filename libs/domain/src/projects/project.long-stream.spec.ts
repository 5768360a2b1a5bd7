import { nodesNotShared } from '../shared/persistent-map.js';
import { cny, disbursed, signed } from '../testing/fixtures.js';
import { given } from '../testing/given-when-then.js';
import { decideProject } from './project.decider.js';
import type { ProjectEvent } from './project.events.js';
import { type ProjectState, evolveProject, isSigned } from './project.state.js';

/**
 * A project 20,000 tranches long: evolving it by one more event must set a
 * key, not copy the maps (the old code copied both disbursement maps per
 * event, so writing a stream grew with the square of its length). What an
 * event allocates is counted in shared trie nodes, not timed; the latency
 * figure is the benchmark's (bench/long-stream.ts).
 */
describe('a project with 20,000 disbursements', () => {
  const tranches: ProjectEvent[] = Array.from({ length: 20_000 }, (_, i) => disbursed(`tranche-${i}`, '1.00'));
  const long = given(signed(), ...tranches);
  const at = { revision: 20_001, position: 20_011 };

  it('decides a new tranche, a retry and a reused id against the whole history', () => {
    const disburse = (disbursementId: string, amount: string) =>
      decideProject(
        { type: 'DisburseFunds', data: { projectId: 'graphite-anode', disbursementId, amount: cny(amount), disbursedOn: '2024-06-01' } },
        long,
      );
    expect(disburse('tranche-20000', '1.00')).toEqual({ kind: 'append', events: [disbursed('tranche-20000', '1.00')] });
    expect(disburse('tranche-7', '1.00')).toEqual({ kind: 'replay', at: { revision: 8, position: 18 } });
    expect(() => disburse('tranche-7', '2.00')).toThrow('disbursement tranche-7 was already recorded with different content');
  });

  it('one more event shares all but a path of each map with the state before it, which stays as it was', () => {
    const next = evolveProject(long, disbursed('tranche-20000', '1.00'), at);
    if (!isSigned(long) || !isSigned(next)) throw new Error('expected signed states');
    expect(nodesNotShared(long.disbursements, next.disbursements)).toBeLessThanOrEqual(8);
    expect(nodesNotShared(long.disbursedAmounts, next.disbursedAmounts)).toBeLessThanOrEqual(8);
    expect([long.disbursements.size, next.disbursements.size]).toEqual([20_000, 20_001]);
    expect(long.disbursements.get('tranche-20000')).toBeUndefined();
    expect([long.delivered.minor, next.delivered.minor]).toEqual([2_000_000n, 2_000_100n]);
  });

  it('two events evolved from the same state do not see each other (the write side may branch a cached state)', () => {
    const a: ProjectState = evolveProject(long, disbursed('a', '1.00'), at);
    const b: ProjectState = evolveProject(long, disbursed('b', '1.00'), at);
    if (!isSigned(a) || !isSigned(b)) throw new Error('expected signed states');
    expect([a.disbursements.get('a') !== undefined, a.disbursements.get('b')]).toEqual([true, undefined]);
    expect([b.disbursements.get('b') !== undefined, b.disbursements.get('a')]).toEqual([true, undefined]);
  });
});
