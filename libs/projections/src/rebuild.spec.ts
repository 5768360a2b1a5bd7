import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { readCheckpoint } from '#background';
import type { EventStore } from '#event-store';
import { SqliteEventStore } from '#event-store/sqlite';
import { LedgerProjection } from './ledger-projection.js';
import { ProjectionRunner } from './projection-runner.js';
import { LedgerQueries } from './queries.js';
import { openReadModelDb } from './read-model-db.js';
import { type RebuildProgress, abandonRebuild, rebuildReadModels } from './rebuild.js';
import { RebuildInProgress, STALE_REBUILD_MS, readRebuildStatus } from './rebuild-status.js';
import { createShadowTables } from './shadow-tables.js';
import { append, fundsDisbursed, jobsRecorded, pairRegistered, projectSigned } from './testing/ledger-events.js';

function dump(db: Database.Database) {
  return {
    pairs: db.prepare('SELECT * FROM pairs ORDER BY pair_id').all(),
    projects: db.prepare('SELECT * FROM projects ORDER BY project_id').all(),
    counters: db.prepare('SELECT * FROM counters ORDER BY pair_id, scope, dimension, key, metric, unit').all(),
    checkpoints: db.prepare('SELECT * FROM checkpoints ORDER BY projection').all(),
    parked: db.prepare('SELECT projection, position, event_id, blocked_by FROM parked_events ORDER BY projection, position').all(),
  };
}

