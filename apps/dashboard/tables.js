// The tables of figures: partner pairs (with what did not exist yet), a pair's projects, the figure cards.

import { h } from './dom.js';
import { moneyCell, one, percentCell } from './money-cells.js';
import { pairHref, projectHref } from './routes.js';
import { isSliced } from './address.js';
import { slice, sliceWords } from './slice.js';

export const pairName = (pair) => `${pair.donor.name} → ${pair.recipient.name}`;

/** A row for a pair that did not exist at the slice's point in time (its summary was a 404). */
function absentPairRow(pair, depth) {
  return h(
    'tr',
    { 'data-id': pair.pairId, 'data-absent': true, class: `absent depth-${Math.min(depth, 3)}` },
    h('th', { scope: 'row', 'data-field': 'pair' }, pairName(pair)),
    h('td', { 'data-field': 'programme' }, pair.programme),
    h(
      'td',
      { colspan: 6, 'data-field': 'absent' },
      `did not exist ${sliceWords()}`,
      pair.establishedOn ? ` (established ${pair.establishedOn})` : '',
    ),
  );
}

/**
 * entries: [{pair (from the pair list), summary (null: it did not exist then), depth?}]; a sub-pair listed
 * under its parent has depth 1 (2 under a sub-pair…), and is indented.
 */
export function pairTable(entries, caption) {
  return h(
    'table',
    { class: 'figures pairs-table' },
    h('caption', {}, caption),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['Pair', 'Programme', 'Sub-pairs', 'Pledged', 'Delivered', 'Delivered %', 'Jobs', 'Projects (active / completed / cancelled)'].map(
          (label) => h('th', { scope: 'col' }, label),
        ),
      ),
    ),
    h(
      'tbody',
      {},
      entries.map(({ pair: listed, summary: pair, depth = 0 }) =>
        pair === null
          ? absentPairRow(listed, depth)
          : h(
              'tr',
              { 'data-id': pair.pairId, class: `depth-${Math.min(depth, 3)}`, 'data-parent': pair.parentPairId ?? undefined },
              h('th', { scope: 'row', 'data-field': 'pair' }, h('a', { href: pairHref(pair.pairId) }, pairName(pair))),
              h('td', { 'data-field': 'programme' }, pair.programme),
              h('td', { class: 'num', 'data-field': 'subPairs' }, pair.subPairIds.length),
              moneyCell('pledged', pair.total.pledged),
              moneyCell('delivered', pair.total.delivered),
              percentCell(pair.total.pledged, pair.total.delivered),
              h('td', { class: 'num', 'data-field': 'jobs' }, pair.total.jobsCreated.toLocaleString('en')),
              h(
                'td',
                { class: 'num', 'data-field': 'projects' },
                `${pair.total.projects.active} / ${pair.total.projects.completed} / ${pair.total.projects.cancelled}`,
              ),
            ),
      ),
    ),
  );
}

/** A pair's projects; on a narrow window the table scrolls sideways in its box rather than widening the page. */
export function projectTable(projects) {
  return h('div', { class: 'table-scroll' }, projectsTable(projects));
}

function projectsTable(projects) {
  return h(
    'table',
    { class: 'figures projects-table' },
    h('caption', {}, isSliced(slice) ? `Projects signed by this pair itself, ${sliceWords()}` : 'Projects signed by this pair itself'),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['Project', 'Sector, capital', 'Status', 'Signed, milestones', 'Pledged', 'Delivered', 'Remaining', 'Delivered %', 'Jobs'].map(
          (label) => h('th', { scope: 'col' }, label),
        ),
      ),
    ),
    h(
      'tbody',
      {},
      projects.map((project) =>
        h(
          'tr',
          { 'data-id': project.projectId },
          h('th', { scope: 'row', 'data-field': 'project' }, h('a', { href: projectHref(project.projectId) }, project.title)),
          h(
            'td',
            { class: 'kind' },
            h('span', { 'data-field': 'sector' }, project.sector),
            h('span', { 'data-field': 'capitalKind' }, project.capitalKind === 'aid' ? 'aid (援疆资金)' : project.capitalKind),
          ),
          h('td', { 'data-field': 'status' }, h('span', { class: `status status-${project.status}` }, project.status)),
          h(
            'td',
            { class: 'dates' },
            h('span', { 'data-field': 'signedOn' }, `signed ${project.signedOn}`),
            h('div', { 'data-field': 'milestones' }, milestoneList(project.milestones)),
          ),
          moneyCell('pledged', one(project.pledged)),
          moneyCell('delivered', one(project.delivered)),
          moneyCell('remaining', one(project.remaining)),
          percentCell(one(project.pledged), one(project.delivered)),
          h('td', { class: 'num', 'data-field': 'jobs' }, project.jobsCreated.toLocaleString('en')),
        ),
      ),
    ),
  );
}

/** A project's milestones, each with its date (落地 landed, 开工 construction started, 投产 in production, completed). */
function milestoneList(milestones) {
  if (milestones.length === 0) return h('span', { class: 'none' }, 'no milestone yet');
  return h(
    'ul',
    { class: 'milestone-list' },
    milestones.map((m) => h('li', { 'data-milestone': m.milestone }, `${m.milestone} ${m.reachedOn}`)),
  );
}

/**
 * Breakdown rows [{key, pledged, delivered, jobsCreated}] as a table: pledged and delivered side by side, with
 * the delivered share. `keyLabel` names the key column (Year, Sector).
 */
export function breakdownTable(rows, keyLabel, caption, dimension) {
  return h(
    'table',
    { class: 'figures breakdown-table', 'data-by': dimension },
    h('caption', {}, caption),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        [keyLabel, 'Pledged', 'Delivered', 'Delivered %', 'Jobs'].map((label) => h('th', { scope: 'col' }, label)),
      ),
    ),
    h(
      'tbody',
      {},
      rows.map((row) =>
        h(
          'tr',
          { 'data-key': row.key },
          h('th', { scope: 'row', 'data-field': 'key' }, row.key),
          moneyCell('pledged', row.pledged),
          moneyCell('delivered', row.delivered),
          percentCell(row.pledged, row.delivered),
          h('td', { class: 'num', 'data-field': 'jobs' }, row.jobsCreated.toLocaleString('en')),
        ),
      ),
    ),
  );
}

export function figureCards(cards) {
  return h(
    'dl',
    { class: 'cards' },
    cards.map(([label, field, value]) => h('div', { class: 'card', 'data-field': field }, h('dt', {}, label), h('dd', {}, value))),
  );
}
