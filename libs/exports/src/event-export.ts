import type { Writable } from 'node:stream';
import { projectStreamId } from '#domain';
import { type EventStore, type RecordedEvent, yieldToEventLoop } from '#event-store';
import { type ExportFormat, csvHeader, csvLine, jsonLine } from './event-lines.js';
import { type EventExportScope, scopeFilter } from './event-scope.js';
import { Sink } from './export-sink.js';

export interface EventExportOptions extends EventExportScope {
  readonly format: ExportFormat;
  /** Events read from the store per page (default 500): what bounds the memory an export holds. */
  readonly pageSize?: number;
  /** The last position exported; default: the store's head when the export starts, so an export is a snapshot. */
  readonly untilPosition?: number;
  /** Stops the export between pages (the HTTP client went away, the CLI was interrupted). */
  readonly signal?: AbortSignal;
  /** End `out` when done (default true). */
  readonly end?: boolean;
  /** Called after each page is written: progress for the CLI, and what the tests watch. */
  readonly onPage?: (progress: {
    readonly position: number;
    readonly until: number;
    readonly events: number;
    readonly pages: number;
  }) => void;
}

export interface EventExportResult {
  /** Events written. */
  readonly events: number;
  /** Pages read from the store. */
  readonly pages: number;
  /** The export covers every matching event up to this position. */
  readonly untilPosition: number;
  /** False when the reader went away or the signal aborted before the end. */
  readonly completed: boolean;
}

/**
 * Writes events to `out` as JSON Lines or CSV without holding the history in
 * memory: it reads the log a page at a time (`readAll({after, maxCount})`),
 * writes the page, and reads the next only once `out` has taken it (it waits
 * for 'drain' whenever `write` says the buffer is full). So at most one page
 * of events, and what `out` buffers, is held at any time. It stops between
 * pages when `out` is closed or destroyed (the client went away) or the signal
 * aborts, and rejects if `out` fails. A project export reads only that
 * project's stream.
 */
export async function exportEvents(store: EventStore, out: Writable, options: EventExportOptions): Promise<EventExportResult> {
  const pageSize = options.pageSize ?? 250;
  const until = options.untilPosition ?? (await store.headPosition());
  const inScope = scopeFilter(options);
  const line = options.format === 'csv' ? csvLine : jsonLine;
  const sink = new Sink(out, options.signal);
  let events = 0;
  let pages = 0;
  let after = options.afterPosition ?? 0;
  const result = (completed = false): EventExportResult => {
    sink.throwIfFailed();
    return { events, pages, untilPosition: until, completed };
  };
  try {
    if (options.format === 'csv' && !(await sink.write(csvHeader()))) return result();
    const pagesOf = options.projectId
      ? streamPages(store, options.projectId, after, until, pageSize)
      : logPages(store, after, until, pageSize);
    for await (const page of pagesOf) {
      pages++;
      let chunk = '';
      for (const event of page) {
        after = event.position;
        if (!inScope(event)) continue;
        chunk += line(event);
        events++;
      }
      if (chunk !== '' && !(await sink.write(chunk))) return result();
      options.onPage?.({ position: after, until, events, pages });
      if (sink.stopped()) return result();
      // Between pages the event loop runs: other requests (and probes) are answered while an export streams.
      await yieldToEventLoop();
    }
    const finished = (options.end ?? true) ? await sink.end() : !sink.stopped();
    return result(finished);
  } finally {
    sink.release();
  }
}

async function* logPages(store: EventStore, after: number, until: number, pageSize: number): AsyncGenerator<RecordedEvent[]> {
  let position = after;
  while (position < until) {
    const page = await store.readAll({ after: position, maxCount: pageSize });
    const inRange = page.filter((event) => event.position <= until);
    if (inRange.length > 0) yield inRange;
    // Only an empty page means the head (the port's rule): EventStoreDB's adapter answers a short page as soon as it
    // has some ledger events, when other streams (the fleet's records) share the pages of $all.
    if (page.length === 0 || inRange.length < page.length) return;
    position = page[page.length - 1].position;
  }
}

async function* streamPages(
  store: EventStore,
  projectId: string,
  after: number,
  until: number,
  pageSize: number,
): AsyncGenerator<RecordedEvent[]> {
  // A project's stream, a page at a time (a project may hold many thousands of tranches).
  for (let from = 0; ;) {
    const page = await store.readStream(projectStreamId(projectId), { fromRevision: from, maxCount: pageSize });
    const inRange = page.filter((event) => event.position > after && event.position <= until);
    if (inRange.length > 0) yield inRange;
    if (page.length < pageSize || page[page.length - 1].position > until) return;
    from = page[page.length - 1].revision + 1;
  }
}
