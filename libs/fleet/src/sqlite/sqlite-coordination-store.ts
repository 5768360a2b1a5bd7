import Database from 'better-sqlite3';
import { preparePrivateFile } from '#event-store';
import {
  type CompareAndSetResult,
  type CoordinationStore,
  type ExpectedVersion,
  type FleetRecord,
  type FleetValue,
  validateFleetKey,
  validateFleetWrite,
} from '../coordination-store.port.js';

/** How long a write waits for another process's lock on the file: writes are one row, so a wait is short. */
const BUSY_TIMEOUT_MS = 1000;

/**
 * The coordination store in a SQLite file every process on one DATA_DIR
 * opens (DATA_DIR/fleet.sqlite, beside events.sqlite): one row per record, a
 * write is a conditional `UPDATE … WHERE version = ?` (or an insert that
 * does nothing if the row exists), in WAL mode, fsynced. It is not the event
 * store's file, so no reader of events can meet these rows.
 */
export class SqliteCoordinationStore implements CoordinationStore {
  private readonly db: Database.Database;
  private readonly select: Database.Statement<[string], { version: number; value: string }>;
  private readonly insert: Database.Statement<[string, string, string]>;
  private readonly update: Database.Statement<[string, string, string, number]>;

  constructor(file: string) {
    preparePrivateFile(file);
    this.db = new Database(file, { timeout: BUSY_TIMEOUT_MS });
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.exec(
      `CREATE TABLE IF NOT EXISTS fleet_records (
         key TEXT PRIMARY KEY, version INTEGER NOT NULL, value TEXT NOT NULL, updated_at TEXT NOT NULL
       ) STRICT;`,
    );
    this.select = this.db.prepare('SELECT version, value FROM fleet_records WHERE key = ?');
    this.insert = this.db.prepare('INSERT INTO fleet_records (key, version, value, updated_at) VALUES (?, 0, ?, ?) ON CONFLICT DO NOTHING');
    this.update = this.db.prepare(
      'UPDATE fleet_records SET version = version + 1, value = ?, updated_at = ? WHERE key = ? AND version = ?',
    );
  }

  async read(key: string): Promise<FleetRecord | null> {
    validateFleetKey(key);
    const row = this.select.get(key);
    return row ? { key, version: row.version, value: JSON.parse(row.value) as FleetValue } : null;
  }

  async compareAndSet<T extends FleetValue>(key: string, expected: ExpectedVersion, value: T): Promise<CompareAndSetResult<T>> {
    validateFleetWrite(key, expected, value);
    const json = JSON.stringify(value);
    const now = new Date().toISOString();
    const written = expected === 'absent' ? this.insert.run(key, json, now) : this.update.run(json, now, key, expected);
    if (written.changes === 1) return { ok: true, record: { key, version: expected === 'absent' ? 0 : expected + 1, value } };
    return { ok: false, current: await this.read(key) };
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
