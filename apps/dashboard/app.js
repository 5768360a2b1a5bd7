// The dashboard: pledged vs delivered per partner pair, drilled down from
// top-level pairs to sub-pairs, to a pair's projects, to one project. Plain
// DOM, no framework; every figure comes from the ledger's read endpoints.

import { ApiError, api, forgetKey, storeKey, storedKey, takeKeyFromFragment } from './api.js';
import { fragmentFor, isCalendarDate, isSliced, localToUtc, readAddress, utcToLocal } from './address.js';
import { barChart } from './chart.js';
import { chineseUnits, groupDigits, percent } from './money.js';

const main = document.getElementById('main');
const crumbs = document.getElementById('crumbs');
const keyPanel = document.getElementById('key-panel');
const keyForm = document.getElementById('key-form');
const keyInput = document.getElementById('key-input');
const keyMessage = document.getElementById('key-message');
const toolbar = document.getElementById('toolbar');
const sliceForm = document.getElementById('slice-form');
const asOfInput = document.getElementById('as-of-input');
const knownAtInput = document.getElementById('known-at-input');
const sliceBanner = document.getElementById('slice-banner');
const sliceText = document.getElementById('slice-text');

let chosenCurrency = 'CNY';
let renderCount = 0;
/** The point in time the page shows, from the address: { asOf, knownAt } (null: today, as known now). */
let slice = { asOf: null, knownAt: null };

