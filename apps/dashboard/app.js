// The dashboard: pledged vs delivered per partner pair, drilled down from
// top-level pairs to sub-pairs, to a pair's projects, to one project. Plain
// DOM, no framework; every figure comes from the ledger's read endpoints.
// This module is the page itself: the key form, the time-slice controls, the
// breadcrumbs, and rendering the view the address names (views.js).

import { ApiError, api, forgetKey, storeKey, storedKey, takeKeyFromFragment } from './api.js';
import { fragmentFor, isCalendarDate, isSliced, localToUtc, readAddress, utcToLocal } from './address.js';
import { h } from './dom.js';
import { homeHref, route } from './routes.js';
import { setSlice, slice, sliceWords } from './slice.js';
import { pairView, pairsView, projectView } from './views.js';

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

let renderCount = 0;

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
  if (fragment === location.hash)
    void render(); // no hashchange for the same address
  else location.hash = fragment;
}

async function render() {
  if (!storedKey()) {
    showKeyForm();
    return;
  }
  const current = ++renderCount;
  const address = readAddress(location.hash);
  setSlice({ asOf: address.asOf, knownAt: address.knownAt });
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
      view.kind === 'pair'
        ? await pairView(view.id, pairsById)
        : view.kind === 'project'
          ? await projectView(view.id, pairsById)
          : await pairsView(pairs);
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
    const message =
      error instanceof ApiError ? `${error.message} (${error.status || 'no answer'} ${error.code})` : String(error?.message ?? error);
    crumbs.replaceChildren();
    showCrumbs([]);
    main.replaceChildren(
      h(
        'div',
        { class: 'error', role: 'alert' },
        h('h2', {}, 'Could not load this view'),
        h('p', {}, message),
        h('p', {}, h('a', { href: homeHref() }, 'Back to all pairs')),
      ),
    );
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
