import { request as httpRequest } from 'node:http';
import { API_CSP, DOCS_CSP } from '#api/http/security-headers';
import { pairBody, projectBody } from '../support/fixtures.js';
import { type LedgerUnderTest, ledgerPerSuite } from '../support/ledger-harness.js';

type Headers = Record<string, string | undefined>;

/** A GET over a real socket from a chosen loopback address (127.0.0.0/8 is all loopback on Linux), with the answer's headers. */
function getFrom(localAddress: string, url: string, headers: Record<string, string>): Promise<{ status: number; headers: Headers }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { localAddress, headers, agent: false }, (response) => {
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers as Headers }));
    });
    request.on('error', reject);
    request.end();
  });
}

const fromFetch = (headers: globalThis.Headers): Headers => Object.fromEntries(headers.entries());

/** What every answer carries, whatever made it: a browser neither sniffs it into something else nor frames it. */
function expectProtected(what: string, headers: Headers): void {
  expect([what, headers['x-content-type-options']]).toEqual([what, 'nosniff']);
  expect([what, headers['content-security-policy']]).toEqual([what, expect.stringContaining("frame-ancestors 'none'")]);
  expect([what, headers['x-frame-options']]).toEqual([what, 'DENY']);
}

describe('security headers on every answer (helmet)', () => {
  // A budget of 2: the 401 below uses one of 127.0.0.1's; the 429 is made at an address of its own.
  const ledger = ledgerPerSuite({ AUTH_FAILURE_LIMIT: '2' });
  let api: LedgerUnderTest;
  let base = '';
  let position = 0;
  beforeAll(async () => {
    api = ledger();
    base = api.url.replace('[::1]', '127.0.0.1');
    const written = await api.post('/partner-pairs', pairBody('headers-pair'));
    expect(written.status).toBe(201);
    expectProtected('POST /partner-pairs 201', fromFetch(written.headers));
    const signed = await api.post('/projects', projectBody('headers-project', 'headers-pair', '100.00'));
    expect(signed.status).toBe(201);
    position = signed.body.position;
  });

  it("gives JSON, CSV, JSON Lines, XML and Prometheus answers the API's policy: nothing loads, runs or frames", async () => {
    for (const [path, type] of [
      [`/partner-pairs/headers-pair/summary?minPosition=${position}`, 'application/json'],
      ['/audit/events', 'application/x-ndjson'],
      ['/audit/events?format=csv', 'text/csv'],
      [`/partner-pairs/headers-pair/iati?minPosition=${position}`, 'xml'],
      ['/metrics', 'text/plain'],
      ['/health/ready', 'application/json'],
      ['/docs/openapi.json', 'application/json'],
    ]) {
      const reply = await api.get(path);
      expect([path, reply.status]).toEqual([path, 200]);
      const headers = fromFetch(reply.headers);
      expect([path, headers['content-type']]).toEqual([path, expect.stringContaining(type)]);
      expectProtected(path, headers);
      if (!path.startsWith('/docs')) expect([path, headers['content-security-policy']]).toEqual([path, API_CSP]);
      // No HSTS unless configured: the API speaks plain HTTP, TLS (if any) ends in front of it.
      expect([path, headers['strict-transport-security']]).toEqual([path, undefined]);
    }
  });

  it('gives every kind of refusal the same headers: guard, validation, router, hooks, the HTTP parser, the failure budget', async () => {
    const refusals: Array<[string, () => Promise<{ status: number; headers: Headers }>, number]> = [
      ['401 no key', async () => answer(await api.get('/partner-pairs/headers-pair/summary', { authorization: '' })), 401],
      ['400 invalid body', async () => answer(await api.post('/partner-pairs', { nonsense: true })), 400],
      ['404 no such route', async () => answer(await api.get('/no-such-route')), 404],
      ['404 no such pair', async () => answer(await api.get('/partner-pairs/no-such-pair/summary')), 404],
      ['415 compressed body', async () => answer(await api.post('/partner-pairs', '{}', { 'content-encoding': 'gzip' })), 415],
      ['400 bad correlation id', async () => answer(await api.get('/health', { 'x-correlation-id': 'not valid!' })), 400],
      ['400 malformed URL', async () => answer(await api.get('/projects/%zz')), 400],
      ['431 headers over the limit', async () => answer(await api.get('/health', { 'x-padding': 'a'.repeat(20_000) })), 431],
    ];
    for (const [what, send, status] of refusals) {
      const reply = await send();
      expect([what, reply.status]).toEqual([what, status]);
      expectProtected(what, reply.headers);
    }
    const guess = (i: number) => getFrom('127.0.0.7', `${base}/admin/relay`, { authorization: `Bearer wrong-${i}-abcdefghijkl` });
    expect([(await guess(1)).status, (await guess(2)).status]).toEqual([401, 401]);
    const limited = await guess(3);
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBeDefined();
    expectProtected('429', limited.headers);
  });

  it('gives Swagger UI at /docs a policy it runs under (its own scripts only), never framed', async () => {
    for (const path of ['/docs', '/docs/swagger-ui-init.js', '/docs/swagger-ui-bundle.js', '/docs/swagger-ui.css']) {
      const reply = await api.get(path);
      expect([path, reply.status]).toEqual([path, 200]);
      const headers = fromFetch(reply.headers);
      expectProtected(path, headers);
      expect([path, headers['content-security-policy']]).toEqual([path, DOCS_CSP]);
    }
    expect(DOCS_CSP).toContain("script-src 'self'");
    expect(DOCS_CSP).not.toMatch(/script-src[^;]*'unsafe-inline'/);
  });

  it('leaves the dashboard its own stricter policy (script-src self, no inline script), with the same headers', async () => {
    for (const path of ['/dashboard', '/dashboard/assets/app.js']) {
      const reply = await api.get(path, { authorization: '' });
      expect([path, reply.status]).toEqual([path, 200]);
      const headers = fromFetch(reply.headers);
      expectProtected(path, headers);
      expect([path, headers['content-security-policy']]).toEqual([path, expect.stringContaining("script-src 'self'")]);
    }
  });

  function answer(reply: { status: number; headers: globalThis.Headers }) {
    return { status: reply.status, headers: fromFetch(reply.headers) };
  }
});

describe('HSTS_MAX_AGE_SECONDS', () => {
  const ledger = ledgerPerSuite({ HSTS_MAX_AGE_SECONDS: '15552000' });

  it('sends Strict-Transport-Security when set (for a deployment whose TLS ends in front of the API)', async () => {
    const reply = await ledger().get('/health');
    expect(reply.headers.get('strict-transport-security')).toBe('max-age=15552000; includeSubDomains');
  });
});
