import type { Writable } from 'node:stream';
import { envelopeOf } from '#contracts';
import { businessDateOf, ledgerEventOf, partnerPairStreamId, projectStreamId } from '#domain';
import type { EventStore, RecordedEvent } from '#event-store';
import { csvRow } from './csv.js';

export type ExportFormat = 'jsonl' | 'csv';

/** Which events an export holds. Every filter narrows; none given: the whole history. */
export interface EventExportScope {
  /**
   * The events of these pairs: each pair's own stream (its registration) and
   * the events of every project signed under it. Null or absent: every pair.
   */
  readonly pairIds?: readonly string[] | null;
  /**
   * With `pairIds`: a pair registered during the export whose parent is in
   * scope joins the scope (so the caller passes the descendants it knows, and
   * sub-pairs registered meanwhile are not missed).
   */
  readonly followSubPairs?: boolean;
  /** Only this project's events. */
  readonly projectId?: string | null;
  /** Business dates, YYYY-MM-DD, inclusive. An event without a business date is left out when either is given. */
  readonly from?: string | null;
  readonly to?: string | null;
  /** Only events after this global position (resume an earlier export from its last position). */
  readonly afterPosition?: number;
}

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
  readonly onPage?: (progress: { readonly position: number; readonly until: number; readonly events: number; readonly pages: number }) => void;
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

export const CSV_COLUMNS = [
  'position',
  'recordedAt',
  'streamId',
  'revision',
  'eventId',
  'type',
  'schemaVersion',
  'businessDate',
  'pairId',
  'projectId',
  'amount',
  'currency',
  'jobs',
  'actor',
  'correlationId',
  'causationId',
  'data',
] as const;

/** The money an event records: the pledge signed or revised to, the tranche, a tranche's corrected amount. */
const MONEY_FIELD: Record<string, string> = {
  ProjectSigned: 'pledged',
  PledgeRevised: 'pledged',
  FundsDisbursed: 'amount',
  DisbursementCorrected: 'amount',
};

type Data = Record<string, unknown>;

function dataOf(event: RecordedEvent): Data {
  return typeof event.data === 'object' && event.data !== null ? (event.data as Data) : {};
}

function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/** What `from`/`to` compare: the domain's business date, null for a type this release does not know or data without one. */
export function businessDateOfRecorded(event: RecordedEvent): string | null {
  const known = ledgerEventOf({ type: event.type, data: dataOf(event) });
  return known === null ? null : text(businessDateOf(known));
}

function moneyOf(event: RecordedEvent): { amount: string; currency: string } | null {
  const field = MONEY_FIELD[event.type];
  const money = field === undefined ? undefined : dataOf(event)[field];
  if (typeof money !== 'object' || money === null) return null;
  const { amount, currency } = money as Data;
  return typeof amount === 'string' && typeof currency === 'string' ? { amount, currency } : null;
}

/**
 * Characters JSON.stringify leaves raw inside strings that many line readers
 * (Python's splitlines, editors) take for a line break: escaped, so a title
 * holding one still makes one line. The JSON parses to the same text.
 */
const LINE_BREAKS_JSON_KEEPS = /[\u0085\u2028\u2029]/g;

/** One JSON Lines record: the envelope the Kafka topics and the history use, plus the business date. */
export function jsonLine(event: RecordedEvent): string {
  const { data, metadata, ...head } = envelopeOf(event);
  // The envelope's fields in its order, the business date before the data.
  return JSON.stringify({ ...head, businessDate: businessDateOfRecorded(event), data, metadata }).replace(LINE_BREAKS_JSON_KEEPS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) + '\n';
}

export function csvHeader(): string {
  return csvRow(CSV_COLUMNS);
}

/** One CSV record; amounts are the events' own exact decimal strings, `data` the event's data as JSON. */
export function csvLine(event: RecordedEvent): string {
  const data = dataOf(event);
  const money = moneyOf(event);
  return csvRow([
    event.position,
    event.metadata.recordedAt,
    event.streamId,
    event.revision,
    event.id,
    event.type,
    event.schemaVersion,
    businessDateOfRecorded(event),
    text(data.pairId),
    text(data.projectId),
    money?.amount,
    money?.currency,
    typeof data.jobs === 'number' ? data.jobs : null,
    event.metadata.actor,
    event.metadata.correlationId,
    event.metadata.causationId,
    JSON.stringify(event.data),
  ]);
}

