import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventStore } from '#event-store';
import { TemporarySqliteEventStore } from '#event-store/testing';
import { LedgerProjection } from './ledger-projection.js';
import { ProjectionRunner } from './projection-runner.js';
import { LedgerQueries } from './queries.js';
import { openReadModelDb } from './read-model-db.js';
import { fundsDisbursed as disbursed, pairRegistered as pair, projectSigned as signed } from './testing/ledger-events.js';

describe('projection runner', () => {
  let store: EventStore;
  beforeEach(() => {
    store = new TemporarySqliteEventStore();
  });
  afterEach(() => store.close());

  async function given(): Promise<void> {
    await store.appendToStream('partner-pair-root', [pair('root')]);
    await store.appendToStream('partner-pair-mid', [pair('mid', 'root')]);
    await store.appendToStream('partner-pair-leaf', [pair('leaf', 'mid')]);
    await store.appendToStream('project-a', [signed('a', 'leaf', '10.00'), disbursed('a', 'leaf', '2.50')]);
    await store.appendToStream('project-b', [signed('b', 'root', '1.00')]);
  }

  it('rolls a leaf project up through every ancestor pair', async () => {
    await given();
    const db = openReadModelDb(':memory:');
    const runner = new ProjectionRunner(store, db, new LedgerProjection(db));
    runner.applyBatch(await store.readAll());
    const queries = new LedgerQueries(db);
    expect(queries.pairSummary('root')?.own.pledged).toEqual({ CNY: '1.00' });
    expect(queries.pairSummary('root')?.total).toMatchObject({
      pledged: { CNY: '11.00' },
      delivered: { CNY: '2.50' },
      projects: { active: 2 },
    });
    expect(queries.pairSummary('mid')?.own.pledged).toEqual({});
    expect(queries.pairSummary('mid')?.total.pledged).toEqual({ CNY: '10.00' });
    expect(queries.pairSummary('leaf')?.own.delivered).toEqual({ CNY: '2.50' });
  });

  it('applies an event once, however often it is delivered', async () => {
    await given();
    const db = openReadModelDb(':memory:');
    const runner = new ProjectionRunner(store, db, new LedgerProjection(db));
    const events = await store.readAll();
    const last = events[events.length - 1].position;
    expect(runner.applyBatch(events.slice(0, 4))).toBe(events[3].position);
    expect(runner.applyBatch(events)).toBe(last);
    expect(runner.applyBatch(events)).toBe(last);
    expect(new LedgerQueries(db).pairSummary('root')?.total).toMatchObject({
      pledged: { CNY: '11.00' },
      delivered: { CNY: '2.50' },
      projects: { active: 2 },
    });
  });

  it('gives the event loop a turn between the batches of a catch-up', async () => {
    await store.appendToStream('partner-pair-root', [pair('root')]);
    for (let i = 0; i < 30; i++) await store.appendToStream(`project-p${i}`, [signed(`p${i}`, 'root', '1.00')]);
    const db = openReadModelDb(':memory:');
    const runner = new ProjectionRunner(store, db, new LedgerProjection(db), undefined, 5);
    const head = await store.headPosition();
    runner.start();
    // A timer set now runs at the next turn: with a turn between batches the runner is still catching up then.
    const seen = await new Promise<number>((resolve) => setImmediate(() => resolve(runner.position)));
    expect(await runner.waitFor(head, 5000)).toBe(true);
    await runner.stop();
    expect(seen).toBeGreaterThan(0);
    expect(seen).toBeLessThan(head);
  });

  it('catches up, follows live appends, and lets readers wait for a position', async () => {
    await given();
    const db = openReadModelDb(':memory:');
    const runner = new ProjectionRunner(store, db, new LedgerProjection(db));
    runner.start();
    const head = await store.headPosition();
    expect(await runner.waitFor(head, 2000)).toBe(true);
    const { position } = await store.appendToStream('project-a', [disbursed('a', 'leaf', '7.50')]);
    expect(await runner.waitFor(position, 2000)).toBe(true);
    expect(new LedgerQueries(db).project('a')?.remaining).toEqual({ amount: '0.00', currency: 'CNY' });
    expect(await runner.waitFor(position + 10, 50)).toBe(false);
    await runner.stop();
  });

  it('resumes from the stored checkpoint after a restart', async () => {
    await given();
    const db = openReadModelDb(':memory:');
    const first = new ProjectionRunner(store, db, new LedgerProjection(db));
    first.start();
    await first.waitFor(await store.headPosition(), 2000);
    await first.stop();
    await store.appendToStream('project-b', [disbursed('b', 'root', '0.40')]);
    const second = new ProjectionRunner(store, db, new LedgerProjection(db));
    expect(second.position).toBe(first.position);
    second.start();
    expect(await second.waitFor(await store.headPosition(), 2000)).toBe(true);
    await second.stop();
    expect(new LedgerQueries(db).pairSummary('root')?.total.delivered).toEqual({ CNY: '2.90' });
  });

  describe('with another process on the same read-model file', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'ledger-runner-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    /** Two runners, each with its own connection to one file: two processes on one DATA_DIR, as SQLite sees them. */
    function twoProcesses() {
      const file = join(dir, 'read-models.sqlite');
      const [hereDb, thereDb] = [openReadModelDb(file, 0), openReadModelDb(file, 0)];
      return {
        hereDb,
        thereDb,
        here: new ProjectionRunner(store, hereDb, new LedgerProjection(hereDb)),
        there: new ProjectionRunner(store, thereDb, new LedgerProjection(thereDb)),
        close: () => [hereDb, thereDb].forEach((db) => db.close()),
      };
    }

    it('answers a reader waiting here as soon as the other process has applied the position, before this one has', async () => {
      await given();
      const { hereDb, here, there, close } = twoProcesses();
      // `here` is not started: its own subscription never delivers, so only the shared file can answer the reader.
      const head = await store.headPosition();
      const waiting = here.waitFor(head, 10_000);
      await new Promise((resolve) => setTimeout(resolve, 20));
      there.applyBatch(await store.readAll());
      expect(await waiting).toBe(true);
      expect(here.position).toBe(head);
      expect(new LedgerQueries(hereDb).pairSummary('root')?.total.delivered).toEqual({ CNY: '2.50' });
      expect(await here.waitFor(head + 1, 50)).toBe(false);
      close();
    });

    it('skips a batch the other process already applied without taking the write lock', async () => {
      await given();
      const { thereDb, here, there, close } = twoProcesses();
      const events = await store.readAll();
      there.applyBatch(events);
      // The other process is writing (a later batch, a rebuild): a write transaction here would fail with SQLITE_BUSY.
      thereDb.prepare('BEGIN IMMEDIATE').run();
      try {
        expect(here.applyBatch(events)).toBe(events[events.length - 1].position);
        expect(() => here.applyBatch([...events, { ...events[0], position: events[events.length - 1].position + 1 }])).toThrow(
          expect.objectContaining({ code: 'SQLITE_BUSY' }),
        );
      } finally {
        thereDb.prepare('ROLLBACK').run();
      }
      close();
    });
  });
});
