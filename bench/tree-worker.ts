import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { SqliteEventStore } from '#event-store/sqlite';
import { LEDGER_LEAVES } from '#api/infrastructure/ledger-leaves';
import { MerkleTreeStore, TreeFollower, openTreeDb, verifyConsistency, verifyInclusion } from '#transparency';

/**
 * The verifiable ledger on a large store, in its own process:
 *   node tree-worker.js <dataDir>
 * Builds the Merkle tree over every event of DATA_DIR/events.sqlite from
 * nothing, a batch of 1000 at a time as the API's follower does (events/s:
 * what the follower can keep up with; divided into the command rate, the
 * share of one core the tree costs the write path), then times roots,
 * inclusion proofs and consistency proofs at random sizes on the full tree
 * (each checked, so a wrong proof cannot look fast). Prints one JSON line.
 */
async function main(): Promise<void> {
  const [dataDir] = process.argv.slice(2);
  const store = new SqliteEventStore(join(dataDir, 'events.sqlite'));
  const db = openTreeDb(join(dataDir, 'merkle-tree.sqlite'));
  const tree = new MerkleTreeStore(db);
  const { privateKey } = generateKeyPairSync('ed25519');
  const follower = new TreeFollower(store, tree, LEDGER_LEAVES, privateKey, { everyEvents: 1000, everyMs: 60_000 });

  const started = performance.now();
  let events = 0;
  for (;;) {
    const page = await store.readAll({ after: follower.position, maxCount: 1000 });
    if (page.length === 0) break;
    follower.applyBatch(page);
    events += page.length;
  }
  const buildSeconds = (performance.now() - started) / 1000;
  const size = tree.size();

  const timed = (count: number, one: () => void): { p50Ms: number; p99Ms: number } => {
    const times: number[] = [];
    for (let i = 0; i < count; i++) {
      const t = performance.now();
      one();
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    return { p50Ms: times[Math.floor(count / 2)], p99Ms: times[Math.floor(count * 0.99)] };
  };
  const random = (n: number) => Math.floor(Math.random() * n);
  const fullRoot = tree.root(size);
  const inclusion = timed(1000, () => {
    const index = random(size);
    const path = tree.inclusionProof(index, size);
    const leaf = tree.leaf(index)!;
    if (!verifyInclusion(index, size, leaf.hash, path, fullRoot).ok)
      throw new Error(`the inclusion proof of leaf ${index} does not verify`);
  });
  const consistency = timed(1000, () => {
    const from = 1 + random(size - 1);
    const proof = tree.consistencyProof(from, size);
    if (!verifyConsistency(from, size, tree.root(from), fullRoot, proof).ok)
      throw new Error(`the consistency proof from ${from} does not verify`);
  });
  const root = timed(1000, () => tree.root(1 + random(size)));
  db.close();
  await store.close();
  console.log(
    JSON.stringify({
      events,
      leaves: size,
      buildSeconds,
      eventsPerSecond: events / buildSeconds,
      inclusion,
      consistency,
      root,
      maxRssMb: process.resourceUsage().maxRSS / 1024,
    }),
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
