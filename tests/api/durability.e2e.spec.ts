import { once } from 'node:events';
import { join } from 'node:path';
import { READ_MODELS_FILE } from '#api/infrastructure/data-files';
import { disbursementBody, pairBody, projectBody } from '../support/fixtures.js';
import { E2E_STORE, HARNESS_AUTH, LedgerUnderTest, removeDataDirs, tempDataDir } from '../support/ledger-harness.js';
import { dumpReadModels, startServerProcess } from '../support/processes.js';
import { scenario } from '../support/scenario.js';

afterAll(removeDataDirs);

describe('durability', () => {
  it('keeps every event and read model across a restart, and resumes projections from their checkpoint', async () => {
    const dataDir = tempDataDir();
    const first = await LedgerUnderTest.start(dataDir);
    let last = 0;
    for (const command of scenario(3, 3)) last = Math.max(last, (await first.post(command.path, command.body)).body.position ?? 0);
    const before = (await first.get(`/partner-pairs/pair-0/summary?minPosition=${last}`)).body;
    const history = (await first.get('/projects/proj-1-1/history')).body;
    await first.stop();
    const readModels = dumpReadModels(join(dataDir, READ_MODELS_FILE));

    const second = await LedgerUnderTest.start(dataDir);
    // The runner starts where the stored checkpoint says: nothing is replayed.
    expect(second.runner.position).toBe(last);
    expect(await second.head()).toBe(last);
    expect((await second.get('/partner-pairs/pair-0/summary')).body).toEqual(before);
    expect((await second.get('/projects/proj-1-1/history')).body).toEqual(history);
    expect(dumpReadModels(join(dataDir, READ_MODELS_FILE))).toEqual(readModels);
    const after = await second.post('/projects/proj-1-1/disbursements', disbursementBody('after-restart', '1'));
    expect(after.status).toBe(201);
    expect(after.body.position).toBeGreaterThan(last);
    expect(await second.head()).toBe(after.body.position);
    await second.stop();
  });

  it('loses no acknowledged command when the server process is killed (SIGKILL) mid-load', async () => {
    const dataDir = tempDataDir();
    const server = await startServerProcess(dataDir);
    const post = (path: string, body: unknown) =>
      fetch(server.url + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...HARNESS_AUTH },
        body: JSON.stringify(body),
      });
    await post('/partner-pairs', pairBody('crash-pair'));
    await post('/projects', projectBody('crash-project', 'crash-pair', '1000000'));

    const acknowledged: string[] = [];
    const inFlight: Array<Promise<void>> = [];
    for (let i = 0; i < 400; i++) {
      const id = `crash-t${i}`;
      inFlight.push(
        post('/projects/crash-project/disbursements', disbursementBody(id, '1'))
          .then((response) => {
            if (response.status === 201) acknowledged.push(id);
            // Kill the server while most requests are still in flight.
            if (acknowledged.length === 50) server.child.kill('SIGKILL');
          })
          .catch(() => undefined),
      );
    }
    await Promise.all(inFlight);
    if (server.child.exitCode === null && server.child.signalCode === null) await once(server.child, 'exit');
    expect(server.child.signalCode).toBe('SIGKILL');
    expect(acknowledged.length).toBeGreaterThanOrEqual(50);

    const restarted = await LedgerUnderTest.start(dataDir);
    expect(restarted.events.stored.constructor.name).toBe(E2E_STORE === 'esdb' ? 'EsdbEventStore' : 'SqliteEventStore');
    const stored = new Set(
      (await restarted.get('/projects/crash-project/history')).body.events
        .filter((e: { type: string }) => e.type === 'FundsDisbursed')
        .map((e: { data: { disbursementId: string } }) => e.data.disbursementId),
    );
    expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);
    const head = await restarted.head();
    const project = (await restarted.get(`/projects/crash-project?minPosition=${head}`)).body;
    expect(project.delivered.amount).toBe(`${stored.size}.00`);
    await restarted.stop();
  });
});
