/**
 * A map that never changes: `set` answers a new map that shares all but one
 * path of nodes with this one (a hash array mapped trie, 32 ways per level,
 * at most 7 levels). Adding to a map of 20,000 entries costs what adding to a
 * map of 20 does, and every earlier version stays valid, so a state folded
 * from a long stream can be evolved one event further without copying it and
 * still be shared (the write side's cache hands the same state to readers).
 */
export class PersistentMap<K extends string, V> {
  private constructor(
    private readonly root: Branch<V> | undefined,
    /** How many keys the map holds. */
    readonly size: number,
    private readonly hashOf: (key: string) => number,
  ) {}

  /** The empty map. `hash` is for tests that need colliding keys; the default is FNV-1a over the key's UTF-16 code units. */
  static empty<K extends string, V>(hash: (key: string) => number = fnv1a): PersistentMap<K, V> {
    return new PersistentMap<K, V>(undefined, 0, hash);
  }

  get(key: K): V | undefined {
    const hash = this.hashOf(key);
    let node: Node<V> | undefined = this.root;
    for (let shift = 0; node instanceof Branch; shift += BITS) {
      const bit = bitAt(hash, shift);
      if ((node.bitmap & bit) === 0) return undefined;
      node = node.children[indexOf(node.bitmap, bit)];
    }
    if (node instanceof Leaf) return node.key === key ? node.value : undefined;
    if (node instanceof Collision && node.hash === hash) return node.leaves.find((leaf) => leaf.key === key)?.value;
    return undefined;
  }

  has(key: K): boolean {
    return this.get(key) !== undefined;
  }

  /** This map with `key` set to `value`; this map itself is left as it was. */
  set(key: K, value: V): PersistentMap<K, V> {
    const leaf = new Leaf(this.hashOf(key), key, value);
    if (!this.root) return new PersistentMap(new Branch(bitAt(leaf.hash, 0), [leaf]), 1, this.hashOf);
    const inserted = insert(this.root, 0, leaf);
    if (inserted.node === this.root) return this;
    return new PersistentMap(inserted.node as Branch<V>, this.size + (inserted.added ? 1 : 0), this.hashOf);
  }

  /** Every entry, in no particular order. */
  *entries(): IterableIterator<[K, V]> {
    if (this.root) for (const leaf of leavesOf(this.root)) yield [leaf.key as K, leaf.value];
  }

  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.entries();
  }
}

/**
 * How many nodes `after` holds that `before` does not share with it: what
 * deriving `after` from `before` allocated. For tests that check a `set`
 * copies a path, never the map.
 */
export function nodesNotShared(before: PersistentMap<string, unknown>, after: PersistentMap<string, unknown>): number {
  const shared = new Set<object>();
  const walk = (node: Node<unknown> | undefined, into: (node: Node<unknown>) => boolean): void => {
    if (!node || !into(node)) return;
    if (node instanceof Branch) for (const child of node.children) walk(child, into);
  };
  walk(rootOf(before), (node) => (shared.add(node), true));
  let fresh = 0;
  walk(rootOf(after), (node) => (shared.has(node) ? false : (fresh++, true)));
  return fresh;
}

const BITS = 5;

class Leaf<V> {
  constructor(
    readonly hash: number,
    readonly key: string,
    readonly value: V,
  ) {}
}

/** Keys whose whole 32-bit hashes are equal. */
class Collision<V> {
  constructor(
    readonly hash: number,
    readonly leaves: readonly Leaf<V>[],
  ) {}
}

class Branch<V> {
  constructor(
    readonly bitmap: number,
    readonly children: readonly Node<V>[],
  ) {}
}

type Node<V> = Leaf<V> | Collision<V> | Branch<V>;

function rootOf(map: PersistentMap<string, unknown>): Node<unknown> | undefined {
  return (map as unknown as { root: Node<unknown> | undefined }).root;
}

function insert<V>(node: Node<V>, shift: number, leaf: Leaf<V>): { node: Node<V>; added: boolean } {
  if (node instanceof Branch) {
    const bit = bitAt(leaf.hash, shift);
    const index = indexOf(node.bitmap, bit);
    if ((node.bitmap & bit) === 0) {
      const children = [...node.children.slice(0, index), leaf, ...node.children.slice(index)];
      return { node: new Branch(node.bitmap | bit, children), added: true };
    }
    const child = node.children[index];
    const inserted = insert(child, shift + BITS, leaf);
    if (inserted.node === child) return { node, added: false };
    const children = node.children.slice();
    children[index] = inserted.node;
    return { node: new Branch(node.bitmap, children), added: inserted.added };
  }
  if (node instanceof Leaf) {
    if (node.key === leaf.key) return { node: Object.is(node.value, leaf.value) ? node : leaf, added: false };
    if (node.hash === leaf.hash) return { node: new Collision(leaf.hash, [node, leaf]), added: true };
    return { node: split(node, leaf, shift), added: true };
  }
  if (node.hash !== leaf.hash) return { node: split(node, leaf, shift), added: true };
  const at = node.leaves.findIndex((other) => other.key === leaf.key);
  if (at === -1) return { node: new Collision(node.hash, [...node.leaves, leaf]), added: true };
  if (Object.is(node.leaves[at].value, leaf.value)) return { node, added: false };
  const leaves = node.leaves.slice();
  leaves[at] = leaf;
  return { node: new Collision(node.hash, leaves), added: false };
}

/** A branch holding two nodes whose hashes differ (they part at this level or a deeper one). */
function split<V>(a: Leaf<V> | Collision<V>, b: Leaf<V>, shift: number): Branch<V> {
  const bitA = bitAt(a.hash, shift);
  const bitB = bitAt(b.hash, shift);
  if (bitA === bitB) return new Branch(bitA, [split(a, b, shift + BITS)]);
  // Children sit in the order of their bit; compared unsigned, as bit 31 makes a negative number.
  return new Branch(bitA | bitB, bitA >>> 0 < bitB >>> 0 ? [a, b] : [b, a]);
}

function* leavesOf<V>(node: Node<V>): Generator<Leaf<V>> {
  if (node instanceof Leaf) yield node;
  else if (node instanceof Collision) yield* node.leaves;
  else for (const child of node.children) yield* leavesOf(child);
}

function bitAt(hash: number, shift: number): number {
  return 1 << ((hash >>> shift) & 31);
}

function indexOf(bitmap: number, bit: number): number {
  return popcount(bitmap & (bit - 1));
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

function fnv1a(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}
