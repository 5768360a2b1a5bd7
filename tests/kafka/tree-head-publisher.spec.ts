import { type KeyObject, createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { TREE_HEADS_CHECKPOINT, TreeHeadPublisher } from '#api/infrastructure/tree-head-publisher';
import { writeCheckpoint } from '#background';
import { type CoordinationStore, type ExpectedVersion, FencedLease, type FleetValue } from '#fleet';
import { SqliteCoordinationStore } from '#fleet/sqlite';
import { RELAY_LEASE_KEY, type RelayLeaseData, relayLeadership } from '#kafka-relay';
import { MerkleTreeStore, keyIdOf, openTreeDb, signTreeHead } from '#transparency';
import { removeDataDirs, tempDataDir } from '../support/ledger-harness.js';
import { MockKafka } from '../support/kafka/mock-kafka.js';

/**
 * The tree-head publisher under the relay's lease, in one process: two instances (each its own tree file and key,
 * as on EventStoreDB with a DATA_DIR per process) on one coordination store, real leases (short ones), the mock
 * broker, and a leader cut off from the coordination store, so that its lease runs out by its own clock while
 * nobody has yet written the record: it must look before each send, not only learn from a failed write.
 */

const PREFIX = 'publisher-spec.';
const TOPIC = `${PREFIX}tree-heads`;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The coordination store as one instance reaches it: `cut` makes every read and write fail, as a partition would. */
class Reachable implements CoordinationStore {
  cut = false;
  constructor(private readonly store: CoordinationStore) {}
  read(key: string) {
    if (this.cut) return Promise.reject(new Error('coordination store unreachable'));
    return this.store.read(key);
  }
  compareAndSet<T extends FleetValue>(key: string, expected: ExpectedVersion, value: T) {
    if (this.cut) return Promise.reject(new Error('coordination store unreachable'));
    return this.store.compareAndSet(key, expected, value);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** One instance: its tree file, its signing key, its lease on the shared store, its publisher. */
class Instance {
  readonly db: Database.Database;
  readonly tree: MerkleTreeStore;
  readonly key: KeyObject = generateKeyPairSync('ed25519').privateKey;
  readonly store: Reachable;
  readonly lease: FencedLease<RelayLeaseData>;
  readonly publisher: TreeHeadPublisher;
  private readonly running = new AbortController();
  private term: Promise<AbortSignal> | null = null;

  constructor(
    readonly id: string,
    shared: CoordinationStore,
    brokers: string[],
  ) {
    this.db = openTreeDb(join(tempDataDir(), 'merkle-tree.sqlite'));
    this.tree = new MerkleTreeStore(this.db);
    this.store = new Reachable(shared);
    // A lease of 1.2 s renewed every 300 ms, trusted until 300 ms before it runs out: the production rule, faster.
    this.lease = new FencedLease<RelayLeaseData>(this.store, {
      key: RELAY_LEASE_KEY,
      instanceId: id,
      leaseMs: 1200,
      renewEveryMs: 300,
      safetyMarginMs: 300,
      pollMs: 50,
      initialData: () => ({ checkpoint: 0 }),
    });
    this.publisher = new TreeHeadPublisher(this.tree, this.db, {
      leadership: relayLeadership(this.lease),
      brokers,
      topicPrefix: PREFIX,
      pollMs: 50,
    });
  }

  get keyId(): string {
    return keyIdOf(createPublicKey(this.key));
  }

  /** Stands for the lease (as the relay does) and starts the publisher beside it; resolves once it leads. */
  async start(): Promise<void> {
    this.term = this.lease.acquire(this.running.signal);
    this.publisher.start();
  }

  leads(): Promise<AbortSignal> {
    return this.term ?? Promise.reject(new Error(`${this.id} was not started`));
  }

  /** The log grew by `count` events: the tree takes them in and signs a head of its new size. */
  grow(from: number, count: number): void {
    const leaves = Array.from({ length: count }, (_, i) => ({
      position: from + i + 1,
      eventId: `event-${from + i + 1}`,
      leaf: createHash('sha256')
        .update(`leaf ${from + i + 1}`)
        .digest(),
    }));
    this.tree.append(leaves, from + count);
    const treeSize = this.tree.size();
    this.tree.saveHead(
      signTreeHead(this.key, { treeSize, rootHash: this.tree.root(treeSize).toString('hex'), timestamp: new Date().toISOString() }),
    );
  }

  async stop(): Promise<void> {
    this.running.abort();
    await this.publisher.stop();
    this.store.cut = false;
    await this.lease.release();
    this.db.close();
  }
}

describe('the tree-head publisher under the relay lease', () => {
  let kafka: MockKafka;
  let shared: SqliteCoordinationStore;
  const instances: Instance[] = [];
  beforeAll(async () => {
    kafka = await MockKafka.start();
    shared = new SqliteCoordinationStore(join(tempDataDir(), 'fleet.sqlite'));
  });
  afterAll(async () => {
    for (const instance of instances) await instance.stop();
    await shared?.close();
    await kafka?.stop();
    await removeDataDirs();
  });

  /** The heads on the topic, in its order, once it holds `count` of them. */
  const published = async (count: number) =>
    (await kafka.consume([TOPIC], (all) => all.length >= count)).map(
      (message) => message.value as unknown as { treeSize: number; keyId: string },
    );

  it('sends only while its lease holds by its own clock, and the next leader goes on from the checkpoint in the lease', async () => {
    const a = new Instance('a', shared, kafka.brokers);
    const b = new Instance('b', shared, kafka.brokers);
    instances.push(a, b);
    // Both trees take in the same log; heads of size 1 and 2 exist, and a's file says the release before the shared
    // checkpoint published up to 1 (the lease record has no tree-heads checkpoint yet).
    for (const instance of [a, b]) {
      instance.grow(0, 1);
      instance.grow(1, 1);
    }
    writeCheckpoint(a.db, TREE_HEADS_CHECKPOINT, 1);
    await a.start();
    await a.leads();
    await b.start();
    expect(await published(1)).toEqual([expect.objectContaining({ treeSize: 2, keyId: a.keyId })]);
    await expectLease({ holder: 'a', treeHeadsCheckpoint: 2 });

    // a loses the coordination store: its lease runs out by its own clock before anyone writes the record.
    a.store.cut = true;
    const leadership = relayLeadership(a.lease);
    while (leadership.isLeading()) await pause(10);
    // Heads a has not sent: it must not send them now.
    for (const instance of [a, b]) instance.grow(2, 2);
    await b.leads();
    const afterTakeover = await published(2);
    await pause(500);
    expect(await kafka.messageCount([TOPIC])).toBe(2);
    expect(afterTakeover).toEqual([
      expect.objectContaining({ treeSize: 2, keyId: a.keyId }),
      expect.objectContaining({ treeSize: 4, keyId: b.keyId }),
    ]);

    // a reaches the store again: its next write fails on the fence and it stays out; b goes on.
    a.store.cut = false;
    for (const instance of [a, b]) instance.grow(4, 2);
    const heads = await published(3);
    await pause(500);
    expect(await kafka.messageCount([TOPIC])).toBe(3);
    expect(heads.map((head) => [head.treeSize, head.keyId])).toEqual([
      [2, a.keyId],
      [4, b.keyId],
      [6, b.keyId],
    ]);
    await expectLease({ holder: 'b', treeHeadsCheckpoint: 6 });
    expect(a.lease.held).toBe(false);
  }, 60_000);

  async function expectLease(expected: { holder: string; treeHeadsCheckpoint: number }): Promise<void> {
    const until = Date.now() + 10_000;
    for (;;) {
      const record = await shared.read(RELAY_LEASE_KEY);
      const value = record?.value as { holder: string; data: RelayLeaseData } | undefined;
      const seen = { holder: value?.holder, treeHeadsCheckpoint: value?.data.treeHeadsCheckpoint };
      if (seen.holder === expected.holder && seen.treeHeadsCheckpoint === expected.treeHeadsCheckpoint) return;
      if (Date.now() > until) expect(seen).toEqual(expected);
      await pause(20);
    }
  }
});
