// The dashboard's calls to the ledger's read endpoints, with the operator's API key.

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
 * removes it from the address bar and the history entry, keeping any other
 * part of the fragment (`#key=…&view=/pairs/x` → `#/pairs/x`).
 */
export function takeKeyFromFragment() {
  const fragment = location.hash.replace(/^#/, '');
  if (!/(^|&)key=/.test(fragment)) return false;
  // Split by hand: URLSearchParams would turn a '+' in a key into a space.
  const params = new Map(
    fragment.split('&').map((part) => {
      const at = part.indexOf('=');
      const decode = (text) => {
        try {
          return decodeURIComponent(text);
        } catch {
          return text;
        }
      };
      return at < 0 ? [decode(part), ''] : [decode(part.slice(0, at)), decode(part.slice(at + 1))];
    }),
  );
  const key = params.get('key');
  const view = params.get('view');
  history.replaceState(null, '', location.pathname + location.search + (view ? `#${view}` : ''));
  if (key) storeKey(key);
  return Boolean(key);
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

export const api = {
  pairs: () => getJson('/partner-pairs').then((body) => body.pairs),
  summary: (pairId) => getJson(`/partner-pairs/${enc(pairId)}/summary`),
  projects: (pairId) => getJson(`/partner-pairs/${enc(pairId)}/projects`).then((body) => body.projects),
  project: (projectId) => getJson(`/projects/${enc(projectId)}`),
};