const tableNames = (db: Database.Database) =>
  db
    .prepare<[], { name: string }>(
      "SELECT name FROM sqlite_master WHERE type IN ('table', 'index') AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .all()
    .map((row) => row.name);

describe('blue/green rebuild', () => {
  let dir: string;
  let store: EventStore;
  let file: string;
  const open: Database.Database[] = [];
  const connect = () => {
    const db = openReadModelDb(file, 0);
    open.push(db);
    return db;
  };
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rebuild-'));
    store = new SqliteEventStore(join(dir, 'events.sqlite'));
    file = join(dir, 'read-models.sqlite');
    await append(store, 'partner-pair-root', pairRegistered('root'));
    await append(store, 'partner-pair-leaf', pairRegistered('leaf', 'root'));
    for (let i = 0; i < 40; i++) {
      await append(store, `project-p${i}`, projectSigned(`p${i}`, i % 2 ? 'leaf' : 'root', '100.00', `20${20 + (i % 5)}-03-01`));
      await append(
        store,
        `project-p${i}`,
        fundsDisbursed(`p${i}`, i % 2 ? 'leaf' : 'root', '10.00'),
        jobsRecorded(`p${i}`, i % 2 ? 'leaf' : 'root', i + 1),
      );
    }
  });
  afterEach(async () => {
    for (const db of open.splice(0)) db.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The read models a rebuild from nothing gives, in a file of their own. */
  async function fromScratch() {
    const db = openReadModelDb(join(dir, `scratch-${open.length}.sqlite`));
    open.push(db);
    await rebuildReadModels(store, db);
    return dump(db);
  }

  it('answers from the old, complete read models until it swaps in the rebuilt ones, which equal a rebuild from scratch', async () => {
    const writer = connect();
    const runner = new ProjectionRunner(store, writer, new LedgerProjection(writer));
    runner.applyBatch(await store.readAll());
    // The live read models have drifted (say a bug fixed since): the rebuild must replace them.
    writer.exec("UPDATE counters SET value = '1' WHERE metric = 'pledged'");
    const reader = connect();
    const queries = new LedgerQueries(reader); // prepared before the swap, used after it
    const drifted = queries.pairSummary('root');
    expect(drifted?.total.pledged).toEqual({ CNY: '0.01' });

    const progress: RebuildProgress[] = [];
    const rebuilder = connect();
    let late = 0;
    const result = await rebuildReadModels(store, rebuilder, {
      commitEvery: 25,
      pageSize: 10,
      onProgress: (p) => progress.push(p),
      beforeSwap: async () => {
        // Caught up in the shadow, not swapped: readers still see the old read models, whole.
        expect(queries.pairSummary('root')).toEqual(drifted);
        expect(tableNames(reader)).toEqual(expect.arrayContaining(['shadow_pairs', 'shadow_projects', 'shadow_counters']));
        expect(readRebuildStatus(reader, 'ledger-read-models')).toMatchObject({ state: 'running', position: 122, head: 122, events: 122 });
        // The live projection kept going between the rebuild's transactions.
        late = (await append(store, 'project-p0', fundsDisbursed('p0', 'root', '5.00'))).position;
        expect(runner.applyBatch(await store.readAll({ after: 122 }))).toBe(late);
      },
    });
    expect(result).toEqual({ position: late, head: 122, events: 123, parked: 0 });
    expect(progress.length).toBeGreaterThan(5);
    expect(progress.map((p) => p.position)).toEqual([...progress.map((p) => p.position)].sort((a, b) => a - b));

    // Swapped: the same prepared statements now read the rebuilt tables; no shadow is left.
    expect(queries.pairSummary('root')?.total.pledged).toEqual({ CNY: '4000.00' });
    expect(queries.project('p0')?.delivered).toEqual({ amount: '15.00', currency: 'CNY' });
    expect(tableNames(reader).filter((name) => name.includes('shadow'))).toEqual([]);
    expect(tableNames(reader)).toEqual(expect.arrayContaining(['pairs_by_parent', 'projects_by_pair']));
    expect(readCheckpoint(reader, 'ledger-read-models')).toBe(late);
    expect(readRebuildStatus(reader, 'ledger-read-models')).toMatchObject({ state: 'completed', position: late, events: 123, parked: 0 });

    // The live projection goes on from the shadow's checkpoint, on the swapped tables.
    const next = (await append(store, 'project-p1', fundsDisbursed('p1', 'leaf', '1.00'))).position;
    expect(runner.applyBatch(await store.readAll({ after: late }))).toBe(next);
    expect(dump(reader)).toEqual(await fromScratch());
  });

  it('keeps a running projection exact across the swap: no event lost or applied twice', async () => {
    const writer = connect();
    const runner = new ProjectionRunner(store, writer, new LedgerProjection(writer));
    runner.start();
    expect(await runner.waitFor(122, 2000)).toBe(true);
    const rebuilder = connect();
    await rebuildReadModels(store, rebuilder, { commitEvery: 30, pageSize: 10 });
    // Events appended during and after the swap reach the swapped tables exactly once.
    const { position } = await append(store, 'project-p2', fundsDisbursed('p2', 'root', '2.00'));
    expect(await runner.waitFor(position, 2000)).toBe(true);
    await runner.stop();
    expect(dump(writer)).toEqual(await fromScratch());
  });

  it('refuses a second rebuild while one runs, and takes over one that stopped making progress', async () => {
    const first = connect();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let reached!: () => void;
    const atSwap = new Promise<void>((resolve) => (reached = resolve));
    const running = rebuildReadModels(store, first, {
      beforeSwap: () => {
        reached();
        return held;
      },
    });
    await atSwap;
    await expect(rebuildReadModels(store, connect())).rejects.toThrow(RebuildInProgress);
    release();
    await running;

    // A rebuild whose process died: marked running, no progress for longer than STALE_REBUILD_MS.
    const stale = connect();
    stale
      .prepare("UPDATE projection_rebuilds SET state = 'running', updated_at = ?")
      .run(new Date(Date.now() - STALE_REBUILD_MS - 1000).toISOString());
    expect(readRebuildStatus(stale, 'ledger-read-models')?.state).toBe('interrupted');
    await expect(rebuildReadModels(store, stale)).resolves.toMatchObject({ position: 122 });
    expect(dump(stale)).toEqual(await fromScratch());
  });

  it('marks a rebuild that ended without saying so failed, and drops its shadow tables, only while it is the running one', async () => {
    const live = connect();
    await rebuildReadModels(store, live);
    const before = dump(live);
    const completed = readRebuildStatus(live, 'ledger-read-models')!;
    // A completed rebuild is left as it is.
    expect(abandonRebuild(live, completed.rebuildId, 'its thread stopped')).toBe(false);
    expect(readRebuildStatus(live, 'ledger-read-models')).toEqual(completed);

    // One whose thread died after its claim: its row says running (and is not stale), its shadow tables are there.
    live.transaction(() => {
      createShadowTables(live, 'ledger-read-models:shadow');
      live.prepare("UPDATE projection_rebuilds SET rebuild_id = 'dead', state = 'running', updated_at = ?").run(new Date().toISOString());
    })();
    await expect(rebuildReadModels(store, connect())).rejects.toThrow(RebuildInProgress);
    expect(abandonRebuild(live, 'another', 'its thread stopped')).toBe(false);
    expect(readRebuildStatus(live, 'ledger-read-models')?.state).toBe('running');

    expect(abandonRebuild(live, 'dead', 'the followers thread stopped (exit code 1) during the rebuild')).toBe(true);
    expect(readRebuildStatus(live, 'ledger-read-models')).toMatchObject({
      rebuildId: 'dead',
      state: 'failed',
      error: 'the followers thread stopped (exit code 1) during the rebuild',
    });
    expect(tableNames(live).filter((name) => name.includes('shadow'))).toEqual([]);
    expect(dump(live)).toEqual(before);
    // The next rebuild starts at once.
    await expect(rebuildReadModels(store, connect())).resolves.toMatchObject({ position: 122 });
  });

  it('stores its progress while a long chunk is still being read, so it is never taken for a rebuild that stopped', async () => {
    const watcher = connect();
    // A clock a minute and a half further on at each page: longer than STALE_REBUILD_MS between any two pages.
    let clock = Date.parse('2026-01-01T00:00:00Z');
    const seen: Array<{ state?: string; position?: number }> = [];
    await expect(
      rebuildReadModels(store, connect(), {
        pageSize: 10,
        commitEvery: 1_000_000,
        heartbeatMs: 0,
        now: () => new Date(clock),
        onProgress: ({ position }) => {
          const status = readRebuildStatus(watcher, 'ledger-read-models', new Date(clock + STALE_REBUILD_MS / 2));
          seen.push({ state: status?.state, position: status?.position });
          clock += STALE_REBUILD_MS * 1.5;
          expect(position).toBeGreaterThan(0);
        },
      }),
    ).resolves.toMatchObject({ position: 122 });
    // One chunk (nothing written until the end), yet each page found the progress stored by the one before.
    const pages = seen.slice(0, -1);
    expect(pages.length).toBeGreaterThan(10);
    expect(pages.every(({ state }) => state === 'running')).toBe(true);
    const positions = pages.map(({ position }) => position ?? -1);
    expect(new Set(positions).size).toBe(positions.length);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
  });

  it('leaves the live read models untouched when it fails, and says so', async () => {
    const live = connect();
    await rebuildReadModels(store, live);
    const before = dump(live);
    const failing: EventStore = Object.create(store, {
      readAll: {
        value: async (options: { after?: number }) => {
          if ((options.after ?? 0) > 40) throw new Error('connection to the event store lost');
          return store.readAll({ ...options, maxCount: 10 });
        },
      },
    });
    await expect(rebuildReadModels(failing, live, { commitEvery: 20, pageSize: 10 })).rejects.toThrow('connection to the event store lost');
    expect(dump(live)).toEqual(before);
    expect(readRebuildStatus(live, 'ledger-read-models')).toMatchObject({ state: 'failed', error: 'connection to the event store lost' });
    expect(tableNames(live).filter((name) => name.includes('shadow'))).toEqual([]);
  });

  it('parks in the shadow what it cannot apply, and hands the parked events to the live projection', async () => {
    const live = connect();
    const runner = new ProjectionRunner(store, live, new LedgerProjection(live));
    await append(store, 'project-p3', fundsDisbursed('p3', 'leaf', 'ten'));
    runner.applyBatch(await store.readAll());
    // An event parked live whose cause is gone by now, and one that still fails.
    live
      .prepare(
        "INSERT INTO parked_events SELECT projection, 999, 'gone', 'project-gone', 0, 'FundsDisbursed', 'x', NULL, 'now', 1, NULL " +
          'FROM parked_events',
      )
      .run();
    expect(runner.parking.count()).toBe(2);
    const result = await rebuildReadModels(store, connect(), { commitEvery: 20, pageSize: 7 });
    expect(result.parked).toBe(1);
    expect(runner.parking.list()).toEqual([
      expect.objectContaining({ position: 123, streamId: 'project-p3', error: expect.stringMatching(/amount/) }),
    ]);
    expect(dump(live).projects).toEqual((await fromScratch()).projects);
  });
});
