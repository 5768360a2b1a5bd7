import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type Database from 'better-sqlite3';
import { type PartnerPairDetails, RuleViolation, businessDateOf, ledgerEventOf, partnerPairStreamId, projectStreamId } from '#domain';
import type { EventStore, RecordedEvent } from '#event-store';
import { LEDGER_PROJECTION_NAME, LedgerProjection } from './ledger-projection.js';
import { applyWithParking } from './apply-with-parking.js';
import { ParkingLot } from './parking-lot.js';
import { LedgerQueries, type PairSummary, type ProjectView } from './queries.js';
import { openReadModelDb } from './read-model-db.js';

/**
 * A point in bitemporal time. `asOf` (YYYY-MM-DD): only facts whose business
 * date is on or before it (signings, tranches, reports, revisions,
 * milestones, cancellations; a correction counts on the date of the fact it
 * corrects). `knownAt` (epoch ms): only events the ledger had recorded by
 * then. Either or both.
 */
export interface TimeSlice {
  readonly asOf?: string;
  readonly knownAt?: number;
}

export interface AsOfOptions {
  /** The most events one answer may fold; beyond it the query is refused (422 as-of-too-large). */
  readonly maxEvents: number;
  /** How many streams are read at once (EventStoreDB reads are round trips). */
  readonly concurrency?: number;
  /** Events read from a stream at a time (default 1,000): a long project stream is folded page by page, never held whole. */
  readonly pageSize?: number;
}

/**
 * Answers "what did the figures look like" from the EVENTS, never from stored
 * figures: the events of the streams involved are read from the store,
 * filtered to the time slice, and folded by the very projection that builds
 * the live read models, into a throw-away in-memory read model, which the
 * very queries of the live API then read. So an as-of answer for today, known
 * now, equals the live answer by construction (and the tests check it).
 *
 * The live read models are used for one thing only: to find which streams
 * belong to a pair's subtree (the sub-pairs and their projects), because
 * stream membership never changes. Cost: one read of each of those streams,
 * O(events of the subtree's projects), bounded by `maxEvents`, counted from
 * the read models' revisions and parked events before anything is read.
 *
 * An event the projection cannot apply is parked in the fold as the live
 * projection parks it (the rest of its stream behind it): the answer leaves
 * it out, as the live read models do, instead of failing. A project whose
 * signing is parked live is not in the read models, so a pair's as-of answer
 * does not find it either (GET /admin/projections shows it).
 */
export class AsOfQueries {
  private readonly statements;

  constructor(
    private readonly store: EventStore,
    readModels: Database.Database,
    private readonly options: AsOfOptions,
  ) {
    this.statements = {
      subtree: readModels.prepare<[string, string], { pair_id: string }>(
        `SELECT pair_id FROM pairs WHERE pair_id = ? OR EXISTS (SELECT 1 FROM json_each(pairs.ancestors) WHERE value = ?) ORDER BY pair_id`,
      ),
      projects: readModels.prepare<[string], { project_id: string; revision: number }>(
        'SELECT project_id, revision FROM projects WHERE pair_id = ?',
      ),
      project: readModels.prepare<[string], { revision: number }>('SELECT revision FROM projects WHERE project_id = ?'),
      parkedOfStream: readModels.prepare<[string, string], { n: number }>(
        'SELECT COUNT(*) AS n FROM parked_events WHERE projection = ? AND stream_id = ?',
      ),
      parked: readModels.prepare<[string], { stream_id: string; n: number }>(
        'SELECT stream_id, COUNT(*) AS n FROM parked_events WHERE projection = ? GROUP BY stream_id',
      ),
    };
  }

