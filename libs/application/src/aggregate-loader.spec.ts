import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LEDGER_UPCASTERS, type ProjectCommand, type SignProject, decideProject, isSigned, parseMoney, signProject } from '#domain';
import { type EventStore, UpcastingEventStore } from '#event-store';
import { SqliteEventStore } from '#event-store/sqlite';
import type { CommandContext } from './command-executor.js';
import { type WriteSide, openWriteSide } from './write-side.js';

/**
 * The write side's cache of loaded states, against a real SQLite file opened
 * twice: two store handles are two processes on one DATA_DIR (each with its
 * own cache), which is what the cache must stay correct under.
 */
const dirs: string[] = [];
const stores: SqliteEventStore[] = [];
afterAll(async () => {
  await Promise.all(stores.map((store) => store.close()));
  dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true }));
});

/** One process's write side on the file, with every readStream it makes recorded as [streamId, fromRevision]. */
function processOn(file: string): { write: WriteSide; reads: [string, number][] } {
  const store = new SqliteEventStore(file);
  stores.push(store);
  const reads: [string, number][] = [];
  const recording: EventStore = Object.create(store, {
    readStream: {
      value: (streamId: string, options?: { fromRevision?: number }) => {
        reads.push([streamId, options?.fromRevision ?? 0]);
        return store.readStream(streamId, options);
      },
    },
  });
  return { write: openWriteSide(new UpcastingEventStore(recording, LEDGER_UPCASTERS)), reads };
}

function twoProcesses(): [ReturnType<typeof processOn>, ReturnType<typeof processOn>] {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-loader-'));
  dirs.push(dir);
  return [processOn(join(dir, 'events.sqlite')), processOn(join(dir, 'events.sqlite'))];
}

const projectId = 'graphite-anode';
const pairId = 'shanghai-sanming';
const context: CommandContext = { correlationId: 'c', commandId: 'c', actor: 'spec' };
const cny = (amount: string) => parseMoney({ amount, currency: 'CNY' });
const signing: SignProject = {
  type: 'SignProject',
  data: {
    projectId,
    pairId,
    title: 'Anode precursor',
    sector: 'new-materials',
    capitalKind: 'investment',
    pledged: cny('100.00'),
    signedOn: '2024-05-07',
    occasion: null,
    investor: null,
  },
};
const disburse = (disbursementId: string, amount: string): ProjectCommand => ({
  type: 'DisburseFunds',
  data: { projectId, disbursementId, amount: cny(amount), disbursedOn: '2024-06-01' },
});

async function signOn(write: WriteSide): Promise<void> {
  const pair = write.pairs.stream(pairId);
  await write.executor.execute(
    { type: 'RegisterPartnerPair' },
    pair,
    () => ({
      kind: 'append',
      events: [
        {
          type: 'PartnerPairRegistered',
          data: {
            pairId,
            donor: { name: 'Shanghai', level: 'province' },
            recipient: { name: 'Sanming', level: 'city' },
            programme: 'paired-cooperation',
            parentPairId: null,
            establishedOn: null,
          },
        },
      ],
    }),
    context,
  );
  const pairState = (await write.pairs.load(pairId)).state;
  await write.executor.execute(signing, write.projects.stream(projectId), (state) => signProject(signing, state, pairState), context);
}

const run = (write: WriteSide, command: ProjectCommand) =>
  write.executor.execute(command, write.projects.stream(projectId), (state) => decideProject(command, state), context);

describe('the write side remembers loaded states', () => {
  it('reads only the events after the revision it remembers', async () => {
    const [a] = twoProcesses();
    await signOn(a.write);
    for (let i = 0; i < 5; i++) await run(a.write, disburse(`t${i}`, '1.00'));
    const projectReads = a.reads.filter(([stream]) => stream === `project-${projectId}`).map(([, from]) => from);
    // The signing reads from the start; each later load reads from just past what the one before it saw, which is
    // the event the previous command appended: never from the start again.
    expect(projectReads).toEqual([0, 0, 1, 2, 3, 4]);
  });

  it("picks up another process's appends with its catch-up read, and decides on them", async () => {
    const [a, b] = twoProcesses();
    await signOn(a.write);
    await run(a.write, disburse('t1', '60.00'));
    await run(b.write, disburse('t2', '30.00')); // a's cache does not hold t2
    await expect(run(a.write, disburse('t3', '20.00'))).rejects.toThrow('would exceed the remaining pledge of 10.00 CNY');
    await expect(run(a.write, disburse('t2', '30.00'))).resolves.toMatchObject({ outcome: 'replayed', revision: 2 });
    const loaded = await a.write.projects.load(projectId);
    expect(loaded.revision).toBe(2);
    expect(isSigned(loaded.state) && loaded.state.delivered.minor).toBe(9_000n);
  });

  it('forgets a stream whose append lost a race, reads it again from the start and decides again', async () => {
    const [a, b] = twoProcesses();
    await signOn(a.write);
    await run(a.write, disburse('t1', '10.00'));
    let raced = false;
    const command = disburse('t2', '40.00');
    const result = await a.write.executor.execute(
      command,
      a.write.projects.stream(projectId),
      async (state) => {
        // Another process appends between a's load and a's append, once.
        if (!raced) {
          raced = true;
          await run(b.write, disburse('t-other', '45.00'));
        }
        return decideProject(command, state);
      },
      context,
    );
    expect(result).toMatchObject({ outcome: 'created', revision: 3 });
    const fromRevisions = a.reads.filter(([stream]) => stream === `project-${projectId}`).map(([, from]) => from);
    // sign (0), t1 (0: the signing's event), t2's first attempt (1: t1's), after the lost race: from the start (0).
    expect(fromRevisions).toEqual([0, 0, 1, 0]);
    await expect(run(a.write, disburse('t3', '6.00'))).rejects.toThrow('would exceed the remaining pledge of 5.00 CNY');
  });
});
