import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { SqliteEventStore } from '../sqlite/sqlite-event-store.js';

/**
 * An embedded store on a file of its own in a fresh temporary directory, removed on close: what a
 * spec uses where it once used ':memory:' (the writer thread and the readers need a file to share).
 */
export class TemporarySqliteEventStore extends SqliteEventStore {
  constructor() {
    super(join(mkdtempSync(join(tmpdir(), 'ledger-events-')), 'events.sqlite'));
  }

  override async close(): Promise<void> {
    await super.close();
    rmSync(dirname(this.file), { recursive: true, force: true });
  }
}
