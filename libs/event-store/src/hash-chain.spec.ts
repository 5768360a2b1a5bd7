import { randomUUID } from 'node:crypto';
import { GENESIS_HASH, canonicalJson, chainEvents, eventHash } from './hash-chain.js';
import type { NewEvent } from './event-store.port.js';
import { TemporarySqliteEventStore } from './testing/temporary-sqlite-store.js';
import { verifyHashChains } from './verify-chains.js';

const meta = { correlationId: 'c', causationId: 'k', actor: 'a', writtenAt: '2024-01-01T00:00:00.000Z' };
const event = (data: unknown, type = 'E'): NewEvent => ({ id: randomUUID(), type, schemaVersion: 1, data, metadata: meta });

describe('hash chain', () => {
  it('serialises canonically: key order never matters, undefined keys are left out, values are JSON', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, 'x', null], c: true } })).toBe('{"a":{"c":true,"d":[1,"x",null]},"b":1}');
    expect(canonicalJson({ a: { c: true, d: [1, 'x', null] }, b: 1, e: undefined })).toBe(
      canonicalJson({ b: 1, a: { d: [1, 'x', null], c: true } }),
    );
    expect(canonicalJson('亿 "quoted"')).toBe(JSON.stringify('亿 "quoted"'));
    expect(() => canonicalJson({ amount: 1n })).toThrow('bigint');
  });

  it('covers every field the writer knows, and the previous hash, but not the hash itself or recordedAt', () => {
    const e = event({ amount: '1.00' });
    const base = eventHash('s', 0, e, GENESIS_HASH);
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    expect(eventHash('s', 0, { ...e, metadata: { ...meta, hash: 'x', recordedAt: 'later' } }, GENESIS_HASH)).toBe(base);
    const variants = [
      eventHash('t', 0, e, GENESIS_HASH),
      eventHash('s', 1, e, GENESIS_HASH),
      eventHash('s', 0, { ...e, id: randomUUID() }, GENESIS_HASH),
      eventHash('s', 0, { ...e, type: 'F' }, GENESIS_HASH),
      eventHash('s', 0, { ...e, schemaVersion: 2 }, GENESIS_HASH),
      eventHash('s', 0, { ...e, data: { amount: '1.01' } }, GENESIS_HASH),
      eventHash('s', 0, { ...e, metadata: { ...meta, actor: 'b' } }, GENESIS_HASH),
      eventHash('s', 0, { ...e, metadata: { ...meta, writtenAt: '2024-01-02T00:00:00.000Z' } }, GENESIS_HASH),
      eventHash('s', 0, e, 'f'.repeat(64)),
    ];
    expect(new Set([base, ...variants]).size).toBe(variants.length + 1);
  });

  it('verifies the whole log page by page across interleaved streams, and finds a break at any page boundary', async () => {
    const store = new TemporarySqliteEventStore();
    const heads = new Map<string, { revision: number; hash: string }>();
    for (let i = 0; i < 30; i++) {
      const streamId = `s-${i % 4}`;
      const at = heads.get(streamId) ?? { revision: -1, hash: GENESIS_HASH };
      const [chained] = chainEvents(streamId, at.revision + 1, at.hash, [event({ i })]);
      await store.appendToStream(streamId, [chained], { expectedRevision: at.revision === -1 ? 'no_stream' : at.revision });
      heads.set(streamId, { revision: at.revision + 1, hash: chained.metadata.hash! });
    }
    const progress: number[] = [];
    expect(await verifyHashChains(store, { pageSize: 7, onProgress: (p) => progress.push(p.events) })).toEqual({
      ok: true,
      streams: 4,
      events: 30,
      legacy: 0,
      legacyUnchained: 0,
      brokenStreams: 0,
      firstBreak: null,
    });
    expect(progress).toEqual([7, 14, 21, 28, 30]);
    // An event appended without a hash after hashed ones, by a writer that does not chain.
    await store.appendToStream('s-1', [event({ i: 30 })], { expectedRevision: heads.get('s-1')!.revision });
    expect((await verifyHashChains(store, { pageSize: 7 })).firstBreak).toMatchObject({
      streamId: 's-1',
      revision: 8,
      reason: 'hash-missing',
    });
    await store.close();
  });

  it('chains through legacy events by their computed hash, and counts them', async () => {
    const store = new TemporarySqliteEventStore();
    await store.appendToStream('s', [event({ n: 0 }), event({ n: 1 })]);
    expect(await verifyHashChains(store)).toMatchObject({ ok: true, legacy: 2, legacyUnchained: 2 });
    const [first, second] = await store.readStream('s');
    const head = eventHash('s', 1, second, eventHash('s', 0, first, GENESIS_HASH));
    await store.appendToStream('s', chainEvents('s', 2, head, [event({ n: 2 })]), { expectedRevision: 1 });
    expect(await verifyHashChains(store)).toMatchObject({ ok: true, legacy: 2, legacyUnchained: 0 });
    await store.close();
  });
});
