import type Database from 'better-sqlite3';
import { type LedgerEvent, assertNever, correctionDelta, ledgerEventOf, parseMoney, yearOf } from '#domain';
import type { RecordedEvent } from '#event-store';
import { LIVE_TABLES, type ProjectRow, type ReadModelTables } from './read-model-db.js';
import { CounterDeltas, type Dimension, type Metric } from './counters.js';

/** The name under which the ledger projection stores its checkpoint and parked events. */
export const LEDGER_PROJECTION_NAME = 'ledger-read-models';

const STATUS_METRIC = { active: 'projectsActive', completed: 'projectsCompleted', cancelled: 'projectsCancelled' } as const;

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
    let projects = new Map<string, ProjectRow>();
    let deltas = new CounterDeltas();
    return {
      apply: (events) => {
        for (const recorded of events) {
          const event = ledgerEventOf(recorded);
          if (event !== null) this.apply(event, recorded, projects, deltas);
        }
      },
      flush: () => {
        for (const pair of this.pendingPairs.values()) this.statements.insertPair.run(pair);
        this.pendingPairs.clear();
        for (const row of projects.values()) this.statements.upsertProject.run(row);
        for (const { key, delta } of deltas.entries()) {
          const current = this.statements.counter.get(key.pairId, key.scope, key.dimension, key.key, key.metric, key.unit);
          const value = (current ? BigInt(current.value) : 0n) + delta;
          this.statements.upsertCounter.run(key.pairId, key.scope, key.dimension, key.key, key.metric, key.unit, value.toString());
        }
        projects = new Map();
        deltas = new CounterDeltas();
      },
    };
  }

  private apply(event: LedgerEvent, recorded: RecordedEvent, projects: Map<string, ProjectRow>, deltas: CounterDeltas): void {
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
      const row: ProjectRow = {
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
        revision: recorded.revision,
        last_position: recorded.position,
      };
      projects.set(d.projectId, row);
      const count = this.counting(row, deltas, yearOf(row.signed_on));
      count('pledged', row.currency, pledged.minor);
      count('projectsActive', '', 1n);
      return;
    }

    const row = projects.get(event.data.projectId) ?? this.statements.project.get(event.data.projectId);
    if (!row) throw new Error(`${event.type} at position ${recorded.position} for unknown project ${event.data.projectId}`);
    projects.set(row.project_id, row);
    row.revision = recorded.revision;
    row.last_position = recorded.position;
    const bySigning = this.counting(row, deltas, yearOf(row.signed_on));

    switch (event.type) {
      case 'PledgeRevised': {
        const pledged = parseMoney(event.data.pledged).minor;
        bySigning('pledged', row.currency, pledged - BigInt(row.pledged_minor));
        row.pledged_minor = pledged.toString();
        return;
      }
      case 'FundsDisbursed': {
        const amount = parseMoney(event.data.amount).minor;
        this.counting(row, deltas, yearOf(event.data.disbursedOn))('delivered', row.currency, amount);
        row.delivered_minor = (BigInt(row.delivered_minor) + amount).toString();
        return;
      }
      case 'DisbursementCorrected': {
        // The difference counts where the original did: in the original disbursement's year.
        const delta = correctionDelta(event.data).minor;
        this.counting(row, deltas, yearOf(event.data.disbursedOn))('delivered', row.currency, delta);
        row.delivered_minor = (BigInt(row.delivered_minor) + delta).toString();
        return;
      }
      case 'JobsReportCorrected': {
        const delta = event.data.jobs - event.data.previousJobs;
        this.counting(row, deltas, yearOf(event.data.reportedOn))('jobsCreated', '', BigInt(delta));
        row.jobs_created += delta;
        return;
      }
      case 'JobsRecorded':
        this.counting(row, deltas, yearOf(event.data.reportedOn))('jobsCreated', '', BigInt(event.data.jobs));
        row.jobs_created += event.data.jobs;
        return;
      case 'MilestoneReached': {
        const milestones = JSON.parse(row.milestones) as Record<string, string>;
        milestones[event.data.milestone] = event.data.reachedOn;
        row.milestones = JSON.stringify(milestones);
        if (event.data.milestone === 'completed' && row.status === 'active') this.changeStatus(row, 'completed', bySigning);
        return;
      }
      case 'ProjectCancelled':
        bySigning('pledged', row.currency, -BigInt(row.pledged_minor));
        row.cancellation = JSON.stringify({ reason: event.data.reason, cancelledOn: event.data.cancelledOn });
        this.changeStatus(row, 'cancelled', bySigning);
        return;
      default:
        return assertNever(event);
    }
  }

  private changeStatus(row: ProjectRow, status: ProjectRow['status'], count: (metric: Metric, unit: string, delta: bigint) => void): void {
    count(STATUS_METRIC[row.status], '', -1n);
    count(STATUS_METRIC[status], '', 1n);
    row.status = status;
  }

  /**
   * Returns a function that adds a change to every counter an event touches:
   * its pair's own figures and the totals of the pair and all its ancestors,
   * in the summary and in each breakdown (by the given year, the project's
   * sector and its capital kind).
   */
  private counting(row: ProjectRow, deltas: CounterDeltas, year: string): (metric: Metric, unit: string, delta: bigint) => void {
    const keys: Array<[Dimension, string]> = [
      ['all', ''],
      ['year', year],
      ['sector', row.sector],
      ['capitalKind', row.capital_kind],
    ];
    const totals = [row.pair_id, ...this.ancestorsOf(row.pair_id)];
    return (metric, unit, delta) => {
      for (const [dimension, key] of keys) {
        deltas.add({ pairId: row.pair_id, scope: 'own', dimension, key, metric, unit }, delta);
        for (const pairId of totals) deltas.add({ pairId, scope: 'total', dimension, key, metric, unit }, delta);
      }
    };
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
