import Database from 'better-sqlite3';
import { CHECKPOINTS_TABLE, readCheckpoint, writeCheckpoint } from '#background';
import { preparePrivateFile } from '#event-store';
import { EMPTY_TREE_HASH, consistencyPath, inclusionPath, isPowerOfTwo, leafHash, nodeHash, splitPoint } from './merkle.js';
import type { SignedTreeHead } from './tree-head.js';

/** The checkpoint name of the tree's follower in its file's checkpoints table. */
export const TREE_CHECKPOINT = 'merkle-tree';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS tree_leaves (
    leaf_index INTEGER PRIMARY KEY,
    position   INTEGER NOT NULL UNIQUE,
    event_id   TEXT    NOT NULL,
    hash       BLOB    NOT NULL
  ) STRICT;
  CREATE INDEX IF NOT EXISTS tree_leaves_by_event ON tree_leaves (event_id);
  CREATE TABLE IF NOT EXISTS tree_nodes (
    level      INTEGER NOT NULL,
    node_index INTEGER NOT NULL,
    hash       BLOB    NOT NULL,
    PRIMARY KEY (level, node_index)
  ) STRICT, WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS tree_heads (
    tree_size INTEGER PRIMARY KEY,
    root_hash TEXT NOT NULL,
    timestamp TEXT NOT NULL,
    key_id    TEXT NOT NULL,
    signature TEXT NOT NULL
  ) STRICT;
  ${CHECKPOINTS_TABLE}
