import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { PATH_METADATA } from '@nestjs/common/constants.js';
import { ModulesContainer } from '@nestjs/core';
import { loadConfig } from '#api/config';
import { ACCESS_METADATA } from '#api/http/access';
import { BUILT_MAIN, startProcess } from '#bench/server-process';
import { jobsBody, pairBody, projectBody } from '../support/fixtures.js';
import { LedgerUnderTest, removeDataDirs, storeEnv, tempDataDir } from '../support/ledger-harness.js';

const OPERATOR = 'operator-key-0123456789';
const AUDITOR = 'auditor-key-0123456789';
const READER = 'reader-key-01234567890';
const NAMELESS = 'nameless-operator-key-0123';
const API_KEYS = [`operator:li.wei:${OPERATOR}`, `auditor:audit-office:${AUDITOR}`, `reader:${READER}`, `operator:${NAMELESS}`].join(',');

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/** Every 6 consecutive hex digits of the key's SHA-256 digest: none may leave the process, wherever it is cut. */
const digestPieces = (key: string): string[] => {
  const digest = createHash('sha256').update(key).digest('hex');
  return Array.from({ length: digest.length - 5 }, (_, i) => digest.slice(i, i + 6));
};

describe('access control (API_KEYS, Authorization: Bearer)', () => {
  let api: LedgerUnderTest;
  beforeAll(async () => {
    api = await LedgerUnderTest.start(undefined, { API_KEYS });
    expect((await api.post('/partner-pairs', pairBody('acl-pair'), bearer(OPERATOR))).status).toBe(201);
    expect((await api.post('/projects', projectBody('acl-project', 'acl-pair', '100'), bearer(OPERATOR))).status).toBe(201);
  });
  afterAll(async () => {
    await api.stop();
    await removeDataDirs();
  });

  /** Sends a request that must be refused with `status`, and checks it appended nothing. */
  async function refused(status: number, code: string, send: () => Promise<{ status: number; body: any; headers: Headers }>) {
    const head = await api.head();
    const reply = await send();
    expect({ status: reply.status, code: reply.body.code }).toEqual({ status, code });
    expect(reply.body).toMatchObject({ statusCode: status, message: expect.any(String) });
    if (status === 401) expect(reply.headers.get('www-authenticate')).toBe('Bearer realm="ledger"');
    expect(await api.head()).toBe(head);
  }

  it('401 without a key, with an unknown key, or with a malformed Authorization header', async () => {
    const command = (headers: Record<string, string>) => api.post('/projects/acl-project/jobs', jobsBody('acl-j', 3), headers);
    await refused(401, 'unauthenticated', () => command({ authorization: '' }));
    await refused(401, 'unauthenticated', () => command(bearer('not-a-key-of-this-ledger')));
    await refused(401, 'unauthenticated', () => command({ authorization: `Basic ${Buffer.from(`x:${OPERATOR}`).toString('base64')}` }));
    await refused(401, 'unauthenticated', () => command({ authorization: `Bearer ${OPERATOR} extra` }));
    await refused(401, 'unauthenticated', () => api.get('/partner-pairs/acl-pair/summary', { authorization: '' }));
    // Authentication comes before validation: an anonymous caller learns nothing about the body's problems.
    await refused(401, 'unauthenticated', () => api.post('/projects', { nonsense: true }, { authorization: '' }));
    await refused(401, 'unauthenticated', () => api.get('/partner-pairs/acl-pair/summary?nonsense=1', { authorization: '' }));
  });

  it('403 when the key lacks the role: commands need operator, history needs auditor', async () => {
    await refused(403, 'forbidden', () => api.post('/projects/acl-project/jobs', jobsBody('acl-j', 3), bearer(READER)));
    await refused(403, 'forbidden', () => api.post('/projects/acl-project/jobs', jobsBody('acl-j', 3), bearer(AUDITOR)));
    await refused(403, 'forbidden', () => api.get('/projects/acl-project/history', bearer(OPERATOR)));
    await refused(403, 'forbidden', () => api.get('/projects/acl-project/history', bearer(READER)));
    await refused(403, 'forbidden', () => api.get('/admin/relay', bearer(READER)));
  });

  it('summaries and project reads answer any role; history answers auditors', async () => {
    for (const key of [OPERATOR, AUDITOR, READER]) {
      expect((await api.get('/partner-pairs/acl-pair/summary', bearer(key))).status).toBe(200);
      expect((await api.get('/projects/acl-project', bearer(key))).status).toBe(200);
    }
    expect((await api.get('/projects/acl-project/history', bearer(AUDITOR))).status).toBe(200);
  });

  it("records the key's name as the actor, never the key; a nameless key by its random actor, nothing of its digest", async () => {
    expect((await api.post('/projects/acl-project/jobs', jobsBody('acl-j1', 3), bearer(NAMELESS))).status).toBe(201);
    const history = await api.get('/projects/acl-project/history', bearer(AUDITOR));
    const actors = history.body.events.map((event: { metadata: { actor: string } }) => event.metadata.actor);
    expect(actors).toEqual(['li.wei', expect.stringMatching(/^operator-unnamed-[0-9a-f]{8}$/)]);
    const text = JSON.stringify(history.body);
    expect(text).not.toContain(OPERATOR);
    expect(text).not.toContain(NAMELESS);
    expect(digestPieces(NAMELESS).filter((piece) => text.includes(piece))).toEqual([]);
  });

  it('health needs no key', async () => {
    expect((await api.get('/health', { authorization: '' })).status).toBe(200);
  });

  it('every route declares an access level (a route without one would refuse everybody)', () => {
    // Every controller of every module the running app registered.
    const controllers = [...api.app.get(ModulesContainer).values()].flatMap((module) => [...module.controllers.keys()]);
    const undeclared: string[] = [];
    for (const controller of controllers) {
      const type = controller as unknown as { prototype: Record<string, unknown>; name: string };
      const classLevel = Reflect.getMetadata(ACCESS_METADATA, type);
      for (const name of Object.getOwnPropertyNames(type.prototype)) {
        const handler = type.prototype[name];
        if (name === 'constructor' || typeof handler !== 'function' || Reflect.getMetadata(PATH_METADATA, handler) === undefined) continue;
        if ((Reflect.getMetadata(ACCESS_METADATA, handler) ?? classLevel) === undefined) undeclared.push(`${type.name}.${name}`);
      }
    }
    expect(controllers.length).toBeGreaterThan(5);
    expect(undeclared).toEqual([]);
  });
});

