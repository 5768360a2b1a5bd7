import { type CoordinationStore, InvalidFleetRecord } from '../coordination-store.port.js';
import { FencedLease, LeaseLost } from '../fenced-lease.js';

/** One backing store for a test: `open` connects to it again (as another process would), `teardown` removes it. */
export interface CoordinationBacking {
  open(): Promise<CoordinationStore>;
  teardown(): Promise<void>;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * What every coordination-store adapter must do, as one jest suite, and the
 * fenced lease on top of it. `backing` gives a fresh, empty store that
 * several connections can open.
 */
export function describeCoordinationStoreContract(name: string, backing: () => Promise<CoordinationBacking>): void {
  describe(`coordination store contract: ${name}`, () => {
    let shared: CoordinationBacking;
    const opened: CoordinationStore[] = [];
    const open = async () => {
      const store = await shared.open();
      opened.push(store);
      return store;
    };
    beforeEach(async () => {
      shared = await backing();
    });
    afterEach(async () => {
      for (const store of opened.splice(0)) await store.close();
      await shared.teardown();
    });

    it('reads null for a record never written, then version 0 once created, and refuses to create it twice', async () => {
      const store = await open();
      expect(await store.read('lease-a')).toBeNull();
      const created = await store.compareAndSet('lease-a', 'absent', { holder: 'one', n: 1 });
      expect(created).toEqual({ ok: true, record: { key: 'lease-a', version: 0, value: { holder: 'one', n: 1 } } });
      const again = await store.compareAndSet('lease-a', 'absent', { holder: 'two', n: 2 });
      expect(again).toEqual({ ok: false, current: { key: 'lease-a', version: 0, value: { holder: 'one', n: 1 } } });
      expect(await store.read('lease-a')).toEqual({ key: 'lease-a', version: 0, value: { holder: 'one', n: 1 } });
    });

    it('writes only at the expected version: the next version on success, nothing and the current record on a stale one', async () => {
      const store = await open();
      await store.compareAndSet('lease-b', 'absent', { n: 0 });
      expect(await store.compareAndSet('lease-b', 0, { n: 1 })).toMatchObject({ ok: true, record: { version: 1 } });
      expect(await store.compareAndSet('lease-b', 1, { n: 2, nested: { list: [1, 'x', null] } })).toMatchObject({
        ok: true,
        record: { version: 2 },
      });
      const stale = await store.compareAndSet('lease-b', 1, { n: 99 });
      expect(stale).toEqual({ ok: false, current: { key: 'lease-b', version: 2, value: { n: 2, nested: { list: [1, 'x', null] } } } });
      expect(await store.compareAndSet('lease-c', 0, { n: 1 })).toEqual({ ok: false, current: null });
      expect(await store.read('lease-c')).toBeNull();
    });

    it('lets exactly one of many writers at the same version win, across connections', async () => {
      const stores = await Promise.all(Array.from({ length: 4 }, open));
      await stores[0].compareAndSet('contended', 'absent', { winner: null });
      const results = await Promise.all(
        stores.flatMap((store, s) => [0, 1, 2].map((i) => store.compareAndSet('contended', 0, { winner: `${s}-${i}` }))),
      );
      const winners = results.filter((result) => result.ok);
      expect(winners).toHaveLength(1);
      const read = await stores[3].read('contended');
      expect(read).toEqual({ key: 'contended', version: 1, value: (winners[0] as { record: { value: unknown } }).record.value });
    });

    it('refuses bad keys, versions and values before writing anything', async () => {
      const store = await open();
      await expect(store.compareAndSet('Bad Key', 'absent', {})).rejects.toThrow(InvalidFleetRecord);
      await expect(store.compareAndSet('$system', 'absent', {})).rejects.toThrow(InvalidFleetRecord);
      await expect(store.compareAndSet('ok', -1, {})).rejects.toThrow(InvalidFleetRecord);
      await expect(store.compareAndSet('ok', 'absent', [] as never)).rejects.toThrow(InvalidFleetRecord);
      await expect(store.read('')).rejects.toThrow(InvalidFleetRecord);
      expect(await store.read('ok')).toBeNull();
    });

    describe('a fenced lease on it', () => {
      const timing = { leaseMs: 900, renewEveryMs: 200, pollMs: 50, safetyMarginMs: 200 };
      const lease = (store: CoordinationStore, instanceId: string) =>
        new FencedLease<{ count: number }>(store, { key: 'test-lease', instanceId, initialData: () => ({ count: 0 }), ...timing });

      it('is held by one contender at a time; the standby takes over only after a whole lease unrenewed', async () => {
        const [a, b] = [lease(await open(), 'a'), lease(await open(), 'b')];
        const stop = new AbortController();
        const termA = await a.acquire(stop.signal);
        expect(a.held).toBe(true);
        const bLeads = b.acquire(stop.signal).then(() => performance.now());
        // A renews for a while: B waits.
        await pause(1500);
        expect(b.held).toBe(false);
        await a.update((data) => ({ count: data.count + 1 }));
        const abandonedAt = performance.now();
        a.abandon('test: stop renewing');
        expect(termA.aborted).toBe(true);
        const tookOverAt = await bLeads;
        expect(tookOverAt - abandonedAt).toBeGreaterThanOrEqual(timing.leaseMs - 250);
        expect(b.held).toBe(true);
        expect(b.data).toEqual({ count: 1 });
        expect(b.record?.value).toMatchObject({ holder: 'b', epoch: 2 });
        stop.abort();
        await b.release();
      }, 20_000);

      it('fences a deposed holder: its write fails with LeaseLost, changes nothing, and its term ends', async () => {
        const [a, b] = [lease(await open(), 'a'), lease(await open(), 'b')];
        const stop = new AbortController();
        const termA = await a.acquire(stop.signal);
        await a.update(() => ({ count: 5 }));
        // A stalls (as if SIGSTOPped): its renewals stop without it knowing; B takes over.
        clearInterval(a['renewTimer'] ?? undefined);
        await b.acquire(stop.signal);
        await b.update((data) => ({ count: data.count + 1 }));
        expect(a.held).toBe(false);
        await expect(a.update(() => ({ count: 0 }))).rejects.toThrow(LeaseLost);
        expect(termA.aborted).toBe(true);
        const record = await (await open()).read('test-lease');
        expect(record?.value).toMatchObject({ holder: 'b', data: { count: 6 } });
        stop.abort();
        await b.release();
      }, 20_000);

      it('hands over at once when the holder releases it, keeping its data', async () => {
        const [a, b] = [lease(await open(), 'a'), lease(await open(), 'b')];
        const stop = new AbortController();
        await a.acquire(stop.signal);
        await a.update(() => ({ count: 7 }));
        const bLeads = b.acquire(stop.signal);
        await pause(100);
        const releasedAt = performance.now();
        await a.release();
        await bLeads;
        expect(performance.now() - releasedAt).toBeLessThan(timing.leaseMs);
        expect(b.data).toEqual({ count: 7 });
        stop.abort();
        await b.release();
      }, 20_000);
    });
  });
}
