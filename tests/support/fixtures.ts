/** Request bodies from the domain's sample figures, with overrides for each test. */

export function pairBody(pairId: string, overrides: Record<string, unknown> = {}) {
  return {
    pairId,
    donor: { name: `Donor of ${pairId}`, level: 'province' },
    recipient: { name: `Recipient of ${pairId}`, level: 'prefecture' },
    programme: 'paired-assistance',
    ...overrides,
  };
}

export function projectBody(projectId: string, pairId: string, amount: string, overrides: Record<string, unknown> = {}) {
  return {
    projectId,
    pairId,
    title: `Project ${projectId}`,
    sector: 'new-materials',
    capitalKind: 'investment',
    pledged: { amount, currency: 'CNY' },
    signedOn: '2024-05-07',
    ...overrides,
  };
}

export function disbursementBody(disbursementId: string, amount: string, disbursedOn = '2024-06-01') {
  return { disbursementId, amount: { amount, currency: 'CNY' }, disbursedOn };
}

export function jobsBody(reportId: string, jobs: number, reportedOn = '2024-07-01') {
  return { reportId, jobs, reportedOn };
}
