import { join } from 'node:path';
import { READ_MODELS_FILE } from '../../apps/api/src/infrastructure/ledger-runtime.js';
import { LedgerUnderTest, removeDataDirs, tempDataDir } from '../support/ledger-harness.js';
import { dumpReadModels, runRebuildProcess } from '../support/processes.js';
import { scenario } from '../support/scenario.js';

const running: LedgerUnderTest[] = [];
afterAll(async () => {
  await Promise.all(running.map((api) => api.stop()));
  removeDataDirs();
});

describe('npm run rebuild', () => {
  it('rebuilds from the event store exactly the read models the live projections built', async () => {
    const dataDir = tempDataDir();
    const api = await LedgerUnderTest.start(dataDir);
    running.push(api);
    const statuses = new Set<number>();
    for (const command of scenario()) statuses.add((await api.post(command.path, command.body)).status);
    // The scenario includes commands the rules refuse, so the comparison covers histories with refusals too.
    expect([...statuses].sort()).toEqual([201, 422]);
    const head = await api.head();
    expect(await api.runtime.runner.waitFor(head, 5000)).toBe(true);
    const summary = (await api.get('/partner-pairs/pair-0/summary')).body;
    await running.pop()?.stop();
    const file = join(dataDir, READ_MODELS_FILE);
    const live = dumpReadModels(file);
    expect(live.counters.length).toBeGreaterThan(100);

    const output = await runRebuildProcess(dataDir);
    expect(output).toContain(`up to position ${head}`);
    expect(dumpReadModels(file)).toEqual(live);

    const restarted = await LedgerUnderTest.start(dataDir);
    running.push(restarted);
    expect((await restarted.get('/partner-pairs/pair-0/summary')).body).toEqual(summary);
  });
});
