/**
 * The command mix the HTTP benchmark sends: signings, tranches, jobs reports
 * and pledge revisions against a seeded set of projects, every id unique so
 * that each request is a new command (no replays).
 */
export interface BenchRequest {
  readonly method: 'POST' | 'GET';
  readonly path: string;
  readonly body?: string;
}

export const SEED_PAIRS = 20;
export const SEED_PROJECTS = 2000;
const PLEDGE = '1000000000.00';

export function seedRequests(): BenchRequest[] {
  const requests: BenchRequest[] = [];
  for (let p = 0; p < SEED_PAIRS; p++) {
    requests.push({
      method: 'POST',
      path: '/partner-pairs',
      body: JSON.stringify({
        pairId: `bench-pair-${p}`,
        donor: { name: `Bench donor ${p}`, level: 'city' },
        recipient: { name: `Bench recipient ${p}`, level: 'county' },
        programme: 'paired-assistance',
      }),
    });
  }
  for (let i = 0; i < SEED_PROJECTS; i++) requests.push(signing(`bench-seed-${i}`, `bench-pair-${i % SEED_PAIRS}`));
  return requests;
}

function signing(projectId: string, pairId: string): BenchRequest {
  return {
    method: 'POST',
    path: '/projects',
    body: JSON.stringify({
      projectId,
      pairId,
      title: `Benchmark project ${projectId}`,
      sector: 'new-materials',
      capitalKind: 'investment',
      pledged: { amount: PLEDGE, currency: 'CNY' },
      signedOn: '2024-05-07',
    }),
  };
}

/** Returns a generator of the mix: 10% signings, 60% tranches, 20% jobs reports, 10% pledge revisions. */
export function commandMix(prefix: string): () => BenchRequest {
  let n = 0;
  return () => {
    n++;
    const project = `bench-seed-${(n * 7919) % SEED_PROJECTS}`;
    const slot = n % 10;
    if (slot === 0) return signing(`${prefix}-p${n}`, `bench-pair-${n % SEED_PAIRS}`);
    if (slot <= 6) {
      return {
        method: 'POST',
        path: `/projects/${project}/disbursements`,
        body: JSON.stringify({ disbursementId: `${prefix}-d${n}`, amount: { amount: '1.25', currency: 'CNY' }, disbursedOn: '2024-06-01' }),
      };
    }
    if (slot <= 8) {
      return {
        method: 'POST',
        path: `/projects/${project}/jobs`,
        body: JSON.stringify({ reportId: `${prefix}-j${n}`, jobs: 3, reportedOn: '2024-07-01' }),
      };
    }
    // Each revision sets a pledge no other request sets, so it is never "unchanged".
    return {
      method: 'POST',
      path: `/projects/${project}/pledge-revisions`,
      body: JSON.stringify({
        pledged: { amount: `${2_000_000_000 + n}.00`, currency: 'CNY' },
        reason: 'benchmark revision',
        revisedOn: '2024-08-01',
      }),
    };
  };
}
