import { readFileSync, readdirSync } from 'node:fs';
import { once } from 'node:events';
import { ledgerPerSuite, tempDataDir } from '../support/ledger-harness.js';
import { startServerProcess } from '../support/processes.js';

/** How the API serves the dashboard's files: types, caching, CSP, refusals; from the sources and from dist/. */

const source = (name: string) => readFileSync(new URL(`../../apps/dashboard/${name}`, import.meta.url));
const ASSETS = readdirSync(new URL('../../apps/dashboard/', import.meta.url)).filter((name) => name !== 'index.html');

describe('the dashboard files over HTTP', () => {
  const ledger = ledgerPerSuite();

  it('serves the page publicly as HTML, with a strict CSP, no-cache and an ETag', async () => {
    const page = await ledger().get('/dashboard');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.body).toBe(source('index.html').toString('utf8'));
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(page.headers.get('etag')).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
  });

  it('answers 304 to a matching If-None-Match, and the full page to a stale one', async () => {
    const etag = (await ledger().get('/dashboard')).headers.get('etag')!;
    const again = await ledger().get('/dashboard', { 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(again.body).toBe('');
    expect((await ledger().get('/dashboard', { 'if-none-match': `"stale", W/${etag}` })).status).toBe(304);
    expect((await ledger().get('/dashboard', { 'if-none-match': '"stale"' })).status).toBe(200);
  });

  it('serves every file the page and its modules load, each with its own type', async () => {
    const html = source('index.html').toString('utf8');
    const referenced = [...html.matchAll(/(?:src|href)="\/dashboard\/assets\/([^"]+)"/g)].map((m) => m[1]);
    for (const name of ASSETS.filter((file) => file.endsWith('.js'))) {
      for (const m of source(name)
        .toString('utf8')
        .matchAll(/from '\.\/([^']+)'/g))
        referenced.push(m[1]);
    }
    expect(new Set(referenced)).toEqual(new Set(ASSETS));
    const types: Record<string, string> = { js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8', svg: 'image/svg+xml' };
    for (const name of ASSETS) {
      const reply = await ledger().get(`/dashboard/assets/${name}`);
      expect({ name, status: reply.status, type: reply.headers.get('content-type') }).toEqual({
        name,
        status: 200,
        type: types[name.split('.').pop()!],
      });
      expect(reply.headers.get('etag')).toMatch(/^"/);
      expect(reply.headers.get('content-security-policy')).toContain("default-src 'none'");
      const etag = reply.headers.get('etag')!;
      expect((await ledger().get(`/dashboard/assets/${name}`, { 'if-none-match': etag })).status).toBe(304);
    }
  });

  it('has no inline script, style or event handler for the CSP to refuse, and builds no markup from strings', () => {
    const html = source('index.html').toString('utf8');
    for (const tag of html.match(/<script\b[^>]*>/g) ?? []) expect(tag).toMatch(/\bsrc="/);
    expect(html).not.toMatch(/<script\b[^>]*>\s*[^<\s]/);
    expect(html).not.toMatch(/<style\b|\sstyle="|\son[a-z]+=/i);
    for (const name of ASSETS.filter((file) => file.endsWith('.js'))) {
      expect({
        name,
        unsafe: /innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function|setAttribute\('style'/.test(
          source(name).toString('utf8'),
        ),
      }).toEqual({
        name,
        unsafe: false,
      });
    }
  });

  it.each([
    ['an unknown file', '/dashboard/assets/nope.js', 404],
    ['a path out of the folder', '/dashboard/assets/..%2F..%2Fpackage.json', 404],
    ['a source file', '/dashboard/assets/dashboard-assets.ts', 404],
    ['the page under the assets path', '/dashboard/assets/index.html', 404],
    ['a hidden file', '/dashboard/assets/.app.js', 404],
    ['a name with an extra dot', '/dashboard/assets/app.min.js', 404],
  ])('refuses %s with a 404 in the ledger error shape', async (_what, path, status) => {
    const reply = await ledger().get(path);
    expect(reply.status).toBe(status);
    expect(reply.body).toMatchObject({ statusCode: 404, code: 'asset-not-found' });
  });

  it('answers HEAD like GET without a body', async () => {
    const reply = await ledger().send('HEAD', '/dashboard/assets/app.js');
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(reply.body).toBe('');
  });
});

describe('the dashboard from the build', () => {
  it('is served by the built server in dist/ from the same files', async () => {
    const server = await startServerProcess(tempDataDir());
    try {
      for (const [path, file] of [
        ['/dashboard', 'index.html'],
        ['/dashboard/assets/app.js', 'app.js'],
        ['/dashboard/assets/chart.js', 'chart.js'],
      ]) {
        const response = await fetch(server.url + path);
        expect(response.status).toBe(200);
        expect(Buffer.from(await response.arrayBuffer()).equals(source(file))).toBe(true);
      }
    } finally {
      server.child.kill('SIGTERM');
      if (server.child.exitCode === null) await once(server.child, 'exit');
    }
  });
});
