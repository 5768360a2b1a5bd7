import type Database from 'better-sqlite3';
import { type LedgerEvent, assertNever, correctionDelta, isLedgerEvent, parseMoney, yearOf } from '#domain';
import type { RecordedEvent } from '#event-store';
import { LIVE_TABLES, type ProjectRow, type ReadModelTables } from './read-model-db.js';
import { type CounterCell, CounterDeltas, type Metric } from './counters.js';

/** The name under which the ledger projection stores its checkpoint and parked events. */
export const LEDGER_PROJECTION_NAME = 'ledger-read-models';

const STATUS_METRIC = { active: 'projectsActive', completed: 'projectsCompleted', cancelled: 'projectsCancelled' } as const;

/**
 * A project's row while a unit of work changes it: its money as bigints and its
 * milestones parsed (written back as the row's strings by flush), and the
 * counters its events change at hand, so an event costs a few additions.
 */
interface WorkingProject {
  readonly row: ProjectRow;
  pledged: bigint;
  delivered: bigint;
  /** Null until an event changes them (the row's string stands). */
  milestones: Record<string, string> | null;
  /** The pair's own counters for this project's sector, capital kind and the summary. */
  readonly counters: readonly CounterCell[];
  /** The pair's own counters by year, as events name years. */
  readonly years: Map<string, CounterCell>;
}

/**
 * The ledger's read models (pairs, projects, and the counters behind pair
 * summaries and breakdowns), kept by one projection so that they always stand
 * at the same position. `applyBatch` is the only writer; it runs inside the
 * runner's transaction.
 */
export class LedgerProjection {
  readonly name = LEDGER_PROJECTION_NAME;
  private readonly ancestorsCache = new Map<string, readonly string[]>();
  /** Pairs registered in the current unit of work, written by its flush: until then it writes nothing. */
  private readonly pendingPairs = new Map<string, Record<string, unknown>>();
  private readonly statements;

  /** `tables`: where to write; a blue/green rebuild passes its shadow tables. */
  constructor(
    private readonly db: Database.Database,
    tables: ReadModelTables = LIVE_TABLES,
  ) {
    const { pairs, projects, counters } = tables;
    this.statements = {
      insertPair: db.prepare(
        `INSERT INTO ${pairs} (pair_id, donor_name, donor_level, recipient_name, recipient_level, programme, parent_pair_id,
           established_on, ancestors)
         VALUES (@pairId, @donorName, @donorLevel, @recipientName, @recipientLevel, @programme, @parentPairId, @establishedOn, @ancestors)`,
      ),
      pairAncestors: db.prepare<[string], { ancestors: string }>(`SELECT ancestors FROM ${pairs} WHERE pair_id = ?`),
      project: db.prepare<[string], ProjectRow>(`SELECT * FROM ${projects} WHERE project_id = ?`),
      upsertProject: db.prepare(
        `INSERT OR REPLACE INTO ${projects} VALUES (@project_id, @pair_id, @title, @sector, @capital_kind, @currency, @pledged_minor,
           @delivered_minor, @jobs_created, @status, @signed_on, @occasion, @investor, @milestones, @cancellation,
           @revision, @last_position)`,
      ),
      counter: db.prepare<[string, string, string, string, string, string], { value: string }>(
        `SELECT value FROM ${counters} WHERE pair_id = ? AND scope = ? AND dimension = ? AND key = ? AND metric = ? AND unit = ?`,
      ),
      upsertCounter: db.prepare(
        `INSERT INTO ${counters} (pair_id, scope, dimension, key, metric, unit, value) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT DO UPDATE SET value = excluded.value`,
      ),
    };
  }

  /** Forgets what it cached from the tables: after a rollback, the cache may hold rows that were undone. */
  reset(): void {
    this.ancestorsCache.clear();
    this.pendingPairs.clear();
  }

  /** Applies events in order. Must run inside a transaction; writes each touched row once. */
  applyBatch(events: readonly RecordedEvent[]): void {
    const work = this.begin();
    work.apply(events);
    work.flush();
  }

