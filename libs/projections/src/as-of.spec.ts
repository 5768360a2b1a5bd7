import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { RuleViolation } from '#domain';
import type { EventStore } from '#event-store';
import { SqliteEventStore } from '#event-store/sqlite';
import { AsOfQueries } from './as-of.js';
import { LedgerProjection } from './ledger-projection.js';
import { ProjectionRunner } from './projection-runner.js';
import { LedgerQueries } from './queries.js';
import { openReadModelDb } from './read-model-db.js';
import { append, fundsDisbursed, jobsRecorded, pairRegistered, projectSigned, rawEvent } from './testing/ledger-events.js';

describe('as-of answers over a ledger the live projection could not wholly apply', () => {
  let dir: string;
  let store: EventStore;
  let db: Database.Database;
  let runner: ProjectionRunner;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'as-of-'));
    store = new SqliteEventStore(join(dir, 'events.sqlite'));
    db = openReadModelDb(join(dir, 'read-models.sqlite'));
    runner = new ProjectionRunner(store, db, new LedgerProjection(db));
  });
  afterEach(async () => {
    await store.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const applyAll = async () => runner.applyBatch(await store.readAll());
  const asOf = (maxEvents = 1000) => new AsOfQueries(store, db, { maxEvents });
  const now = { knownAt: Date.now() + 60_000 };

  it('leaves out what the live projection parked, as the live read models do, instead of failing', async () => {
    await append(store, 'partner-pair-p', pairRegistered('p'));
    await append(store, 'partner-pair-sub', pairRegistered('sub', 'p'));
    await append(store, 'project-a', projectSigned('a', 'p', '100.00'));
    await append(store, 'project-b', projectSigned('b', 'sub', '50.00'));
    // Written straight to the store (a faulty migration): an amount the projection rejects, and a later event behind it.
    await append(store, 'project-a', fundsDisbursed('a', 'p', '12,50'));
    await append(store, 'project-a', jobsRecorded('a', 'p', 7));
    await append(store, 'project-b', fundsDisbursed('b', 'sub', '5.00'));
    // And an event type this version does not know, which the live projection skips.
    await append(store, 'project-b', rawEvent('SiteVisited', { projectId: 'b', pairId: 'sub', visitedOn: '2024-02-02' }));
    await applyAll();
    expect(runner.parking.count()).toBe(2);

    const live = new LedgerQueries(db);
    for (const slice of [now, { asOf: '2099-12-31' }, { asOf: '2099-12-31', ...now }]) {
      await expect(asOf().pairSummary('p', slice)).resolves.toEqual(live.pairSummary('p'));
      await expect(asOf().pairSummary('sub', slice)).resolves.toEqual(live.pairSummary('sub'));
      await expect(asOf().project('a', slice)).resolves.toEqual(live.project('a'));
      await expect(asOf().project('b', slice)).resolves.toEqual(live.project('b'));
    }
    expect(live.project('a')).toMatchObject({ delivered: { amount: '0.00' }, jobsCreated: 0 });
  });

  it('answers "not found" for a project whose signing is parked, as the live read models do', async () => {
    await append(store, 'project-late', projectSigned('late', 'nowhere', '80.00'));
    await append(store, 'project-late', fundsDisbursed('late', 'nowhere', '20.00'));
    await applyAll();
    expect(runner.parking.count()).toBe(2);
    expect(new LedgerQueries(db).project('late')).toBeNull();
    await expect(asOf().project('late', now)).resolves.toBeNull();
    await expect(asOf().project('late', { asOf: '2099-12-31' })).resolves.toBeNull();
  });

  it('knows no pair before its establishment date, nor the sub-pairs established later', async () => {
    await append(store, 'partner-pair-p', {
      ...pairRegistered('p'),
      data: { ...(pairRegistered('p').data as object), establishedOn: '2020-01-01' },
    });
    await append(store, 'partner-pair-old', {
      ...pairRegistered('old', 'p'),
      data: { ...(pairRegistered('old', 'p').data as object), establishedOn: '2020-06-01' },
    });
    await append(store, 'partner-pair-new', {
      ...pairRegistered('new', 'p'),
      data: { ...(pairRegistered('new', 'p').data as object), establishedOn: '2023-01-01' },
    });
    await append(store, 'partner-pair-undated', pairRegistered('undated', 'p'));
    await append(store, 'project-a', projectSigned('a', 'old', '10.00', '2021-01-01'));
    await applyAll();

    await expect(asOf().pairSummary('p', { asOf: '2019-12-31' })).resolves.toBeNull();
    await expect(asOf().pairSummary('new', { asOf: '2022-12-31' })).resolves.toBeNull();
    await expect(asOf().pairSummary('undated', { asOf: '1999-01-01' })).resolves.not.toBeNull();
    const in2022 = await asOf().pairSummary('p', { asOf: '2022-12-31' });
    expect(in2022).toMatchObject({ subPairIds: ['old', 'undated'], total: { pledged: { CNY: '10.00' } } });
    expect((await asOf().pairSummary('p', { asOf: '2023-01-01' }))?.subPairIds).toEqual(['new', 'old', 'undated']);
    // On the establishment date itself the pair exists.
    expect((await asOf().pairSummary('p', { asOf: '2020-01-01' }))?.subPairIds).toEqual(['undated']);
  });

  it('refuses a project beyond the bound before reading its stream', async () => {
    await append(store, 'partner-pair-p', pairRegistered('p'));
    await append(store, 'project-a', projectSigned('a', 'p', '100.00'));
    for (let i = 0; i < 5; i++) await append(store, 'project-a', fundsDisbursed('a', 'p', '1.00'));
    await applyAll();
    let streamsRead = 0;
    const counting: EventStore = Object.create(store, {
      readStream: { value: (...args: Parameters<EventStore['readStream']>) => (streamsRead++, store.readStream(...args)) },
    });
    const bounded = new AsOfQueries(counting, db, { maxEvents: 5 });
    await expect(bounded.project('a', now)).rejects.toThrow(RuleViolation);
    expect(streamsRead).toBe(0);
    await expect(new AsOfQueries(counting, db, { maxEvents: 6 }).project('a', now)).resolves.toMatchObject({
      delivered: { amount: '5.00' },
    });
  });

  it('folds a long stream a page at a time, never holding more than a page, with the same answer as one read', async () => {
    await append(store, 'partner-pair-p', pairRegistered('p'));
    await append(store, 'project-a', projectSigned('a', 'p', '100.00'));
    for (let i = 0; i < 23; i++) await append(store, 'project-a', fundsDisbursed('a', 'p', '1.00'));
    await append(store, 'project-a', jobsRecorded('a', 'p', 7));
    await applyAll();
    const largest: number[] = [];
    const recording: EventStore = Object.create(store, {
      readStream: {
        value: async (...args: Parameters<EventStore['readStream']>) => {
          const read = await store.readStream(...args);
          if (args[0] === 'project-a') largest.push(read.length);
          return read;
        },
      },
    });
    const paged = new AsOfQueries(recording, db, { maxEvents: 1000, pageSize: 4 });
    const live = new LedgerQueries(db);
    await expect(paged.project('a', now)).resolves.toEqual(live.project('a'));
    await expect(paged.pairSummary('p', now)).resolves.toEqual(live.pairSummary('p'));
    expect(live.project('a')).toMatchObject({ delivered: { amount: '23.00' }, jobsCreated: 7 });
    // 25 events in pages of at most 4: seven reads per answer, none larger than a page.
    expect(largest).toHaveLength(14);
    expect(Math.max(...largest)).toBe(4);
  });
});
