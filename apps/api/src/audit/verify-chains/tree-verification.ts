import { type ChainVerification, type EventStore, verifyHashChains } from '#event-store';
import { type MerkleTreeStore, type TreeSigningKey, type TreeVerification, verifyAgainstTreeHeads } from '#transparency';
import { LEDGER_LEAVES } from '../../infrastructure/ledger-leaves.js';

export interface LedgerVerification extends ChainVerification {
  /** The check against the signed tree heads; null when verifying one stream (heads cover the whole log). */
  readonly treeHeads: TreeVerification | null;
}

/**
 * What GET /audit/verify and `cli verify` answer: every stream's hash chain
 * and, for the whole log, every signed tree head (signature with the current
 * key, root recomputed from the events as stored, and the first leaf that
 * differs from the tree store's record). `ok` only when both hold.
 */
export async function verifyLedger(
  store: EventStore,
  transparency: { readonly tree: MerkleTreeStore; readonly key: Pick<TreeSigningKey, 'publicKey'> } | null,
  options: { streamId?: string; onProgress?: (position: number) => void } = {},
): Promise<LedgerVerification> {
  // The heads first: one signed while the log is read could cover events the read has passed.
  const heads = options.streamId === undefined && transparency ? transparency.tree.heads() : null;
  const chains = await verifyHashChains(store, {
    streamId: options.streamId,
    onProgress: options.onProgress && (({ position }) => options.onProgress!(position)),
  });
  if (heads === null || transparency === null) return { ...chains, treeHeads: null };
  const treeHeads = await verifyAgainstTreeHeads(store, transparency.tree, heads, transparency.key.publicKey, LEDGER_LEAVES);
  return { ...chains, ok: chains.ok && treeHeads.ok, treeHeads };
}
