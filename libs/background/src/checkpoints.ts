import Database from 'better-sqlite3';
import { preparePrivateFile } from '#event-store';

/**
 * How far a follower of the log (a projection, the Kafka relay) has got: one row per follower, in a
 * SQLite file of its own choosing. The projections keep theirs in the read-model file, written in the
 * same transaction as the rows they cover; the relay keeps its own file (openCheckpointDb).
 */
export const CHECKPOINTS_TABLE = `CREATE TABLE IF NOT EXISTS checkpoints (projection TEXT PRIMARY KEY, position INTEGER NOT NULL) STRICT;`;

const checkpointWriters = new WeakMap<Database.Database, Database.Statement<[string, number]>>();
const checkpointReaders = new WeakMap<Database.Database, Database.Statement<[string], { position: number }>>();

/** How far a projection (or the Kafka relay) has gone through the log; 0 if it has not started. */
export function readCheckpoint(db: Database.Database, name: string): number {
  let statement = checkpointReaders.get(db);
  if (!statement) {
    statement = db.prepare<[string], { position: number }>('SELECT position FROM checkpoints WHERE projection = ?');
    checkpointReaders.set(db, statement);
  }
  return statement.get(name)?.position ?? 0;
}

/** Records how far a projection has applied the log; call inside the transaction that applied it. */
export function writeCheckpoint(db: Database.Database, projection: string, position: number): void {
  let statement = checkpointWriters.get(db);
  if (!statement) {
    statement = db.prepare<[string, number]>(
      'INSERT INTO checkpoints (projection, position) VALUES (?, ?) ON CONFLICT DO UPDATE SET position = excluded.position',
    );
    checkpointWriters.set(db, statement);
  }
  statement.run(projection, position);
}

/** A file holding only checkpoints (the Kafka relay's), fsynced on commit. */
export function openCheckpointDb(file: string): Database.Database {
  preparePrivateFile(file);
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(CHECKPOINTS_TABLE);
  return db;
}