/** A DOM element: h('td', {class: 'x'}, 'text', child, …). Text is always text, never markup. */
function h(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// Every link keeps the time slice, so drilling down stays at the same point in time.
const homeHref = () => fragmentFor('/', slice);
const pairHref = (pairId) => fragmentFor(`/pairs/${encodeURIComponent(pairId)}`, slice);
const projectHref = (projectId) => fragmentFor(`/projects/${encodeURIComponent(projectId)}`, slice);
const pairName = (pair) => `${pair.donor.name} → ${pair.recipient.name}`;

function route(path) {
  const match = /^\/(pairs|projects)\/([^/]+)$/.exec(path);
  if (!match) return { kind: 'pairs' };
  let id;
  try {
    id = decodeURIComponent(match[2]);
  } catch {
    id = match[2];
  }
  return { kind: match[1] === 'pairs' ? 'pair' : 'project', id };
}

/** "as of 2023-12-31", "as known at 2024-01-01T00:00:00Z", or both. */
function sliceWords() {
  return [slice.asOf ? `as of ${slice.asOf}` : null, slice.knownAt ? `as known at ${slice.knownAt}` : null].filter(Boolean).join(', ');
}

/** A read that may find nothing at the slice's point in time: null for a 404 then (it did not exist yet). */
async function thenOrAbsent(read) {
  try {
    return await read();
  } catch (error) {
    if (isSliced(slice) && error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}

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

// ---- money in cells -------------------------------------------------------

/** One line per currency: the exact amount with grouped digits, and for CNY its 亿/万 form. */
function moneyLines(byCurrency) {
  const currencies = Object.keys(byCurrency).sort();
  if (currencies.length === 0) return [h('span', { class: 'none' }, '—')];
  return currencies.map((currency) =>
    h(
      'span',
      { class: 'money', 'data-currency': currency },
      h('span', { class: 'exact' }, `${currency} ${groupDigits(byCurrency[currency])}`),
      currency === 'CNY' ? h('span', { class: 'units' }, chineseUnits(byCurrency[currency])) : null,
    ),
  );
}

function moneyCell(field, byCurrency) {
  return h('td', { class: 'num', 'data-field': field }, moneyLines(byCurrency));
}

function percentCell(pledged, delivered) {
  const currencies = Object.keys(pledged).sort();
  const lines = currencies.map((currency) => h('span', { class: 'money' }, percent(delivered[currency] ?? '0', pledged[currency])));
  return h('td', { class: 'num', 'data-field': 'deliveredShare' }, lines.length ? lines : '—');
}

const one = (money) => ({ [money.currency]: money.amount });

// ---- charts ---------------------------------------------------------------

/**
 * A chart section over rows [{id, label, href, pledged: {CUR: amount}, delivered: {…}}]:
 * one currency at a time (currencies are never added together), chosen when there are several.
 */
function chartSection(title, rows) {
  const currencies = [...new Set(rows.flatMap((row) => [...Object.keys(row.pledged), ...Object.keys(row.delivered)]))].sort();
  const section = h('section', { class: 'chart-section' });
  if (currencies.length === 0) {
    section.append(h('p', { class: 'empty' }, 'Nothing pledged or delivered yet.'));
    return section;
  }
  const draw = (currency) => {
    const chartRows = rows.map((row) => ({
      id: row.id,
      label: row.label,
      href: row.href,
      pledged: row.pledged[currency] ?? null,
      delivered: row.delivered[currency] ?? null,
    }));
    return barChart(chartRows, currency, `${title}: pledged vs delivered, ${currency}`);
  };
  const current = currencies.includes(chosenCurrency) ? chosenCurrency : currencies[0];
  const holder = h('div', { class: 'chart-holder' }, draw(current));
  const legend = h(
    'div',
    { class: 'legend' },
    h('span', { class: 'swatch swatch-pledged' }),
    'pledged',
    h('span', { class: 'swatch swatch-delivered' }),
    'delivered',
  );
  if (currencies.length > 1) {
    const select = h(
      'select',
      {
        class: 'currency-select',
        'aria-label': 'currency',
        onchange: (event) => {
          chosenCurrency = event.target.value;
          holder.replaceChildren(draw(chosenCurrency));
        },
      },
      currencies.map((currency) => h('option', { value: currency, selected: currency === current }, currency)),
    );
    legend.append(h('label', { class: 'currency' }, 'currency ', select));
  } else {
    legend.append(h('span', { class: 'currency' }, current));
  }
  section.append(legend, holder);
  return section;
}

// ---- tables ---------------------------------------------------------------

/** A row for a pair that did not exist at the slice's point in time (its summary was a 404). */
function absentPairRow(pair) {
  return h(
    'tr',
    { 'data-id': pair.pairId, 'data-absent': true, class: 'absent' },
    h('th', { scope: 'row', 'data-field': 'pair' }, pairName(pair)),
    h('td', { 'data-field': 'programme' }, pair.programme),
    h('td', { colspan: 6, 'data-field': 'absent' }, `did not exist ${sliceWords()}`, pair.establishedOn ? ` (established ${pair.establishedOn})` : ''),
  );
}

/** entries: [{pair (from the pair list), summary (null: it did not exist then)}]. */
function pairTable(entries, caption) {
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
        ['Pair', 'Programme', 'Sub-pairs', 'Pledged', 'Delivered', 'Delivered %', 'Jobs', 'Projects (active / completed / cancelled)'].map((label) => h('th', { scope: 'col' }, label)),
      ),
    ),
    h(
      'tbody',
      {},
      entries.map(({ pair: listed, summary: pair }) =>
        pair === null ? absentPairRow(listed) : h(
          'tr',
          { 'data-id': pair.pairId },
          h('th', { scope: 'row', 'data-field': 'pair' }, h('a', { href: pairHref(pair.pairId) }, pairName(pair))),
          h('td', { 'data-field': 'programme' }, pair.programme),
          h('td', { class: 'num', 'data-field': 'subPairs' }, pair.subPairIds.length),
          moneyCell('pledged', pair.total.pledged),
          moneyCell('delivered', pair.total.delivered),
          percentCell(pair.total.pledged, pair.total.delivered),
          h('td', { class: 'num', 'data-field': 'jobs' }, pair.total.jobsCreated.toLocaleString('en')),
          h('td', { class: 'num', 'data-field': 'projects' }, `${pair.total.projects.active} / ${pair.total.projects.completed} / ${pair.total.projects.cancelled}`),
        ),
      ),
    ),
  );
}

function projectTable(projects) {
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
        ['Project', 'Sector', 'Capital', 'Status', 'Signed', 'Pledged', 'Delivered', 'Remaining', 'Delivered %', 'Jobs'].map((label) => h('th', { scope: 'col' }, label)),
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
          h('td', { 'data-field': 'sector' }, project.sector),
          h('td', { 'data-field': 'capitalKind' }, project.capitalKind),
          h('td', { 'data-field': 'status' }, h('span', { class: `status status-${project.status}` }, project.status)),
          h('td', { 'data-field': 'signedOn' }, project.signedOn),
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

function figureCards(cards) {
  return h(
    'dl',
    { class: 'cards' },
    cards.map(([label, field, value]) => h('div', { class: 'card', 'data-field': field }, h('dt', {}, label), h('dd', {}, value))),
  );
}

// ---- views ----------------------------------------------------------------

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
  return summaries.filter((pair) => pair !== null).map((pair) => ({ id: pair.pairId, label: pairName(pair), href: pairHref(pair.pairId), pledged: pair.total.pledged, delivered: pair.total.delivered }));
}

