import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { RootAccumulator, leafHash, rootOf, verifyConsistency, verifyInclusion } from './merkle.js';
import { MerkleTreeStore } from './tree-store.js';

/**
 * An independent implementation, written from RFC 9162 §2.1's definitions as
 * directly as they read (recursion over in-memory arrays, nothing shared with
 * the production code), that the production trees and proofs are checked against.
 */
const sha = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();
const refLeaf = (d: Buffer) => sha(Buffer.from([0]), d);
const refNode = (l: Buffer, r: Buffer) => sha(Buffer.from([1]), l, r);
const refK = (n: number) => 2 ** Math.ceil(Math.log2(n) - 1);
function refMth(d: Buffer[]): Buffer {
  if (d.length === 0) return sha();
  if (d.length === 1) return refLeaf(d[0]);
  const k = refK(d.length);
  return refNode(refMth(d.slice(0, k)), refMth(d.slice(k)));
}
function refPath(m: number, d: Buffer[]): Buffer[] {
  if (d.length === 1) return [];
  const k = refK(d.length);
  return m < k ? [...refPath(m, d.slice(0, k)), refMth(d.slice(k))] : [...refPath(m - k, d.slice(k)), refMth(d.slice(0, k))];
}
function refSubproof(m: number, d: Buffer[], b: boolean): Buffer[] {
  const n = d.length;
  if (m === n) return b ? [] : [refMth(d)];
  const k = refK(n);
  return m <= k
    ? [...refSubproof(m, d.slice(0, k), b), refMth(d.slice(k))]
    : [...refSubproof(m - k, d.slice(k), false), refMth(d.slice(0, k))];
}
const refProof = (m: number, d: Buffer[]) => (m === 0 || m === d.length ? [] : refSubproof(m, d, true));
/** Recomputes the root from a leaf and its audit path by walking the RFC's recursion back up. */
function refRootFromPath(m: number, n: number, leaf: Buffer, path: Buffer[]): Buffer | null {
  if (n === 1) return path.length === 0 ? leaf : null;
  if (path.length === 0) return null;
  const k = refK(n);
  const sibling = path[path.length - 1];
  const rest = path.slice(0, -1);
  if (m < k) {
    const left = refRootFromPath(m, k, leaf, rest);
    return left && refNode(left, sibling);
  }
  const right = refRootFromPath(m - k, n - k, leaf, rest);
  return right && refNode(sibling, right);
}

const hexes = (hashes: Buffer[]) => hashes.map((h) => h.toString('hex'));

