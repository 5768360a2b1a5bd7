import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS events (
    position       INTEGER PRIMARY KEY,
    event_id       TEXT    NOT NULL UNIQUE,
    stream_id      TEXT    NOT NULL,
    revision       INTEGER NOT NULL,
    type           TEXT    NOT NULL,
    schema_version INTEGER NOT NULL,
    data           TEXT    NOT NULL,
    metadata       TEXT    NOT NULL,
    UNIQUE (stream_id, revision)
  ) STRICT;
`;

/** One stored event as SQLite holds it. */
export interface EventRow {
  position: number;
  event_id: string;
  stream_id: string;
  revision: number;
  type: string;
  schema_version: number;
  data: string;
  metadata: string;
}

/**
 * Opens (creating it if needed) the events file: WAL, so readers never wait for the writer, and
 * synchronous=FULL, so a commit returns only once it is fsynced. Both the writer thread and the
 * readers on the request thread open it this way; SQLite's locks order writers across threads and
 * processes (busy_timeout: a writer waits up to 10 s for another's transaction).
 */
export function openEventsFile(file: string): Database.Database {
  if (file === ':memory:') {
    throw new Error('the embedded event store needs a file: its writer thread and its readers each open their own connection');
  }
  mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  // First, so that switching to WAL and creating the table wait for another connection's lock too.
  db.pragma('busy_timeout = 10000');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(SCHEMA);
  return db;
}
