import { createHash } from 'node:crypto';

/**
 * The Merkle tree of RFC 9162 (Certificate Transparency v2) §2.1, over a
 * list of leaves D[0..n): the hash of a leaf is SHA-256(0x00 ‖ leaf), of an
 * inner node SHA-256(0x01 ‖ left ‖ right), and the tree of n > 1 leaves
 * splits at k, the largest power of two smaller than n: MTH(D[n]) =
 * H(0x01 ‖ MTH(D[0:k]) ‖ MTH(D[k:n])). The empty tree's hash is SHA-256 of
 * nothing. Inclusion proofs (§2.1.3) and consistency proofs (§2.1.4) are
 * built from a function that gives MTH of any subtree the proofs need; the
 * verifications are the RFC's own algorithms (§2.1.3.2, §2.1.4.2).
 *
 * Pure: no storage, no clock. Sizes and indexes are JavaScript numbers
 * (whole, below 2^53): every shift below is an integer division, never a
 * 32-bit bit operation.
 */

const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

/** SHA-256(0x00 ‖ leaf). */
export function leafHash(leaf: Uint8Array): Buffer {
  return createHash('sha256').update(LEAF_PREFIX).update(leaf).digest();
}

/** SHA-256(0x01 ‖ left ‖ right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();
}

/** MTH({}): the hash of the empty tree, SHA-256 of the empty string. */
export const EMPTY_TREE_HASH: Buffer = createHash('sha256').digest();

/** k: the largest power of two smaller than n (n > 1). */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

export function isPowerOfTwo(n: number): boolean {
  return n >= 1 && splitPoint(n + 1) === n;
}

/** MTH(D[start:end]) of the tree being proved, for the ranges the proofs below ask for. */
export type SubtreeHash = (start: number, end: number) => Buffer;

/**
 * The root of a tree grown one leaf hash at a time, holding only the perfect
 * subtrees on its right edge (at most log2(n) hashes): what a verifier uses
 * to recompute a root from a file of any length without holding its leaves.
 */
export class RootAccumulator {
  private readonly stack: Array<{ size: number; hash: Buffer }> = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  push(leaf: Buffer): void {
    let node = { size: 1, hash: leaf };
    while (this.stack.length > 0 && this.stack[this.stack.length - 1].size === node.size) {
      const left = this.stack.pop()!;
      node = { size: left.size * 2, hash: nodeHash(left.hash, node.hash) };
    }
    this.stack.push(node);
    this.count++;
  }

  /** MTH of the leaves pushed so far. */
  root(): Buffer {
    if (this.stack.length === 0) return EMPTY_TREE_HASH;
    let root = this.stack[this.stack.length - 1].hash;
    for (let i = this.stack.length - 2; i >= 0; i--) root = nodeHash(this.stack[i].hash, root);
    return root;
  }
}

/** MTH over leaf hashes held in memory. */
export function rootOf(leafHashes: readonly Buffer[]): Buffer {
  const accumulator = new RootAccumulator();
  for (const hash of leafHashes) accumulator.push(hash);
  return accumulator.root();
}

/** PATH(m, D[n]) of RFC 9162 §2.1.3.1: the audit path of leaf `index` in the tree of the first `treeSize` leaves. */
export function inclusionPath(index: number, treeSize: number, mth: SubtreeHash): Buffer[] {
  if (!(index >= 0 && index < treeSize)) throw new RangeError(`leaf ${index} is not in a tree of ${treeSize}`);
  const path: Buffer[] = [];
  // Walk down from the root, collecting the sibling of each subtree the leaf is in; the RFC lists them bottom-up.
  let start = 0;
  let end = treeSize;
  while (end - start > 1) {
    const k = splitPoint(end - start);
    if (index < start + k) {
      path.push(mth(start + k, end));
      end = start + k;
    } else {
      path.push(mth(start, start + k));
      start += k;
    }
  }
  return path.reverse();
}

