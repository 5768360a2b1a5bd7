import { HARNESS_AUTH } from '#bench/server-process';
import { LedgerProcesses, type StartedLedger } from '../support/ledger-processes.js';
import { EsdbDouble } from '#event-store/testing';
import { disbursementBody, pairBody, projectBody } from '../support/fixtures.js';
import { removeDataDirs, tempDataDir } from '../support/ledger-harness.js';
import { MockKafka } from '../support/kafka/mock-kafka.js';
import { RelayLeaseReader, fleetOf } from '../support/kafka/relay-lease.js';

/**
 * The signed tree heads in a fleet, with real processes and the mock Kafka broker: only the process that holds the
 * relay's lease publishes heads; a leader frozen past its lease sends none once it resumes; a new leader goes on from
 * the fleet's checkpoint in the lease record, not from its own; a process without the `relay` role never publishes.
 *
 * On the EventStoreDB double every process keeps its own DATA_DIR, so its own tree and its own signing key (the
 * default TREE_SIGNING_KEY_FILE is in DATA_DIR): the keyId of a head on the topic names the process that published it.
 */

/** Each scenario publishes under its own topic prefix, on the one broker. */
const ESDB_PREFIX = 'esdb-fleet.';
const SQLITE_PREFIX = 'sqlite-fleet.';
const topicOf = (prefix: string) => `${prefix}tree-heads`;
/** Long enough for a publisher that should not publish to have done so: three of its polls (1 s). */
const QUIET_MS = 3000;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Head {
  readonly treeSize: number;
  readonly keyId: string;
}

interface Started extends StartedLedger {
  readonly id: string;
}

let kafka: MockKafka;
const processes = new LedgerProcesses();
beforeAll(async () => {
  kafka = await MockKafka.start();
});
afterAll(async () => {
  await processes.killAll();
  await kafka?.stop();
  await removeDataDirs();
});

async function start(id: string, dataDir: string, env: Record<string, string>): Promise<Started> {
  const settings = { LEDGER_INSTANCE_ID: id, KAFKA_BROKERS: kafka.brokers.join(','), TREE_HEAD_EVERY_EVENTS: '3', ...env };
  return { id, ...(await processes.start(dataDir, settings)) };
}

const stop = LedgerProcesses.stop;

async function call(server: Started, method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const reply = await fetch(server.url + path, {
    method,
    headers: body === undefined ? HARNESS_AUTH : { 'content-type': 'application/json', ...HARNESS_AUTH },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: reply.status, body: await reply.json() };
}

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe().catch(() => null);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await pause(100);
  }
}

/** Appends a few events through `server`: `count` disbursements on a project set up once per prefix. */
const projects = new Set<string>();
async function append(server: Started, project: string, count: number): Promise<void> {
  if (!projects.has(project)) {
    expect((await call(server, 'POST', '/partner-pairs', pairBody(`${project}-pair`))).status).toBe(201);
    expect((await call(server, 'POST', '/projects', projectBody(project, `${project}-pair`, '1000000'))).status).toBe(201);
    projects.add(project);
  }
  for (let i = 0; i < count; i++) {
    const id = `${project}-d-${Math.random().toString(16).slice(2)}`;
    expect((await call(server, 'POST', `/projects/${project}/disbursements`, disbursementBody(id, '1'))).status).toBe(201);
  }
}

/** Signs a head of the whole tree on `server` (once its tree has every stored event). */
async function signHead(server: Started): Promise<Head> {
  const reply = await call(server, 'POST', '/audit/tree-heads');
  // A refusal names the tree's position; the process's last lines say what held it up.
  if (reply.status !== 201)
    throw new Error(`${server.id} answered ${reply.status} ${JSON.stringify(reply.body)}\n${server.output.join('').slice(-4000)}`);
  return reply.body as Head;
}

/** Every head on the prefix's topic, in the topic's order (one partition), once it holds a head of size `treeSize`. */
async function publishedThrough(prefix: string, treeSize: number): Promise<Head[]> {
  const topic = topicOf(prefix);
  const messages = await kafka.consume([topic], (all) => all.some((message) => (message.value as unknown as Head).treeSize >= treeSize));
  // Then whatever else the topic holds by now (a consumer stops at the first batch that satisfies it).
  const count = await kafka.messageCount([topic]);
  const all = count > messages.length ? await kafka.consume([topic], (seen) => seen.length >= count) : messages;
  return all.map((message) => message.value as unknown as Head);
}

