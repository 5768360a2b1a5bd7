import { EventEmitter } from 'node:events';
import Database from 'better-sqlite3';
import { catchUpThenLive } from '../catch-up-then-live.js';
import { preparePrivateFile } from '../private-file.js';
import {
  type AppendResult,
  DuplicateEventId,
  type EventStore,
  type ExpectedRevision,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeOptions,
  WrongExpectedRevision,
  revisionMatches,
  validateAppend,
} from '../event-store.port.js';

interface PendingAppend {
  readonly streamId: string;
  readonly events: readonly NewEvent[];
  readonly expected: ExpectedRevision;
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: unknown) => void;
}

interface EventRow {
  position: number;
  event_id: string;
  stream_id: string;
  revision: number;
  type: string;
  schema_version: number;
  data: string;
  metadata: string;
}

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

/**
 * How often a store with a live subscription asks SQLite whether another
 * connection (another process on the same file) has committed: `PRAGMA
 * data_version` reads a counter in the shared WAL index, not the data, so
 * this costs microseconds. Appends made through this store wake its
 * subscriptions at once, without it.
 */
const OTHER_WRITERS_POLL_MS = 10;

/**
 * The embedded event store: one SQLite file in WAL mode, fsynced on every
 * commit. Appends that arrive in the same turn of the event loop are written
 * in one transaction (group commit), each checked against its own expected
 * revision inside a savepoint, so one refused append never affects another.
 */
export class SqliteEventStore implements EventStore {
  private readonly db: Database.Database;
  private readonly appended = new EventEmitter();
  private queue: PendingAppend[] = [];
  private flushScheduled = false;
  private closed = false;
  /** Watches for commits by other connections while subscriptions exist (see OTHER_WRITERS_POLL_MS). */
  private otherWriters: NodeJS.Timeout | null = null;
  private dataVersion = 0;
  private readonly statements;

  constructor(readonly file: string) {
    preparePrivateFile(file);
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 10000');
    this.db.exec(SCHEMA);
    this.appended.setMaxListeners(0);
    this.statements = {
      currentRevision: this.db.prepare<[string], { revision: number | null }>(
        'SELECT max(revision) AS revision FROM events WHERE stream_id = ?',
      ),
      insert: this.db.prepare(
        'INSERT INTO events (event_id, stream_id, revision, type, schema_version, data, metadata) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      byEventId: this.db.prepare<[string], { stream_id: string; revision: number; position: number }>(
        'SELECT stream_id, revision, position FROM events WHERE event_id = ?',
      ),
      eventIdAt: this.db.prepare<[string, number], { event_id: string; position: number }>(
        'SELECT event_id, position FROM events WHERE stream_id = ? AND revision = ?',
      ),
      readStream: this.db.prepare<[string, number, number], EventRow>(
        'SELECT * FROM events WHERE stream_id = ? AND revision >= ? ORDER BY revision LIMIT ?',
      ),
      readAll: this.db.prepare<[number, number], EventRow>('SELECT * FROM events WHERE position > ? ORDER BY position LIMIT ?'),
      head: this.db.prepare<[], { head: number | null }>('SELECT max(position) AS head FROM events'),
      dataVersion: this.db.prepare<[], number>('PRAGMA data_version').pluck(),
    };
    // The baseline is taken now, so any commit by another connection after this store's first read wakes the first wait.
    this.dataVersion = this.statements.dataVersion.get() as number;
  }