  /** The pair's summary at that time; null if the pair is unknown or was not yet recorded at `knownAt`. */
  async pairSummary(pairId: string, slice: TimeSlice): Promise<PairSummary | null> {
    const pairIds = this.statements.subtree.all(pairId, pairId).map((row) => row.pair_id);
    if (!pairIds.includes(pairId)) return null;
    const projects = pairIds.flatMap((id) => this.statements.projects.all(id));
    const parked = this.parkedPerStream();
    const events = projects.reduce(
      (sum, project) => sum + project.revision + 1 + (parked.get(projectStreamId(project.project_id)) ?? 0),
      0,
    );
    this.refuseBeyondBound(events, `partner pair ${pairId} and its ${pairIds.length - 1} sub-pair(s) hold ${projects.length} project(s)`);

    const pairEvents = await this.pairRegistrations(pairId, pairIds, slice);
    if (!pairEvents.some((event) => (event.data as PartnerPairDetails).pairId === pairId)) return null;
    return fold(
      pairEvents,
      (apply) =>
        this.readInSlices(
          projects.map((project) => projectStreamId(project.project_id)),
          slice,
          apply,
        ),
      (queries) => queries.pairSummary(pairId),
    );
  }

  /** The project at that time; null if it was not signed by `asOf`, or not yet recorded at `knownAt`. */
  async project(projectId: string, slice: TimeSlice): Promise<ProjectView | null> {
    // Bounded before the stream is read, from what the read models know of it (applied and parked events).
    const known =
      (this.statements.project.get(projectId)?.revision ?? -1) +
      1 +
      (this.statements.parkedOfStream.get(LEDGER_PROJECTION_NAME, projectStreamId(projectId))?.n ?? 0);
    this.refuseBeyondBound(known, `project ${projectId}`);
    // The stream is folded a page at a time (never held whole); its first page says whether it was signed in the slice.
    const streamId = projectStreamId(projectId);
    const first = await this.store.readStream(streamId, { maxCount: this.pageSize });
    if (!signedInSlice(first, slice)) return null;
    const pairId = (first[0].data as { pairId: unknown }).pairId;
    // A signing naming no pair cannot be applied: the fold parks it, and the project is not found.
    const pairEvents = typeof pairId === 'string' ? await this.pairRegistrations(pairId, [pairId], {}) : [];
    let read = 0;
    return fold(
      pairEvents,
      (apply) =>
        this.foldStream(streamId, slice, first, (events) => {
          read += events.length;
          this.refuseBeyondBound(read, `project ${projectId}`);
          apply(events);
        }),
      (queries) => queries.project(projectId),
    );
  }

  private get pageSize(): number {
    return this.options.pageSize ?? 250;
  }

  /**
   * Applies a stream's events inside the slice a page at a time, yielding to the event loop between pages; a
   * stream whose signing falls outside the slice is left out whole. `first` is its first page if already read.
   */
  private async foldStream(
    streamId: string,
    slice: TimeSlice,
    first: readonly RecordedEvent[] | null,
    apply: (events: readonly RecordedEvent[]) => void,
  ): Promise<void> {
    let page = first ?? (await this.store.readStream(streamId, { maxCount: this.pageSize }));
    if (!signedInSlice(page, slice)) return;
    for (;;) {
      apply(page.filter((event) => keptInSlice(event, slice)));
      if (page.length < this.pageSize) return;
      await yieldToEventLoop();
      page = await this.store.readStream(streamId, { fromRevision: page[page.length - 1].revision + 1, maxCount: this.pageSize });
    }
  }

  /** How many events of each stream the live projection has parked (they are read and folded too). */
  private parkedPerStream(): Map<string, number> {
    return new Map(this.statements.parked.all(LEDGER_PROJECTION_NAME).map((row) => [row.stream_id, row.n]));
  }

  private refuseBeyondBound(events: number, what: string): void {
    if (events <= this.options.maxEvents) return;
    throw new RuleViolation(
      'as-of-too-large',
      `${what} with about ${events} events; an as-of answer folds at most ${this.options.maxEvents} (AS_OF_MAX_EVENTS): ` +
        'ask for a sub-pair or a project instead',
    );
  }

