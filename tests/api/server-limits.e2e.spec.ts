import { once } from 'node:events';
import { type Socket, connect } from 'node:net';
import { jobsBody, pairBody, projectBody } from '../support/fixtures.js';
import { HARNESS_AUTH, LedgerUnderTest, removeDataDirs } from '../support/ledger-harness.js';

/**
 * What the HTTP server allows a client, on real sockets: the key is checked
 * before a body is read, a client that trickles its request or idles is cut
 * off, and connections are capped. The deadlines are set small through the
 * environment; each test asserts the server closed the connection long
 * before the client would have finished, not a precise time.
 */

/** A raw connection to the API that records what comes back and when the server closes it. */
class RawClient {
  received = '';
  closed = false;
  private readonly ended: Promise<void>;

  private constructor(readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (this.received += chunk));
    socket.on('error', () => undefined);
    // Not events.once: it rejects on 'error', and a server that hangs up mid-trickle
    // may reset the connection (ECONNRESET) before it closes. Either way it is closed.
    this.ended = new Promise((resolve) =>
      socket.once('close', () => {
        this.closed = true;
        resolve();
      }),
    );
  }

  static async open(url: string): Promise<RawClient> {
    const { hostname, port } = new URL(url);
    const socket = connect(Number(port), hostname === '[::1]' ? '::1' : hostname);
    await once(socket, 'connect');
    return new RawClient(socket);
  }

  write(text: string): void {
    if (!this.closed && !this.socket.destroyed) this.socket.write(text);
  }

  /** Sends `text` one byte a second until the server closes the connection or the text runs out; answers how many bytes went. */
  async trickle(text: string, everyMs = 1000): Promise<number> {
    let sent = 0;
    while (sent < text.length && !this.closed) {
      this.write(text[sent++]);
      await Promise.race([new Promise((resolve) => setTimeout(resolve, everyMs)), this.ended]);
    }
    return sent;
  }

  /** Resolves once the server has closed the connection; fails the test after `ms`. */
  async closedWithin(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.ended,
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`the server kept the connection open for ${ms} ms`)), ms))),
    ]).finally(() => clearTimeout(timer));
  }

  /** Waits until an HTTP response has come back (its status line and headers). */
  async response(ms = 5000): Promise<{ status: number; head: string; body: string }> {
    const deadline = Date.now() + ms;
    while (!this.received.includes('\r\n\r\n')) {
      if (Date.now() > deadline || this.closed) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const [head, body = ''] = this.received.split('\r\n\r\n');
    return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), head, body };
  }

  destroy(): void {
    this.socket.destroy();
  }
}

