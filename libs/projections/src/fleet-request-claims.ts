import type Database from 'better-sqlite3';

/**
 * A request to the whole fleet (rebuild the read models, retry the parked
 * events) is done once per read-models file. Several processes may share one
 * file (one SQLite DATA_DIR); each replica on EventStoreDB has its own. The
 * claim lives in the file itself: the first process to insert the row
 * (kind, generation) runs the request, every other process that opens the
 * same file finds the row and follows the claimant's outcome. The file is
 * its own identity, so no path, host or inode has to be compared, and a
 * copied DATA_DIR claims new requests for itself.
 */

export interface FleetRequestClaim {
  readonly kind: string;
  readonly generation: number;
  /** The instance that claimed the request for this file and runs it. */
  readonly claimedBy: string;
  readonly claimedAt: string;
  /** What the claimant recorded of its run (a rebuild's id, a retry's counts), null until it did. */
  readonly outcome: Readonly<Record<string, unknown>> | null;
}

/** Claims kept per kind: older ones are deleted as new ones come (one row per request, so a handful). */
const KEEP_PER_KIND = 20;

interface ClaimRow {
  kind: string;
  generation: number;
  claimed_by: string;
  claimed_at: string;
  outcome: string | null;
}

/** Claims `generation` of `kind` for `instanceId` unless a process on the same file did: the claim as it stands. */
export function claimFleetRequest(db: Database.Database, kind: string, generation: number, instanceId: string): FleetRequestClaim {
  const inserted = db
    .prepare('INSERT INTO fleet_request_claims (kind, generation, claimed_by, claimed_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING')
    .run(kind, generation, instanceId, new Date().toISOString());
  if (inserted.changes === 1)
    db.prepare('DELETE FROM fleet_request_claims WHERE kind = ? AND generation <= ?').run(kind, generation - KEEP_PER_KIND);
  return readFleetRequestClaim(db, kind, generation)!;
}

export function readFleetRequestClaim(db: Database.Database, kind: string, generation: number): FleetRequestClaim | null {
  const row = db
    .prepare<[string, number], ClaimRow>('SELECT * FROM fleet_request_claims WHERE kind = ? AND generation = ?')
    .get(kind, generation);
  if (!row) return null;
  return {
    kind: row.kind,
    generation: row.generation,
    claimedBy: row.claimed_by,
    claimedAt: row.claimed_at,
    outcome: row.outcome === null ? null : (JSON.parse(row.outcome) as Record<string, unknown>),
  };
}

/** The claimant records what its run gave, for the other processes on the file to show. */
export function recordFleetRequestOutcome(
  db: Database.Database,
  kind: string,
  generation: number,
  outcome: Readonly<Record<string, unknown>>,
): void {
  db.prepare('UPDATE fleet_request_claims SET outcome = ? WHERE kind = ? AND generation = ?').run(
    JSON.stringify(outcome),
    kind,
    generation,
  );
}
