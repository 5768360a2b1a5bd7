import { PersistentMap, nodesNotShared } from './persistent-map.js';

describe('PersistentMap', () => {
  it('answers what was set, and every earlier version keeps what it held', () => {
    const empty = PersistentMap.empty<string, number>();
    const one = empty.set('a', 1);
    const two = one.set('b', 2);
    const changed = two.set('a', 10);
    expect([empty.get('a'), one.get('a'), two.get('a'), changed.get('a')]).toEqual([undefined, 1, 1, 10]);
    expect([empty.size, one.size, two.size, changed.size]).toEqual([0, 1, 2, 2]);
    expect(one.has('b')).toBe(false);
    expect(changed.get('b')).toBe(2);
    expect(new Map(changed)).toEqual(
      new Map([
        ['a', 10],
        ['b', 2],
      ]),
    );
  });

  it('holds 20,000 keys like a Map does, branching from an old version without disturbing the newer one', () => {
    let map = PersistentMap.empty<string, number>();
    const reference = new Map<string, number>();
    for (let i = 0; i < 20_000; i++) {
      map = map.set(`t${i}`, i);
      reference.set(`t${i}`, i);
    }
    const branched = map.set('t7', -7);
    const older = map.set('t19999', 0);
    expect(map.size).toBe(20_000);
    expect(new Map(map)).toEqual(reference);
    expect([map.get('t7'), branched.get('t7'), older.get('t7')]).toEqual([7, -7, 7]);
    expect([map.get('t19999'), branched.get('t19999'), older.get('t19999')]).toEqual([19_999, 19_999, 0]);
    expect(map.get('t20000')).toBeUndefined();
  });

  it('a set on a 20,000-entry map allocates one path of the trie, not a copy of the map', () => {
    let map = PersistentMap.empty<string, number>();
    for (let i = 0; i < 20_000; i++) map = map.set(`disbursement-${i}`, i);
    const added = map.set('disbursement-20000', 20_000);
    const replaced = map.set('disbursement-5', 5_000);
    // At most 7 levels of branches plus the new leaf; the map holds thousands of nodes.
    expect(nodesNotShared(map, added)).toBeLessThanOrEqual(8);
    expect(nodesNotShared(map, replaced)).toBeLessThanOrEqual(8);
    expect(nodesNotShared(PersistentMap.empty(), map)).toBeGreaterThan(20_000);
  });

  it('setting the value a key already holds answers the same map', () => {
    const map = PersistentMap.empty<string, number>().set('a', 1);
    expect(map.set('a', 1)).toBe(map);
  });

  it('keeps keys apart whose whole hashes are equal, and keys whose hashes part only at the last level', () => {
    const hashes: Record<string, number> = { x: 0x12345678, y: 0x12345678, z: 0x12345678, w: 0x52345678, v: 0x1 };
    let map = PersistentMap.empty<string, string>((key) => hashes[key]);
    for (const key of Object.keys(hashes)) map = map.set(key, key.toUpperCase());
    const updated = map.set('y', 'why');
    expect(Object.keys(hashes).map((key) => map.get(key))).toEqual(['X', 'Y', 'Z', 'W', 'V']);
    expect(Object.keys(hashes).map((key) => updated.get(key))).toEqual(['X', 'why', 'Z', 'W', 'V']);
    expect([map.size, updated.size]).toEqual([5, 5]);
    hashes.u = 0x12345678;
    expect(map.get('u')).toBeUndefined();
  });
});
