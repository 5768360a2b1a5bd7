import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One file of the dashboard, held in memory with its validator. */
export interface DashboardAsset {
  readonly name: string;
  readonly body: Buffer;
  readonly contentType: string;
  readonly etag: string;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** What an asset name may look like: no slashes, no dots but the extension's, so never a path. */
export const ASSET_NAME = /^[a-z0-9][a-z0-9-]{0,63}\.(html|js|css|svg)$/;

/**
 * The dashboard app's folder, `apps/dashboard/`, found by walking up from this module:
 * apps/api/src/dashboard/ when jest runs the sources, dist/apps/api/src/dashboard/
 * after the build (tsc does not copy non-TypeScript files, so the assets stay where they are).
 */
export function dashboardDir(from = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'apps', 'dashboard');
    if (existsSync(join(candidate, 'index.html'))) return candidate;
    if (dirname(dir) === dir) throw new Error(`the dashboard's files (apps/dashboard/index.html) were not found above ${from}`);
  }
}

/**
 * Reads every asset once, at start-up: requests never touch the file system,
 * so no request path can name a file outside the set.
 */
export function loadDashboardAssets(dir = dashboardDir()): ReadonlyMap<string, DashboardAsset> {
  const assets = new Map<string, DashboardAsset>();
  for (const name of readdirSync(dir).sort()) {
    if (!ASSET_NAME.test(name)) continue;
    const body = readFileSync(join(dir, name));
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
    assets.set(name, { name, body, contentType: CONTENT_TYPES[extname(name)], etag });
  }
  if (!assets.has('index.html')) throw new Error(`${dir} has no index.html`);
  return assets;
}

/**
 * The page runs only its own files: no inline script or style, no other
 * origin, no framing, no form posts (the key form is handled by script).
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
