import type Database from 'better-sqlite3';
import { type AppendResult, revisionMatches } from '../event-store.port.js';
import type { AppendOutcome, AppendRefusal, AppendRequest } from './sqlite-writer.protocol.js';

/** Thrown inside an append's savepoint to roll back that append alone. */
class Refused extends Error {
  constructor(readonly refusal: AppendRefusal) {
    super(refusal.kind);
  }
}

/**
 * Writes batches of appends (group commit): one transaction, fsynced once, each append checked
 * against its own expected revision inside a savepoint, so one refused append never affects another.
 * Runs on the writer thread, which owns the connection.
 */
export class SqliteAppender {
  private readonly statements;

  constructor(private readonly db: Database.Database) {
    this.statements = {
      currentRevision: db.prepare<[string], { revision: number | null }>(
        'SELECT max(revision) AS revision FROM events WHERE stream_id = ?',
      ),
      insert: db.prepare(
        'INSERT INTO events (event_id, stream_id, revision, type, schema_version, data, metadata) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      byEventId: db.prepare<[string], { stream_id: string; revision: number; position: number }>(
        'SELECT stream_id, revision, position FROM events WHERE event_id = ?',
      ),
      eventIdAt: db.prepare<[string, number], { event_id: string; position: number }>(
        'SELECT event_id, position FROM events WHERE stream_id = ? AND revision = ?',
      ),
    };
  }

  /** Throws (and stores nothing of the batch) only when the whole transaction fails: disk full, I/O error. */
  appendBatch(batch: readonly AppendRequest[]): AppendOutcome[] {
    const recordedAt = new Date().toISOString();
    return this.db
      .transaction(() =>
        batch.map((append): AppendOutcome => {
          try {
            return { ok: true, result: this.appendInSavepoint(append, recordedAt) };
          } catch (error) {
            if (error instanceof Refused) return { ok: false, refusal: error.refusal };
            throw error;
          }
        }),
      )
      .immediate();
  }

  private appendInSavepoint(append: AppendRequest, recordedAt: string): AppendResult {
    return this.db.transaction(() => {
      const retried = this.findIdenticalAppend(append);
      if (retried) return retried;
      const current = this.statements.currentRevision.get(append.streamId)?.revision ?? null;
      const actual = current === null ? 'no_stream' : current;
      if (!revisionMatches(append.expected, actual)) {
        throw new Refused({ kind: 'wrong-expected-revision', streamId: append.streamId, expected: append.expected, actual });
      }
      let revision = current ?? -1;
      let position = 0;
      for (const event of append.events) {
        revision += 1;
        const metadata = JSON.stringify({ ...JSON.parse(event.metadata), recordedAt });
        try {
          const info = this.statements.insert.run(
            event.id,
            append.streamId,
            revision,
            event.type,
            event.schemaVersion,
            event.data,
            metadata,
          );
          position = Number(info.lastInsertRowid);
        } catch (error) {
          if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE')
            throw new Refused({ kind: 'duplicate-event-id', eventId: event.id });
          throw error;
        }
      }
      return { nextExpectedRevision: revision, position };
    })();
  }

  /**
   * EventStoreDB treats an append whose event ids were already written, in
   * the same stream and order, as a retry and answers with the original
   * result. So do we.
   */
  private findIdenticalAppend(append: AppendRequest): AppendResult | null {
    const first = this.statements.byEventId.get(append.events[0].id);
    if (!first) return null;
    const duplicate = new Refused({ kind: 'duplicate-event-id', eventId: append.events[0].id });
    if (first.stream_id !== append.streamId) throw duplicate;
    let position = first.position;
    for (let i = 1; i < append.events.length; i++) {
      const stored = this.statements.eventIdAt.get(append.streamId, first.revision + i);
      if (stored?.event_id !== append.events[i].id) throw duplicate;
      position = stored.position;
    }
    return { nextExpectedRevision: first.revision + append.events.length - 1, position };
  }
}