`;

/** A leaf as the tree keeps it: its index, and where its event is in the store. */
export interface StoredLeaf {
  readonly leafIndex: number;
  readonly position: number;
  readonly eventId: string;
  readonly hash: Buffer;
}

export interface NewLeaf {
  readonly position: number;
  readonly eventId: string;
  readonly leaf: Buffer;
}

interface HeadRow {
  tree_size: number;
  root_hash: string;
  timestamp: string;
  key_id: string;
  signature: string;
}

const headOf = (row: HeadRow): SignedTreeHead => ({
  treeSize: row.tree_size,
  rootHash: row.root_hash,
  timestamp: row.timestamp,
  keyId: row.key_id,
  signature: row.signature,
});

/**
 * The ledger's Merkle tree, persisted incrementally in its own SQLite file:
 * every leaf hash (with the position and id of its event) and the hash of
 * every PERFECT subtree (2^level leaves starting at a multiple of 2^level),
 * written as the leaf that completes it arrives. Any subtree a proof needs
 * splits, as RFC 9162 splits, into at most log2(n) perfect ones, so a root,
 * an inclusion or a consistency proof is O(log² n) indexed reads at worst
 * (O(log n) subtrees of O(1) reads each): milliseconds on millions of leaves.
 * The follower's checkpoint is written in the transaction that adds the
 * leaves, so a crash never adds a leaf twice or skips one.
 *
 * The tree is a pure function of the log: every replica computes the same
 * roots, and deleting the file rebuilds it from the events (its heads,
 * being signatures with a time, are signed again).
 */
export class MerkleTreeStore {
  private readonly statements;
  /**
   * The last node written at each level (the tree's right edge): the left sibling the next leaves join
   * with, without reading it back. A node's hash never changes once written, so an entry stays true
   * whichever process wrote it; a miss reads the file.
   */
  private readonly rightEdge = new Map<number, { index: number; hash: Buffer }>();

  constructor(readonly db: Database.Database) {
    db.exec(SCHEMA);
    this.statements = {
      size: db.prepare<[], { size: number | null }>('SELECT max(leaf_index) + 1 AS size FROM tree_leaves'),
      leaf: db.prepare<[number], { leaf_index: number; position: number; event_id: string; hash: Buffer }>(
        'SELECT * FROM tree_leaves WHERE leaf_index = ?',
      ),
      leaves: db.prepare<[number, number], { leaf_index: number; position: number; event_id: string; hash: Buffer }>(
        'SELECT * FROM tree_leaves WHERE leaf_index >= ? ORDER BY leaf_index LIMIT ?',
      ),
      byEvent: db.prepare<[string], { leaf_index: number; position: number; event_id: string; hash: Buffer }>(
        'SELECT * FROM tree_leaves WHERE event_id = ? ORDER BY leaf_index LIMIT 1',
      ),
      countUpTo: db.prepare<[number], { count: number }>('SELECT count(*) AS count FROM tree_leaves WHERE position <= ?'),
      node: db.prepare<[number, number], { hash: Buffer }>('SELECT hash FROM tree_nodes WHERE level = ? AND node_index = ?'),
      insertLeaf: db.prepare<[number, number, string, Buffer]>(
        'INSERT INTO tree_leaves (leaf_index, position, event_id, hash) VALUES (?, ?, ?, ?)',
      ),
      insertNode: db.prepare<[number, number, Buffer]>('INSERT INTO tree_nodes (level, node_index, hash) VALUES (?, ?, ?)'),
      insertHead: db.prepare<[number, string, string, string, string]>(
        'INSERT OR IGNORE INTO tree_heads (tree_size, root_hash, timestamp, key_id, signature) VALUES (?, ?, ?, ?, ?)',
      ),
      head: db.prepare<[number], HeadRow>('SELECT * FROM tree_heads WHERE tree_size = ?'),
      allHeads: db.prepare<[], HeadRow>('SELECT * FROM tree_heads ORDER BY tree_size'),
      headsAfter: db.prepare<[number, number], HeadRow>('SELECT * FROM tree_heads WHERE tree_size > ? ORDER BY tree_size LIMIT ?'),
      latestHead: db.prepare<[], HeadRow>('SELECT * FROM tree_heads ORDER BY tree_size DESC LIMIT 1'),
    };
  }

  /** How many leaves the tree holds. */
  size(): number {
    return this.statements.size.get()?.size ?? 0;
  }

  /** How far through the log the tree has gone (the position of the last event it looked at, leaf or not). */
  checkpoint(): number {
    return readCheckpoint(this.db, TREE_CHECKPOINT);
  }

  /** The number of leaves whose events are at or before `position`. */
  sizeAtPosition(position: number): number {
    return this.statements.countUpTo.get(position)?.count ?? 0;
  }

  leaf(index: number): StoredLeaf | null {
    const row = this.statements.leaf.get(index);
    return row ? { leafIndex: row.leaf_index, position: row.position, eventId: row.event_id, hash: row.hash } : null;
  }

  /** Up to `count` leaves from `fromIndex` on. */
  leaves(fromIndex: number, count: number): StoredLeaf[] {
    return this.statements.leaves
      .all(fromIndex, count)
      .map((row) => ({ leafIndex: row.leaf_index, position: row.position, eventId: row.event_id, hash: row.hash }));
  }

  /** The (first) leaf of the event with this id, or null if the tree has not got it. */
  leafOfEvent(eventId: string): StoredLeaf | null {
    const row = this.statements.byEvent.get(eventId);
    return row ? { leafIndex: row.leaf_index, position: row.position, eventId: row.event_id, hash: row.hash } : null;
  }

  /**
   * Adds the leaves of a batch of events and advances the checkpoint to
   * `throughPosition`, in one transaction. Leaves at or before the stored
   * checkpoint are skipped (another process sharing the file added them):
   * returns the checkpoint after the call.
   */
  append(leaves: readonly NewLeaf[], throughPosition: number): number {
    return this.db
      .transaction(() => {
        const stored = this.checkpoint();
        if (throughPosition <= stored) return stored;
        let size = this.size();
        for (const { position, eventId, leaf } of leaves) {
          if (position <= stored) continue;
          let hash = leafHash(leaf);
          this.statements.insertLeaf.run(size, position, eventId, hash);
          // Each perfect subtree this leaf completes: while the node is a right child, join it with its left sibling.
          let level = 0;
          let index = size;
          for (; index % 2 === 1; level++, index = (index - 1) / 2) {
            const edge = this.rightEdge.get(level);
            const left = edge?.index === index - 1 ? edge.hash : this.perfect(level, index - 1);
            hash = nodeHash(left, hash);
            this.statements.insertNode.run(level + 1, (index - 1) / 2, hash);
          }
          // The node it ends at is a left child: the next right sibling at its level joins with it.
          this.rightEdge.set(level, { index, hash });
          size++;
        }
        writeCheckpoint(this.db, TREE_CHECKPOINT, throughPosition);
        return throughPosition;
      })
      .immediate();
  }

  /** The hash of the perfect subtree `index` at `level` (level 0: a leaf). */
  private perfect(level: number, index: number): Buffer {
    const row = level === 0 ? this.statements.leaf.get(index) : this.statements.node.get(level, index);
    if (!row) throw new Error(`the tree store lacks node ${index} at level ${level}`);
    return row.hash;
  }

  /** MTH(D[start:end]) for a range the RFC's split produces: a perfect subtree, or perfect ones on its left edge. */
  subtreeHash(start: number, end: number): Buffer {
    const n = end - start;
    if (n === 0) return EMPTY_TREE_HASH;
    if (isPowerOfTwo(n) && start % n === 0) return this.perfect(Math.log2(n), start / n);
    const k = splitPoint(n);
    return nodeHash(this.subtreeHash(start, start + k), this.subtreeHash(start + k, end));
  }

  /** The root of the tree of the first `size` leaves. */
  root(size = this.size()): Buffer {
    this.checkSize(size);
    return this.subtreeHash(0, size);
  }

  inclusionProof(index: number, size: number): Buffer[] {
    this.checkSize(size);
    return inclusionPath(index, size, (start, end) => this.subtreeHash(start, end));
  }

  consistencyProof(from: number, to: number): Buffer[] {
    this.checkSize(to);
    return consistencyPath(from, to, (start, end) => this.subtreeHash(start, end));
  }

  private checkSize(size: number): void {
    if (!(Number.isSafeInteger(size) && size >= 0 && size <= this.size()))
      throw new RangeError(`the tree holds ${this.size()} leaves, not ${size}`);
  }

  /** Keeps a signed head; the first head of a size stays (returned). */
  saveHead(head: SignedTreeHead): SignedTreeHead {
    this.statements.insertHead.run(head.treeSize, head.rootHash, head.timestamp, head.keyId, head.signature);
    return this.head(head.treeSize)!;
  }

  head(treeSize: number): SignedTreeHead | null {
    const row = this.statements.head.get(treeSize);
    return row ? headOf(row) : null;
  }

  /** Every signed head, smallest first. */
  heads(): SignedTreeHead[] {
    return this.statements.allHeads.all().map(headOf);
  }

  /** Up to `count` heads larger than `treeSize`, smallest first. */
  headsAfter(treeSize: number, count: number): SignedTreeHead[] {
    return this.statements.headsAfter.all(treeSize, count).map(headOf);
  }

  latestHead(): SignedTreeHead | null {
    const row = this.statements.latestHead.get();
    return row ? headOf(row) : null;
  }
}

/**
 * Opens (creating) the tree's SQLite file in WAL mode. The follower never waits synchronously for another
 * process's write lock (busy: it retries later); a reader may.
 */
export function openTreeDb(file: string, busyTimeoutMs = 0): Database.Database {
  preparePrivateFile(file);
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  // The leaves are a function of the log and rebuild from it; a head lost in a crash is signed again.
  db.pragma('synchronous = NORMAL');
  db.pragma(`busy_timeout = ${busyTimeoutMs}`);
  return db;
}
