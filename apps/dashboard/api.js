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

/** GET a JSON read endpoint with the stored key; throws ApiError on any refusal. */
export async function getJson(path) {
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
    throw new ApiError(response.status, body?.code ?? `http-${response.status}`, body?.message ?? response.statusText);
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