  /**
   * A unit of work: each row is read once, changed in memory across any
   * number of `apply` calls, and written by `flush`. Its memory grows with
   * the rows touched (pairs, projects, counters), not with the events, so a
   * rebuild can stream millions of events through one and flush now and then.
   */
  begin(): { apply(events: readonly RecordedEvent[]): void; flush(): void } {
    let projects = new Map<string, WorkingProject>();
    let deltas = new CounterDeltas();
    return {
      apply: (events) => {
        for (const event of events) if (isLedgerEvent(event)) this.apply(event, projects, deltas);
      },
      flush: () => {
        for (const pair of this.pendingPairs.values()) this.statements.insertPair.run(pair);
        this.pendingPairs.clear();
        for (const { row, pledged, delivered, milestones } of projects.values()) {
          row.pledged_minor = pledged.toString();
          row.delivered_minor = delivered.toString();
          if (milestones !== null) row.milestones = JSON.stringify(milestones);
          this.statements.upsertProject.run(row);
        }
        for (const { key, delta } of deltas.entries((pairId) => this.ancestorsOf(pairId))) {
          const current = this.statements.counter.get(key.pairId, key.scope, key.dimension, key.key, key.metric, key.unit);
          const value = (current ? BigInt(current.value) : 0n) + delta;
          this.statements.upsertCounter.run(key.pairId, key.scope, key.dimension, key.key, key.metric, key.unit, value.toString());
        }
        projects = new Map();
        deltas = new CounterDeltas();
      },
    };
  }

  private apply(event: RecordedEvent & LedgerEvent, projects: Map<string, WorkingProject>, deltas: CounterDeltas): void {
    if (event.type === 'PartnerPairRegistered') {
      const { pairId, donor, recipient, programme, parentPairId, establishedOn } = event.data;
      const ancestors = parentPairId === null ? [] : [parentPairId, ...this.ancestorsOf(parentPairId)];
      if (this.pendingPairs.has(pairId)) throw new Error(`partner pair ${pairId} is registered twice`);
      this.ancestorsCache.set(pairId, ancestors);
      this.pendingPairs.set(pairId, {
        pairId,
        donorName: donor.name,
        donorLevel: donor.level,
        recipientName: recipient.name,
        recipientLevel: recipient.level,
        programme,
        parentPairId,
        establishedOn,
        ancestors: JSON.stringify(ancestors),
      });
      return;
    }

    if (event.type === 'ProjectSigned') {
      const d = event.data;
      // A second signing (a migration run twice) would replace the row and count the pledge again.
      if (projects.has(d.projectId) || this.statements.project.get(d.projectId)) throw new Error(`project ${d.projectId} is signed twice`);
      const pledged = parseMoney(d.pledged);
      const project = this.working(
        {
          project_id: d.projectId,
          pair_id: d.pairId,
          title: d.title,
          sector: d.sector,
          capital_kind: d.capitalKind,
          currency: pledged.currency,
          pledged_minor: pledged.minor.toString(),
          delivered_minor: '0',
          jobs_created: 0,
          status: 'active',
          signed_on: d.signedOn,
          occasion: d.occasion,
          investor: d.investor,
          milestones: '{}',
          cancellation: null,
          revision: event.revision,
          last_position: event.position,
        },
        deltas,
      );
      projects.set(d.projectId, project);
      const signedIn = yearOf(d.signedOn);
      this.count(project, deltas, signedIn, 'pledged', project.row.currency, pledged.minor);
      this.count(project, deltas, signedIn, 'projectsActive', '', 1n);
      return;
    }

    let project = projects.get(event.data.projectId);
    if (project === undefined) {
      const stored = this.statements.project.get(event.data.projectId);
      if (!stored) throw new Error(`${event.type} at position ${event.position} for unknown project ${event.data.projectId}`);
      project = this.working(stored, deltas);
      projects.set(stored.project_id, project);
    }
    const { row } = project;
    row.revision = event.revision;
    row.last_position = event.position;

    switch (event.type) {
      case 'PledgeRevised': {
        const pledged = parseMoney(event.data.pledged).minor;
        this.count(project, deltas, yearOf(row.signed_on), 'pledged', row.currency, pledged - project.pledged);
        project.pledged = pledged;
        return;
      }
      case 'FundsDisbursed': {
        const amount = parseMoney(event.data.amount).minor;
        this.count(project, deltas, yearOf(event.data.disbursedOn), 'delivered', row.currency, amount);
        project.delivered += amount;
        return;
      }
      case 'DisbursementCorrected': {
        // The difference counts where the original did: in the original disbursement's year.
        const delta = correctionDelta(event.data).minor;
        this.count(project, deltas, yearOf(event.data.disbursedOn), 'delivered', row.currency, delta);
        project.delivered += delta;
        return;
      }
      case 'JobsReportCorrected': {
        const delta = event.data.jobs - event.data.previousJobs;
        this.count(project, deltas, yearOf(event.data.reportedOn), 'jobsCreated', '', BigInt(delta));
        row.jobs_created += delta;
        return;
      }
      case 'JobsRecorded':
        this.count(project, deltas, yearOf(event.data.reportedOn), 'jobsCreated', '', BigInt(event.data.jobs));
        row.jobs_created += event.data.jobs;
        return;
      case 'MilestoneReached': {
        project.milestones ??= JSON.parse(row.milestones) as Record<string, string>;
        project.milestones[event.data.milestone] = event.data.reachedOn;
        if (event.data.milestone === 'completed' && row.status === 'active') this.changeStatus(project, deltas, 'completed');
        return;
      }
      case 'ProjectCancelled':
        this.count(project, deltas, yearOf(row.signed_on), 'pledged', row.currency, -project.pledged);
        row.cancellation = JSON.stringify({ reason: event.data.reason, cancelledOn: event.data.cancelledOn });
        this.changeStatus(project, deltas, 'cancelled');
        return;
      default:
        return assertNever(event);
    }
  }

