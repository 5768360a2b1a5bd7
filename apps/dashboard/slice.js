// The point in time the page shows (its time slice), as the address names it,
// and how a read at that point treats what did not exist yet.

import { ApiError } from './api.js';
import { isSliced } from './address.js';

/** The point in time the page shows, from the address: { asOf, knownAt } (null: today, as known now). */
export let slice = { asOf: null, knownAt: null };

/** Shows another point in time: called on every render, from the address. */
export function setSlice(next) {
  slice = next;
}

/** "as of 2023-12-31", "as known at 2024-01-01T00:00:00Z", or both. */
export function sliceWords() {
  return [slice.asOf ? `as of ${slice.asOf}` : null, slice.knownAt ? `as known at ${slice.knownAt}` : null].filter(Boolean).join(', ');
}

/** A read that may find nothing at the slice's point in time: null for a 404 then (it did not exist yet). */
export async function thenOrAbsent(read) {
  try {
    return await read();
  } catch (error) {
    if (isSliced(slice) && error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}
