import { join } from 'node:path';
import Database from 'better-sqlite3';
import { LEGACY_RELAY_CHECKPOINT, LEGACY_RELAY_FILE } from '#api/infrastructure/data-files';
import { HARNESS_AUTH } from '#bench/server-process';
import { LedgerProcesses, type StartedLedger } from '../support/ledger-processes.js';
import { openStoredEvents } from '#api/infrastructure/open-event-store';
import { writeCheckpoint } from '#background';
import { disbursementBody, pairBody, projectBody } from '../support/fixtures.js';
import { removeDataDirs, tempDataDir } from '../support/ledger-harness.js';
import { MockKafka } from '../support/kafka/mock-kafka.js';
import { parseExposition, valueOf } from '../support/prometheus.js';

/**
 * LEDGER_ROLES with real processes on one SQLite DATA_DIR: an API process without the relay, relay-only
 * processes that answer probes and metrics only, a clean hand-over, the old per-DATA_DIR checkpoint taken
 * over once, and `api` without `projections` refused.
 */

const TOPICS = ['commitments.partner-pairs', 'commitments.projects'];
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Started = StartedLedger;

let kafka: MockKafka;
const processes = new LedgerProcesses();
beforeAll(async () => {
  kafka = await MockKafka.start();
});
afterAll(async () => {
  await processes.killAll();
  await kafka.stop();
  await removeDataDirs();
});

const start = (dataDir: string, env: Record<string, string>): Promise<Started> => processes.start(dataDir, env);

async function get(server: Started, path: string): Promise<{ status: number; body: any }> {
  const reply = await fetch(server.url + path, { headers: HARNESS_AUTH });
  const text = await reply.text();
  return { status: reply.status, body: reply.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
}

async function post(server: Started, path: string, body: unknown): Promise<number> {
  const reply = await fetch(server.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...HARNESS_AUTH },
    body: JSON.stringify(body),
  });
  await reply.arrayBuffer();
  return reply.status;
}

async function until<T>(what: string, probe: () => Promise<T | null | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe().catch(() => null);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await pause(50);
  }
}

const stop = LedgerProcesses.stop;

