import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EsdbDouble } from '#event-store/testing';
import { FLEET_STREAM_PREFIX } from '#fleet/esdb';
import { openCoordinationStore } from './fleet.module.js';
import { LEDGER_STREAM_PREFIXES, openEventStore } from './open-event-store.js';

describe("the fleet's records beside the ledger", () => {
  it("use streams no ledger prefix matches, so they never count among the ledger's events", () => {
    expect(LEDGER_STREAM_PREFIXES.some((prefix) => `${FLEET_STREAM_PREFIX}relay-lease`.startsWith(prefix))).toBe(false);
  });

  it.each(['sqlite', 'esdb'] as const)('are not read, counted or delivered as events on %s', async (kind) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ledger-fleet-app-'));
    const double = kind === 'esdb' ? await EsdbDouble.start() : null;
    const config = { dataDir, eventStore: kind, esdbConnectionString: double?.connectionString ?? null };
    const events = await openEventStore(config);
    const fleet = await openCoordinationStore(config);
    try {
      await events.appendToStream('project-fleet-check', [
        { id: randomUUID(), type: 'Noted', schemaVersion: 1, data: {}, metadata: { correlationId: 'c', causationId: 'c', actor: 'a' } },
      ]);
      const head = await events.headPosition();
      expect((await fleet.compareAndSet('relay-lease', 'absent', { n: 0 })).ok).toBe(true);
      expect((await fleet.compareAndSet('relay-lease', 0, { n: 1 })).ok).toBe(true);
      expect(await events.headPosition()).toBe(head);
      expect((await events.readAll()).map((event) => event.streamId)).toEqual(['project-fleet-check']);
      const stop = new AbortController();
      const [first] = await (async () => {
        for await (const batch of events.subscribeToAll({ signal: stop.signal })) return [batch];
        return [[]];
      })();
      stop.abort();
      expect(first.map((event) => event.streamId)).toEqual(['project-fleet-check']);
    } finally {
      await fleet.close();
      await events.close();
      await double?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
