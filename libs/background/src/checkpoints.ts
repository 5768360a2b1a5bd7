import type Database from 'better-sqlite3';

/**
 * How far a projection has got through the log: one row per projection, in the read-model file, written
 * in the same transaction as the rows it covers. (The Kafka relay's checkpoint is shared by the fleet, in
 * its lease record: #fleet; before that it kept a row here in a file of its own, read once to migrate.)
 */
export const CHECKPOINTS_TABLE = `CREATE TABLE IF NOT EXISTS checkpoints (projection TEXT PRIMARY KEY, position INTEGER NOT NULL) STRICT;`;

const checkpointWriters = new WeakMap<Database.Database, Database.Statement<[string, number]>>();
const checkpointReaders = new WeakMap<Database.Database, Database.Statement<[string], { position: number }>>();

/** How far a projection has gone through the log; 0 if it has not started. */
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