/** PROOF(m, D[n]) of RFC 9162 §2.1.4.1: the consistency proof from the tree of `from` leaves to the tree of `to`. */
export function consistencyPath(from: number, to: number, mth: SubtreeHash): Buffer[] {
  if (!(from >= 0 && from <= to)) throw new RangeError(`no consistency proof from ${from} to ${to}`);
  if (from === 0 || from === to) return [];
  const proof: Buffer[] = [];
  // SUBPROOF(m, D[start:end], b), unrolled: each step adds one hash, collected top-down and reversed at the end.
  let m = from;
  let start = 0;
  let end = to;
  let complete = true;
  while (m !== end - start) {
    const k = splitPoint(end - start);
    if (m <= k) {
      proof.push(mth(start + k, end));
      end = start + k;
    } else {
      proof.push(mth(start, start + k));
      m -= k;
      start += k;
      complete = false;
    }
  }
  if (!complete) proof.push(mth(start, end));
  return proof.reverse();
}

export type ProofCheck = { readonly ok: true } | { readonly ok: false; readonly problem: string };

const half = (n: number): number => Math.floor(n / 2);
const odd = (n: number): boolean => n % 2 === 1;
const hex = (hash: Uint8Array): string => Buffer.from(hash).toString('hex');

/** RFC 9162 §2.1.3.2: does `path` prove that the leaf with `leafHashValue` is at `index` in the tree of `treeSize` with `root`? */
export function verifyInclusion(index: number, treeSize: number, leafHashValue: Buffer, path: readonly Buffer[], root: Buffer): ProofCheck {
  if (!(Number.isSafeInteger(index) && Number.isSafeInteger(treeSize) && index >= 0 && index < treeSize))
    return { ok: false, problem: `leaf index ${index} is not below the tree size ${treeSize}` };
  let fn = index;
  let sn = treeSize - 1;
  let r = leafHashValue;
  for (const p of path) {
    if (sn === 0) return { ok: false, problem: `the path is longer than a tree of ${treeSize} needs` };
    if (odd(fn) || fn === sn) {
      r = nodeHash(p, r);
      while (!odd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) return { ok: false, problem: `the path is shorter than a tree of ${treeSize} needs` };
  if (!r.equals(root)) return { ok: false, problem: `the path leads to root ${hex(r)}, not ${hex(root)}` };
  return { ok: true };
}

/** RFC 9162 §2.1.4.2: does `proof` show that the tree of `from` leaves with `fromRoot` is a prefix of the tree of `to` with `toRoot`? */
export function verifyConsistency(from: number, to: number, fromRoot: Buffer, toRoot: Buffer, proof: readonly Buffer[]): ProofCheck {
  if (!(Number.isSafeInteger(from) && Number.isSafeInteger(to) && from >= 0 && from <= to))
    return { ok: false, problem: `the old tree size ${from} is larger than the new one ${to}` };
  if (from === to) {
    if (proof.length !== 0) return { ok: false, problem: 'a proof between equal sizes must be empty' };
    return fromRoot.equals(toRoot)
      ? { ok: true }
      : { ok: false, problem: `two heads of size ${from} with different roots (${hex(fromRoot)}, ${hex(toRoot)})` };
  }
  // Every tree extends the empty one: nothing to prove.
  if (from === 0) return proof.length === 0 ? { ok: true } : { ok: false, problem: 'a proof from the empty tree must be empty' };
  if (proof.length === 0) return { ok: false, problem: 'the proof is empty' };
  const path = isPowerOfTwo(from) ? [fromRoot, ...proof] : [...proof];
  let fn = from - 1;
  let sn = to - 1;
  while (odd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0) return { ok: false, problem: `the proof is longer than ${from} → ${to} needs` };
    if (odd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (!odd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) return { ok: false, problem: `the proof is shorter than ${from} → ${to} needs` };
  if (!fr.equals(fromRoot)) return { ok: false, problem: `the proof gives the old root ${hex(fr)}, the old head says ${hex(fromRoot)}` };
  if (!sr.equals(toRoot)) return { ok: false, problem: `the proof gives the new root ${hex(sr)}, the new head says ${hex(toRoot)}` };
  return { ok: true };
}
