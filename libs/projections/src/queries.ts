import type Database from 'better-sqlite3';
import { type CurrencyCode, type MoneyJson, formatMinor, isCurrencyCode } from '#domain';
import type { Dimension, Scope } from './counters.js';
import type { ProjectRow } from './read-model-db.js';

export interface Figures {
  readonly pledged: Record<string, string>;
  readonly delivered: Record<string, string>;
  readonly jobsCreated: number;
  readonly projects: { readonly active: number; readonly completed: number; readonly cancelled: number };
}

export interface PairView {
  readonly pairId: string;
  readonly donor: { readonly name: string; readonly level: string };
  readonly recipient: { readonly name: string; readonly level: string };
  readonly programme: string;
  readonly parentPairId: string | null;
  readonly establishedOn: string | null;
  readonly subPairIds: readonly string[];
}

export interface PairSummary extends PairView {
  readonly own: Figures;
  readonly total: Figures;
}

export interface BreakdownRow extends Figures {
  readonly key: string;
}

export interface ProjectView {
  readonly projectId: string;
  readonly pairId: string;
  readonly title: string;
  readonly sector: string;
  readonly capitalKind: string;
  readonly status: string;
  readonly pledged: MoneyJson;
  readonly delivered: MoneyJson;
  readonly remaining: MoneyJson;
  readonly jobsCreated: number;
  readonly signedOn: string;
  readonly occasion: string | null;
  readonly investor: string | null;
  readonly milestones: ReadonlyArray<{ readonly milestone: string; readonly reachedOn: string }>;
  readonly cancellation: { readonly reason: string; readonly cancelledOn: string } | null;
  readonly revision: number;
  readonly position: number;
}

interface CounterRow {
  key: string;
  scope: Scope;
  metric: string;
  unit: string;
  value: string;
}

const MILESTONE_ORDER = ['landed', 'construction-started', 'in-production', 'completed'];

/** Reads the ledger's read models; every figure comes from rows the projection wrote, nothing is recomputed here. */
export class LedgerQueries {
  private readonly statements;

  constructor(db: Database.Database) {
    this.statements = {
      pair: db.prepare<[string], PairRow>('SELECT * FROM pairs WHERE pair_id = ?'),
      pairs: db.prepare<[], PairRow>('SELECT * FROM pairs ORDER BY pair_id'),
      subPairs: db.prepare<[string], { pair_id: string }>('SELECT pair_id FROM pairs WHERE parent_pair_id = ? ORDER BY pair_id'),
      allSubPairs: db.prepare<[], { pair_id: string; parent_pair_id: string }>(
        'SELECT pair_id, parent_pair_id FROM pairs WHERE parent_pair_id IS NOT NULL ORDER BY pair_id',
      ),
      counters: db.prepare<[string, string], CounterRow>(
        'SELECT key, scope, metric, unit, value FROM counters WHERE pair_id = ? AND dimension = ? ORDER BY key, metric, unit',
      ),
      project: db.prepare<[string], ProjectRow>('SELECT * FROM projects WHERE project_id = ?'),
      pairProjects: db.prepare<[string], ProjectRow>('SELECT * FROM projects WHERE pair_id = ? ORDER BY project_id'),
    };
  }

  listPairs(): PairView[] {
    const children = new Map<string, string[]>();
    for (const row of this.statements.allSubPairs.all()) {
      children.set(row.parent_pair_id, [...(children.get(row.parent_pair_id) ?? []), row.pair_id]);
    }
    return this.statements.pairs.all().map((row) => toPairView(row, children.get(row.pair_id) ?? []));
  }

  pair(pairId: string): PairView | null {
    const row = this.statements.pair.get(pairId);
    return row
      ? toPairView(
          row,
          this.statements.subPairs.all(pairId).map((r) => r.pair_id),
        )
      : null;
  }

