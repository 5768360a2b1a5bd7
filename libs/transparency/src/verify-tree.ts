import type { KeyObject } from 'node:crypto';
import { type EventStore, yieldToEventLoop } from '#event-store';
import { type LeafFilter, leafOfRecorded } from './leaf.js';
import { RootAccumulator, leafHash } from './merkle.js';
import { type SignedTreeHead, checkTreeHeadSignature } from './tree-head.js';
import type { MerkleTreeStore } from './tree-store.js';

/** The first leaf where the events as stored and the tree disagree. */
export interface LeafDifference {
  readonly leafIndex: number;
  /**
   * leaf-mismatch: the event at this leaf index is not the one the tree holds (changed, reordered, or another took its place);
   * leaf-missing: the log has fewer ledger events than the head covers: this leaf and those after it are gone.
   */
  readonly reason: 'leaf-mismatch' | 'leaf-missing';
  /** The event the tree recorded at this index (its id and position when it was added). */
  readonly expected: { readonly eventId: string; readonly position: number; readonly leafHash: string } | null;
  /** The event the log holds at this index now, or null when it holds none. */
  readonly found: {
    readonly eventId: string;
    readonly position: number;
    readonly streamId: string;
    readonly revision: number;
    readonly leafHash: string;
  } | null;
}

/** A signed head the events as stored no longer bear out. */
export interface BadTreeHead {
  readonly treeSize: number;
  readonly timestamp: string;
  readonly keyId: string;
  /**
   * signature-invalid: the head is not signed by the current key (the key was replaced, or the head was forged);
   * root-mismatch: the first treeSize ledger events as stored do not give the head's root (or there are fewer).
   */
  readonly reason: 'signature-invalid' | 'root-mismatch';
  readonly detail: string;
}

export interface TreeVerification {
  /** True when every head verifies with the current key and the events as stored give every head's root. */
  readonly ok: boolean;
  /** Signed heads checked (every head the tree store holds). */
  readonly heads: number;
  readonly latestHead: SignedTreeHead | null;
  /** Ledger events read (all of them, also those after the latest head). */
  readonly leaves: number;
  /** The smallest head that fails, or null. */
  readonly firstBadHead: BadTreeHead | null;
  /** The first leaf, in leaf order, where the log and the tree store differ; null when none. */
  readonly firstDifference: LeafDifference | null;
}

/**
 * Checks the events as stored against the signed heads (each head's
 * signature with the current public key, and the Merkle root of the first
 * treeSize ledger events, recomputed from the log a page at a time: memory
 * is O(log n) plus the heads). To name WHERE the log changed, each
 * recomputed leaf hash is compared with the one the tree store recorded
 * when the event was first seen: the first that differs (or is missing) is
 * reported. Give it the store itself, not an upcasting view, and heads read
 * BEFORE the call (a head signed while the log is read may cover events the
 * read has passed).
 */
export async function verifyAgainstTreeHeads(
  store: EventStore,
  tree: MerkleTreeStore,
  heads: readonly SignedTreeHead[],
  publicKey: KeyObject,
  isLeaf: LeafFilter,
  options: { pageSize?: number; onProgress?: (position: number) => void } = {},
): Promise<TreeVerification> {
  const sorted = [...heads].sort((a, b) => a.treeSize - b.treeSize);
  const pageSize = options.pageSize ?? 250;
  const accumulator = new RootAccumulator();
  let firstBadHead: BadTreeHead | null = null;
  let firstDifference: LeafDifference | null = null;
  let next = 0;
  const bad = (head: SignedTreeHead, reason: BadTreeHead['reason'], detail: string): void => {
    firstBadHead ??= { treeSize: head.treeSize, timestamp: head.timestamp, keyId: head.keyId, reason, detail };
  };
  const checkHeadsUpTo = (size: number): void => {
    for (; next < sorted.length && sorted[next].treeSize <= size; next++) {
      const head = sorted[next];
      const problem = checkTreeHeadSignature(head, publicKey);
      // Called as the accumulator reaches each size: a head of this size is checked against the root of exactly its leaves.
      if (problem !== null) bad(head, 'signature-invalid', problem);
      else if (accumulator.root().toString('hex') !== head.rootHash)
        bad(
          head,
          'root-mismatch',
          `the first ${head.treeSize} ledger events give root ${accumulator.root().toString('hex')}, the head says ${head.rootHash}`,
        );
    }
  };
  checkHeadsUpTo(0);
  // Leaves the tree held before the log is read: their events were in the log then, so the read must meet them.
  const treeSizeAtStart = tree.size();
  let index = 0;
  let after = 0;
  for (;;) {
    const page = await store.readAll({ after, maxCount: pageSize });
    if (page.length === 0) break;
    const ledger = page.filter(isLeaf);
    const recorded = new Map(tree.leaves(index, ledger.length).map((leaf) => [leaf.leafIndex, leaf]));
    for (const event of ledger) {
      const hash = leafHash(leafOfRecorded(event));
      accumulator.push(hash);
      checkHeadsUpTo(accumulator.size);
      const stored = recorded.get(index);
      if (firstDifference === null && stored !== undefined && !stored.hash.equals(hash)) {
        firstDifference = {
          leafIndex: index,
          reason: 'leaf-mismatch',
          expected: { eventId: stored.eventId, position: stored.position, leafHash: stored.hash.toString('hex') },
          found: {
            eventId: event.id,
            position: event.position,
            streamId: event.streamId,
            revision: event.revision,
            leafHash: hash.toString('hex'),
          },
        };
      }
      index++;
    }
    after = page[page.length - 1].position;
    options.onProgress?.(after);
    // A page read from a synchronous store answers its await at once: without a turn here the whole log is one stretch.
    await yieldToEventLoop();
  }
  // Heads larger than the log: their leaves are gone.
  for (; next < sorted.length; next++) {
    const head = sorted[next];
    const problem = checkTreeHeadSignature(head, publicKey);
    if (problem !== null) bad(head, 'signature-invalid', problem);
    else bad(head, 'root-mismatch', `the head covers ${head.treeSize} ledger events, the store holds ${index}`);
  }
  // A leaf the tree took from an event the log no longer holds.
  const stored = index < treeSizeAtStart ? tree.leaf(index) : null;
  if (firstDifference === null && stored !== null) {
    firstDifference = {
      leafIndex: index,
      reason: 'leaf-missing',
      expected: { eventId: stored.eventId, position: stored.position, leafHash: stored.hash.toString('hex') },
      found: null,
    };
  }
  return {
    ok: firstBadHead === null && firstDifference === null,
    heads: sorted.length,
    latestHead: sorted[sorted.length - 1] ?? null,
    leaves: index,
    firstBadHead,
    firstDifference,
  };
}