/** Decides event by event, in log order, whether an event is in scope. */
export function scopeFilter(scope: EventExportScope): (event: RecordedEvent) => boolean {
  const pairs = scope.pairIds ? new Set(scope.pairIds) : null;
  const pairStreamPrefix = partnerPairStreamId('');
  const projectStream = scope.projectId ? projectStreamId(scope.projectId) : null;
  const from = scope.from ?? null;
  const to = scope.to ?? null;
  return (event) => {
    if (projectStream !== null && event.streamId !== projectStream) return false;
    if (pairs !== null) {
      const data = dataOf(event);
      const pairId = event.streamId.startsWith(pairStreamPrefix) ? event.streamId.slice(pairStreamPrefix.length) : text(data.pairId);
      // Before the date filter: a sub-pair registered outside the dates still brings its projects into scope.
      if (scope.followSubPairs && event.type === 'PartnerPairRegistered' && pairId !== null && pairs.has(text(data.parentPairId) ?? '')) pairs.add(pairId);
      if (pairId === null || !pairs.has(pairId)) return false;
    }
    if (from !== null || to !== null) {
      const date = businessDateOfRecorded(event);
      if (date === null || (from !== null && date < from) || (to !== null && date > to)) return false;
    }
    return true;
  };
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
  const pageSize = options.pageSize ?? 500;
  const until = options.untilPosition ?? (await store.headPosition());
  const inScope = scopeFilter(options);
  const line = options.format === 'csv' ? csvLine : jsonLine;
  const sink = new Sink(out, options.signal);
  let events = 0;
  let pages = 0;
  let after = options.afterPosition ?? 0;
  try {
    if (options.format === 'csv' && !(await sink.write(csvHeader()))) return sink.result(events, pages, until);
    const pagesOf = options.projectId ? streamPages(store, options.projectId, after, until) : logPages(store, after, until, pageSize);
    for await (const page of pagesOf) {
      pages++;
      let chunk = '';
      for (const event of page) {
        after = event.position;
        if (!inScope(event)) continue;
        chunk += line(event);
        events++;
      }
      if (chunk !== '' && !(await sink.write(chunk))) return sink.result(events, pages, until);
      options.onPage?.({ position: after, until, events, pages });
      if (sink.stopped()) return sink.result(events, pages, until);
    }
    const finished = (options.end ?? true) ? await sink.end() : !sink.stopped();
    return sink.result(events, pages, until, finished);
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
    if (page.length < pageSize || inRange.length < page.length) return;
    position = page[page.length - 1].position;
  }
}

async function* streamPages(store: EventStore, projectId: string, after: number, until: number): AsyncGenerator<RecordedEvent[]> {
  // One project's stream is a handful of events: one page.
  const events = (await store.readStream(projectStreamId(projectId))).filter((event) => event.position > after && event.position <= until);
  if (events.length > 0) yield events;
}

/** `out` with backpressure, and the reasons to stop: closed, destroyed, failed, aborted. */
class Sink {
  private error: Error | null = null;
  private readonly onError = (error: Error) => {
    this.error ??= error;
  };

  constructor(
    private readonly out: Writable,
    private readonly signal?: AbortSignal,
  ) {
    out.on('error', this.onError);
  }

  stopped(): boolean {
    return this.error !== null || this.out.destroyed || this.out.writableEnded || (this.signal?.aborted ?? false);
  }

  /** Writes, and waits for 'drain' when the buffer is full; false when the export must stop. */
  async write(chunk: string): Promise<boolean> {
    if (this.stopped()) return false;
    if (this.out.write(chunk)) return !this.stopped();
    await new Promise<void>((resolve) => {
      const done = () => {
        this.out.off('drain', done);
        this.out.off('close', done);
        this.out.off('error', done);
        this.signal?.removeEventListener('abort', done);
        resolve();
      };
      this.out.on('drain', done);
      this.out.on('close', done);
      this.out.on('error', done);
      this.signal?.addEventListener('abort', done);
      if (this.stopped()) done();
    });
    return !this.stopped();
  }

  /** Ends `out` once it has taken everything; false if it was already closed or failed. */
  async end(): Promise<boolean> {
    if (this.stopped()) return false;
    await new Promise<void>((resolve) => this.out.end(resolve));
    return this.error === null;
  }

  result(events: number, pages: number, untilPosition: number, completed = false): EventExportResult {
    if (this.error) throw this.error;
    return { events, pages, untilPosition, completed };
  }

  release(): void {
    this.out.off('error', this.onError);
  }
}
