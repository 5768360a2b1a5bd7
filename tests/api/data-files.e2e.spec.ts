import { chmodSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteCoordinationStore } from '#fleet/sqlite';
import { SqliteEventStore } from '#event-store/sqlite';
import { EVENTS_FILE, FLEET_FILE, READ_MODELS_FILE } from '#api/infrastructure/data-files';
import { DeliveredView } from '#subscriber/delivered-view';
import { pairBody } from '../support/fixtures.js';
import { LedgerUnderTest, removeDataDirs, sqliteOnly, tempDataDir } from '../support/ledger-harness.js';

/** The permission bits of a file or directory, as `0600`. */
const modeOf = (path: string): string => (statSync(path).mode & 0o777).toString(8).padStart(4, '0');

/** The file and the -wal and -shm files SQLite keeps beside it while it is open, each with its mode. */
function modesOf(file: string): Record<string, string> {
  return Object.fromEntries(
    ['', '-wal', '-shm'].map((suffix) => [suffix || 'db', existsSync(file + suffix) ? modeOf(file + suffix) : 'absent']),
  );
}

const PRIVATE = { db: '0600', '-wal': '0600', '-shm': '0600' };

/**
 * Data files are the ledger's alone, on real files: whatever the umask (the
 * usual 022 here), DATA_DIR is created 0700 and every SQLite file with its
 * -wal and -shm 0600; a file an older release left 0644 is narrowed on open.
 */
describe('data files are created owner-only', () => {
  afterAll(() => removeDataDirs());

  sqliteOnly('the API creates DATA_DIR 0700 and events, read models and their -wal/-shm 0600', async () => {
    const dataDir = join(tempDataDir(), 'nested', 'data');
    const api = await LedgerUnderTest.start(dataDir);
    try {
      expect((await api.post('/partner-pairs', pairBody('mode-pair'))).status).toBe(201);
      expect((await api.get(`/partner-pairs?minPosition=${await api.head()}`)).status).toBe(200);
      expect({ dir: modeOf(dataDir), parent: modeOf(join(dataDir, '..')) }).toEqual({ dir: '0700', parent: '0700' });
      expect(modesOf(join(dataDir, EVENTS_FILE))).toEqual(PRIVATE);
      expect(modesOf(join(dataDir, READ_MODELS_FILE))).toEqual(PRIVATE);
    } finally {
      await api.stop();
    }
  });

  it("the fleet's coordination file (relay lease and checkpoint) and the subscriber's view are 0600 with their -wal/-shm", async () => {
    const dir = join(tempDataDir(), 'fresh');
    const fleet = new SqliteCoordinationStore(join(dir, FLEET_FILE));
    expect((await fleet.compareAndSet('relay-lease', 'absent', { checkpoint: 7 })).ok).toBe(true);
    const view = new DeliveredView(join(dir, 'subscriber', 'delivered.sqlite'));
    try {
      expect(modeOf(dir)).toBe('0700');
      expect(modesOf(join(dir, FLEET_FILE))).toEqual(PRIVATE);
      expect(modeOf(join(dir, 'subscriber'))).toBe('0700');
      expect(modesOf(join(dir, 'subscriber', 'delivered.sqlite'))).toEqual(PRIVATE);
    } finally {
      await fleet.close();
      view.close();
    }
  });

  it('narrows an events file and its -wal/-shm left world-readable by an older release', async () => {
    const file = join(tempDataDir(), EVENTS_FILE);
    const older = new Database(file);
    older.pragma('journal_mode = WAL');
    older.exec('CREATE TABLE IF NOT EXISTS leftover (x INTEGER)');
    for (const suffix of ['', '-wal', '-shm']) chmodSync(file + suffix, 0o644);
    expect(modesOf(file)).toEqual({ db: '0644', '-wal': '0644', '-shm': '0644' });
    const store = new SqliteEventStore(file);
    try {
      expect(modesOf(file)).toEqual(PRIVATE);
    } finally {
      await store.close();
      older.close();
    }
  });
});
