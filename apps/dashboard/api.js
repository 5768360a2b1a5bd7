// The dashboard's calls to the ledger's read endpoints, with the operator's API key.

import { fragmentFor, isSliced, readAddress, sliceQuery } from './address.js';

const KEY_ITEM = 'ledger.dashboard.apiKey';

/** The key for this browser tab (sessionStorage: gone when the tab closes). */
export function storedKey() {
  return sessionStorage.getItem(KEY_ITEM);
}

export function storeKey(key) {
  sessionStorage.setItem(KEY_ITEM, key);
}

export function forgetKey() {
  sessionStorage.removeItem(KEY_ITEM);
}

/**
 * Takes a key from the address's fragment (`/dashboard#key=…`), stores it and
 * removes it from the address bar and the history entry, keeping the view and
 * the time slice (`#key=…&view=/pairs/x&asOf=2023-12-31` → `#/pairs/x?asOf=2023-12-31`).
 * A hand-written `#view=…` link without a key is rewritten to the page's own form too.
 */
export function takeKeyFromFragment() {
  const address = readAddress(location.hash);
  if (address.canonical) return false;
  const slice = { asOf: address.asOf, knownAt: address.knownAt };
  const fragment = address.path === '/' && !isSliced(slice) ? '' : fragmentFor(address.path, slice);
  history.replaceState(null, '', location.pathname + location.search + fragment);
  if (address.key) storeKey(address.key);
  return Boolean(address.key);
}

/** A refusal by the API, with its status and the API's error code and message. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }

  /** The key is missing, unknown, or lacks the role: ask for another. */
  get isKeyProblem() {
    return this.status === 401 || this.status === 403;
  }
}

/**
 * The API answers at most AS_OF_MAX_CONCURRENT (2 by default) as-of reads at once and refuses one more with
 * 503 `audit-busy`: the dashboard sends at most two at once, and waits out a refusal (others' reads) a few times.
 */
const SLICED_AT_ONCE = 2;
const BUSY_RETRIES = 3;
let slicedRunning = 0;
const slicedWaiting = [];

async function throttled(run) {
  if (slicedRunning < SLICED_AT_ONCE) slicedRunning++;
  else await new Promise((resolve) => slicedWaiting.push(resolve));
  try {
    return await run();
  } finally {
    // The slot goes straight to the next waiting read, so no new read slips in between.
    const next = slicedWaiting.shift();
    if (next) next();
    else slicedRunning--;
  }
}

/** GET a JSON read endpoint with the stored key; throws ApiError on any refusal. */
export async function getJson(path) {
  if (!/[?&](asOf|knownAt)=/.test(path)) return getJsonOnce(path);
  return throttled(async () => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await getJsonOnce(path);
      } catch (error) {
        if (!(error instanceof ApiError) || error.code !== 'audit-busy' || attempt > BUSY_RETRIES) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.min(error.retryAfterMs ?? 1000, 5000)));
      }
    }
  });
}

async function getJsonOnce(path) {
  const key = storedKey();
  const headers = { accept: 'application/json' };
  if (key) headers.authorization = `Bearer ${key}`;
  let response;
  try {
    response = await fetch(path, { headers, cache: 'no-store' });
  } catch (error) {
    throw new ApiError(0, 'network', `the API did not answer (${error.message})`);
  }
  let body = null;
  try {
    body = await response.json();
  } catch {
    // An error page that is not JSON: described by its status below.
  }
  if (!response.ok) {
    const error = new ApiError(response.status, body?.code ?? `http-${response.status}`, body?.message ?? response.statusText);
    const retryAfter = Number(response.headers.get('retry-after'));
    if (Number.isFinite(retryAfter) && retryAfter > 0) error.retryAfterMs = retryAfter * 1000;
    throw error;
  }
  return body;
}

const enc = encodeURIComponent;

/** A read for a point in time: `?asOf=…&knownAt=…` when the slice has them (only summaries and project details take them). */
function withSlice(path, slice) {
  const query = sliceQuery(slice);
  return query ? `${path}?${query}` : path;
}

export const api = {
  pairs: () => getJson('/partner-pairs').then((body) => body.pairs),
  summary: (pairId, slice = {}) => getJson(withSlice(`/partner-pairs/${enc(pairId)}/summary`, slice)),
  projects: (pairId) => getJson(`/partner-pairs/${enc(pairId)}/projects`).then((body) => body.projects),
  project: (projectId, slice = {}) => getJson(withSlice(`/projects/${enc(projectId)}`, slice)),
  /** Figures by `year` (pledges in the signing year, tranches in the disbursement year), `sector` or `capitalKind`; today only. */
  breakdown: (pairId, by, scope = 'total') =>
    getJson(`/partner-pairs/${enc(pairId)}/breakdown?by=${enc(by)}&scope=${enc(scope)}`).then((body) => body.rows),
};
