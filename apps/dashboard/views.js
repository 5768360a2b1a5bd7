// The views: all pairs, one pair (its sub-pairs and projects), one project; each read
// from the API at the page's time slice and returned as { title, trail, content }.

import { api } from './api.js';
import { isSliced } from './address.js';
import { chartSection } from './chart-section.js';
import { h } from './dom.js';
import { moneyLines, one } from './money-cells.js';
import { percent } from './money.js';
import { pairHref, projectHref } from './routes.js';
import { slice, sliceWords, thenOrAbsent } from './slice.js';
import { figureCards, pairName, pairTable, projectTable } from './tables.js';

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

export async function pairsView(pairs) {
  const top = pairs.filter((pair) => pair.parentPairId === null);
  const summaries = await Promise.all(top.map((pair) => thenOrAbsent(() => api.summary(pair.pairId, slice))));
  const entries = top.map((pair, index) => ({ pair, summary: summaries[index] }));
  return {
    title: 'Partner pairs',
    trail: [],
    content: [
      h('h2', {}, 'Partner pairs'),
      h(
        'p',
        { class: 'lede' },
        'Pledged vs delivered capital of each top-level pair, including its sub-pairs. Choose a pair to see its sub-pairs and projects.',
      ),
      chartSection('Partner pairs', summaryRows(summaries)),
      entries.length
        ? pairTable(entries, 'Top-level partner pairs (figures include sub-pairs)')
        : h('p', { class: 'empty' }, 'No partner pair is registered yet.'),
    ],
  };
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
  const [{ projects, later }, subSummaries] = await Promise.all([
    projectsOf(pairId),
    Promise.all(summary.subPairIds.map((id) => thenOrAbsent(() => api.summary(id, slice)))),
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
