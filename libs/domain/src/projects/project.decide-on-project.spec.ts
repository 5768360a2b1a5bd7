import { initialPartnerPairState } from '../partner-pairs/partner-pair.js';
import { cny, registeredPair, signed, signing as signingCommand } from '../testing/fixtures.js';
import { given } from '../testing/given-when-then.js';
import { decideOnProject } from './project.decider.js';
import { initialProjectState } from './project.state.js';

const signing = signingCommand();

describe('decideOnProject: any command on a project', () => {
  it('decides a signing against the pair it names', async () => {
    const asked: string[] = [];
    const pairOf = async (pairId: string) => (asked.push(pairId), registeredPair());
    const decision = await decideOnProject(signing, initialProjectState, pairOf);
    expect(decision).toMatchObject({ kind: 'append', events: [{ type: 'ProjectSigned', data: { projectId: 'graphite-anode' } }] });
    expect(asked).toEqual(['shanghai-sanming']);
  });

  it('refuses a signing under a pair that is not registered', async () => {
    await expect(decideOnProject(signing, initialProjectState, async () => initialPartnerPairState)).rejects.toMatchObject({
      code: 'pair-not-found',
    });
  });

  it('decides every other command on the project alone, without asking for a pair', async () => {
    const asked: string[] = [];
    const pairOf = async (pairId: string) => (asked.push(pairId), registeredPair());
    const disburse = {
      type: 'DisburseFunds' as const,
      data: { projectId: 'graphite-anode', disbursementId: 't1', amount: cny('1000'), disbursedOn: '2024-06-01' },
    };
    const decision = await decideOnProject(disburse, given(signed()), pairOf);
    expect(decision).toMatchObject({ kind: 'append', events: [{ type: 'FundsDisbursed', data: { disbursementId: 't1' } }] });
    expect(asked).toEqual([]);
  });
});