  appendToStream(
    streamId: string,
    events: readonly NewEvent[],
    options: { expectedRevision?: ExpectedRevision } = {},
  ): Promise<AppendResult> {
    const expected = options.expectedRevision ?? 'any';
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new Error('the event store is closed'));
      validateAppend(streamId, events, expected);
      this.queue.push({ streamId, events, expected, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    // LIMIT -1: no limit.
    return this.statements.readStream.all(streamId, options.fromRevision ?? 0, options.maxCount ?? -1).map(toRecordedEvent);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    return this.statements.readAll.all(options.after ?? 0, options.maxCount ?? 1000).map(toRecordedEvent);
  }

  subscribeToAll(options: SubscribeOptions = {}): AsyncIterable<RecordedEvent[]> {
    return catchUpThenLive(
      (o) => this.readAll(o),
      (after, signal) => this.waitForAppend(after, signal),
      options,
      () => !this.closed,
    );
  }

  async headPosition(): Promise<number> {
    return this.statements.head.get()?.head ?? 0;
  }

  async isReachable(): Promise<boolean> {
    try {
      return !this.closed && this.db.prepare('SELECT 1 AS ok').get() !== undefined;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    if (this.otherWriters) clearInterval(this.otherWriters);
    this.appended.emit('appended', Number.MAX_SAFE_INTEGER);
    this.db.close();
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    const recordedAt = new Date().toISOString();
    let outcomes: Array<{ ok: true; result: AppendResult } | { ok: false; error: unknown }>;
    try {
      outcomes = this.db
        .transaction(() =>
          batch.map((pending) => {
            try {
              return { ok: true as const, result: this.appendInSavepoint(pending, recordedAt) };
            } catch (error) {
              if (error instanceof WrongExpectedRevision || error instanceof DuplicateEventId) return { ok: false as const, error };
              throw error;
            }
          }),
        )
        .immediate();
    } catch (error) {
      // The whole transaction was rolled back (disk full, I/O error): nothing of this batch was stored.
      for (const pending of batch) pending.reject(error);
      return;
    }
    let last = 0;
    outcomes.forEach((outcome, index) => {
      if (outcome.ok) {
        last = Math.max(last, outcome.result.position);
        batch[index].resolve(outcome.result);
      } else {
        batch[index].reject(outcome.error);
      }
    });
    if (last > 0) this.appended.emit('appended', last);
  }

  private appendInSavepoint(pending: PendingAppend, recordedAt: string): AppendResult {
    return this.db.transaction(() => {
      const retried = this.findIdenticalAppend(pending);
      if (retried) return retried;
      const current = this.statements.currentRevision.get(pending.streamId)?.revision ?? null;
      const actual = current === null ? 'no_stream' : current;
      if (!revisionMatches(pending.expected, actual)) throw new WrongExpectedRevision(pending.streamId, pending.expected, actual);
      let revision = current ?? -1;
      let position = 0;
      for (const event of pending.events) {
        revision += 1;
        const metadata = JSON.stringify({ ...event.metadata, recordedAt });
        try {
          const info = this.statements.insert.run(
            event.id,
            pending.streamId,
            revision,
            event.type,
            event.schemaVersion,
            JSON.stringify(event.data),
            metadata,
          );
          position = Number(info.lastInsertRowid);
        } catch (error) {
          if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw new DuplicateEventId(event.id);
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
  private findIdenticalAppend(pending: PendingAppend): AppendResult | null {
    const first = this.statements.byEventId.get(pending.events[0].id);
    if (!first) return null;
    if (first.stream_id !== pending.streamId) throw new DuplicateEventId(pending.events[0].id);
    let position = first.position;
    for (let i = 1; i < pending.events.length; i++) {
      const stored = this.statements.eventIdAt.get(pending.streamId, first.revision + i);
      if (stored?.event_id !== pending.events[i].id) throw new DuplicateEventId(pending.events[0].id);
      position = stored.position;
    }
    return { nextExpectedRevision: first.revision + pending.events.length - 1, position };
  }

  /**
   * From the first wait on, checks every OTHER_WRITERS_POLL_MS whether
   * another connection committed since the last check (or since the store
   * opened), and if so wakes every waiting subscription to read. It runs from
   * then on, not only while one waits, so a commit that lands between a
   * subscription's last empty read and its next wait is still seen on the
   * next tick: timers never run between the two.
   */
  private watchOtherWriters(): void {
    if (this.otherWriters || this.closed) return;
    this.otherWriters = setInterval(() => {
      const version = this.statements.dataVersion.get() as number;
      if (version === this.dataVersion) return;
      this.dataVersion = version;
      this.appended.emit('appended', Number.MAX_SAFE_INTEGER);
    }, OTHER_WRITERS_POLL_MS);
    this.otherWriters.unref();
  }

  private waitForAppend(after: number, signal?: AbortSignal): Promise<void> {
    this.watchOtherWriters();
    return new Promise((resolve) => {
      const done = (): void => {
        this.appended.off('appended', onAppended);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const onAppended = (position: number): void => {
        if (position > after) done();
      };
      this.appended.on('appended', onAppended);
      signal?.addEventListener('abort', done, { once: true });
      if (this.closed || signal?.aborted) done();
    });
  }
}

function toRecordedEvent(row: EventRow): RecordedEvent {
  return {
    id: row.event_id,
    streamId: row.stream_id,
    revision: row.revision,
    position: row.position,
    type: row.type,
    schemaVersion: row.schema_version,
    data: JSON.parse(row.data),
    metadata: JSON.parse(row.metadata),
  };
}
