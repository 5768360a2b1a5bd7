import type { KeyObject } from 'node:crypto';
import type { EventStore } from '#event-store';
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

export interface TreeVerification {
  /** True when the head's signature holds with the current key and the events as stored give its root. */
  readonly ok: boolean;
  readonly head: SignedTreeHead;
  /** Null when the head is signed by the current key; otherwise why not. */
  readonly signatureProblem: string | null;
  /** The root recomputed from the first head.treeSize ledger events as stored (hex). */
  readonly computedRoot: string;
  readonly rootMatches: boolean;
  /** Ledger events read (all of them, also those after the head). */
  readonly leaves: number;
  /** The first leaf, in leaf order, where the log and the tree store differ; null when none. */
  readonly firstDifference: LeafDifference | null;
}

/**
 * Checks the events as stored against a signed head: the head's signature
 * with the current public key, and the Merkle root of the first treeSize
 * ledger events, recomputed from the log (a page at a time; memory is
 * O(log n)). To name WHERE the log changed, each recomputed leaf hash is
 * compared with the one the tree store recorded when the event was first
 * seen: the first that differs (or is missing) is reported. Give it the
 * store itself, not an upcasting view.
 */
export async function verifyAgainstTreeHead(
  store: EventStore,
  tree: MerkleTreeStore,
  head: SignedTreeHead,
  publicKey: KeyObject,
  isLeaf: LeafFilter,
  options: { pageSize?: number; onProgress?: (position: number) => void } = {},
): Promise<TreeVerification> {
  const signatureProblem = checkTreeHeadSignature(head, publicKey);
  const pageSize = options.pageSize ?? 1000;
  const accumulator = new RootAccumulator();
  let firstDifference: LeafDifference | null = null;
  let index = 0;
  let computedRoot: Buffer | null = head.treeSize === 0 ? accumulator.root() : null;
  for (let after = 0; ;) {
    const page = await store.readAll({ after, maxCount: pageSize });
    if (page.length === 0) break;
    const ledger = page.filter(isLeaf);
    const recorded = new Map(tree.leaves(index, ledger.length).map((leaf) => [leaf.leafIndex, leaf]));
    for (const event of ledger) {
      const hash = leafHash(leafOfRecorded(event));
      if (index < head.treeSize) {
        accumulator.push(hash);
        if (accumulator.size === head.treeSize) computedRoot = accumulator.root();
      }
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
  }
  if (firstDifference === null && index < head.treeSize) {
    const stored = tree.leaf(index);
    firstDifference = {
      leafIndex: index,
      reason: 'leaf-missing',
      expected: stored && { eventId: stored.eventId, position: stored.position, leafHash: stored.hash.toString('hex') },
      found: null,
    };
  }
  computedRoot ??= accumulator.root();
  const rootMatches = index >= head.treeSize && computedRoot.toString('hex') === head.rootHash;
  return {
    ok: signatureProblem === null && rootMatches && firstDifference === null,
    head,
    signatureProblem,
    computedRoot: computedRoot.toString('hex'),
    rootMatches,
    leaves: index,
    firstDifference,
  };
}
