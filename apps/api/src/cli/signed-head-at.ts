import { join } from 'node:path';
import type { EventStore } from '#event-store';
import { MerkleTreeStore, type SignedTreeHead, TreeFollower, loadOrCreateSigningKey, openTreeDb } from '#transparency';
import type { LedgerConfig } from '../config.js';
import { TREE_FILE } from '../infrastructure/data-files.js';
import { LEDGER_LEAVES } from '../infrastructure/ledger-leaves.js';

/**
 * The signed head of the ledger events up to `position`, for a CLI command
 * that runs without the API: it brings the Merkle tree in DATA_DIR up to that
 * position itself (a page at a time; the API's follower, if one runs on the
 * same file, skips what this one added), then signs (or finds) the head.
 */
export async function signedHeadAt(
  config: LedgerConfig,
  store: EventStore,
  position: number,
  warn: (message: string) => void,
): Promise<SignedTreeHead> {
  const key = loadOrCreateSigningKey(config.treeSigningKeyFile, warn);
  const db = openTreeDb(join(config.dataDir, TREE_FILE), 10_000);
  try {
    const tree = new MerkleTreeStore(db);
    const follower = new TreeFollower(store, tree, LEDGER_LEAVES, key.privateKey, {
      everyEvents: config.treeHeadEveryEvents,
      everyMs: config.treeHeadEveryMs,
    });
    while (follower.position < position) {
      const page = await store.readAll({ after: follower.position, maxCount: 1000 });
      if (page.length === 0) break;
      follower.applyBatch(page);
    }
    return follower.signHead(tree.sizeAtPosition(position));
  } finally {
    db.close();
  }
}
