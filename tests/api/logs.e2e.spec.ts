import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createInterface } from 'node:readline';
import { BUILT_MAIN } from '#bench/server-process';
import { disbursementBody, pairBody, projectBody } from '../support/fixtures.js';
import { removeDataDirs, storeEnv, tempDataDir } from '../support/ledger-harness.js';

/**
 * The built server as its own process, as it runs in production, with every
 * line it writes kept: structured logs are judged by what a log collector
 * would read from its stdout.
 */
const KEY = 'logs-test-operator-key-7f3a9c1e5b';

interface Line {
  time: string;
  level: string;
  pid: number;
  context?: string;
  message: string;
  correlationId?: string;
  [field: string]: unknown;
}

let child: ChildProcess | undefined;
let url = '';
const stdout: string[] = [];
const stderr: string[] = [];

beforeAll(async () => {
  if (!existsSync(BUILT_MAIN)) throw new Error(`${BUILT_MAIN} is missing: run \`npx tsc -p tsconfig.build.json\` first`);
  const dataDir = tempDataDir();
  child = spawn(process.execPath, [BUILT_MAIN], {
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'debug',
      // With access control, the key a request is sent with; it must never appear in a log line.
      API_KEYS: `operator:${KEY}`,
      ...(await storeEnv(dataDir)),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  createInterface({ input: child.stderr! }).on('line', (line) => stderr.push(line));
  const lines = createInterface({ input: child.stdout! });
  url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start:\n${stdout.join('\n')}\n${stderr.join('\n')}`)), 30_000);
    lines.on('line', (line) => {
      stdout.push(line);
      const match = /listening on (http:\/\/[^\s"]+)/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child!.on('exit', (code) => reject(new Error(`the server exited with ${code}:\n${stdout.join('\n')}\n${stderr.join('\n')}`)));
  });
}, 40_000);

afterAll(async () => {
  if (child && child.exitCode === null) {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
  await removeDataDirs();
});

async function send(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(url + path, {
    method,
    body: body === undefined ? undefined : JSON.stringify(body),
    headers: { authorization: `Bearer ${KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
  });
  await response.text();
  return response;
}

function parsed(): Line[] {
  return stdout.map((line) => {
    try {
      return JSON.parse(line) as Line;
    } catch {
      throw new Error(`not a JSON line: ${line}`);
    }
  });
}

/** Waits until the server has written a line matching `predicate` (access lines follow the response by a moment). */
async function lineWhere(predicate: (line: Line) => boolean, timeoutMs = 5000): Promise<Line> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = parsed().find(predicate);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no such log line in:\n${stdout.join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('structured logs (LOG_FORMAT=json)', () => {
  it('writes every line on stdout as one JSON object with time, level, context and message', () => {
    const lines = parsed();
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      expect(Number.isNaN(Date.parse(line.time))).toBe(false);
      expect(['fatal', 'error', 'warn', 'info', 'debug', 'verbose']).toContain(line.level);
      expect(typeof line.message).toBe('string');
      expect(line.pid).toBe(child!.pid);
    }
    expect(lines.find((line) => line.message.startsWith('listening on'))).toMatchObject({ level: 'info', context: 'Ledger' });
    // Start-up happens outside any request.
    expect(lines.filter((line) => line.correlationId !== undefined)).toEqual([]);
  });

  it('tags the lines written while handling a request with its correlation id, and ends each request with one access line', async () => {
    const response = await send('POST', '/partner-pairs', pairBody('logs-pair'), { 'x-correlation-id': 'logs-corr-1' });
    expect(response.status).toBe(201);

    // Written inside the command handler, after the body was parsed and the command queued: the id survived all of it.
    const command = await lineWhere((line) => line.context === 'Commands' && line.correlationId === 'logs-corr-1');
    expect(command).toMatchObject({ level: 'debug', command: 'RegisterPartnerPair', outcome: 'created', durationMs: expect.any(Number) });

    const access = await lineWhere((line) => line.context === 'HTTP' && line.correlationId === 'logs-corr-1');
    expect(access).toMatchObject({
      level: 'info',
      method: 'POST',
      route: '/partner-pairs',
      path: '/partner-pairs',
      status: 201,
      durationMs: expect.any(Number),
    });
    expect(parsed().filter((line) => line.context === 'HTTP' && line.correlationId === 'logs-corr-1')).toHaveLength(1);
  });

  it('keeps the correlation id when the body arrives in pieces, after the request was routed', async () => {
    const body = JSON.stringify(pairBody('logs-pair-slow'));
    const status = await new Promise<number>((resolve, reject) => {
      const request = httpRequest(
        url + '/partner-pairs',
        {
          method: 'POST',
          headers: {
            authorization: `Bearer ${KEY}`,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            'x-correlation-id': 'logs-corr-slow',
          },
        },
        (response) => {
          response.resume();
          response.on('end', () => resolve(response.statusCode ?? 0));
        },
      );
      request.on('error', reject);
      request.flushHeaders();
      request.write(body.slice(0, 10));
      setTimeout(() => request.end(body.slice(10)), 200);
    });
    expect(status).toBe(201);
    expect(await lineWhere((line) => line.context === 'Commands' && line.correlationId === 'logs-corr-slow')).toMatchObject({
      command: 'RegisterPartnerPair',
    });
  });

  it('uses a generated correlation id (echoed in the response) when the caller sends none, and logs refusals with their code', async () => {
    await send('POST', '/projects', projectBody('logs-project', 'logs-pair', '10.00'));
    const refused = await send('POST', '/projects/logs-project/disbursements', disbursementBody('logs-t1', '10.01'));
    expect(refused.status).toBe(422);
    const correlationId = refused.headers.get('x-correlation-id') as string;
    expect(correlationId).toMatch(/^[0-9a-f-]{36}$/);

    const command = await lineWhere((line) => line.context === 'Commands' && line.correlationId === correlationId);
    expect(command).toMatchObject({ command: 'DisburseFunds', outcome: 'refused', code: 'exceeds-remaining-pledge' });
    const access = await lineWhere((line) => line.context === 'HTTP' && line.correlationId === correlationId);
    expect(access).toMatchObject({
      route: '/projects/:projectId/disbursements',
      path: '/projects/logs-project/disbursements',
      status: 422,
    });
    // The route template and the path without its query string (a command reads none: unknown query parameters are refused).
    const read = await send('GET', '/projects/logs-project?minPosition=0', undefined, { 'x-correlation-id': 'logs-corr-query' });
    expect(read.status).toBe(200);
    expect(await lineWhere((line) => line.context === 'HTTP' && line.correlationId === 'logs-corr-query')).toMatchObject({
      route: '/projects/:projectId',
      path: '/projects/logs-project',
      status: 200,
    });
  });

  it('writes access lines for requests refused before routing, and probes at debug level', async () => {
    const unknown = await send('GET', '/no-such-route', undefined, { 'x-correlation-id': 'logs-corr-404' });
    expect(unknown.status).toBe(404);
    expect(await lineWhere((line) => line.context === 'HTTP' && line.correlationId === 'logs-corr-404')).toMatchObject({
      status: 404,
      route: null,
      path: '/no-such-route',
    });

    await send('GET', '/health/ready', undefined, { 'x-correlation-id': 'logs-corr-probe' });
    expect(await lineWhere((line) => line.context === 'HTTP' && line.correlationId === 'logs-corr-probe')).toMatchObject({
      level: 'debug',
      route: '/health/ready',
    });
  });

  it('logs a failed authentication at warn with the client address, never the key presented', async () => {
    const guess = 'a-wrong-guess-of-the-key-4b1d';
    const refused = await send('GET', '/partner-pairs/any/summary', undefined, {
      authorization: `Bearer ${guess}`,
      'x-correlation-id': 'logs-corr-guess',
    });
    expect(refused.status).toBe(401);
    expect(await lineWhere((line) => line.context === 'Access' && line.correlationId === 'logs-corr-guess')).toMatchObject({
      level: 'warn',
      message: 'authentication failed from 127.0.0.1: this API key is not valid',
      clientAddress: '127.0.0.1',
      route: '/partner-pairs/:pairId/summary',
      failures: 1,
    });
    expect(await lineWhere((line) => line.context === 'HTTP' && line.correlationId === 'logs-corr-guess')).toMatchObject({
      status: 401,
      clientAddress: '127.0.0.1',
    });
    expect([...stdout, ...stderr].join('\n')).not.toContain(guess);
  });

  it('never writes the key or the Authorization header', async () => {
    await send('GET', '/partner-pairs', undefined, { 'x-correlation-id': 'logs-corr-key' });
    await lineWhere((line) => line.correlationId === 'logs-corr-key' && line.context === 'HTTP');
    const everything = [...stdout, ...stderr].join('\n');
    expect(everything).not.toContain(KEY);
    expect(everything.toLowerCase()).not.toContain('bearer');
  });
});
