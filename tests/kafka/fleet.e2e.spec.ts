import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { FLEET_FILE } from '#api/infrastructure/data-files';
import { HARNESS_AUTH, startServerProcess } from '#bench/server-process';
import { openStoredEvents } from '#api/infrastructure/open-event-store';
import type { EventStore } from '#event-store';
import { EsdbDouble } from '#event-store/testing';
import { disbursementBody, pairBody, projectBody } from '../support/fixtures.js';
import { removeDataDirs, tempDataDir } from '../support/ledger-harness.js';
import { MockKafka } from '../support/kafka/mock-kafka.js';
import { type RelayLease, RelayLeaseReader, expectReplaysWithin, fleetOf } from '../support/kafka/relay-lease.js';

/**
 * Three relay-capable replicas on one store (the EventStoreDB double, each replica with its own DATA_DIR;
 * or one SQLite DATA_DIR shared by all three), the mock Kafka broker, and real faults: the leader killed
 * with SIGKILL mid-stream, then the next leader frozen with SIGSTOP past its lease and resumed.
 */

const TOPICS = ['commitments.partner-pairs', 'commitments.projects'];
const WRITERS = 4;
/**
 * Each writer's pause between its commands: at most 100 commands a second in all, so the phases (about 30 s, longer on
 * a loaded machine) write a few thousand events. The mock broker keeps 5 MiB per partition and drops the oldest
 * messages past that; unpaced, four writers on SQLite wrote 8,000+ and the test could not read its first ones back.
 */
const WRITE_INTERVAL_MS = 40;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Replica {
  readonly id: string;
  readonly child: ChildProcess;
  readonly url: string;
}

interface RelayView {
  instanceId: string;
  leader: boolean;
  leaderInstanceId: string | null;
  checkpoint: number;
  head: number;
  lag: number;
  expiresAt: string | null;
}

async function relayOf(replica: Replica): Promise<RelayView> {
  const reply = await fetch(`${replica.url}/admin/relay`, { headers: HARNESS_AUTH, signal: AbortSignal.timeout(5000) });
  return (await reply.json()) as RelayView;
}

async function post(replica: Replica, path: string, body: unknown): Promise<number> {
  const reply = await fetch(replica.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...HARNESS_AUTH },
    body: JSON.stringify(body),
  });
  await reply.arrayBuffer();
  return reply.status;
}

/**
 * Freezes a process with SIGSTOP at a moment it holds no write lock on the shared SQLite file of the
 * coordination store (a process frozen inside a write would hold every other process's writes too, which
 * SQLite cannot help, and is not the fault under test): if the file is locked right after the stop, the
 * process is resumed and stopped again a moment later.
 */
async function freeze(child: ChildProcess, fleetFile: string | null): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    child.kill('SIGSTOP');
    if (fleetFile === null) return;
    await pause(20);
    const db = new Database(fleetFile, { timeout: 0 });
    try {
      db.exec('BEGIN IMMEDIATE; ROLLBACK;');
      return;
    } catch (error) {
      if (attempt >= 50 || (error as { code?: string }).code !== 'SQLITE_BUSY') throw error;
    } finally {
      db.close();
    }
    child.kill('SIGCONT');
    await pause(37);
  }
}

async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe().catch(() => null);
    if (found) return found;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await pause(50);
  }
}

/** Commands arriving all the time: each writer posts to its own project, one at a time, round the replicas it is given. */
class Writers {
  private targets: Replica[] = [];
  private running = false;
  private loops: Promise<void>[] = [];
  private next = 0;
  acknowledged = 0;
  readonly refused: number[] = [];

  constructor(private readonly prefix: string) {}

  async setUp(replicas: readonly Replica[]): Promise<void> {
    for (let w = 0; w < WRITERS; w++) {
      const replica = replicas[w % replicas.length];
      expect(await post(replica, '/partner-pairs', pairBody(`${this.prefix}-pair-${w}`))).toBe(201);
      expect(await post(replica, '/projects', projectBody(`${this.prefix}-${w}`, `${this.prefix}-pair-${w}`, '1000000'))).toBe(201);
    }
  }

