import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { EventStore, RecordedEvent } from '#event-store';
import { SqliteEventStore } from '#event-store/sqlite';
import { LedgerProjection } from './ledger-projection.js';
import { ParkedEventNotFirst, ParkedEventNotFound, retryAllParked, retryParked } from './parked-retry.js';
import { ProjectionRunner } from './projection-runner.js';
import { LedgerQueries } from './queries.js';
import { openReadModelDb } from './read-model-db.js';
import { rebuildReadModels } from './rebuild.js';
import { append, fundsDisbursed, jobsRecorded, pairRegistered, projectSigned } from './testing/ledger-events.js';

/** Every read-model row and parked event, in a stable order. */
function dump(db: Database.Database) {
  return {
    pairs: db.prepare('SELECT * FROM pairs ORDER BY pair_id').all(),
    projects: db.prepare('SELECT * FROM projects ORDER BY project_id').all(),
    counters: db.prepare('SELECT * FROM counters ORDER BY pair_id, scope, dimension, key, metric, unit').all(),
    parked: db.prepare('SELECT position, event_id, stream_id, type, blocked_by FROM parked_events ORDER BY projection, position').all(),
  };
}

describe('parking events a projection cannot apply', () => {
  let dir: string;
  let store: EventStore;
  let db: Database.Database;
  let runner: ProjectionRunner;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'parking-'));
    store = new SqliteEventStore(join(dir, 'events.sqlite'));
    db = openReadModelDb(join(dir, 'read-models.sqlite'));
    runner = new ProjectionRunner(store, db, new LedgerProjection(db));
  });
  afterEach(async () => {
    await runner.stop();
    await store.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const applyAll = async () => runner.applyBatch(await store.readAll());
  const positionOf = async (predicate: (event: RecordedEvent) => boolean) => (await store.readAll()).find(predicate)!.position;

  it('parks an event it cannot apply, the later events of its stream behind it, and applies everything else', async () => {
    await append(store, 'partner-pair-p', pairRegistered('p'));
    await append(store, 'project-a', projectSigned('a', 'p', '100.00'));
    await append(store, 'project-b', projectSigned('b', 'p', '50.00'));
    // Written straight to the store: an amount the projection cannot read.
    await append(store, 'project-a', fundsDisbursed('a', 'p', '12,50'));
    await append(store, 'project-b', fundsDisbursed('b', 'p', '5.00'));
    await append(store, 'project-a', jobsRecorded('a', 'p', 7));
    await append(store, 'project-b', jobsRecorded('b', 'p', 3));

    const head = await store.headPosition();
    expect(await applyAll()).toBe(head);
    const bad = await positionOf((e) => e.type === 'FundsDisbursed' && e.streamId === 'project-a');
    expect(runner.parking.list()).toEqual([
      expect.objectContaining({
        position: bad,
        streamId: 'project-a',
        type: 'FundsDisbursed',
        blockedBy: null,
        attempts: 1,
        error: expect.stringMatching(/amount/i),
      }),
      expect.objectContaining({ position: head - 1, streamId: 'project-a', type: 'JobsRecorded', blockedBy: bad, attempts: 0 }),
    ]);
    const queries = new LedgerQueries(db);
    expect(queries.project('b')).toMatchObject({ delivered: { amount: '5.00' }, jobsCreated: 3, revision: 2 });
    // Project a stays as it was before its parked event: nothing of its stream was applied out of order.
    expect(queries.project('a')).toMatchObject({ delivered: { amount: '0.00' }, jobsCreated: 0, revision: 0 });
    expect(queries.pairSummary('p')?.own).toMatchObject({ pledged: { CNY: '150.00' }, delivered: { CNY: '5.00' }, jobsCreated: 3 });
  });

  it('applies a parked event on retry once its cause is gone, in stream order, to exactly what a rebuild gives', async () => {
    await append(store, 'partner-pair-p', pairRegistered('p'));
    // A migration wrote a project before the pair it belongs to, then its tranche.
    await append(store, 'project-late', projectSigned('late', 'q', '80.00'));
    await append(store, 'project-late', fundsDisbursed('late', 'q', '20.00', '2025-01-01'));
    await append(store, 'project-a', projectSigned('a', 'p', '10.00'));
    await applyAll();
    const signing = await positionOf((e) => e.streamId === 'project-late' && e.revision === 0);
    expect(runner.parking.list().map((p) => [p.position, p.blockedBy])).toEqual([
      [signing, null],
      [signing + 1, signing],
    ]);
    expect(runner.parking.get(signing)?.error).toMatch(/unknown partner pair q/);

    // Retrying before the cause is fixed: it fails again and stays parked, the tranche still behind it.
    await expect(retryParked(store, db, new LedgerProjection(db), runner.parking, signing)).resolves.toEqual({
      applied: [],
      stillParked: [expect.objectContaining({ position: signing, attempts: 2 })],
    });
    await expect(retryParked(store, db, new LedgerProjection(db), runner.parking, signing + 1)).rejects.toThrow(ParkedEventNotFirst);
    await expect(retryParked(store, db, new LedgerProjection(db), runner.parking, 999)).rejects.toThrow(ParkedEventNotFound);

    // The fix: the pair is registered; later events went on being applied meanwhile.
    await append(store, 'partner-pair-q', pairRegistered('q', 'p'));
    await append(store, 'project-a', fundsDisbursed('a', 'p', '1.00'));
    await applyAll();
    const result = await retryParked(store, db, new LedgerProjection(db), runner.parking, signing);
    expect(result).toEqual({ applied: [signing, signing + 1], stillParked: [] });
    expect(runner.parking.count()).toBe(0);
    const queries = new LedgerQueries(db);
    expect(queries.project('late')).toMatchObject({ pledged: { amount: '80.00' }, delivered: { amount: '20.00' }, revision: 1 });
    expect(queries.pairSummary('p')?.total).toMatchObject({ pledged: { CNY: '90.00' }, delivered: { CNY: '21.00' } });

    const fresh = openReadModelDb(join(dir, 'rebuilt.sqlite'));
    await rebuildReadModels(store, fresh);
    expect(dump(db)).toEqual(dump(fresh));
    fresh.close();
  });

  it('retries every parked stream, again while a pass makes progress', async () => {
    // The project is parked before its pair, and the pair before its parent.
    await append(store, 'project-x', projectSigned('x', 'child', '3.00'));
    await append(store, 'partner-pair-child', pairRegistered('child', 'parent'));
    await append(store, 'project-y', projectSigned('y', 'parent', 'not money'));
    await applyAll();
    expect(runner.parking.count()).toBe(3);
    await append(store, 'partner-pair-parent', pairRegistered('parent'));
    await applyAll();
    const result = await retryAllParked(store, db, new LedgerProjection(db), runner.parking);
    expect(result.applied).toHaveLength(2);
    // y was tried in the first pass, and once more after x applied (x might have been what it needed).
    expect(result.stillParked).toEqual([expect.objectContaining({ streamId: 'project-y', attempts: 3 })]);
    expect(new LedgerQueries(db).pairSummary('parent')?.total.pledged).toEqual({ CNY: '3.00' });
  });

  it('parks a second signing of a project instead of counting its pledge twice and resetting its row', async () => {
    await append(store, 'partner-pair-p', pairRegistered('p'));
    await append(store, 'project-a', projectSigned('a', 'p', '100.00'));
    await append(store, 'project-a', fundsDisbursed('a', 'p', '10.00'));
    // A migration run twice: the signing written again, at the next revision of the stream.
    const again = (await append(store, 'project-a', projectSigned('a', 'p', '100.00'))).position;
    await append(store, 'project-b', projectSigned('b', 'p', '1.00'));
    await applyAll();
    expect(runner.parking.list()).toEqual([
      expect.objectContaining({ position: again, type: 'ProjectSigned', error: expect.stringMatching(/signed twice/) }),
    ]);
    const queries = new LedgerQueries(db);
    expect(queries.project('a')).toMatchObject({ pledged: { amount: '100.00' }, delivered: { amount: '10.00' }, revision: 1 });
    expect(queries.pairSummary('p')?.own).toMatchObject({
      pledged: { CNY: '101.00' },
      delivered: { CNY: '10.00' },
      projects: { active: 2 },
    });
    // The same in one batch with the first signing (the fast path), and in a rebuild.
    const fresh = openReadModelDb(join(dir, 'rebuilt.sqlite'));
    await rebuildReadModels(store, fresh);
    expect(dump(fresh)).toEqual(dump(db));
    fresh.close();
  });

  it('retries a stream whose next event was parked while the retry read the store: applied, not reported missing', async () => {
    await append(store, 'partner-pair-p', pairRegistered('p'));
    const signing = (await append(store, 'project-late', projectSigned('late', 'q', '80.00'))).position;
    await applyAll();
    await append(store, 'partner-pair-q', pairRegistered('q', 'p'));
    await applyAll();
    // The live runner applies a batch between the retry's read of the stream and its transaction.
    let raced = false;
    const racing: EventStore = Object.create(store, {
      readStream: {
        value: async (...args: Parameters<EventStore['readStream']>) => {
          const events = await store.readStream(...args);
          if (!raced) {
            raced = true;
            await append(store, 'project-late', fundsDisbursed('late', 'q', '20.00'));
            await applyAll();
            expect(runner.parking.count()).toBe(2);
          }
          return events;
        },
      },
    });
    const result = await retryParked(racing, db, new LedgerProjection(db), runner.parking, signing);
    expect(result).toEqual({ applied: [signing, signing + 2], stillParked: [] });
    expect(new LedgerQueries(db).project('late')).toMatchObject({
      pledged: { amount: '80.00' },
      delivered: { amount: '20.00' },
      revision: 1,
    });
  });

  it('does not park events when the database itself fails: the batch is retried later', async () => {
    await append(store, 'partner-pair-p', pairRegistered('p'));
    const failing = {
      name: 'failing',
      applyBatch: () => {
        throw new Database.SqliteError('disk I/O error', 'SQLITE_IOERR');
      },
    };
    const broken = new ProjectionRunner(store, db, failing);
    await expect(async () => broken.applyBatch(await store.readAll())).rejects.toThrow('disk I/O error');
    expect(broken.parking.count()).toBe(0);
    expect(db.prepare("SELECT * FROM checkpoints WHERE projection = 'failing'").all()).toEqual([]);
  });

  it('keeps following the store live past a parked event', async () => {
    await append(store, 'partner-pair-p', pairRegistered('p'));
    runner.start();
    await append(store, 'project-a', projectSigned('a', 'p', '1.5.0'));
    const { position } = await append(store, 'project-b', projectSigned('b', 'p', '2.00'));
    expect(await runner.waitFor(position, 2000)).toBe(true);
    expect(runner.parking.list()).toEqual([expect.objectContaining({ streamId: 'project-a' })]);
    expect(runner.lastError).toBeNull();
    expect(new LedgerQueries(db).project('b')?.pledged).toEqual({ amount: '2.00', currency: 'CNY' });
  });
});