describe('API_KEYS configuration', () => {
  it.each([
    ['an empty list', ''],
    ['an unknown role', 'admin:some-key-0123456789'],
    ['a short key', 'operator:short'],
    ['a key without a role', 'just-a-key-0123456789'],
    ['one key under two names', 'operator:a:shared-key-0123456789,auditor:b:shared-key-0123456789'],
    ['two keys under one name', 'operator:a:first-key-0123456789,auditor:a:second-key-012345678'],
  ])('refuses %s with a message naming API_KEYS', (_, value) => {
    expect(() => loadConfig({ API_KEYS: value })).toThrow(/API_KEYS/);
  });

  it('gives a key listed under several roles all of them', () => {
    const { apiKeys } = loadConfig({ API_KEYS: 'operator:ops:shared-key-0123456789,auditor:shared-key-0123456789' });
    expect(apiKeys).toHaveLength(1);
    expect(apiKeys[0].principal.name).toBe('ops');
    expect([...apiKeys[0].principal.roles].sort()).toEqual(['auditor', 'operator']);
  });
});

describe('npm start with API_KEYS', () => {
  let child: ChildProcess | undefined;
  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
    await removeDataDirs();
  });

  it('logs the random actor of a nameless key once, with its roles, and records its events under that actor', async () => {
    const dataDir = tempDataDir();
    const env = { DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', API_KEYS, ...(await storeEnv(dataDir)) };
    let output = '';
    const started = await startProcess(BUILT_MAIN, env, [], (chunk) => (output += chunk));
    child = started.child;
    const lines = output
      .split('\n')
      .filter((text) => text.includes('"context":"ApiKeys"'))
      .map((text) => JSON.parse(text));
    // The reader's key (entry 3) and NAMELESS (entry 4) have no name: one line each.
    expect(lines).toEqual([
      expect.objectContaining({ level: 'warn', entry: 3, roles: ['reader'], actor: expect.stringMatching(/^reader-unnamed-[0-9a-f]{8}$/) }),
      expect.objectContaining({ level: 'warn', entry: 4, roles: ['operator'], actor: expect.any(String) }),
    ]);
    const actor: string = lines[1].actor;
    expect(actor).toMatch(/^operator-unnamed-[0-9a-f]{8}$/);
    expect(output.split('\n').filter((text) => text.includes(actor))).toHaveLength(1);
    const send = (path: string, key: string, body?: unknown) =>
      fetch(started.url + path, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { 'content-type': 'application/json', ...bearer(key) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    expect((await send('/partner-pairs', NAMELESS, pairBody('nameless-pair'))).status).toBe(201);
    const history = await (await send('/audit/events', AUDITOR)).text();
    expect(history).toContain(`"actor":"${actor}"`);
    for (const text of [output, history]) {
      expect(text).not.toContain(NAMELESS);
      expect(digestPieces(NAMELESS).filter((piece) => text.includes(piece))).toEqual([]);
    }
  });

  it('refuses a key that is easy to guess: configuration error, exit 2, saying why and not repeating the key', async () => {
    const weak = 'aaaaaaaaaaaaaaaaaaaa';
    const run = spawn(process.execPath, [BUILT_MAIN], {
      env: { ...process.env, DATA_DIR: tempDataDir(), PORT: '0', API_KEYS: `operator:ops:${weak}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    run.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    run.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const [code] = await once(run, 'exit');
    expect(code).toBe(2);
    expect(output).toContain('configuration error: API_KEYS entry 1: the key is too easy to guess: it is one character repeated');
    expect(output).not.toContain(weak);
  });
});

describe('npm start without API_KEYS', () => {
  let child: ChildProcess | undefined;
  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
    await removeDataDirs();
  });

  it('generates one key per role for the session, prints them once, and stays closed without them', async () => {
    const dataDir = tempDataDir();
    const env: Record<string, string> = { DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', ...(await storeEnv(dataDir)) };
    let output = '';
    const started = await startProcess(BUILT_MAIN, env, [], (chunk) => (output += chunk));
    child = started.child;
    const keys = Object.fromEntries([...output.matchAll(/^ {2}(operator|auditor|reader) +(\S+)$/gm)].map((match) => [match[1], match[2]]));
    expect(Object.keys(keys).sort()).toEqual(['auditor', 'operator', 'reader']);
    const send = (path: string, headers: Record<string, string>, body?: unknown) =>
      fetch(
        started.url + path,
        body === undefined
          ? { headers }
          : { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) },
      );
    expect((await send('/partner-pairs', {}, pairBody('session-pair'))).status).toBe(401);
    expect((await send('/partner-pairs', bearer(keys.reader), pairBody('session-pair'))).status).toBe(403);
    expect((await send('/partner-pairs', bearer(keys.operator), pairBody('session-pair'))).status).toBe(201);
    expect((await send('/partner-pairs/session-pair/summary?minPosition=1', bearer(keys.reader))).status).toBe(200);
    // Printed once: the keys appear in the output exactly one time each.
    for (const key of Object.values(keys)) expect(output.split(key).length - 1).toBe(1);
  });
});
