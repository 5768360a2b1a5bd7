import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { BUILT_MAIN, HARNESS_API_KEYS, HARNESS_AUTH, startProcess } from '#bench/server-process';
import { openStoredEvents } from '#api/infrastructure/open-event-store';
import { EsdbDouble } from '#event-store/testing';
import { append, fundsDisbursed, projectSigned } from '#projections/testing';
import { disbursementBody, pairBody, projectBody } from '../support/fixtures.js';
import { COORDINATION_STORE } from '#api/infrastructure/fleet.module';
import type { CoordinationStore } from '#fleet';
import { E2E_STORE, LedgerUnderTest, removeDataDirs, sqliteOnly, tempDataDir } from '../support/ledger-harness.js';
import { MockKafka } from '../support/kafka/mock-kafka.js';

/**
 * Operators see the fleet, with real processes: three API processes on one SQLite DATA_DIR (the `sqlite`
 * project) or on the EventStoreDB double, each with its own DATA_DIR (the `esdb` project). Each lists every
 * instance with its roles, parked events and relay leadership (the mock Kafka broker: one leads); one killed
 * with SIGKILL is shown stale once it has been silent for three heartbeats; a fleet rebuild and a fleet parked
 * retry are carried out by every instance on its own read models, and on the shared DATA_DIR exactly once.
 */

const HEARTBEAT_MS = 1000;
const SHARED = E2E_STORE === 'sqlite';
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Instance {
  readonly id: string;
  readonly child: ChildProcess;
  readonly url: string;
  readonly output: string[];
}

interface Handling {
  generation: number;
  state: string;
  ranBy: string | null;
  rebuildId: string | null;
  applied: number | null;
  stillParked: number | null;
}

interface Listed {
  instanceId: string;
  state: string;
  roles: string[];
  silentMs: number;
  lastHeartbeatAt: string;
  projections: { checkpoint: number; head: number | null; lag: number | null; parked: number } | null;
  relay: { relaying: boolean; leader: boolean } | null;
  requests: { rebuild: Handling | null; parkedRetry: Handling | null };
}

interface Fleet {
  instanceId: string;
  staleAfterMs: number;
  requests: Record<'rebuild' | 'parkedRetry', { generation: number; done: string[]; pending: string[] } | null>;
  instances: Listed[];
}

let double: EsdbDouble | null = null;
let kafka: MockKafka;
const started: Instance[] = [];
beforeAll(async () => {
  if (!SHARED) double = await EsdbDouble.start();
  kafka = await MockKafka.start();
});
afterAll(async () => {
  for (const { child } of started) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    child.kill('SIGKILL');
    await once(child, 'exit');
  }
  await double?.stop();
  await kafka.stop();
  await removeDataDirs();
});

async function start(id: string, dataDir: string, roles: string): Promise<Instance> {
  const store: Record<string, string> = double ? { EVENT_STORE: 'esdb', ESDB_CONNECTION_STRING: double.connectionString } : {};
  const env = {
    DATA_DIR: dataDir,
    PORT: '0',
    HOST: '127.0.0.1',
    API_KEYS: HARNESS_API_KEYS,
    LEDGER_INSTANCE_ID: id,
    LEDGER_ROLES: roles,
    FLEET_HEARTBEAT_MS: String(HEARTBEAT_MS),
    KAFKA_BROKERS: kafka.brokers.join(','),
    ...store,
  };
  const output: string[] = [];
  const { child, url } = await startProcess(BUILT_MAIN, env, [], (chunk) => output.push(chunk));
  const instance = { id, child, url, output };
  started.push(instance);
  return instance;
}

