import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { EVENTS_FILE } from '#api/infrastructure/data-files';
import { disbursementBody, pairBody, projectBody } from '../support/fixtures.js';
import { HARNESS_AUTH, LedgerUnderTest, removeDataDirs, tempDataDir } from '../support/ledger-harness.js';
import { type ConsumedMessage, MockKafka } from '../support/kafka/mock-kafka.js';
import { startServerProcess } from '#bench/server-process';
import { RelayLeaseReader, expectReplaysWithin, fleetOf } from '../support/kafka/relay-lease.js';
import { scenario } from '../support/scenario.js';

const TOPICS = ['commitments.partner-pairs', 'commitments.projects'];

let kafka: MockKafka;
const running: LedgerUnderTest[] = [];
const children: ChildProcess[] = [];
beforeEach(async () => {
  kafka = await MockKafka.start();
});
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) await kill(child);
  await Promise.all(running.splice(0).map((api) => api.stop()));
  await kafka.stop();
});
afterAll(removeDataDirs);

async function startLedger(dataDir = tempDataDir()): Promise<LedgerUnderTest> {
  const api = await LedgerUnderTest.start(dataDir, { KAFKA_BROKERS: kafka.brokers.join(',') });
  running.push(api);
  return api;
}

/** Waits until the relay has published everything up to the store's head. */
async function relayCaughtUp(api: LedgerUnderTest, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const status = (await api.get('/admin/relay')).body;
    if (status.lag === 0 && status.checkpoint > 0) return;
    if (Date.now() > until) throw new Error(`relay still behind: ${JSON.stringify(status)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function storedEventIds(api: LedgerUnderTest): Promise<string[]> {
  const events = await api.events.readAll({ maxCount: 100_000 });
  return events.map((event) => event.id);
}

/** Every key's events in revision order, judged by first delivery (a redelivery may repeat, never reorder). */
function expectPerKeyOrder(messages: ConsumedMessage[]): void {
  const seen = new Set<string>();
  const lastRevision = new Map<string, number>();
  for (const { value } of messages) {
    if (seen.has(value.eventId)) continue;
    seen.add(value.eventId);
    const previous = lastRevision.get(value.streamId) ?? -1;
    expect(value.revision).toBe(previous + 1);
    lastRevision.set(value.streamId, value.revision);
  }
}

describe('Kafka relay', () => {
  it('publishes every event exactly once, keyed and in order, with its envelope and headers', async () => {
    const api = await startLedger();
    for (const command of scenario(3, 3)) await api.post(command.path, command.body);
    await relayCaughtUp(api);
    // Operators see the relay beside the read-model projections too.
    const head = await api.head();
    expect((await api.get('/admin/projections')).body.relay).toMatchObject({ enabled: true, checkpoint: head, head, lag: 0 });
    const ids = await storedEventIds(api);
    const messages = await kafka.consume(TOPICS, (all) => all.length >= ids.length);
    expect(messages.map((m) => m.value.eventId).sort()).toEqual([...ids].sort());
    // Nothing more in the topics than what was consumed: exactly once.
    expect(await kafka.messageCount(TOPICS)).toBe(ids.length);
    expectPerKeyOrder(messages);

    const signing = messages.find((m) => m.value.type === 'ProjectSigned') as ConsumedMessage;
    expect(signing.topic).toBe('commitments.projects');
    expect(signing.key).toBe((signing.value.data as { projectId: string }).projectId);
    expect(Object.keys(signing.value).sort()).toEqual([
      'data',
      'eventId',
      'metadata',
      'position',
      'recordedAt',
      'revision',
      'schemaVersion',
      'streamId',
      'type',
    ]);
    expect(signing.headers).toEqual({
      'event-type': 'ProjectSigned',
      'event-id': signing.value.eventId,
      'schema-version': '1',
      'correlation-id': (signing.value.metadata as { correlationId: string }).correlationId,
      'content-type': 'application/json',
    });
    const pair = messages.find((m) => m.value.type === 'PartnerPairRegistered') as ConsumedMessage;
    expect([pair.topic, pair.key]).toEqual(['commitments.partner-pairs', (pair.value.data as { pairId: string }).pairId]);
  }, 90_000);

  it('keeps accepting commands while the broker is down, then publishes everything it missed', async () => {
    const api = await startLedger();
    await api.post('/partner-pairs', pairBody('outage-pair'));
    await api.post('/projects', projectBody('outage', 'outage-pair', '1000'));
    await relayCaughtUp(api);
    await kafka.down();
    for (let i = 0; i < 20; i++)
      expect((await api.post('/projects/outage/disbursements', disbursementBody(`o-${i}`, '1'))).status).toBe(201);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await api.get('/admin/relay')).body.lag).toBeGreaterThan(0);
    await kafka.up();
    await relayCaughtUp(api);
    const ids = await storedEventIds(api);
    const messages = await kafka.consumeEvents(TOPICS, ids);
    expect([...new Set(messages.map((m) => m.value.eventId))].sort()).toEqual([...ids].sort());
    expectPerKeyOrder(messages);
  }, 90_000);

  it('loses nothing when the relay is killed mid-stream (SIGKILL): only what came after its stored checkpoint is sent again', async () => {
    const dataDir = tempDataDir();
    const server = await startServerProcess(dataDir, { KAFKA_BROKERS: kafka.brokers.join(',') });
    children.push(server.child);
    const post = (path: string, body: unknown) =>
      fetch(server.url + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...HARNESS_AUTH },
        body: JSON.stringify(body),
      });
    await post('/partner-pairs', pairBody('kill-pair'));
    await post('/projects', projectBody('kill', 'kill-pair', '100000'));
    let acknowledged = 0;
    const posting = Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        post('/projects/kill/disbursements', disbursementBody(`k-${i}`, '1'))
          .then((reply) => void (reply.status === 201 && acknowledged++))
          .catch(() => undefined),
      ),
    );
    // Kill once the relay has published part of the stream and is behind, while commands are still arriving. The process
    // is frozen (SIGSTOP) first, so the stored checkpoint and the head can be read as they will be at the kill: if the
    // relay caught up in the meantime, it goes on (SIGCONT) and the test tries again a little later.
    const events = new Database(join(dataDir, EVENTS_FILE), { readonly: true });
    const lease = await RelayLeaseReader.open(fleetOf(dataDir));
    let checkpoint: number;
    let head: number;
    for (;;) {
      const relay = (await (await fetch(`${server.url}/admin/relay`, { headers: HARNESS_AUTH })).json()) as {
        checkpoint: number;
        lag: number;
      };
      if (relay.checkpoint > 0 && relay.lag > 0 && acknowledged >= 100) {
        server.child.kill('SIGSTOP');
        // The checkpoint the frozen relay stored: nothing can move it now, until the next relay takes the lease.
        checkpoint = (await lease.read())?.value.data.checkpoint ?? 0;
        head = (events.prepare('SELECT max(position) AS head FROM events').get() as { head: number }).head;
        if (checkpoint > 0 && checkpoint < head) break;
        server.child.kill('SIGCONT');
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await kill(server.child);
    expect(server.child.signalCode).toBe('SIGKILL');
    await lease.close();
    events.close();
    await posting;

    const api = await startLedger(dataDir);
    // Behind when it died: the store holds events after the checkpoint it stored.
    expect(await api.head()).toBeGreaterThanOrEqual(head);
    expect(head).toBeGreaterThan(checkpoint);
    await relayCaughtUp(api);
    const ids = await storedEventIds(api);
    expect(ids.length).toBeGreaterThanOrEqual(102);
    const messages = await kafka.consumeEvents(TOPICS, ids);
    expect([...new Set(messages.map((m) => m.value.eventId))].sort()).toEqual([...ids].sort());
    // Every event sent twice lies after that checkpoint, in one replay per key: it resumed from there, not from the start.
    expectReplaysWithin(messages, [{ after: checkpoint }]);
    expectPerKeyOrder(messages);
  }, 90_000);
});

async function kill(child: ChildProcess): Promise<void> {
  child.kill('SIGKILL');
  if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
}