const sizesOf = (heads: readonly Head[]) => heads.map((head) => head.treeSize);
const strictlyIncreasing = (sizes: readonly number[]) => sizes.every((size, i) => i === 0 || size > sizes[i - 1]);

describe('signed tree heads in a fleet on the EventStoreDB double (a DATA_DIR, a tree and a key per process)', () => {
  let double: EsdbDouble;
  let lease: RelayLeaseReader;
  afterAll(async () => {
    await lease?.close();
    await double?.stop();
  });

  it('only the lease holder publishes; a frozen leader stays silent; each new leader goes on from the shared checkpoint', async () => {
    double = await EsdbDouble.start();
    const esdb = { EVENT_STORE: 'esdb', ESDB_CONNECTION_STRING: double.connectionString, KAFKA_TOPIC_PREFIX: ESDB_PREFIX };
    lease = await RelayLeaseReader.open(fleetOf(tempDataDir(), esdb));
    // One after the other: the first takes the lease, the second stands by, the third has no relay role.
    const relay0 = await start('heads-relay-0', tempDataDir(), esdb);
    const relay1 = await start('heads-relay-1', tempDataDir(), esdb);
    const api2 = await start('heads-api-2', tempDataDir(), { ...esdb, LEDGER_ROLES: 'api,projections' });
    const keyOf = new Map<string, string>();
    for (const server of [relay0, relay1, api2]) keyOf.set((await call(server, 'GET', '/audit/public-key')).body.keyId, server.id);
    expect(keyOf.size).toBe(3);
    const publisherOf = (head: Head) => keyOf.get(head.keyId);
    await until('relay-0 to lead', async () => (await call(api2, 'GET', '/admin/relay')).body.leaderInstanceId === relay0.id);
    expect((await call(api2, 'GET', '/admin/relay')).body).toMatchObject({ relaying: false, leader: false });

    // Steady state: commands through all three, every process signs heads of its own tree; only the leader's go out.
    await append(relay0, 'heads-a', 4);
    await append(relay1, 'heads-b', 4);
    await append(api2, 'heads-c', 4);
    const [first, ...others] = [await signHead(relay0), await signHead(relay1), await signHead(api2)];
    expect(others.map((head) => head.treeSize)).toEqual([first.treeSize, first.treeSize]);
    await publishedThrough(ESDB_PREFIX, first.treeSize);
    await pause(QUIET_MS);
    const steady = await publishedThrough(ESDB_PREFIX, first.treeSize);
    expect(new Set(steady.map(publisherOf))).toEqual(new Set([relay0.id]));
    expect(sizesOf(steady)).toEqual(expect.arrayContaining([first.treeSize]));
    expect(strictlyIncreasing(sizesOf(steady))).toBe(true);
    await until(
      'the tree-heads checkpoint in the lease',
      async () => (await lease.read())?.value.data.treeHeadsCheckpoint === first.treeSize,
    );
    // Every replica shows operators the same checkpoint, the relay's standby and a process without the role too.
    for (const server of [relay0, relay1, api2]) {
      expect((await call(server, 'GET', '/admin/relay')).body.treeHeadsCheckpoint).toBe(first.treeSize);
    }
    // The standby's own tree holds heads it could have sent (smaller ones too): it sent none.
    expect((await call(relay1, 'GET', '/audit/tree-head')).body).toMatchObject({ treeSize: first.treeSize });

    // The leader frozen past its lease: the standby takes over and goes on from the lease's checkpoint.
    relay0.child.kill('SIGSTOP');
    await until('relay-1 to take over', async () => (await call(api2, 'GET', '/admin/relay')).body.leaderInstanceId === relay1.id);
    await append(relay1, 'heads-b', 4);
    await append(api2, 'heads-c', 3);
    const second = await signHead(relay1);
    await publishedThrough(ESDB_PREFIX, second.treeSize);
    await until('the checkpoint to follow', async () => (await lease.read())?.value.data.treeHeadsCheckpoint === second.treeSize);
    // Resumed, the old leader finds its lease over by its own clock; its tree signs heads of what it missed, unsent.
    relay0.child.kill('SIGCONT');
    await until('relay-0 to stand by', async () => {
      const view = (await call(relay0, 'GET', '/admin/relay')).body;
      return !view.leader && view.leaderInstanceId === relay1.id;
    });
    expect((await signHead(relay0)).treeSize).toBe(second.treeSize);
    await pause(QUIET_MS);

    // The leader stops: it releases the lease, the other relay takes over at once, from the checkpoint.
    await stop(relay1);
    await until('relay-0 to lead again', async () => (await call(relay0, 'GET', '/admin/relay')).body.leader === true, 10_000);
    await append(relay0, 'heads-a', 4);
    const third = await signHead(relay0);
    const heads = await publishedThrough(ESDB_PREFIX, third.treeSize);
    await until('the checkpoint to follow', async () => (await lease.read())?.value.data.treeHeadsCheckpoint === third.treeSize);

    // In the topic's order: relay-0's heads, relay-1's after the first takeover, relay-0's after the second; sizes only
    // grow (nobody resent its own older heads); the process without the relay role never published.
    const terms = heads.map(publisherOf).filter((id, i, ids) => i === 0 || id !== ids[i - 1]);
    expect(terms).toEqual([relay0.id, relay1.id, relay0.id]);
    expect(strictlyIncreasing(sizesOf(heads))).toBe(true);
    const byRelay1 = heads.filter((head) => publisherOf(head) === relay1.id);
    expect(Math.min(...sizesOf(byRelay1))).toBeGreaterThan(first.treeSize);
    expect(Math.max(...sizesOf(byRelay1))).toBe(second.treeSize);
    const lastTerm = heads.slice(heads.indexOf(byRelay1[byRelay1.length - 1]) + 1);
    expect(Math.min(...sizesOf(lastTerm))).toBeGreaterThan(second.treeSize);
    expect(sizesOf(heads)).toContain(third.treeSize);
    for (const server of [relay0, relay1]) expect(server.output.join('')).toMatch(/publishing signed tree heads after size \d+/);
    expect(api2.output.join('')).not.toMatch(/publishing signed tree heads/);
  }, 180_000);
});

