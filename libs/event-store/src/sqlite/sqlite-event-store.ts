import { EventEmitter } from 'node:events';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type Database from 'better-sqlite3';
import { catchUpThenLive } from '../catch-up-then-live.js';
import { preparePrivateFile } from '../private-file.js';
import {
  type AppendResult,
  type AppendsObservable,
  type EventStore,
  type ExpectedRevision,
  InvalidAppend,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeOptions,
  validateAppend,
} from '../event-store.port.js';
import { type EventRow, openEventsFile } from './sqlite-events-file.js';

/** One stored event as the events file holds it (for tests and tools that read the file directly). */
export type { EventRow };
import type { AppendRequest } from './sqlite-writer.protocol.js';
import { SqliteWriter } from './sqlite-writer.js';

/**
 * How often a store with a live subscription asks SQLite whether another
 * connection (another process on the same file) has committed: `PRAGMA
 * data_version` reads a counter in the shared WAL index, not the data, so
 * this costs microseconds. Appends made through this store wake its
 * subscriptions at once, without it.
 */
const OTHER_WRITERS_POLL_MS = 10;

/** Rows read in one synchronous step: a long read gives the event loop a turn between slices. */
const READ_SLICE = 1000;

/**
 * Reads take rows as arrays (better-sqlite3's raw mode), in this column order: building an
 * object per row took about as long as reading it (a rebuild read 1.8× faster this way).
 */
const EVENT_COLUMNS = 'position, event_id, stream_id, revision, type, schema_version, data, metadata';
type EventTuple = [
  position: number,
  eventId: string,
  streamId: string,
  revision: number,
  type: string,
  schemaVersion: number,
  data: string,
  metadata: string,
];
const POSITION = 0;
const REVISION = 3;

/**
 * The embedded store: one SQLite file in WAL mode, fsynced on every commit.
 * Appends go to a writer thread that owns the write connection (SqliteWriter:
 * group commit, one fsync per batch, off the request thread); reads use this
 * thread's own connection, a slice of rows at a time. Several processes may
 * share the file: each has its own writer thread, and SQLite's locks order them.
 */
export class SqliteEventStore implements EventStore, AppendsObservable {
  private readonly db: Database.Database;
  private readonly appended = new EventEmitter();
  readonly writer: SqliteWriter;
  private closed = false;
  /** Watches for commits by other connections while subscriptions exist (see OTHER_WRITERS_POLL_MS). */
  private otherWriters: NodeJS.Timeout | null = null;
  private dataVersion = 0;
  private readonly statements;

  constructor(readonly file: string) {
    preparePrivateFile(file);
    this.db = openEventsFile(file);
    this.writer = new SqliteWriter(file, (position) => this.appended.emit('appended', position));
    this.appended.setMaxListeners(0);
    this.statements = {
      readStream: this.db
        .prepare<[string, number, number], EventTuple>(
          `SELECT ${EVENT_COLUMNS} FROM events WHERE stream_id = ? AND revision >= ? ORDER BY revision LIMIT ?`,
        )
        .raw(true),
      readAll: this.db
        .prepare<[number, number], EventTuple>(`SELECT ${EVENT_COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?`)
        .raw(true),
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
    if (this.closed) return Promise.reject(new Error('the event store is closed'));
    try {
      return this.writer.append(toAppendRequest(streamId, events, options.expectedRevision ?? 'any'));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    const maxCount = options.maxCount ?? Number.POSITIVE_INFINITY;
    let from = options.fromRevision ?? 0;
    for (;;) {
      const slice = Math.min(READ_SLICE, maxCount - events.length);
      if (slice <= 0) return events;
      const rows = this.statements.readStream.all(streamId, from, slice);
      for (const row of rows) events.push(toRecordedEvent(row));
      if (rows.length < slice) return events;
      from = rows[rows.length - 1][REVISION] + 1;
      await nextTurn();
    }
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    const maxCount = options.maxCount ?? 1000;
    let after = options.after ?? 0;
    while (events.length < maxCount) {
      const limit = Math.min(READ_SLICE, maxCount - events.length);
      const rows = this.statements.readAll.all(after, limit);
      for (const row of rows) events.push(toRecordedEvent(row));
      if (rows.length < limit) break;
      after = rows[rows.length - 1][POSITION];
      if (events.length < maxCount) await nextTurn();
    }
    return events;
  }

  subscribeToAll(options: SubscribeOptions = {}): AsyncIterable<RecordedEvent[]> {
    return catchUpThenLive(
      (o) => this.readAll(o),
      (after, signal) => this.waitForAppend(after, signal),
      options,
      () => !this.closed,
    );
  }

  /**
   * Tells `listener` of every append committed through this store (the highest position written); returns
   * the call that stops it. With `noticeAppended` it carries the news to a store on the same file in
   * another thread, whose subscriptions then wake at once instead of at their next look at the file.
   */
  onAppended(listener: (position: number) => void): () => void {
    // Only appends: the wake-ups of other writers' commits and of close() carry no position.
    const appended = (position: number): void => {
      if (position !== Number.MAX_SAFE_INTEGER) listener(position);
    };
    this.appended.on('appended', appended);
    return () => this.appended.off('appended', appended);
  }

  /** Another connection (another thread's store on this file) committed up to `position`: waiting subscriptions read now. */
  noticeAppended(position: number): void {
    if (!this.closed) this.appended.emit('appended', position);
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

  /** Refuses new appends, writes those already asked for, then closes both connections. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.otherWriters) clearInterval(this.otherWriters);
    await this.writer.close();
    this.appended.emit('appended', Number.MAX_SAFE_INTEGER);
    this.db.close();
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

/** Checks the append and serialises it for the writer thread (the caller's thread does the JSON). */
function toAppendRequest(streamId: string, events: readonly NewEvent[], expected: ExpectedRevision): AppendRequest {
  validateAppend(streamId, events, expected);
  return {
    streamId,
    expected,
    events: events.map((event) => {
      const data = JSON.stringify(event.data);
      if (data === undefined) throw new InvalidAppend(`event ${event.id} has no data that JSON can hold`);
      return { id: event.id, type: event.type, schemaVersion: event.schemaVersion, data, metadata: JSON.stringify(event.metadata) };
    }),
  };
}

function toRecordedEvent([position, id, streamId, revision, type, schemaVersion, data, metadata]: EventTuple): RecordedEvent {
  return { id, streamId, revision, position, type, schemaVersion, data: JSON.parse(data), metadata: JSON.parse(metadata) };
}