async function send(instance: Instance, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const reply = await fetch(instance.url + path, {
    method,
    headers: { ...HARNESS_AUTH, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await reply.text();
  return { status: reply.status, body: text ? (JSON.parse(text) as any) : null };
}

async function fleetOf(instance: Instance): Promise<Fleet> {
  const reply = await send(instance, 'GET', '/admin/fleet');
  expect(reply.status).toBe(200);
  return reply.body as Fleet;
}

async function until<T>(what: string, probe: () => Promise<T | null | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = null;
  for (;;) {
    try {
      const found = await probe();
      if (found) return found;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await pause(100);
  }
}

/** The lines of an instance's log that say it rebuilt the read models (the rebuild itself logs one when it swaps). */
const rebuildsRunBy = (instance: Instance) =>
  instance.output
    .join('')
    .split('\n')
    .filter((line) => line.includes('rebuilt the read models from'));
const retriesRunBy = (instance: Instance) =>
  instance.output
    .join('')
    .split('\n')
    .filter((line) => /fleet request parked-retry \d+: \d+ applied/.test(line));

describe(`three API processes ${SHARED ? 'on one SQLite DATA_DIR' : 'on the EventStoreDB double, each with its own DATA_DIR'}`, () => {
  it('each lists every instance; a fleet rebuild and retry run on every read-models file once; a killed one turns stale', async () => {
    const shared = tempDataDir();
    const ids = ['fleet-a', 'fleet-b', 'fleet-c'];
    const fleet: Instance[] = [];
    // fleet-c serves the API and keeps its read models but does not relay.
    const roles = ['api,projections,relay', 'api,projections,relay', 'api,projections'];
    for (const [i, id] of ids.entries()) fleet.push(await start(id, SHARED ? shared : tempDataDir(), roles[i]));
    const [a, b, c] = fleet;
    expect((await send(a, 'POST', '/partner-pairs', pairBody('fleet-pair'))).status).toBe(201);
    expect((await send(b, 'POST', '/projects', projectBody('fleet-project', 'fleet-pair', '1000'))).status).toBe(201);
    for (let i = 0; i < 6; i++)
      expect((await send(fleet[i % 3], 'POST', '/projects/fleet-project/disbursements', disbursementBody(`fd-${i}`, '1'))).status).toBe(
        201,
      );

    // Written straight to the store, as a faulty migration could: a project (and a tranche) of a pair never registered,
    // which every read-models file parks.
    const events = await openStoredEvents(
      double
        ? { dataDir: shared, eventStore: 'esdb', esdbConnectionString: double.connectionString }
        : { dataDir: shared, eventStore: 'sqlite', esdbConnectionString: null },
    );
    await append(events, 'project-fleet-late', projectSigned('fleet-late', 'fleet-late-pair', '80.00'));
    await append(events, 'project-fleet-late', fundsDisbursed('fleet-late', 'fleet-late-pair', '20.00'));
    await events.close();

    // Every process lists all three, live, with their roles, read models caught up, the two events parked, one relay leading.
    for (const instance of fleet) {
      const listed = await until(`${instance.id} to list the fleet caught up`, async () => {
        const view = await fleetOf(instance);
        const caughtUp = view.instances.every((one) => one.state === 'live' && one.projections?.lag === 0 && one.projections.parked === 2);
        const leaders = view.instances.filter((one) => one.relay?.leader);
        return view.instances.length === 3 && caughtUp && leaders.length === 1 ? view : null;
      });
      expect(listed.instanceId).toBe(instance.id);
      expect(listed.instances.map((one) => one.instanceId)).toEqual(ids);
      for (const one of listed.instances) {
        expect(one.roles.join()).toBe(roles[ids.indexOf(one.instanceId)]);
        expect(one.projections).toMatchObject({ parked: 2, lag: 0 });
        expect(one.relay?.relaying).toBe(one.instanceId !== 'fleet-c');
        expect(one.requests).toEqual({ rebuild: null, parkedRetry: null });
      }
      // The one the listing shows leading is the lease's holder.
      const leader = listed.instances.find((one) => one.relay?.leader)!.instanceId;
      expect(['fleet-a', 'fleet-b']).toContain(leader);
      expect((await send(instance, 'GET', '/admin/relay')).body.leaderInstanceId).toBe(leader);
    }

    // One request rebuilds the read models of the whole fleet.
    const asked = await send(b, 'POST', '/admin/fleet/rebuild');
    expect(asked.status).toBe(202);
    expect(asked.body).toMatchObject({ kind: 'rebuild', generation: 1, requestedVia: 'fleet-b', requestedBy: 'harness' });
    // Wait until every instance reports the rebuild over (however it ended), then check how it ended.
    const over = new Set(['completed', 'failed', 'interrupted']);
    const rebuilt = await until('every instance to report the rebuild over', async () => {
      const view = await fleetOf(c);
      return view.instances.every((one) => one.requests.rebuild?.generation === 1 && over.has(one.requests.rebuild.state)) ? view : null;
    });
    expect(rebuilt.requests.rebuild).toMatchObject({ generation: 1, done: ids, pending: [] });
    const handled = rebuilt.instances.map((one) => one.requests.rebuild!);
    for (const one of handled) expect(one).toMatchObject({ generation: 1, state: 'completed' });
    const rebuildLines = fleet.map((instance) => rebuildsRunBy(instance).length);
    if (SHARED) {
      // One read-models file: one process claimed the request and rebuilt, the other two followed its rebuild.
      expect(rebuildLines.reduce((sum, n) => sum + n, 0)).toBe(1);
      const runner = ids[rebuildLines.indexOf(1)];
      expect(handled.map((one) => one.ranBy)).toEqual([runner, runner, runner]);
      expect(new Set(handled.map((one) => one.rebuildId)).size).toBe(1);
    } else {
      // Three read-models files: each process rebuilt its own.
      expect(rebuildLines).toEqual([1, 1, 1]);
      expect(handled.map((one) => one.ranBy)).toEqual(ids);
      expect(new Set(handled.map((one) => one.rebuildId)).size).toBe(3);
    }
    // The read models answer as before the rebuild.
    expect((await send(a, 'GET', '/projects/fleet-project')).body).toMatchObject({ delivered: { amount: '6.00' } });

    // The rebuild parked the orphan project's events again (its pair is still missing).
    expect(rebuilt.instances.map((one) => one.projections?.parked)).toEqual([2, 2, 2]);

    // The fix: the missing pair is registered; then one request retries the parked events of every read-models file.
    const registered = await send(a, 'POST', '/partner-pairs', pairBody('fleet-late-pair'));
    expect(registered.status).toBe(201);
    await until('every instance to apply the new pair', async () => {
      const view = await fleetOf(a);
      return view.instances.every((one) => one.projections!.checkpoint >= registered.body.position);
    });
    const retry = await send(a, 'POST', '/admin/fleet/parked/retry');
    expect(retry.status).toBe(202);
    expect(retry.body).toMatchObject({ kind: 'parked-retry', generation: 1, requestedVia: 'fleet-a' });
    const retried = await until('every instance to report the retry done, nothing parked', async () => {
      const view = await fleetOf(b);
      return view.requests.parkedRetry?.done.length === 3 && view.instances.every((one) => one.projections?.parked === 0) ? view : null;
    });
    for (const one of retried.instances)
      expect(one.requests.parkedRetry).toMatchObject({ generation: 1, state: 'completed', applied: 2, stillParked: 0 });
    // Once per read-models file: on the shared DATA_DIR one process retried (the others report its outcome).
    const retryLines = fleet.map((instance) => retriesRunBy(instance).length);
    expect(retryLines.reduce((sum, n) => sum + n, 0)).toBe(SHARED ? 1 : 3);
    const retriedBy = retried.instances.map((one) => one.requests.parkedRetry!.ranBy);
    expect(retriedBy).toEqual(SHARED ? Array(3).fill(ids[retryLines.indexOf(1)]) : ids);
    for (const instance of fleet)
      expect((await send(instance, 'GET', '/projects/fleet-late')).body).toMatchObject({ delivered: { amount: '20.00' } });
    // What the instances did for the requests is logged by the heartbeat, outside any request: no correlation id carried
    // on from the POST that woke the instance taking it (only its own "fleet request: …" line has one).
    const fleetLines = fleet
      .flatMap((instance) => instance.output.join('').split('\n'))
      .filter((line) => line.includes('"context":"Fleet"'))
      .map((line) => JSON.parse(line) as { message: string; correlationId?: string });
    const acted = fleetLines.filter((line) => /^fleet request (rebuild|parked-retry) \d+:/.test(line.message));
    expect(acted.length).toBe(SHARED ? 2 : 6);
    for (const line of acted) expect(line.correlationId).toBeUndefined();
    expect(fleetLines.filter((line) => line.message.startsWith('fleet request: ')).map((line) => typeof line.correlationId)).toEqual([
      'string',
      'string',
    ]);

    // Bad input: a malformed body, a form, an unknown query parameter; unknown methods and routes as everywhere.
    expect(await send(a, 'POST', '/admin/fleet/rebuild', '{not json')).toMatchObject({ status: 400, body: { code: 'invalid-body' } });
    expect(
      await send(a, 'POST', '/admin/fleet/parked/retry', 'x=1', { 'content-type': 'application/x-www-form-urlencoded' }),
    ).toMatchObject({ status: 415, body: { code: 'unsupported-media-type' } });
    expect(await send(a, 'GET', '/admin/fleet?verbose=1')).toMatchObject({ status: 400, body: { code: 'invalid-request' } });
    const unknownMethod = await send(a, 'DELETE', '/admin/fleet');
    expect(unknownMethod).toEqual({ ...(await send(a, 'DELETE', '/admin/projections')), body: expect.any(Object) });
    expect(unknownMethod).toMatchObject({ status: 404, body: { code: 'not-found' } });
    expect(await send(a, 'POST', '/admin/fleet/rebuild/now')).toMatchObject({ status: 404, body: { code: 'not-found' } });
    expect(await send(a, 'GET', '/admin/fleet', undefined, { authorization: '' })).toMatchObject({
      status: 401,
      body: { code: 'unauthenticated' },
    });
    expect((await fleetOf(a)).requests.rebuild?.generation).toBe(1);

    // kill -9 one: the others show it stale once it has been silent for longer than the bound, and the rest live.
    const before = (await fleetOf(a)).instances.find((one) => one.instanceId === 'fleet-c')!;
    c.child.kill('SIGKILL');
    await once(c.child, 'exit');
    expect(c.child.signalCode).toBe('SIGKILL');
    const killedAt = performance.now();
    const killedWall = Date.now();
    for (const instance of [a, b]) {
      const view = await until(`${instance.id} to show fleet-c stale`, async () => {
        const listed = await fleetOf(instance);
        return listed.instances.find((one) => one.instanceId === 'fleet-c')?.state === 'stale' ? listed : null;
      });
      const dead = view.instances.find((one) => one.instanceId === 'fleet-c')!;
      expect(dead.silentMs).toBeGreaterThan(view.staleAfterMs);
      // Its last heartbeat is the one before the kill: nothing beats for it since.
      expect(Date.parse(dead.lastHeartbeatAt)).toBeGreaterThanOrEqual(Date.parse(before.lastHeartbeatAt));
      expect(Date.parse(dead.lastHeartbeatAt)).toBeLessThanOrEqual(killedWall);
    }
    // Not before the bound: it was silent for three heartbeats at least (measured, not timed: the bound is the floor).
    expect(performance.now() - killedAt).toBeGreaterThanOrEqual(3 * HEARTBEAT_MS - HEARTBEAT_MS);
    await until('the survivors to stay live', async () => {
      const view = await fleetOf(b);
      return (
        view.instances
          .filter((one) => one.state === 'live')
          .map((one) => one.instanceId)
          .join() === 'fleet-a,fleet-b'
      );
    });

    // A clean stop is shown as such.
    b.child.kill('SIGTERM');
    await once(b.child, 'exit');
    await until('fleet-b to be shown stopped', async () => {
      const view = await fleetOf(a);
      return view.instances.find((one) => one.instanceId === 'fleet-b')?.state === 'stopped';
    });
  }, 180_000);

  // SQLite only: closing the app's coordination store is how this test makes it fail (a closed EventStoreDB client may retry instead).
  sqliteOnly('answers 503 fleet-unavailable, changing nothing, when the coordination store fails', async () => {
    const api = await LedgerUnderTest.start(tempDataDir(), { LEDGER_INSTANCE_ID: 'lonely' });
    try {
      expect((await api.get('/admin/fleet')).body.instances.map((one: Listed) => one.instanceId)).toEqual(['lonely']);
      await api.app.get<CoordinationStore>(COORDINATION_STORE).close();
      for (const reply of [
        await api.get('/admin/fleet'),
        await api.post('/admin/fleet/rebuild', {}),
        await api.post('/admin/fleet/parked/retry', {}),
      ])
        expect(reply).toMatchObject({ status: 503, body: { code: 'fleet-unavailable', message: expect.stringContaining('try again') } });
      expect((await api.get('/admin/projections')).body.projections[0].rebuild).toBeNull();
    } finally {
      await api.stop();
    }
  });
});