const jsonPost = (path: string, body: string, headers: Record<string, string> = {}) =>
  `POST ${path} HTTP/1.1\r\nHost: ledger\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
  Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('') +
  '\r\n' +
  body;

describe('the key is checked before the body is read or parsed', () => {
  let api: LedgerUnderTest;
  beforeAll(async () => {
    api = await LedgerUnderTest.start(undefined, { BODY_LIMIT_BYTES: '2048' });
    expect((await api.post('/partner-pairs', pairBody('limits-pair'))).status).toBe(201);
    expect((await api.post('/projects', projectBody('limits-project', 'limits-pair', '100'))).status).toBe(201);
  });
  afterAll(async () => {
    await api.stop();
    await removeDataDirs();
  });

  it('answers 401, not 400, to a keyless request with malformed JSON; with a key the same body is a 400', async () => {
    const keyless = await api.post('/projects/limits-project/jobs', '{"reportId": ', { authorization: '' });
    expect({ status: keyless.status, code: keyless.body.code }).toEqual({ status: 401, code: 'unauthenticated' });
    expect(keyless.headers.get('www-authenticate')).toBe('Bearer realm="ledger"');
    const badKey = await api.post('/projects/limits-project/jobs', '{"reportId": ', { authorization: 'Bearer not-a-key-of-this-ledger' });
    expect({ status: badKey.status, code: badKey.body.code }).toEqual({ status: 401, code: 'unauthenticated' });
    const keyed = await api.post('/projects/limits-project/jobs', '{"reportId": ');
    expect(keyed.status).toBe(400);
  });

  it('answers 401, not 413, to a keyless body over the size limit, and 401 to a keyless body in an unsupported type', async () => {
    const big = JSON.stringify({ ...jobsBody('limits-j', 3), padding: 'x'.repeat(4096) });
    const keyless = await api.post('/projects/limits-project/jobs', big, { authorization: '' });
    expect(keyless.status).toBe(401);
    expect((await api.post('/projects/limits-project/jobs', big)).status).toBe(413);
    const form = await api.send('POST', '/projects/limits-project/jobs', 'a=1', { authorization: '', 'content-type': 'text/plain' });
    expect(form.status).toBe(401);
  });

  it('answers 401 while the body has not arrived: it is never waited for', async () => {
    const client = await RawClient.open(api.url);
    // Headers announce 1,000 bytes; 10 are sent and the rest never is.
    client.write(jsonPost('/projects/limits-project/jobs', '', {}).replace('Content-Length: 0', 'Content-Length: 1000') + '{"reportId"');
    const reply = await client.response();
    client.destroy();
    expect(reply.status).toBe(401);
    expect(JSON.parse(reply.body.slice(reply.body.indexOf('{')))).toMatchObject({ code: 'unauthenticated' });
  });

  it('public routes still need no key, and a keyed command still goes through', async () => {
    expect((await api.get('/health/live', { authorization: '' })).status).toBe(200);
    expect((await api.post('/projects/limits-project/jobs', jobsBody('limits-j1', 3))).status).toBe(201);
    expect((await api.get('/no-such-route', { authorization: '' })).status).toBe(404);
  });
});

describe('timeouts cut off a client that trickles or idles', () => {
  let api: LedgerUnderTest;
  beforeAll(async () => {
    api = await LedgerUnderTest.start(undefined, {
      HEADERS_TIMEOUT_MS: '2000',
      REQUEST_TIMEOUT_MS: '3000',
      KEEP_ALIVE_TIMEOUT_MS: '1000',
      IDLE_TIMEOUT_MS: '4000',
    });
    expect((await api.post('/partner-pairs', pairBody('trickle-pair'))).status).toBe(201);
  });
  afterAll(async () => {
    await api.stop();
    await removeDataDirs();
  });

  it('closes a connection whose headers arrive one byte a second (408), long before they are complete', async () => {
    const client = await RawClient.open(api.url);
    const auth = HARNESS_AUTH.authorization;
    const request = `GET /partner-pairs/trickle-pair/summary HTTP/1.1\r\nHost: ledger\r\nAuthorization: ${auth}\r\n\r\n`;
    const sent = await client.trickle(request);
    expect(client.closed).toBe(true);
    // The deadline is 2 s: the server hung up after a handful of bytes, not after the whole request.
    expect(sent).toBeLessThan(15);
    expect(client.received).toMatch(/^HTTP\/1\.1 408 /);
    expect(client.received).toContain('"code":"request-timeout"');
  }, 60_000);

  it('closes a connection whose body arrives one byte a second, whoever sends it (a valid key is no exemption)', async () => {
    const client = await RawClient.open(api.url);
    const body = JSON.stringify(pairBody('trickled-pair'));
    const request = jsonPost('/partner-pairs', body, { Authorization: HARNESS_AUTH.authorization });
    client.write(request.slice(0, request.length - body.length));
    const sent = await client.trickle(body);
    expect(client.closed).toBe(true);
    expect(sent).toBeLessThan(15);
    expect(body.length).toBeGreaterThan(50);
    expect((await api.get('/partner-pairs/trickled-pair/summary')).status).toBe(404);
  }, 60_000);

  it('closes a connection that sends nothing, and a kept-alive connection left idle after its request', async () => {
    const silent = await RawClient.open(api.url);
    await silent.closedWithin(15_000);
    const keptAlive = await RawClient.open(api.url);
    keptAlive.write(`GET /health/live HTTP/1.1\r\nHost: ledger\r\n\r\n`);
    expect((await keptAlive.response()).status).toBe(200);
    await keptAlive.closedWithin(15_000);
  }, 60_000);
});

describe('connection caps', () => {
  let api: LedgerUnderTest;
  beforeAll(async () => {
    api = await LedgerUnderTest.start(undefined, { MAX_CONNECTIONS: '3', MAX_REQUESTS_PER_SOCKET: '2' });
  });
  afterAll(async () => {
    await api.stop();
    await removeDataDirs();
  });

  it('closes connections beyond MAX_CONNECTIONS as they arrive, and serves again once one is closed', async () => {
    const held = await Promise.all([0, 1, 2].map(() => RawClient.open(api.url)));
    for (const client of held) client.write('GET /health/live HTTP/1.1\r\nHost: ledger\r\n'); // headers never finished
    await new Promise((resolve) => setTimeout(resolve, 200));
    const extra = await RawClient.open(api.url);
    extra.write('GET /health/live HTTP/1.1\r\nHost: ledger\r\n\r\n');
    await extra.closedWithin(5_000);
    expect(extra.received).toBe('');
    held[0].destroy();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const after = await RawClient.open(api.url);
    after.write('GET /health/live HTTP/1.1\r\nHost: ledger\r\n\r\n');
    expect((await after.response()).status).toBe(200);
    for (const client of [...held, after]) client.destroy();
  });

  it('ends a connection after MAX_REQUESTS_PER_SOCKET requests: the last answer says close, one more is refused', async () => {
    const client = await RawClient.open(api.url);
    client.write('GET /health/live HTTP/1.1\r\nHost: ledger\r\n\r\n');
    const first = await client.response();
    expect(first.status).toBe(200);
    expect(first.head.toLowerCase()).not.toContain('connection: close');
    client.received = '';
    client.write('GET /health/live HTTP/1.1\r\nHost: ledger\r\n\r\n');
    const second = await client.response();
    expect(second.status).toBe(200);
    expect(second.head.toLowerCase()).toContain('connection: close');
    client.received = '';
    client.write('GET /health/live HTTP/1.1\r\nHost: ledger\r\n\r\n');
    // Node itself refuses a request past the cap (its own bare 503, before any route).
    expect((await client.response()).status).toBe(503);
    client.destroy();
  });
});
