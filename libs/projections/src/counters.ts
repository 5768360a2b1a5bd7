/**
 * Read-model figures are counters keyed by pair, scope, dimension and key.
 * `own` counts a pair's own projects; `total` also every descendant
 * sub-pair's. Dimension `all` (key '') is the pair summary; `year`, `sector`
 * and `capitalKind` are the breakdowns.
 */
export type Scope = 'own' | 'total';
export const DIMENSIONS = ['all', 'year', 'sector', 'capitalKind'] as const;
export type Dimension = (typeof DIMENSIONS)[number];
export type Metric = 'pledged' | 'delivered' | 'jobsCreated' | 'projectsActive' | 'projectsCompleted' | 'projectsCancelled';

export interface CounterKey {
  readonly pairId: string;
  readonly scope: Scope;
  readonly dimension: Dimension;
  readonly key: string;
  readonly metric: Metric;
  /** The currency for money metrics, '' for counts. */
  readonly unit: string;
}

/** A pair's own figures in one dimension and key, as a batch changes them: metric → unit → change. */
export class CounterCell {
  readonly changes = new Map<Metric, Map<string, bigint>>();

  constructor(
    readonly pairId: string,
    readonly dimension: Dimension,
    readonly key: string,
  ) {}

  /** A zero delta still creates the counter, so live batches and a rebuild's batches leave the same rows. */
  add(metric: Metric, unit: string, delta: bigint): void {
    let byUnit = this.changes.get(metric);
    if (byUnit === undefined) this.changes.set(metric, (byUnit = new Map()));
    byUnit.set(unit, (byUnit.get(unit) ?? 0n) + delta);
  }
}

/**
 * Adds up counter changes in memory so a batch of events writes each counter
 * once. An event changes its pair's own counters (cells, which the caller may
 * keep at hand for the next events of the same project); the totals of the
 * pair and of each of its ancestors follow from those once per batch, in
 * `entries`, not once per event.
 */
export class CounterDeltas {
  private readonly cells = new Map<string, CounterCell>();

  /** The pair's own counters in one dimension and key. */
  cell(pairId: string, dimension: Dimension, key: string): CounterCell {
    const id = `${pairId}\u0000${dimension}\u0000${key}`;
    let cell = this.cells.get(id);
    if (cell === undefined) this.cells.set(id, (cell = new CounterCell(pairId, dimension, key)));
    return cell;
  }

  /** Every counter to change, own and total (the pair's and each ancestor's), each once with its summed delta. */
  entries(ancestorsOf: (pairId: string) => readonly string[]): Array<{ key: CounterKey; delta: bigint }> {
    const own: Array<{ key: CounterKey; delta: bigint }> = [];
    const totals = new Map<string, { key: CounterKey; delta: bigint }>();
    for (const { pairId, dimension, key, changes } of this.cells.values()) {
      const ancestors = ancestorsOf(pairId);
      for (const [metric, byUnit] of changes) {
        for (const [unit, delta] of byUnit) {
          own.push({ key: { pairId, scope: 'own', dimension, key, metric, unit }, delta });
          for (let i = -1; i < ancestors.length; i++) {
            const totalOf = i < 0 ? pairId : ancestors[i];
            const id = `${totalOf}\u0000${dimension}\u0000${key}\u0000${metric}\u0000${unit}`;
            const total = totals.get(id);
            if (total) total.delta += delta;
            else totals.set(id, { key: { pairId: totalOf, scope: 'total', dimension, key, metric, unit }, delta });
          }
        }
      }
    }
    return [...own, ...totals.values()];
  }
}
