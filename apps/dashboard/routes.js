// Where each view lives in the address, and the links to them.

import { fragmentFor } from './address.js';
import { slice } from './slice.js';

// Every link keeps the time slice, so drilling down stays at the same point in time.
export const homeHref = () => fragmentFor('/', slice);
export const pairHref = (pairId) => fragmentFor(`/pairs/${encodeURIComponent(pairId)}`, slice);
export const projectHref = (projectId) => fragmentFor(`/projects/${encodeURIComponent(projectId)}`, slice);

export function route(path) {
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