  /** The project as this unit of work changes it; its pair must be known (else the event fails, to be parked). */
  private working(row: ProjectRow, deltas: CounterDeltas): WorkingProject {
    this.ancestorsOf(row.pair_id);
    return {
      row,
      pledged: BigInt(row.pledged_minor),
      delivered: BigInt(row.delivered_minor),
      milestones: null,
      counters: [
        deltas.cell(row.pair_id, 'all', ''),
        deltas.cell(row.pair_id, 'sector', row.sector),
        deltas.cell(row.pair_id, 'capitalKind', row.capital_kind),
      ],
      years: new Map(),
    };
  }

  private changeStatus(project: WorkingProject, deltas: CounterDeltas, status: ProjectRow['status']): void {
    const signedIn = yearOf(project.row.signed_on);
    this.count(project, deltas, signedIn, STATUS_METRIC[project.row.status], '', -1n);
    this.count(project, deltas, signedIn, STATUS_METRIC[status], '', 1n);
    project.row.status = status;
  }

  /**
   * Adds a change to every counter of the project's pair an event touches:
   * the summary and each breakdown (by the given year, the project's sector
   * and its capital kind). The totals of the pair and its ancestors follow
   * from these when the unit of work is flushed (CounterDeltas.entries).
   */
  private count(project: WorkingProject, deltas: CounterDeltas, year: string, metric: Metric, unit: string, delta: bigint): void {
    for (const cell of project.counters) cell.add(metric, unit, delta);
    let byYear = project.years.get(year);
    if (byYear === undefined) project.years.set(year, (byYear = deltas.cell(project.row.pair_id, 'year', year)));
    byYear.add(metric, unit, delta);
  }

  private ancestorsOf(pairId: string): readonly string[] {
    let ancestors = this.ancestorsCache.get(pairId);
    if (!ancestors) {
      const row = this.statements.pairAncestors.get(pairId);
      if (!row) throw new Error(`unknown partner pair ${pairId}`);
      ancestors = JSON.parse(row.ancestors) as string[];
      this.ancestorsCache.set(pairId, ancestors);
    }
    return ancestors;
  }
}
