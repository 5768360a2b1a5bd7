import { type IncomingHttpHeaders, request as httpRequest } from 'node:http';
import { loadConfig } from '#api/config';
import { pairBody } from '../support/fixtures.js';
import { HARNESS_API_KEY, LedgerUnderTest, removeDataDirs } from '../support/ledger-harness.js';

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: any;
}

/**
 * A GET over a real socket from a chosen local address: on Linux the whole of 127.0.0.0/8 is the loopback,
 * so 127.0.0.2 and 127.0.0.1 are two clients of the server listening on 127.0.0.1.
 */
function getFrom(localAddress: string, url: string, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { localAddress, headers, agent: false }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body: JSON.parse(text || 'null') }));
    });
    request.on('error', reject);
    request.end();
  });
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

describe('failed-authentication limits (AUTH_FAILURE_LIMIT per AUTH_FAILURE_WINDOW_MS, per client address)', () => {
  let api: LedgerUnderTest;
  let summary = '';
  beforeAll(async () => {
    // The defaults: 30 failures per minute.
    api = await LedgerUnderTest.start();
    const written = await api.post('/partner-pairs', pairBody('limits-pair'));
    expect(written.status).toBe(201);
    summary = `${api.url.replace('[::1]', '127.0.0.1')}/partner-pairs/limits-pair/summary?minPosition=${written.body.position}`;
  });
  afterAll(async () => {
    await api.stop();
    await removeDataDirs();
  });

  it('gives 300 wrong keys from one address 30 401s, then 429s with Retry-After; a valid key from another keeps its 200s', async () => {
    const guesses: Answer[] = [];
    const valid: Answer[] = [];
    // Ten guessers at a time from 127.0.0.2, each round followed by the valid client at 127.0.0.1.
    for (let round = 0; round < 30; round++) {
      const batch = Array.from({ length: 10 }, (_, i) => getFrom('127.0.0.2', summary, bearer(`wrong-guess-${round}-${i}-abcdefgh`)));
      guesses.push(...(await Promise.all(batch)));
      valid.push(await getFrom('127.0.0.1', summary, bearer(HARNESS_API_KEY)));
    }
    expect(guesses).toHaveLength(300);
    expect(guesses.slice(0, 30).map((answer) => answer.status)).toEqual(Array(30).fill(401));
    const limited = guesses.slice(30);
    expect(limited.map((answer) => answer.status)).toEqual(Array(270).fill(429));
    for (const answer of limited) {
      expect(answer.body).toMatchObject({ statusCode: 429, error: 'Too Many Requests', code: 'too-many-failed-authentications' });
      expect(Number(answer.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(Number(answer.headers['retry-after'])).toBeLessThanOrEqual(60);
    }
    expect(valid.map((answer) => answer.status)).toEqual(Array(30).fill(200));
  });

  it('refuses the exhausted address even with a valid key (a 2xx would confirm a guess); public routes stay open', async () => {
    const answer = await getFrom('127.0.0.2', summary, bearer(HARNESS_API_KEY));
    expect(answer.status).toBe(429);
    expect(answer.headers['retry-after']).toBeDefined();
    const url = new URL(summary);
    expect((await getFrom('127.0.0.2', `${url.origin}/health/live`, {})).status).toBe(200);
    // A wrong key sent to a public route is still a failed authentication: no free guesses there.
    expect((await getFrom('127.0.0.2', `${url.origin}/health/live`, bearer('another-wrong-guess-0123'))).status).toBe(429);
    expect((await getFrom('127.0.0.1', summary, bearer(HARNESS_API_KEY))).status).toBe(200);
  });

  it('counts only failures: many valid requests from one address are never refused', async () => {
    const answers = await Promise.all(Array.from({ length: 60 }, () => getFrom('127.0.0.3', summary, bearer(HARNESS_API_KEY))));
    expect(answers.map((answer) => answer.status)).toEqual(Array(60).fill(200));
  });
});

describe('the failure window', () => {
  let api: LedgerUnderTest;
  beforeAll(async () => {
    api = await LedgerUnderTest.start(undefined, { AUTH_FAILURE_LIMIT: '2', AUTH_FAILURE_WINDOW_MS: '1500' });
  });
  afterAll(async () => {
    await api.stop();
    await removeDataDirs();
  });

  it('counts a wrong key sent to a public route too, though the route answers it as anonymous', async () => {
    const url = `${api.url.replace('[::1]', '127.0.0.1')}/health/live`;
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await getFrom('127.0.0.6', url, bearer(`wrong-${i}-abcdefghijkl`))).status);
    expect(statuses).toEqual([200, 200, 429]);
    expect((await getFrom('127.0.0.6', url, {})).status).toBe(200);
  });

  it('ends: after AUTH_FAILURE_WINDOW_MS the address may try again', async () => {
    const url = `${api.url.replace('[::1]', '127.0.0.1')}/admin/relay`;
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await getFrom('127.0.0.4', url, bearer(`wrong-${i}-abcdefghijkl`))).status);
    expect(statuses).toEqual([401, 401, 429]);
    await new Promise((resolve) => setTimeout(resolve, 1600));
    expect((await getFrom('127.0.0.4', url, bearer(HARNESS_API_KEY))).status).toBe(200);
  });
});

describe('TRUST_PROXY', () => {
  it('is off by default, takes a count of proxies or their addresses, and refuses "true" (any client could choose its address)', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, loopback,::1' }).trustProxy).toEqual(['10.0.0.0/8', 'loopback', '::1']);
    expect(() => loadConfig({ TRUST_PROXY: 'true' })).toThrow(/TRUST_PROXY=true would let any client choose its address/);
    expect(() => loadConfig({ TRUST_PROXY: '10.0.0.0/33' })).toThrow(/TRUST_PROXY must be/);
  });

  describe('with the proxy on loopback trusted', () => {
    let api: LedgerUnderTest;
    beforeAll(async () => {
      api = await LedgerUnderTest.start(undefined, { TRUST_PROXY: 'loopback', AUTH_FAILURE_LIMIT: '2' });
    });
    afterAll(async () => {
      await api.stop();
      await removeDataDirs();
    });

    it('counts failures by the forwarded client address, so one client behind the proxy does not lock out the others', async () => {
      const url = `${api.url.replace('[::1]', '127.0.0.1')}/admin/relay`;
      const from = (client: string, key: string) => getFrom('127.0.0.1', url, { ...bearer(key), 'x-forwarded-for': client });
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await from('203.0.113.7', `wrong-${i}-abcdefghijkl`)).status);
      expect(statuses).toEqual([401, 401, 429]);
      expect((await from('203.0.113.8', HARNESS_API_KEY)).status).toBe(200);
    });
  });

  describe('by default', () => {
    let api: LedgerUnderTest;
    beforeAll(async () => {
      api = await LedgerUnderTest.start(undefined, { AUTH_FAILURE_LIMIT: '2' });
    });
    afterAll(async () => {
      await api.stop();
      await removeDataDirs();
    });

    it('ignores X-Forwarded-For: a guesser cannot escape its budget by naming another address', async () => {
      const url = `${api.url.replace('[::1]', '127.0.0.1')}/admin/relay`;
      const statuses = [];
      for (let i = 0; i < 3; i++) {
        const answer = await getFrom('127.0.0.5', url, { ...bearer(`wrong-${i}-abcdefghijkl`), 'x-forwarded-for': `198.51.100.${i}` });
        statuses.push(answer.status);
      }
      expect(statuses).toEqual([401, 401, 429]);
    });
  });
});