  /**
   * The registrations the projection needs: the pair's ancestors (found by
   * walking parentPairId up through the pair streams) and the pairs of its
   * subtree: those recorded by `knownAt` and, for `asOf`, established on or
   * before it (a pair without an establishment date is taken as always there).
   */
  private async pairRegistrations(pairId: string, subtree: readonly string[], slice: TimeSlice): Promise<RecordedEvent[]> {
    // Each pair stream is read once: the pair's own registration (in its subtree's streams) names its parent.
    const streams = await Promise.all(subtree.map((id) => this.store.readStream(partnerPairStreamId(id))));
    const [own] = streams[subtree.indexOf(pairId)] ?? [];
    const ancestors: RecordedEvent[] = [];
    const seen = new Set(subtree);
    let parentId = own ? (own.data as PartnerPairDetails).parentPairId : null;
    while (parentId !== null && !seen.has(parentId)) {
      seen.add(parentId);
      const [registration] = await this.store.readStream(partnerPairStreamId(parentId));
      if (!registration) throw new Error(`partner pair ${parentId} has no registration in the event store`);
      ancestors.push(registration);
      parentId = (registration.data as PartnerPairDetails).parentPairId;
    }
    return [...ancestors, ...streams.flat().filter((event) => recordedBy(event, slice.knownAt) && establishedBy(event, slice.asOf))];
  }

  /**
   * Reads project streams and keeps the events inside the slice. A stream
   * whose signing falls outside it is left out whole: the project did not
   * exist then (every later fact of it is dated and recorded after signing).
   */
  private async readInSlices(
    streamIds: readonly string[],
    slice: TimeSlice,
    apply: (events: readonly RecordedEvent[]) => void,
  ): Promise<void> {
    const batch = this.options.concurrency ?? 16;
    for (let i = 0; i < streamIds.length; i += batch) {
      // Each stream's events in order, a page at a time (pages of streams read together may interleave: projects are
      // independent of each other); the embedded store reads synchronously, so foldStream yields between pages.
      await Promise.all(streamIds.slice(i, i + batch).map((id) => this.foldStream(id, slice, null, apply)));
      await yieldToEventLoop();
    }
  }
}

/**
 * Folds events with the live projection into a fresh in-memory read model,
 * and asks it. The pair registrations go first, in the order they were
 * recorded (a parent before its sub-pairs); then each project stream in
 * order, stream after stream, as they are read: projects are independent of
 * each other and counters are sums, so this yields exactly what the live
 * projection built from the global order, while only the rows (not the
 * events) stay in memory. What cannot be applied is parked, with the rest of
 * its stream, exactly as the live projection parks it (apply-with-parking.ts).
 */
async function fold<T>(
  pairRegistrations: RecordedEvent[],
  feed: (apply: (events: readonly RecordedEvent[]) => void) => Promise<void>,
  ask: (queries: LedgerQueries) => T,
): Promise<T> {
  const db = openReadModelDb(':memory:');
  try {
    db.exec('BEGIN');
    const projection = new LedgerProjection(db);
    const parking = new ParkingLot(db, 'as-of');
    applyWithParking(
      db,
      projection,
      parking,
      pairRegistrations.sort((a, b) => a.position - b.position),
    );
    await feed((events) => applyWithParking(db, projection, parking, events));
    db.exec('COMMIT');
    return ask(new LedgerQueries(db));
  } finally {
    db.close();
  }
}

function recordedBy(event: RecordedEvent, knownAt: number | undefined): boolean {
  return knownAt === undefined || Date.parse(event.metadata.recordedAt) <= knownAt;
}

function establishedBy(event: RecordedEvent, asOf: string | undefined): boolean {
  const known = ledgerEventOf(event);
  const establishedOn = known?.type === 'PartnerPairRegistered' ? businessDateOf(known) : null;
  return asOf === undefined || typeof establishedOn !== 'string' || establishedOn <= asOf;
}

function keptInSlice(event: RecordedEvent, slice: TimeSlice): boolean {
  if (!recordedBy(event, slice.knownAt)) return false;
  if (slice.asOf === undefined) return true;
  // A type this version does not know has no business date; the projection skips it anyway.
  const known = ledgerEventOf(event);
  if (known === null || known.type === 'PartnerPairRegistered') return false;
  return businessDateOf(known) <= slice.asOf;
}

/** Whether a project stream (its first page) begins with a signing inside the slice: otherwise it is left out whole. */
function signedInSlice(firstPage: readonly RecordedEvent[], slice: TimeSlice): boolean {
  const [signing] = firstPage;
  return signing !== undefined && signing.type === 'ProjectSigned' && signing.revision === 0 && keptInSlice(signing, slice);
}
