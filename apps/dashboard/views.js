// The views: all pairs, one pair (its sub-pairs and projects), one project; each read
// from the API at the page's time slice and returned as { title, trail, content }.

import { api } from './api.js';
import { isSliced } from './address.js';
import { chartSection } from './chart-section.js';
import { h } from './dom.js';
import { moneyLines, one } from './money-cells.js';
import { addByCurrency, percent } from './money.js';
import { pairHref, projectHref } from './routes.js';
import { slice, sliceWords, thenOrAbsent } from './slice.js';
import { breakdownTable, figureCards, pairName, pairTable, projectTable } from './tables.js';

/** Runs the reads at most `width` at a time (a pair can have dozens of projects, each recomputed from its events). */
async function inBatches(items, width, read) {
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await read(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
  return results;
}

function ancestorsOf(pairId, pairsById) {
  const chain = [];
  for (let pair = pairsById.get(pairId); pair; pair = pair.parentPairId ? pairsById.get(pair.parentPairId) : undefined) {
    chain.unshift(pair);
    if (chain.length > 64) break; // a malformed tree must not hang the page
  }
  return chain;
}

/** Breadcrumbs down to a pair: its ancestors and itself. */
function trailTo(pairId, pairsById) {
  return ancestorsOf(pairId, pairsById).map((pair) => ({ label: pairName(pair), href: pairHref(pair.pairId) }));
}

function summaryRows(summaries) {
  return summaries
    .filter((pair) => pair !== null)
    .map((pair) => ({
      id: pair.pairId,
      label: pairName(pair),
      href: pairHref(pair.pairId),
      pledged: pair.total.pledged,
      delivered: pair.total.delivered,
    }));
}

/** Every pair in tree order: each top-level pair, then its sub-pairs (and theirs) beneath it, with their depth. */
function inTreeOrder(pairs) {
  const children = new Map();
  for (const pair of pairs) {
    if (pair.parentPairId === null) continue;
    children.set(pair.parentPairId, [...(children.get(pair.parentPairId) ?? []), pair]);
  }
  const ordered = [];
  const seen = new Set();
  const visit = (pair, depth) => {
    if (seen.has(pair.pairId)) return; // a malformed tree must not loop
    seen.add(pair.pairId);
    ordered.push({ pair, depth });
    for (const child of children.get(pair.pairId) ?? []) visit(child, depth + 1);
  };
  for (const pair of pairs) if (pair.parentPairId === null) visit(pair, 0);
  return ordered;
}

const DIMENSIONS = {
  year: {
    title: 'By year',
    key: 'Year',
    lede: 'Pledges in the year they were signed, deliveries in the year of each tranche.',
  },
  sector: { title: 'By sector', key: 'Sector', lede: "Pledged and delivered capital by the projects' sector." },
};

/**
 * The breakdown by year or sector of these pairs (each with its sub-pairs), added up key by key, currency by
 * currency, exactly. The breakdown answers only today's figures: at another point in time the section says so.
 */
async function breakdownSection(pairIds, by, whose) {
  const dimension = DIMENSIONS[by];
  const section = h('section', { class: 'breakdown', 'data-by': by }, h('h3', {}, `${dimension.title}, ${whose}`));
  if (isSliced(slice)) {
    section.append(
      h('p', { class: 'empty breakdown-today' }, `Only today's figures are broken down by ${by}: show today's figures to see them.`),
    );
    return section;
  }
  const answers = await Promise.all(pairIds.map((pairId) => api.breakdown(pairId, by)));
  const byKey = new Map();
  for (const row of answers.flat()) {
    const sum = byKey.get(row.key) ?? { key: row.key, pledged: {}, delivered: {}, jobsCreated: 0 };
    byKey.set(row.key, {
      key: row.key,
      pledged: addByCurrency(sum.pledged, row.pledged),
      delivered: addByCurrency(sum.delivered, row.delivered),
      jobsCreated: sum.jobsCreated + row.jobsCreated,
    });
  }
  const rows = [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  if (rows.length === 0) {
    section.append(h('p', { class: 'empty' }, 'Nothing signed yet.'));
    return section;
  }
  section.append(
    h('p', { class: 'lede' }, dimension.lede),
    chartSection(
      dimension.title,
      rows.map((row) => ({ id: row.key, label: row.key, href: null, pledged: row.pledged, delivered: row.delivered })),
    ),
    breakdownTable(rows, dimension.key, `${dimension.title}: pledged vs delivered, ${whose}`, by),
  );
  return section;
}

export async function pairsView(pairs) {
  const ordered = inTreeOrder(pairs);
  const top = ordered.filter(({ depth }) => depth === 0).map(({ pair }) => pair);
  const [summaries, byYear, bySector] = await Promise.all([
    Promise.all(ordered.map(({ pair }) => thenOrAbsent(() => api.summary(pair.pairId, slice)))),
    breakdownSection(
      top.map((pair) => pair.pairId),
      'year',
      'all pairs',
    ),
    breakdownSection(
      top.map((pair) => pair.pairId),
      'sector',
      'all pairs',
    ),
  ]);
  const entries = ordered.map(({ pair, depth }, index) => ({ pair, depth, summary: summaries[index] }));
  return {
    title: 'Partner pairs',
    trail: [],
    content: [
      h('h2', {}, 'Partner pairs'),
      h(
        'p',
        { class: 'lede' },
        'Pledged vs delivered capital of every pair, each including its sub-pairs, with the share of the pledge delivered. ' +
          'Choose a pair to see its sub-pairs and projects.',
      ),
      chartSection('Partner pairs', summaryRows(summaries.filter((summary, index) => summary !== null && entries[index].depth === 0))),
      entries.length
        ? pairTable(entries, 'Every partner pair, sub-pairs under their pair (figures include sub-pairs)')
        : h('p', { class: 'empty' }, 'No partner pair is registered yet.'),
      byYear,
      bySector,
    ],
  };
}

/** The delivered share of the pledge, one line per pledged currency. */
function shareLines(figures) {
  const currencies = Object.keys(figures.pledged).sort();
  if (currencies.length === 0) return '—';
  return currencies.map((currency) =>
    h(
      'span',
      { class: 'money' },
      `${percent(figures.delivered[currency] ?? '0', figures.pledged[currency])}${currencies.length > 1 ? ` of ${currency}` : ''}`,
    ),
  );
}

/** A pair or project that did not exist at the slice's point in time: said so, not shown as an error. */
function absentView(title, trail, what, since) {
  return {
    title,
    trail,
    content: [
      h('h2', {}, title),
      h('p', { class: 'absent', 'data-absent': what }, `This ${what} did not exist ${sliceWords()}`, since ? ` (${since}).` : '.'),
    ],
  };
}

/**
 * A pair's own projects. Today: the pair's project list. At another point in
 * time (the list takes no asOf): each listed project's detail at that point;
 * those that did not exist then (404) are left out, and counted.
 */
async function projectsOf(pairId) {
  const projects = await api.projects(pairId);
  if (!isSliced(slice)) return { projects, later: 0 };
  const then = await inBatches(projects, 6, (project) => thenOrAbsent(() => api.project(project.projectId, slice)));
  const existing = then.filter((project) => project !== null);
  return { projects: existing, later: projects.length - existing.length };
}

export async function pairView(pairId, pairsById) {
  const summary = await thenOrAbsent(() => api.summary(pairId, slice));
  const trail = trailTo(pairId, pairsById);
  if (summary === null) {
    const listed = pairsById.get(pairId);
    return absentView(
      listed ? pairName(listed) : pairId,
      trail,
      'pair',
      listed?.establishedOn ? `established ${listed.establishedOn}` : null,
    );
  }
  const [{ projects, later }, subSummaries, byYear, bySector] = await Promise.all([
    projectsOf(pairId),
    Promise.all(summary.subPairIds.map((id) => thenOrAbsent(() => api.summary(id, slice)))),
    breakdownSection([pairId], 'year', 'with sub-pairs'),
    breakdownSection([pairId], 'sector', 'with sub-pairs'),
  ]);
  const subEntries = summary.subPairIds.map((id, index) => ({
    pair: pairsById.get(id) ?? { pairId: id, donor: { name: id }, recipient: { name: '?' }, programme: '' },
    summary: subSummaries[index],
  }));
  const content = [
    h('h2', {}, pairName(summary)),
    h(
      'p',
      { class: 'lede' },
      `${summary.programme} · donor ${summary.donor.level}, recipient ${summary.recipient.level}`,
      summary.establishedOn ? ` · since ${summary.establishedOn}` : '',
    ),
    figureCards([
      ['Pledged, with sub-pairs', 'totalPledged', moneyLines(summary.total.pledged)],
      ['Delivered, with sub-pairs', 'totalDelivered', moneyLines(summary.total.delivered)],
      ['Jobs created, with sub-pairs', 'totalJobs', summary.total.jobsCreated.toLocaleString('en')],
      ['Pledged, own projects', 'ownPledged', moneyLines(summary.own.pledged)],
      ['Delivered, own projects', 'ownDelivered', moneyLines(summary.own.delivered)],
      ['Delivered %, with sub-pairs', 'totalDeliveredShare', shareLines(summary.total)],
    ]),
  ];
  if (subSummaries.length) {
    content.push(
      h('h3', {}, 'Sub-pairs'),
      chartSection('Sub-pairs', summaryRows(subSummaries)),
      pairTable(subEntries, 'Sub-pairs (figures include their own sub-pairs)'),
    );
  }
  content.push(h('h3', {}, 'Projects'));
  if (projects.length) {
    const rows = projects.map((project) => ({
      id: project.projectId,
      label: project.title,
      href: projectHref(project.projectId),
      pledged: one(project.pledged),
      delivered: one(project.delivered),
    }));
    content.push(chartSection('Projects', rows), projectTable(projects));
  } else {
    content.push(
      h(
        'p',
        { class: 'empty' },
        isSliced(slice) ? `This pair had signed no project of its own ${sliceWords()}.` : 'This pair has signed no project of its own.',
      ),
    );
  }
  if (later > 0) {
    content.push(
      h(
        'p',
        { class: 'later', 'data-later': later },
        `${later} later project${later === 1 ? '' : 's'} of this pair ${later === 1 ? 'is' : 'are'} ` +
          `not shown: not yet signed ${sliceWords()}.`,
      ),
    );
  }
  content.push(byYear, bySector);
  return { title: pairName(summary), trail, content };
}

export async function projectView(projectId, pairsById) {
  const then = await thenOrAbsent(() => api.project(projectId, slice));
  // Not signed yet then: today's detail names it and places it in the breadcrumbs.
  const project = then ?? (await api.project(projectId));
  const trail = trailTo(project.pairId, pairsById);
  trail.push({ label: project.title, href: projectHref(projectId) });
  if (then === null) return absentView(project.title, trail, 'project', `signed ${project.signedOn}`);
  const rows = [
    { id: project.projectId, label: project.title, href: null, pledged: one(project.pledged), delivered: one(project.delivered) },
  ];
  const detail = [
    ['Status', 'status', h('span', { class: `status status-${project.status}` }, project.status)],
    ['Sector', 'sector', project.sector],
    ['Capital', 'capitalKind', project.capitalKind === 'aid' ? 'aid (援疆资金)' : 'enterprise investment'],
    ['Signed', 'signedOn', project.signedOn + (project.occasion ? ` at ${project.occasion}` : '')],
    ['Investor', 'investor', project.investor ?? '—'],
    ['Pledged', 'pledged', moneyLines(one(project.pledged))],
    ['Delivered', 'delivered', moneyLines(one(project.delivered))],
    ['Remaining', 'remaining', moneyLines(one(project.remaining))],
    ['Delivered %', 'deliveredShare', percent(project.delivered.amount, project.pledged.amount)],
    ['Jobs created', 'jobs', project.jobsCreated.toLocaleString('en')],
    ['Revision', 'revision', project.revision],
  ];
  const content = [
    h('h2', {}, project.title),
    h(
      'dl',
      { class: 'detail' },
      detail.map(([label, field, value]) => h('div', { 'data-field': field }, h('dt', {}, label), h('dd', {}, value))),
    ),
    chartSection('Project', rows),
    h('h3', {}, 'Milestones'),
    project.milestones.length
      ? h(
          'ol',
          { class: 'milestones' },
          project.milestones.map((m) => h('li', { 'data-milestone': m.milestone }, `${m.milestone}: ${m.reachedOn}`)),
        )
      : h('p', { class: 'empty' }, 'No milestone reached yet.'),
  ];
  if (project.cancellation) {
    content.push(h('p', { class: 'cancellation' }, `Cancelled on ${project.cancellation.cancelledOn}: ${project.cancellation.reason}`));
  }
  return { title: project.title, trail, content };
}