  pairSummary(pairId: string): PairSummary | null {
    const pair = this.pair(pairId);
    if (!pair) return null;
    const rows = this.statements.counters.all(pairId, 'all');
    return { ...pair, own: toFigures(rows.filter((r) => r.scope === 'own')), total: toFigures(rows.filter((r) => r.scope === 'total')) };
  }

  /** Figures grouped by year, sector or capital kind, in key order; null if the pair is unknown. */
  breakdown(pairId: string, dimension: Exclude<Dimension, 'all'>, scope: Scope): BreakdownRow[] | null {
    if (!this.statements.pair.get(pairId)) return null;
    const byKey = new Map<string, CounterRow[]>();
    for (const row of this.statements.counters.all(pairId, dimension)) {
      if (row.scope === scope) byKey.set(row.key, [...(byKey.get(row.key) ?? []), row]);
    }
    return [...byKey.entries()].map(([key, rows]) => ({ key, ...toFigures(rows) }));
  }

  project(projectId: string): ProjectView | null {
    const row = this.statements.project.get(projectId);
    return row ? toProjectView(row) : null;
  }

  pairProjects(pairId: string): ProjectView[] | null {
    if (!this.statements.pair.get(pairId)) return null;
    return this.statements.pairProjects.all(pairId).map(toProjectView);
  }
}

interface PairRow {
  pair_id: string;
  donor_name: string;
  donor_level: string;
  recipient_name: string;
  recipient_level: string;
  programme: string;
  parent_pair_id: string | null;
  established_on: string | null;
}

function toPairView(row: PairRow, subPairIds: string[]): PairView {
  return {
    pairId: row.pair_id,
    donor: { name: row.donor_name, level: row.donor_level },
    recipient: { name: row.recipient_name, level: row.recipient_level },
    programme: row.programme,
    parentPairId: row.parent_pair_id,
    establishedOn: row.established_on,
    subPairIds,
  };
}

function toFigures(rows: readonly CounterRow[]): Figures {
  const pledged: Record<string, string> = {};
  const delivered: Record<string, string> = {};
  const counts: Record<string, number> = {};
  for (const row of rows) {
    if (row.metric === 'pledged' || row.metric === 'delivered') {
      if (!isCurrencyCode(row.unit)) throw new Error(`unknown currency ${row.unit} in read model`);
      (row.metric === 'pledged' ? pledged : delivered)[row.unit] = formatMinor(BigInt(row.value), row.unit);
    } else {
      counts[row.metric] = Number(row.value);
    }
  }
  return {
    pledged,
    delivered,
    jobsCreated: counts.jobsCreated ?? 0,
    projects: { active: counts.projectsActive ?? 0, completed: counts.projectsCompleted ?? 0, cancelled: counts.projectsCancelled ?? 0 },
  };
}

function toProjectView(row: ProjectRow): ProjectView {
  const currency = row.currency as CurrencyCode;
  const money = (minor: bigint): MoneyJson => ({ amount: formatMinor(minor, currency), currency });
  const pledged = BigInt(row.pledged_minor);
  const delivered = BigInt(row.delivered_minor);
  const milestones = Object.entries(JSON.parse(row.milestones) as Record<string, string>)
    .map(([milestone, reachedOn]) => ({ milestone, reachedOn }))
    .sort((a, b) => MILESTONE_ORDER.indexOf(a.milestone) - MILESTONE_ORDER.indexOf(b.milestone));
  return {
    projectId: row.project_id,
    pairId: row.pair_id,
    title: row.title,
    sector: row.sector,
    capitalKind: row.capital_kind,
    status: row.status,
    pledged: money(pledged),
    delivered: money(delivered),
    remaining: money(row.status === 'cancelled' ? 0n : pledged - delivered),
    jobsCreated: row.jobs_created,
    signedOn: row.signed_on,
    occasion: row.occasion,
    investor: row.investor,
    milestones,
    cancellation: row.cancellation ? (JSON.parse(row.cancellation) as { reason: string; cancelledOn: string }) : null,
    revision: row.revision,
    position: row.last_position,
  };
}