  start(targets: readonly Replica[]): void {
    this.targets = [...targets];
    if (this.running) return;
    this.running = true;
    this.loops = Array.from({ length: WRITERS }, async (_, w) => {
      for (let i = w; this.running; i++) {
        const replica = this.targets[i % this.targets.length];
        const paced = pause(WRITE_INTERVAL_MS);
        const status = await post(replica, `/projects/${this.prefix}-${w}/disbursements`, disbursementBody(`d-${this.next++}`, '1'));
        if (status === 201) this.acknowledged++;
        else this.refused.push(status);
        await paced;
      }
    });
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }
}

function describeFleet(store: 'esdb' | 'sqlite'): void {
  describe(`three relays on ${store === 'esdb' ? 'the EventStoreDB double' : 'one SQLite DATA_DIR'}`, () => {
    let kafka: MockKafka;
    let double: EsdbDouble | null = null;
    let replicas: Replica[] = [];
    let events: EventStore;
    let lease: RelayLeaseReader;
    const sharedDir = tempDataDir();

    const storeEnv = (): Record<string, string> => (double ? { EVENT_STORE: 'esdb', ESDB_CONNECTION_STRING: double.connectionString } : {});

    beforeAll(async () => {
      kafka = await MockKafka.start();
      if (store === 'esdb') double = await EsdbDouble.start();
      // One after the other: the first takes the lease, the others join as standbys.
      for (let r = 0; r < 3; r++) {
        const dataDir = store === 'esdb' ? tempDataDir() : sharedDir;
        const id = `${store}-replica-${r}`;
        const env = { KAFKA_BROKERS: kafka.brokers.join(','), LEDGER_INSTANCE_ID: id, ...storeEnv() };
        const { child, url } = await startServerProcess(dataDir, env);
        replicas.push({ id, child, url });
      }
      const fleet = fleetOf(sharedDir, storeEnv());
      events = await openStoredEvents(fleet);
      lease = await RelayLeaseReader.open(fleet);
    }, 120_000);

    afterAll(async () => {
      for (const { child } of replicas) {
        if (child.exitCode !== null || child.signalCode !== null) continue;
        child.kill('SIGKILL');
        await once(child, 'exit');
      }
      replicas = [];
      await lease?.close();
      await events?.close();
      await kafka?.stop();
      await double?.stop();
      await removeDataDirs();
    });

    /** The one replica every replica agrees holds the lease. */
    const leader = (among: readonly Replica[]) =>
      waitFor('one leader agreed on by every replica', async () => {
        const views = await Promise.all(among.map(relayOf));
        const leaders = views.filter((view) => view.leader);
        if (leaders.length !== 1 || views.some((view) => view.leaderInstanceId !== leaders[0].instanceId)) return null;
        return among.find((replica) => replica.id === leaders[0].instanceId);
      });

    const caughtUp = (timeoutMs = 30_000) =>
      waitFor(
        'the relay to publish up to the head',
        async () => {
          const [record, head] = [await lease.read(), await events.headPosition()];
          return record && record.value.data.checkpoint === head ? head : null;
        },
        timeoutMs,
      );

    it('publishes each event once, fails over within 15 s of a SIGKILL, and fences a leader frozen past its lease', async () => {
      // Every checkpoint the fleet stores, sampled as it goes: it never moves backwards.
      const samples: RelayLease[] = [];
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          const record = await lease.read().catch(() => null);
          if (record) samples.push(record);
          await pause(50);
        }
      })();
      try {
        const first = await leader(replicas);
        expect(first.id).toBe(`${store}-replica-0`);
        const writers = new Writers(`fleet-${store}`);
        await writers.setUp(replicas);

        // Steady state: commands on every replica, two standbys joined: each event exactly one message.
        writers.start(replicas);
        await waitFor('a steady stream', async () => writers.acknowledged >= 60);
        await writers.stop();
        const steadyHead = await caughtUp();
        const steadyEvents = (await events.readAll({ maxCount: 100_000 })).length;
        expect(await kafka.messageCount(TOPICS)).toBe(steadyEvents);

        // SIGKILL the leader mid-stream, while commands keep arriving on the two others.
        const survivors = replicas.filter((replica) => replica !== first);
        writers.start(survivors);
        await waitFor('the leader publishing the new commands, behind the head', async () => {
          const [record, head] = [await lease.read(), await events.headPosition()];
          const checkpoint = record?.value.data.checkpoint ?? 0;
          return checkpoint > steadyHead && head > checkpoint;
        });
        first.child.kill('SIGKILL');
        const killedAt = performance.now();
        await once(first.child, 'exit');
        expect(first.child.signalCode).toBe('SIGKILL');
        const atKill = (await lease.read()) as RelayLease;
        const headAtKill = await events.headPosition();
        expect(atKill.value.holder).toBe(first.id);
        expect(headAtKill).toBeGreaterThan(atKill.value.data.checkpoint);
        const second = await leader(survivors);
        const tookOverMs = performance.now() - killedAt;
        await waitFor(
          'publishing to resume',
          async () => ((await lease.read())?.value.data.checkpoint ?? 0) > atKill.value.data.checkpoint,
        );
        const resumedMs = performance.now() - killedAt;
        console.info(
          `[${store}] failover after SIGKILL of ${first.id}: ${second.id} took the lease after ${Math.round(tookOverMs)} ms, ` +
            `publishing resumed after ${Math.round(resumedMs)} ms`,
        );
        expect(tookOverMs).toBeLessThan(15_000);
        await pause(1000);

        // SIGSTOP the new leader past its lease; the last standby takes over; SIGCONT: it publishes nothing more.
        const [third] = survivors.filter((replica) => replica !== second);
        writers.start([third]);
        await pause(500);
        await freeze(second.child, double ? null : join(sharedDir, FLEET_FILE));
        const stoppedAt = performance.now();
        // A write already on its way lands or not within this pause; after it, the frozen leader can store nothing.
        await pause(300);
        const headAtStop = await events.headPosition();
        const atStop = (await lease.read()) as RelayLease;
        expect(atStop.value.holder).toBe(second.id);
        const takeover = await waitFor('the last standby to take over', async () => {
          const view = await relayOf(third);
          return view.leader ? view : null;
        });
        console.info(`[${store}] ${third.id} took over from the frozen ${second.id} after ${Math.round(performance.now() - stoppedAt)} ms`);
        expect(takeover.leaderInstanceId).toBe(third.id);
        // Commands go on after the takeover: events the frozen leader must never publish.
        await waitFor('events after the takeover', async () => (await events.headPosition()) > headAtStop);
        await pause(1000);
        second.child.kill('SIGCONT');
        const resumed = await waitFor('the resumed leader to stand by', async () => {
          const view = await relayOf(second);
          return !view.leader && view.leaderInstanceId === third.id ? view : null;
        });
        expect(resumed.instanceId).toBe(second.id);
        await pause(2000);
        await writers.stop();
        expect(writers.refused).toEqual([]);
        await caughtUp();
        expect((await relayOf(third)).leader).toBe(true);
        expect((await relayOf(second)).leader).toBe(false);

        // Every event arrived; per key, revisions only go up except one replay after each leader's stored checkpoint.
        const stored = await events.readAll({ maxCount: 100_000 });
        const ids = stored.map((event) => event.id);
        // The broker still holds every message it was sent (past its limit it drops the oldest: see WRITE_INTERVAL_MS).
        expect(await kafka.trimmed(TOPICS)).toEqual([]);
        const messages = await kafka.consumeEvents(TOPICS, ids, 120_000);
        expect([...new Set(messages.map((m) => m.value.eventId))].sort()).toEqual([...ids].sort());
        expect(await kafka.messageCount(TOPICS)).toBe(messages.length);
        const repeated = expectReplaysWithin(messages, [
          { after: atKill.value.data.checkpoint, notAfter: headAtKill },
          { after: atStop.value.data.checkpoint, notAfter: headAtStop },
        ]);
        console.info(`[${store}] ${ids.length} events, ${messages.length} messages, ${repeated.size} sent twice`);
      } finally {
        sampling = false;
        await sampler;
      }
      const regressions = samples.filter((sample, i) => i > 0 && sample.value.data.checkpoint < samples[i - 1].value.data.checkpoint);
      expect(samples.length).toBeGreaterThan(100);
      expect(regressions).toEqual([]);
      // Each takeover is one more epoch, never back.
      expect(samples.every((sample, i) => i === 0 || sample.value.epoch >= samples[i - 1].value.epoch)).toBe(true);
    }, 240_000);
  });
}

describeFleet('esdb');
describeFleet('sqlite');