async function pairsView(pairs) {
  const top = pairs.filter((pair) => pair.parentPairId === null);
  const summaries = await Promise.all(top.map((pair) => thenOrAbsent(() => api.summary(pair.pairId, slice))));
  const entries = top.map((pair, index) => ({ pair, summary: summaries[index] }));
  return {
    title: 'Partner pairs',
    trail: [],
    content: [
      h('h2', {}, 'Partner pairs'),
      h('p', { class: 'lede' }, 'Pledged vs delivered capital of each top-level pair, including its sub-pairs. Choose a pair to see its sub-pairs and projects.'),
      chartSection('Partner pairs', summaryRows(summaries)),
      entries.length ? pairTable(entries, 'Top-level partner pairs (figures include sub-pairs)') : h('p', { class: 'empty' }, 'No partner pair is registered yet.'),
    ],
  };
}

/** A pair or project that did not exist at the slice's point in time: said so, not shown as an error. */
function absentView(title, trail, what, since) {
  return {
    title,
    trail,
    content: [h('h2', {}, title), h('p', { class: 'absent', 'data-absent': what }, `This ${what} did not exist ${sliceWords()}`, since ? ` (${since}).` : '.')],
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

async function pairView(pairId, pairsById) {
  const summary = await thenOrAbsent(() => api.summary(pairId, slice));
  const trail = trailTo(pairId, pairsById);
  if (summary === null) {
    const listed = pairsById.get(pairId);
    return absentView(listed ? pairName(listed) : pairId, trail, 'pair', listed?.establishedOn ? `established ${listed.establishedOn}` : null);
  }
  const [{ projects, later }, subSummaries] = await Promise.all([
    projectsOf(pairId),
    Promise.all(summary.subPairIds.map((id) => thenOrAbsent(() => api.summary(id, slice)))),
  ]);
  const subEntries = summary.subPairIds.map((id, index) => ({ pair: pairsById.get(id) ?? { pairId: id, donor: { name: id }, recipient: { name: '?' }, programme: '' }, summary: subSummaries[index] }));
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
    content.push(h('h3', {}, 'Sub-pairs'), chartSection('Sub-pairs', summaryRows(subSummaries)), pairTable(subEntries, 'Sub-pairs (figures include their own sub-pairs)'));
  }
  content.push(h('h3', {}, 'Projects'));
  if (projects.length) {
    const rows = projects.map((project) => ({ id: project.projectId, label: project.title, href: projectHref(project.projectId), pledged: one(project.pledged), delivered: one(project.delivered) }));
    content.push(chartSection('Projects', rows), projectTable(projects));
  } else {
    content.push(h('p', { class: 'empty' }, isSliced(slice) ? `This pair had signed no project of its own ${sliceWords()}.` : 'This pair has signed no project of its own.'));
  }
  if (later > 0) {
    content.push(h('p', { class: 'later', 'data-later': later }, `${later} later project${later === 1 ? '' : 's'} of this pair ${later === 1 ? 'is' : 'are'} not shown: not yet signed ${sliceWords()}.`));
  }
  return { title: pairName(summary), trail, content };
}

async function projectView(projectId, pairsById) {
  const then = await thenOrAbsent(() => api.project(projectId, slice));
  // Not signed yet then: today's detail names it and places it in the breadcrumbs.
  const project = then ?? (await api.project(projectId));
  const trail = trailTo(project.pairId, pairsById);
  trail.push({ label: project.title, href: projectHref(projectId) });
  if (then === null) return absentView(project.title, trail, 'project', `signed ${project.signedOn}`);
  const rows = [{ id: project.projectId, label: project.title, href: null, pledged: one(project.pledged), delivered: one(project.delivered) }];
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
    h('dl', { class: 'detail' }, detail.map(([label, field, value]) => h('div', { 'data-field': field }, h('dt', {}, label), h('dd', {}, value)))),
    chartSection('Project', rows),
    h('h3', {}, 'Milestones'),
    project.milestones.length
      ? h('ol', { class: 'milestones' }, project.milestones.map((m) => h('li', { 'data-milestone': m.milestone }, `${m.milestone}: ${m.reachedOn}`)))
      : h('p', { class: 'empty' }, 'No milestone reached yet.'),
  ];
  if (project.cancellation) {
    content.push(h('p', { class: 'cancellation' }, `Cancelled on ${project.cancellation.cancelledOn}: ${project.cancellation.reason}`));
  }
  return { title: project.title, trail, content };
}

// ---- key handling and rendering ------------------------------------------

