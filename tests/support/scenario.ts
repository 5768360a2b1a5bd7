import { disbursementBody, jobsBody, pairBody, projectBody } from './fixtures.js';

export interface Command {
  readonly path: string;
  readonly body: unknown;
}

/**
 * A varied, deterministic ledger history: a three-level pair tree, projects
 * in two currencies and both capital kinds, tranches, jobs, revisions,
 * corrections, milestones and cancellations, some of them refused by the rules.
 */
export function scenario(pairs = 6, projectsPerPair = 5): Command[] {
  const commands: Command[] = [];
  for (let p = 0; p < pairs; p++) {
    const parentPairId = p === 0 ? undefined : `pair-${Math.floor((p - 1) / 2)}`;
    commands.push({ path: '/partner-pairs', body: pairBody(`pair-${p}`, parentPairId ? { parentPairId } : {}) });
  }
  let seed = 7;
  const next = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  for (let p = 0; p < pairs; p++) {
    for (let j = 0; j < projectsPerPair; j++) {
      const id = `proj-${p}-${j}`;
      const currency = j % 4 === 3 ? 'USD' : 'CNY';
      const pledged = `${1000 + next(100000)}.${String(next(100)).padStart(2, '0')}`;
      commands.push({
        path: '/projects',
        body: projectBody(id, `pair-${p}`, pledged, {
          pledged: { amount: pledged, currency },
          signedOn: `${2022 + (j % 3)}-0${1 + (j % 9)}-15`,
          sector: ['new-materials', 'textiles', 'agriculture'][j % 3],
          capitalKind: j % 2 ? 'aid' : 'investment',
        }),
      });
      for (let t = 0; t < 3; t++) {
        const amount = `${1 + next(600)}.${String(next(100)).padStart(2, '0')}`;
        const tranche = disbursementBody(`${id}-t${t}`, amount, `2025-0${1 + t}-10`);
        commands.push({ path: `/projects/${id}/disbursements`, body: { ...tranche, amount: { amount, currency } } });
      }
      // Beyond any pledge here: refused, so histories include refusals.
      commands.push({
        path: `/projects/${id}/disbursements`,
        body: { ...disbursementBody(`${id}-over`, '1'), amount: { amount: '99999999', currency } },
      });
      commands.push({ path: `/projects/${id}/jobs`, body: jobsBody(`${id}-r1`, 1 + next(300), '2025-03-01') });
      // Figures entered wrongly, corrected by compensating events (a tranche down, then corrected again; a report to zero).
      if (j % 3 === 0) {
        const path = `/projects/${id}/disbursements/${id}-t0/corrections`;
        commands.push({
          path,
          body: { correctionId: `${id}-c1`, amount: { amount: '0.50', currency }, reason: 'entered wrongly', correctedOn: '2025-02-01' },
        });
        if (j % 2 === 0)
          commands.push({
            path,
            body: { correctionId: `${id}-c2`, amount: { amount: '0.75', currency }, reason: 'corrected again', correctedOn: '2025-02-02' },
          });
      }
      if (j % 3 === 2) {
        commands.push({
          path: `/projects/${id}/jobs/${id}-r1/corrections`,
          body: { correctionId: `${id}-c3`, jobs: 0, reason: "not this project's jobs", correctedOn: '2025-03-02' },
        });
      }
      if (j % 3 === 1)
        commands.push({
          path: `/projects/${id}/pledge-revisions`,
          body: { pledged: { amount: `${2000 + next(5000)}.00`, currency }, reason: 'revised', revisedOn: '2025-04-01' },
        });
      if (j % 4 === 2) commands.push({ path: `/projects/${id}/milestones`, body: { milestone: 'completed', reachedOn: '2025-05-01' } });
      if (j % 5 === 4) commands.push({ path: `/projects/${id}/cancellation`, body: { reason: 'withdrawn', cancelledOn: '2025-06-01' } });
    }
  }
  return commands;
}
