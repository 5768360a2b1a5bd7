import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { isSqliteBusy, retryWhileLocked } from './while-locked.js';

/** Two connections to one WAL file, neither waiting for a lock: the second holds the write lock when a test says so. */
describe('retrying a write while another connection holds the write lock', () => {
  let dir: string;
  let ours: Database.Database;
  let theirs: Database.Database;
  let release: NodeJS.Timeout | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'while-locked-'));
    const open = () => {
      const db = new Database(join(dir, 'file.sqlite'));
      db.pragma('journal_mode = WAL');
      db.pragma('busy_timeout = 0');
      return db;
    };
    ours = open();
    theirs = open();
    ours.exec('CREATE TABLE notes (n INTEGER)');
  });
  afterEach(() => {
    clearTimeout(release);
    if (theirs.inTransaction) theirs.exec('ROLLBACK');
    ours.close();
    theirs.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const write = () => ours.prepare('INSERT INTO notes VALUES (1)').run().changes;
  const holdLockFor = (ms: number) => {
    theirs.exec('BEGIN IMMEDIATE');
    release = setTimeout(() => theirs.exec('COMMIT'), ms);
  };

  it('writes once the lock is let go, within its budget, without blocking the event loop meanwhile', async () => {
    holdLockFor(150);
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 10);
    try {
      await expect(retryWhileLocked(write, 2000)).resolves.toBe(1);
    } finally {
      clearInterval(ticker);
    }
    expect(ticks).toBeGreaterThan(3);
    expect(ours.prepare('SELECT count(*) AS n FROM notes').get()).toEqual({ n: 1 });
  });

  it('throws the last SQLITE_BUSY once its budget is spent, having written nothing', async () => {
    holdLockFor(1000);
    const error = await retryWhileLocked(write, 200).catch((caught: unknown) => caught);
    expect(isSqliteBusy(error)).toBe(true);
    expect(error).toMatchObject({ name: 'SqliteError', code: 'SQLITE_BUSY' });
    expect(ours.prepare('SELECT count(*) AS n FROM notes').get()).toEqual({ n: 0 });
  });

  it('retries an asynchronous write (a request to the thread that owns the connection) whose refusal carries the code', async () => {
    let attempts = 0;
    const asked = async () => {
      attempts++;
      if (attempts < 3) throw Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
      return 'signed';
    };
    await expect(retryWhileLocked(asked, 2000)).resolves.toBe('signed');
    expect(attempts).toBe(3);
  });

  it('throws any other error at once', async () => {
    let attempts = 0;
    const broken = () => {
      attempts++;
      return ours.prepare('INSERT INTO missing VALUES (1)').run();
    };
    await expect(retryWhileLocked(broken, 2000)).rejects.toMatchObject({
      code: 'SQLITE_ERROR',
      message: expect.stringMatching(/no such table/),
    });
    expect(attempts).toBe(1);
  });

  it('knows the extended busy codes and nothing else', () => {
    expect(isSqliteBusy({ code: 'SQLITE_BUSY' })).toBe(true);
    expect(isSqliteBusy({ code: 'SQLITE_BUSY_SNAPSHOT' })).toBe(true);
    expect(isSqliteBusy({ code: 'SQLITE_LOCKED' })).toBe(false);
    expect(isSqliteBusy(new Error('SQLITE_BUSY'))).toBe(false);
    expect(isSqliteBusy(null)).toBe(false);
    expect(isSqliteBusy(undefined)).toBe(false);
  });
});