describe('signed tree heads on one SQLite DATA_DIR', () => {
  it('an API process without the relay role publishes none; relay-only processes do, one at a time, each head once', async () => {
    const dataDir = tempDataDir();
    const sqlite = { KAFKA_TOPIC_PREFIX: SQLITE_PREFIX };
    const api = await start('sqlite-api', dataDir, { ...sqlite, LEDGER_ROLES: 'api,projections' });
    await append(api, 'shared-a', 5);
    const first = await signHead(api);
    await pause(QUIET_MS);
    // Nothing on the topic: no relay runs anywhere yet, and the API process never publishes heads.
    await expect(kafka.messageCount([topicOf(SQLITE_PREFIX)])).resolves.toBe(0);

    const relayA = await start('sqlite-relay-a', dataDir, { ...sqlite, LEDGER_ROLES: 'relay' });
    const relayB = await start('sqlite-relay-b', dataDir, { ...sqlite, LEDGER_ROLES: 'relay' });
    await until('relay-a to lead', async () => (await call(api, 'GET', '/admin/relay')).body.leaderInstanceId === relayA.id);
    const before = await publishedThrough(SQLITE_PREFIX, first.treeSize);
    await until('the relay to catch up', async () => {
      const view = (await call(api, 'GET', '/admin/relay')).body;
      return view.checkpoint === view.head;
    });
    await stop(relayA);
    await until('relay-b to lead', async () => (await call(api, 'GET', '/admin/relay')).body.leaderInstanceId === relayB.id, 10_000);
    await append(api, 'shared-a', 5);
    const second = await signHead(api);
    const heads = await publishedThrough(SQLITE_PREFIX, second.treeSize);
    await pause(QUIET_MS);
    expect(await kafka.messageCount([topicOf(SQLITE_PREFIX)])).toBe(heads.length);

    // One tree, one key: every head the shared file holds up to the last, once each, in order of size.
    expect(sizesOf(heads.slice(0, before.length))).toEqual(sizesOf(before));
    expect(strictlyIncreasing(sizesOf(heads))).toBe(true);
    expect(sizesOf(heads)).toEqual(expect.arrayContaining([first.treeSize, second.treeSize]));
    const stored = await until('every head', async () => {
      const all = [];
      for (let size = 1; size <= second.treeSize; size++) {
        const reply = await call(api, 'GET', `/audit/tree-head?treeSize=${size}`);
        if (reply.status === 200) all.push(reply.body as Head);
      }
      return all;
    });
    expect(sizesOf(heads)).toEqual(sizesOf(stored).filter((size) => size > 0));
    expect(relayA.output.join('')).toMatch(/publishing signed tree heads after size 0/);
    expect(relayB.output.join('')).toMatch(/publishing signed tree heads after size [1-9]/);
    expect(api.output.join('')).not.toMatch(/publishing signed tree heads/);
  }, 120_000);
});
