import type Database from 'better-sqlite3';
import type { EventStore } from '../../event-store/src/index.js';
import { LedgerProjection } from './ledger-projection.js';
import { writeCheckpoint } from './projection-runner.js';
import { READ_MODEL_TABLES } from './read-model-db.js';

export interface RebuildProgress {
  readonly position: number;
  readonly head: number;
  readonly events: number;
}

/**
 * Rebuilds every read model from the first event, in one transaction: until
 * it commits, readers (and a running API) keep seeing the old read models;
 * after, they see the rebuilt ones, never a mix. Events are read page by
 * page, never all at once; rows are written back every `flushEvery` events.
 */
export async function rebuildReadModels(
  store: EventStore,
  db: Database.Database,
  onProgress: (progress: RebuildProgress) => void = () => undefined,
  pageSize = 5000,
  flushEvery = 200_000,
): Promise<RebuildProgress> {
  const projection = new LedgerProjection(db);
  const head = await store.headPosition();
  let position = 0;
  let events = 0;
  let unflushed = 0;
  db.exec('BEGIN IMMEDIATE');
  try {
    for (const table of READ_MODEL_TABLES) db.exec(`DELETE FROM ${table}`);
    const work = projection.begin();
    for (;;) {
      const page = await store.readAll({ after: position, maxCount: pageSize });
      if (page.length === 0) break;
      work.apply(page);
      position = page[page.length - 1].position;
      events += page.length;
      unflushed += page.length;
      if (unflushed >= flushEvery) {
        work.flush();
        unflushed = 0;
      }
      onProgress({ position, head, events });
    }
    work.flush();
    if (position > 0) writeCheckpoint(db, projection.name, position);
    else db.prepare('DELETE FROM checkpoints WHERE projection = ?').run(projection.name);
    db.exec('COMMIT');
  } catch (error) {
    db.exec('ROLLBACK');
    throw error;
  }
  return { position, head, events };
}