function showKeyForm(message) {
  keyPanel.hidden = false;
  toolbar.hidden = true;
  sliceBanner.hidden = true;
  main.hidden = true;
  crumbs.replaceChildren();
  keyMessage.textContent = message ?? '';
  keyMessage.hidden = !message;
  keyInput.value = '';
  keyInput.focus();
}

function keyProblemMessage(error) {
  if (error.status === 401) {
    return `The API did not accept this key (401 Unauthorized: ${error.message}). Check it and enter it again.`;
  }
  return `This key may not read these figures (403 Forbidden: ${error.message}). Enter a key with the reader, operator or auditor role.`;
}

function showCrumbs(trail) {
  const items = [{ label: 'All pairs', href: homeHref() }, ...trail];
  crumbs.replaceChildren(
    ...items.map((item, index) =>
      h('li', {}, index === items.length - 1 ? h('span', { 'aria-current': 'page' }, item.label) : h('a', { href: item.href }, item.label)),
    ),
  );
}

/** The as-of control and the banner show the address's time slice. */
function showSlice() {
  // A date the input cannot hold (the API will refuse it, and the page says so) leaves it empty.
  asOfInput.value = isCalendarDate(slice.asOf) ? slice.asOf : '';
  knownAtInput.value = utcToLocal(slice.knownAt);
  sliceBanner.hidden = !isSliced(slice);
  sliceText.textContent = isSliced(slice) ? `Figures ${sliceWords()}` : '';
  main.dataset.asOf = slice.asOf ?? '';
  main.dataset.knownAt = slice.knownAt ?? '';
}

/** Shows the same view at another point in time (or today's, with an empty slice): a new history entry. */
function goToSlice(next) {
  const address = readAddress(location.hash);
  const fragment = fragmentFor(address.path, next);
  if (fragment === location.hash) void render(); // no hashchange for the same address
  else location.hash = fragment;
}

async function render() {
  if (!storedKey()) {
    showKeyForm();
    return;
  }
  const current = ++renderCount;
  const address = readAddress(location.hash);
  slice = { asOf: address.asOf, knownAt: address.knownAt };
  keyPanel.hidden = true;
  toolbar.hidden = false;
  main.hidden = false;
  main.setAttribute('aria-busy', 'true');
  main.dataset.state = 'loading';
  showSlice();
  const view = route(address.path);
  try {
    const pairs = await api.pairs();
    const pairsById = new Map(pairs.map((pair) => [pair.pairId, pair]));
    const result =
      view.kind === 'pair' ? await pairView(view.id, pairsById) : view.kind === 'project' ? await projectView(view.id, pairsById) : await pairsView(pairs);
    if (current !== renderCount) return; // a newer navigation took over
    showCrumbs(result.trail);
    main.replaceChildren(...result.content);
    document.title = `${result.title} · Commitment ledger`;
    main.dataset.view = view.kind;
    main.dataset.id = view.id ?? '';
    main.dataset.state = 'ready';
  } catch (error) {
    if (current !== renderCount) return;
    if (error instanceof ApiError && error.isKeyProblem) {
      forgetKey();
      showKeyForm(keyProblemMessage(error));
      return;
    }
    const message = error instanceof ApiError ? `${error.message} (${error.status || 'no answer'} ${error.code})` : String(error?.message ?? error);
    crumbs.replaceChildren();
    showCrumbs([]);
    main.replaceChildren(h('div', { class: 'error', role: 'alert' }, h('h2', {}, 'Could not load this view'), h('p', {}, message), h('p', {}, h('a', { href: homeHref() }, 'Back to all pairs'))));
    main.dataset.view = view.kind;
    main.dataset.state = 'error';
  } finally {
    if (current === renderCount) main.removeAttribute('aria-busy');
  }
}

keyForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const key = keyInput.value.trim();
  if (!key) {
    keyMessage.textContent = 'Enter an API key.';
    keyMessage.hidden = false;
    return;
  }
  storeKey(key);
  void render();
});

document.getElementById('refresh').addEventListener('click', () => void render());
sliceForm.addEventListener('submit', (event) => {
  event.preventDefault();
  goToSlice({ asOf: asOfInput.value || null, knownAt: localToUtc(knownAtInput.value) });
});
document.getElementById('slice-clear').addEventListener('click', () => goToSlice({ asOf: null, knownAt: null }));
document.getElementById('forget-key').addEventListener('click', () => {
  forgetKey();
  showKeyForm('The key was forgotten in this tab.');
});
window.addEventListener('hashchange', () => {
  // A key pasted into the address of an open dashboard is taken (and removed) too.
  takeKeyFromFragment();
  void render();
});

takeKeyFromFragment();
void render();
