import { readFileSync } from 'node:fs';
import { disbursementBody, jobsBody, projectBody } from '../support/fixtures.js';
import type { LedgerUnderTest } from '../support/ledger-harness.js';

/**
 * Keys for the dashboard suites, in API_KEYS form (`role:key`): the operator
 * key loads the data, the reader key is what the page is given.
 */
export const OPERATOR_KEY = 'dashboard-operator-key-0123456789';
// With '+', '/' and '=' (allowed in keys): the page must not mangle them when they come in the URL fragment.
export const READER_KEY = 'dashboard+reader/key=0123456789';
export const API_KEYS = `operator:${OPERATOR_KEY},reader:${READER_KEY}`;

interface Command {
  readonly path: string;
  readonly body: unknown;
}

export const demo = JSON.parse(readFileSync(new URL('../../demo/paired-assistance.json', import.meta.url), 'utf8')) as {
  commands: Command[];
};

const cny = (amount: string) => ({ amount, currency: 'CNY' });

/**
 * Part of the demo data set (its pairs and Shanghai–Sanming's signings; the
 * whole demo is shown in its own suite) plus made-up figures, so that every
 * level of the drill-down and every awkward case has figures: projects in the
 * Fujian–Changji sub-pairs, tranches (one of them an awkward
 * 1,234,567,891.23), jobs, milestones, a cancelled project, and a USD project
 * (currencies are charted separately).
 */
export const DASHBOARD_COMMANDS: Command[] = [
  ...demo.commands.filter(
    (command) =>
      command.path === '/partner-pairs' ||
      (command.path === '/projects' && (command.body as { pairId: string }).pairId === 'shanghai-sanming'),
  ),
  {
    path: '/projects',
    body: projectBody('fj-2024-aid-fund', 'fujian-changji', '2000000000.00', {
      title: 'Fujian aid fund 2024 (援疆资金)',
      capitalKind: 'aid',
      sector: 'public-services',
    }),
  },
  { path: '/projects/fj-2024-aid-fund/disbursements', body: disbursementBody('fj-aid-t1', '1250000000.00') },
  {
    path: '/projects',
    body: projectBody('qz-textile-park', 'quanzhou-changji', '1550000000.00', {
      title: 'Changji textile industrial park',
      sector: 'textiles',
      occasion: 'Fujian–Changji investment fair',
    }),
  },
  { path: '/projects/qz-textile-park/disbursements', body: disbursementBody('qz-tp-t1', '620000000.00') },
  { path: '/projects/qz-textile-park/jobs', body: jobsBody('qz-tp-2024', 1510) },
  { path: '/projects/qz-textile-park/milestones', body: { milestone: 'landed', reachedOn: '2024-06-10' } },
  { path: '/projects/qz-textile-park/milestones', body: { milestone: 'construction-started', reachedOn: '2024-08-01' } },
  {
    path: '/projects',
    body: projectBody('qz-cotton-yarn', 'quanzhou-changji', '15100000.00', { title: 'Cotton yarn line', sector: 'textiles' }),
  },
  { path: '/projects/qz-cotton-yarn/disbursements', body: disbursementBody('qz-cy-t1', '8000000.00') },
  {
    path: '/projects',
    body: projectBody('mn-solar-glass', 'sanming-manas', '800000000.00', { title: 'Solar glass plant', sector: 'new-energy' }),
  },
  { path: '/projects/mn-solar-glass/disbursements', body: disbursementBody('mn-sg-t1', '235000000.00') },
  {
    path: '/projects',
    body: projectBody('js-logistics-hub', 'xiamen-jimsar', '320000000.00', {
      title: 'Jimsar logistics hub',
      sector: 'logistics',
      capitalKind: 'aid',
    }),
  },
  { path: '/projects/js-logistics-hub/disbursements', body: disbursementBody('js-lh-t1', '320000000.00') },
  { path: '/projects/js-logistics-hub/milestones', body: { milestone: 'completed', reachedOn: '2024-12-20' } },
  {
    path: '/projects',
    body: projectBody('ht-feed-mill', 'longyan-hutubi', '120000000.00', { title: 'Hutubi feed mill', sector: 'agriculture' }),
  },
  { path: '/projects/ht-feed-mill/disbursements', body: disbursementBody('ht-fm-t1', '30000000.00') },
  { path: '/projects/ht-feed-mill/cancellation', body: { reason: 'investor withdrew', cancelledOn: '2024-11-01' } },
  {
    path: '/projects/sm-2024-graphite-anode/disbursements',
    body: { disbursementId: 'sm-ga-t1', amount: cny('450000000.00'), disbursedOn: '2024-09-30' },
  },
  { path: '/projects/sm-2024-graphite-anode/jobs', body: jobsBody('sm-ga-2024q4', 320, '2024-12-31') },
  {
    path: '/projects/sm-2024-second-meeting-others/disbursements',
    body: { disbursementId: 'sm-so-t1', amount: cny('1234567891.23'), disbursedOn: '2024-10-15' },
  },
  {
    path: '/projects',
    body: projectBody('ak-cleaning-robot', 'zhejiang-aksu', '2500000.00', {
      title: 'Air-cooling island cleaning robot',
      sector: 'energy-services',
      pledged: { amount: '2500000.00', currency: 'USD' },
      signedOn: '2024-04-24',
    }),
  },
  {
    path: '/projects/ak-cleaning-robot/disbursements',
    body: { disbursementId: 'ak-cr-t1', amount: { amount: '1000000.50', currency: 'USD' }, disbursedOn: '2024-07-01' },
  },
];

/** Loads the commands through the API (each must be accepted) and waits until the read models show them. */
export async function loadDashboardData(api: LedgerUnderTest): Promise<void> {
  let last = 0;
  for (const command of DASHBOARD_COMMANDS) {
    const reply = await api.post(command.path, command.body, { authorization: `Bearer ${OPERATOR_KEY}` });
    if (reply.status !== 201) throw new Error(`${command.path} answered ${reply.status}: ${JSON.stringify(reply.body)}`);
    last = reply.body.position;
  }
  const caughtUp = await api.get(`/partner-pairs?minPosition=${last}`, { authorization: `Bearer ${READER_KEY}` });
  if (caughtUp.status !== 200) throw new Error(`the read models did not reach ${last}: ${caughtUp.status}`);
}