describe('LEDGER_ROLES on one SQLite DATA_DIR', () => {
  it('runs the API apart from the relays: relays answer only probes and metrics, hand over cleanly, each event once', async () => {
    const dataDir = tempDataDir();
    // Before the fleet: a ledger without Kafka, then the old relay's checkpoint file, as the previous release left it.
    const before = await start(dataDir, { LEDGER_INSTANCE_ID: 'before' });
    expect(await post(before, '/partner-pairs', pairBody('roles-pair'))).toBe(201);
    expect(await post(before, '/projects', projectBody('roles', 'roles-pair', '1000'))).toBe(201);
    for (let i = 0; i < 5; i++) expect(await post(before, '/projects/roles/disbursements', disbursementBody(`r-${i}`, '1'))).toBe(201);
    await stop(before);
    const events = await openStoredEvents({ dataDir, eventStore: 'sqlite', esdbConnectionString: null });
    const early = await events.readAll();
    const legacyCheckpoint = early[2].position;
    const legacy = new Database(join(dataDir, LEGACY_RELAY_FILE));
    legacy.exec('CREATE TABLE checkpoints (projection TEXT PRIMARY KEY, position INTEGER NOT NULL) STRICT');
    writeCheckpoint(legacy, LEGACY_RELAY_CHECKPOINT, legacyCheckpoint);
    legacy.close();

    const kafkaEnv = { KAFKA_BROKERS: kafka.brokers.join(',') };
    const api = await start(dataDir, { ...kafkaEnv, LEDGER_ROLES: 'api,projections', LEDGER_INSTANCE_ID: 'api-1' });
    const relay1 = await start(dataDir, { ...kafkaEnv, LEDGER_ROLES: 'relay', LEDGER_INSTANCE_ID: 'relay-1' });
    expect(relay1.output.join('')).toMatch(/instance relay-1, roles relay, probes and metrics only/);

    // The first leader found no shared checkpoint: it took the old file's, said so, and published only what came after.
    const caughtUp = await until('the relay to catch up', async () => {
      const view = (await get(api, '/admin/relay')).body;
      return view.checkpoint === view.head ? view : null;
    });
    expect(caughtUp).toMatchObject({ enabled: true, instanceId: 'api-1', relaying: false, leader: false, leaderInstanceId: 'relay-1' });
    expect(relay1.output.join('')).toContain(`starting from position ${legacyCheckpoint}, the checkpoint in`);
    expect(await kafka.messageCount(TOPICS)).toBe(early.length - 3);

    // The relay-only process: no API, probes and metrics with its instance id; the API process has no relay of its own.
    const refused = await get(relay1, '/projects/roles');
    expect(refused.status).toBe(404);
    expect(refused.body).toMatchObject({ code: 'not-found', message: expect.stringContaining('does not serve the API') });
    expect((await get(relay1, '/admin/relay')).status).toBe(404);
    expect((await get(relay1, '/health/live')).status).toBe(200);
    const ready = await get(relay1, '/health/ready');
    expect(ready.status).toBe(200);
    expect(Object.keys(ready.body.details).sort()).toEqual(['kafka', 'store']);
    expect(ready.body.details.kafka).toMatchObject({ status: 'up', leader: true, leaderInstanceId: 'relay-1', connected: true });
    const relayMetrics = parseExposition((await get(relay1, '/metrics')).body);
    expect(valueOf(relayMetrics, 'ledger_kafka_relay_leader', { instance_id: 'relay-1' })).toBe(1);
    expect(valueOf(relayMetrics, 'ledger_kafka_relay_up', { instance_id: 'relay-1' })).toBe(1);
    const apiMetrics = parseExposition((await get(api, '/metrics')).body);
    expect(valueOf(apiMetrics, 'ledger_kafka_relay_enabled', { instance_id: 'api-1' })).toBe(0);
    expect(Object.keys((await get(api, '/health/ready')).body.details).sort()).toEqual(['projections', 'store']);
    const logLine = relay1.output
      .join('')
      .split('\n')
      .find((line) => line.includes('leading the Kafka relay'));
    expect(JSON.parse(logLine ?? '{}')).toMatchObject({ instanceId: 'relay-1', context: 'KafkaRelay' });

    // A standby joins: it is ready, not leading, and sends nothing.
    const relay2 = await start(dataDir, { ...kafkaEnv, LEDGER_ROLES: 'relay', LEDGER_INSTANCE_ID: 'relay-2' });
    for (let i = 5; i < 15; i++) expect(await post(api, '/projects/roles/disbursements', disbursementBody(`r-${i}`, '1'))).toBe(201);
    const standby = await get(relay2, '/health/ready');
    expect(standby.status).toBe(200);
    expect(standby.body.details.kafka).toMatchObject({ status: 'up', leader: false, leaderInstanceId: 'relay-1', connected: false });
    expect(valueOf(parseExposition((await get(relay2, '/metrics')).body), 'ledger_kafka_relay_leader', { instance_id: 'relay-2' })).toBe(0);

    // SIGTERM: the leader releases the lease, and the standby takes over at once (well within a lease), from its checkpoint.
    await stop(relay1);
    expect(relay1.child.exitCode === 0 || relay1.child.signalCode === 'SIGTERM').toBe(true);
    const stoppedAt = performance.now();
    await until('the standby to lead', async () => (await get(relay2, '/health/ready')).body.details.kafka.leader === true);
    expect(performance.now() - stoppedAt).toBeLessThan(5000);
    for (let i = 15; i < 20; i++) expect(await post(api, '/projects/roles/disbursements', disbursementBody(`r-${i}`, '1'))).toBe(201);
    await until('the new leader to catch up', async () => {
      const view = (await get(api, '/admin/relay')).body;
      return view.checkpoint === view.head && view.leaderInstanceId === 'relay-2';
    });
    const all = await events.readAll();
    const published = all.filter((event) => event.position > legacyCheckpoint);
    const messages = await kafka.consume(TOPICS, (seen) => seen.length >= published.length);
    expect(messages.map((message) => message.value.eventId).sort()).toEqual(published.map((event) => event.id).sort());
    expect(await kafka.messageCount(TOPICS)).toBe(published.length);
    await events.close();
  }, 120_000);

  it('refuses api without projections at start, saying why', async () => {
    await expect(start(tempDataDir(), { LEDGER_ROLES: 'api,relay' })).rejects.toThrow(
      /exited with 2:[\s\S]*configuration error: LEDGER_ROLES: a process with api needs projections too/,
    );
  });
});