/** The leaves of the Certificate Transparency reference tests (transparency-dev/merkle testonly, as in RFC 6962's implementations). */
const CT_LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map((h) =>
  Buffer.from(h, 'hex'),
);
const CT_ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const CT_INCLUSION: Array<[size: number, index: number, path: string[]]> = [
  [1, 0, []],
  [2, 0, ['96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7']],
  [2, 1, ['6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d']],
  [3, 2, ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125']],
  [
    5,
    1,
    [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  ],
  [
    8,
    0,
    [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  ],
  [
    8,
    5,
    [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  ],
];
const CT_CONSISTENCY: Array<[from: number, to: number, proof: string[]]> = [
  [1, 1, []],
  [
    1,
    8,
    [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  ],
  [
    2,
    5,
    [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  ],
  [
    6,
    8,
    [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  ],
];

/** A tree store in memory holding `leaves`, added in uneven batches (as the follower adds them). */
function storeOf(leaves: Buffer[]): MerkleTreeStore {
  const tree = new MerkleTreeStore(new Database(':memory:'));
  for (let i = 0, batch = 1; i < leaves.length; i += batch, batch = (batch % 5) + 1) {
    const slice = leaves.slice(i, i + batch).map((leaf, j) => ({ position: 10 * (i + j + 1), eventId: `e${i + j}`, leaf }));
    tree.append(slice, 10 * Math.min(i + batch, leaves.length));
  }
  return tree;
}

describe('the Merkle tree (RFC 9162 §2.1)', () => {
  const tree = storeOf(CT_LEAVES);

  it('gives the Certificate Transparency reference roots for 1 to 8 leaves, as the reference implementation does', () => {
    for (let n = 1; n <= 8; n++) {
      expect(refMth(CT_LEAVES.slice(0, n)).toString('hex')).toBe(CT_ROOTS[n - 1]);
      expect(tree.root(n).toString('hex')).toBe(CT_ROOTS[n - 1]);
      expect(rootOf(CT_LEAVES.slice(0, n).map(leafHash)).toString('hex')).toBe(CT_ROOTS[n - 1]);
    }
    expect(tree.root(0).toString('hex')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('gives the reference inclusion proofs, and they verify', () => {
    for (const [size, index, expected] of CT_INCLUSION) {
      const path = tree.inclusionProof(index, size);
      expect(hexes(path)).toEqual(expected);
      expect(verifyInclusion(index, size, leafHash(CT_LEAVES[index]), path, Buffer.from(CT_ROOTS[size - 1], 'hex'))).toEqual({ ok: true });
    }
  });

  it('gives the reference consistency proofs, and they verify', () => {
    for (const [from, to, expected] of CT_CONSISTENCY) {
      const proof = tree.consistencyProof(from, to);
      expect(hexes(proof)).toEqual(expected);
      const check = verifyConsistency(from, to, Buffer.from(CT_ROOTS[from - 1], 'hex'), Buffer.from(CT_ROOTS[to - 1], 'hex'), proof);
      expect(check).toEqual({ ok: true });
    }
  });

  it('agrees with the independent implementation for every size, leaf and pair of sizes up to 40 leaves', () => {
    const leaves = Array.from({ length: 40 }, (_, i) => Buffer.from(`leaf ${i} ${'x'.repeat(i % 7)}`));
    const stored = storeOf(leaves);
    for (let n = 0; n <= 40; n++) {
      const d = leaves.slice(0, n);
      const root = refMth(d);
      expect(stored.root(n)).toEqual(root);
      const accumulator = new RootAccumulator();
      d.forEach((leaf) => accumulator.push(leafHash(leaf)));
      expect(accumulator.root()).toEqual(root);
      for (let m = 0; m < n; m++) {
        const path = stored.inclusionProof(m, n);
        expect(hexes(path)).toEqual(hexes(refPath(m, d)));
        expect(refRootFromPath(m, n, refLeaf(d[m]), path)).toEqual(root);
        expect(verifyInclusion(m, n, leafHash(d[m]), path, root).ok).toBe(true);
      }
      for (let m = 0; m <= n; m++) {
        const proof = stored.consistencyProof(m, n);
        expect(hexes(proof)).toEqual(hexes(refProof(m, d)));
        expect(verifyConsistency(m, n, refMth(leaves.slice(0, m)), root, proof).ok).toBe(true);
      }
    }
  });

  it('refuses a proof with any hash changed, one missing or one too many, a wrong index or a wrong root', () => {
    const size = 7;
    const root = tree.root(size);
    for (let index = 0; index < size; index++) {
      const path = tree.inclusionProof(index, size);
      const leaf = leafHash(CT_LEAVES[index]);
      for (let i = 0; i < path.length; i++) {
        const bad = path.map((h, j) => (j === i ? sha(h) : h));
        expect(verifyInclusion(index, size, leaf, bad, root).ok).toBe(false);
      }
      expect(verifyInclusion(index, size, leaf, path.slice(1), root).ok).toBe(false);
      expect(verifyInclusion(index, size, leaf, [...path, root], root).ok).toBe(false);
      expect(verifyInclusion((index + 1) % size, size, leaf, path, root).ok).toBe(false);
      expect(verifyInclusion(index, size, leaf, path, tree.root(size - 1)).ok).toBe(false);
      expect(verifyInclusion(index, size, sha(leaf), path, root).ok).toBe(false);
    }
    expect(verifyInclusion(7, 7, leafHash(CT_LEAVES[0]), [], root).ok).toBe(false);
    for (let from = 1; from < 8; from++) {
      const proof = tree.consistencyProof(from, 8);
      const [oldRoot, newRoot] = [tree.root(from), tree.root(8)];
      for (let i = 0; i < proof.length; i++) {
        const bad = proof.map((h, j) => (j === i ? sha(h) : h));
        expect(verifyConsistency(from, 8, oldRoot, newRoot, bad).ok).toBe(false);
      }
      expect(verifyConsistency(from, 8, oldRoot, newRoot, proof.slice(0, -1)).ok).toBe(false);
      expect(verifyConsistency(from, 8, sha(oldRoot), newRoot, proof).ok).toBe(false);
      expect(verifyConsistency(from, 8, oldRoot, sha(newRoot), proof).ok).toBe(false);
      if (from < 7) expect(verifyConsistency(from + 1, 8, oldRoot, newRoot, proof).ok).toBe(false);
    }
    expect(verifyConsistency(3, 3, tree.root(3), tree.root(3), []).ok).toBe(true);
    expect(verifyConsistency(3, 3, tree.root(3), tree.root(4), []).ok).toBe(false);
    expect(verifyConsistency(5, 3, tree.root(5), tree.root(3), []).ok).toBe(false);
  });

  it('builds the same tree when another process already added part of a batch (leaves at or before the checkpoint are skipped)', () => {
    const db = new Database(':memory:');
    const a = new MerkleTreeStore(db);
    const leaves = CT_LEAVES.map((leaf, i) => ({ position: i + 1, eventId: `e${i}`, leaf }));
    a.append(leaves.slice(0, 5), 5);
    expect(new MerkleTreeStore(db).append(leaves.slice(2), 8)).toBe(8);
    expect(a.size()).toBe(8);
    expect(a.root().toString('hex')).toBe(CT_ROOTS[7]);
    expect(a.append(leaves.slice(0, 3), 3)).toBe(8);
    expect(a.leafOfEvent('e6')).toMatchObject({ leafIndex: 6, position: 7 });
  });
});
