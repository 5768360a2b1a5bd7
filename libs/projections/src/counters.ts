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

/** Adds up counter changes in memory so a batch of events writes each counter once. */
export class CounterDeltas {
  private readonly deltas = new Map<string, { key: CounterKey; delta: bigint }>();

  /** A zero delta still creates the counter, so live batches and a rebuild's batches leave the same rows. */
  add(key: CounterKey, delta: bigint): void {
    const id = `${key.pairId}\u0000${key.scope}\u0000${key.dimension}\u0000${key.key}\u0000${key.metric}\u0000${key.unit}`;
    const existing = this.deltas.get(id);
    if (existing) existing.delta += delta;
    else this.deltas.set(id, { key, delta });
  }

  entries(): Iterable<{ key: CounterKey; delta: bigint }> {
    return this.deltas.values();
  }
}
