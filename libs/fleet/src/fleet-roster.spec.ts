import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { jest } from '@jest/globals';
import { FleetRoster } from './fleet-roster.js';
import { SqliteCoordinationStore } from './sqlite/sqlite-coordination-store.js';

describe('the fleet roster, by the reader’s clock', () => {
  let dir: string;
  let store: SqliteCoordinationStore;
  /** Milliseconds on both clocks the roster reads (its monotonic one and the wall), moved by the test alone. */
  let clock = 0;
  const epoch = Date.parse('2026-12-06T00:00:00Z');
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'roster-'));
    store = new SqliteCoordinationStore(join(dir, 'coordination.sqlite'));
    clock = 0;
    jest.spyOn(performance, 'now').mockImplementation(() => clock);
    jest.spyOn(Date, 'now').mockImplementation(() => epoch + Math.floor(clock));
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('judges a member stale on the silence it shows: silent for exactly staleAfterMs is still live', async () => {
    const timing = { staleAfterMs: 3000, forgetAfterMs: 9000 };
    const quiet = new FleetRoster<{ n: number }>(store, { instanceId: 'quiet', ...timing });
    const reader = new FleetRoster<{ n: number }>(store, { instanceId: 'reader', ...timing });
    await quiet.beat({ n: 1 });
    const member = async () => (await reader.list()).find((one) => one.instanceId === 'quiet');
    expect(await member()).toMatchObject({ silentMs: 0, state: 'live' });
    // 3000.4 ms: shown as 3000, which is not longer than the bound.
    clock += 3000.4;
    expect(await member()).toMatchObject({ silentMs: 3000, state: 'live' });
    clock += 0.6;
    expect(await member()).toMatchObject({ silentMs: 3001, state: 'stale' });
  });
});
