// The dashboard's address: which view, and which time slice, all in the URL's
// fragment so a view can be shared. Two forms are read:
//   #/pairs/x?asOf=2023-12-31&knownAt=2024-01-01T00:00:00Z   (what the page writes)
//   #view=/pairs/x&asOf=2023-12-31                            (hand-written links; also with key=…)
// The key is never written back into the address.

function decode(text) {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** `a=1&b=2` → Map, split by hand: URLSearchParams would turn a '+' (in a key or an offset) into a space. */
function readParams(text) {
  const params = new Map();
  for (const part of text.split('&')) {
    if (!part) continue;
    const at = part.indexOf('=');
    const [name, value] = at < 0 ? [decode(part), ''] : [decode(part.slice(0, at)), decode(part.slice(at + 1))];
    if (!params.has(name)) params.set(name, value);
  }
  return params;
}

/**
 * { path, asOf, knownAt, key } from a fragment. `path` stays URL-encoded
 * (`/pairs/a%2Fb`), as the page's own links write it; asOf and knownAt are
 * null when absent or empty.
 */
export function readAddress(hash) {
  const fragment = hash.replace(/^#/, '');
  let path;
  let params;
  if (fragment === '' || fragment.startsWith('/')) {
    const query = fragment.indexOf('?');
    path = query < 0 ? fragment : fragment.slice(0, query);
    params = readParams(query < 0 ? '' : fragment.slice(query + 1));
  } else {
    params = readParams(fragment);
    const view = params.get('view') ?? '/';
    const query = view.indexOf('?');
    path = query < 0 ? view : view.slice(0, query);
    if (query >= 0) for (const [name, value] of readParams(view.slice(query + 1))) if (!params.has(name)) params.set(name, value);
  }
  return {
    path: path || '/',
    asOf: params.get('asOf') || null,
    knownAt: params.get('knownAt') || null,
    key: params.has('key') ? params.get('key') : null,
    canonical: fragment === '' || fragment.startsWith('/'),
  };
}

// ':' may stay as it is in a fragment and reads better in a timestamp.
const encodeValue = (value) => encodeURIComponent(value).replace(/%3A/gi, ':');

/** The query string for the API and the fragment alike: `asOf=…&knownAt=…`, or ''. */
export function sliceQuery({ asOf, knownAt }) {
  return [asOf ? `asOf=${encodeValue(asOf)}` : null, knownAt ? `knownAt=${encodeValue(knownAt)}` : null].filter(Boolean).join('&');
}

/** The fragment the page writes for a view and a slice: `#/pairs/x?asOf=…`. */
export function fragmentFor(path, slice) {
  const query = sliceQuery(slice);
  return `#${path}${query ? `?${query}` : ''}`;
}

/** Whether a slice asks for another point in time than now. */
export const isSliced = (slice) => Boolean(slice.asOf || slice.knownAt);

/** Whether a text is a real date written YYYY-MM-DD (what a date input can hold). */
export function isCalendarDate(text) {
  if (!/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(text ?? '')) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === text;
}

const pad = (number) => String(number).padStart(2, '0');

/** A `datetime-local` value (the browser's local time) → an ISO timestamp in UTC, `…Z`; null if it is not one. */
export function localToUtc(value) {
  if (!value) return null;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return null;
  return date.toISOString().replace(/\.000Z$/, 'Z');
}

/** An ISO timestamp with an offset → a `datetime-local` value in the browser's local time; '' if unreadable. */
export function utcToLocal(timestamp) {
  if (!timestamp) return '';
  const date = new Date(timestamp);
  if (Number.isNaN(date.getTime())) return '';
  const day = `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
  return `${day}T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}
