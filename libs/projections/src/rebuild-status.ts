import type Database from 'better-sqlite3';

/**
 * A rebuild's progress, stored beside the read models (table
 * projection_rebuilds, one row per projection): whichever process runs the
 * rebuild, GET /admin/projections reads it there, and a second rebuild sees
 * the first one running.
 */

/** The state of a projection's last (or running) rebuild, as stored beside the read models. */
export interface RebuildStatus {
  readonly rebuildId: string;
  /** `interrupted`: marked running, but no progress for STALE_REBUILD_MS (its process ended). */
  readonly state: 'running' | 'completed' | 'failed' | 'interrupted';
  readonly startedAt: string;
  readonly updatedAt: string;
  readonly finishedAt: string | null;
  readonly head: number;
  readonly position: number;
  readonly events: number;
  readonly parked: number;
  readonly error: string | null;
}

/** A rebuild that wrote no progress for this long is taken to be dead: another may start. */
export const STALE_REBUILD_MS = 60_000;

export class RebuildInProgress extends Error {
  constructor(readonly status: RebuildStatus | null) {
    super(
      status
        ? `a rebuild of the read models is running (started ${status.startedAt}, at position ${status.position} of ${status.head})`
        : 'a rebuild of the read models is starting',
    );
  }
}

/** Another rebuild claimed the projection's row (this one was taken for dead): this one stops. */
export class RebuildSuperseded extends Error {}

interface RebuildRow {
  rebuild_id: string;
  state: RebuildStatus['state'];
  started_at: string;
  updated_at: string;
  finished_at: string | null;
  head: number;
  position: number;
  events: number;
  parked: number;
  error: string | null;
}

/** The projection's last rebuild, or null if it was never rebuilt. */
export function readRebuildStatus(db: Database.Database, projection: string, now = new Date()): RebuildStatus | null {
  const row = db.prepare<[string], RebuildRow>('SELECT * FROM projection_rebuilds WHERE projection = ?').get(projection);
  if (!row) return null;
  const stale = row.state === 'running' && now.getTime() - Date.parse(row.updated_at) > STALE_REBUILD_MS;
  return {
    rebuildId: row.rebuild_id,
    state: stale ? 'interrupted' : row.state,
    startedAt: row.started_at,
    updatedAt: row.updated_at,
    finishedAt: row.finished_at,
    head: row.head,
    position: row.position,
    events: row.events,
    parked: row.parked,
    error: row.error,
  };
}

/** Where a rebuild stands, as its progress row records it. */
export interface RebuildCount {
  readonly position: number;
  readonly events: number;
  readonly parked: number;
}

/** One rebuild's own row of projection_rebuilds: claimed at the start, updated as it goes, marked at the end. */
export class RebuildRecord {
  // Prepared once: both run in every transaction of the rebuild.
  private readonly update;
  private readonly owner;

  constructor(
    private readonly db: Database.Database,
    private readonly projection: string,
    readonly rebuildId: string,
    private readonly now: () => Date,
  ) {
    this.update = db.prepare(
      `UPDATE projection_rebuilds SET state = ?, updated_at = ?, finished_at = ?, position = ?, events = ?, parked = ?
     WHERE projection = ? AND rebuild_id = ?`,
    );
    this.owner = db.prepare<[string], { rebuild_id: string; state: RebuildStatus['state'] }>(
      'SELECT rebuild_id, state FROM projection_rebuilds WHERE projection = ?',
    );
  }

  /** Refuses to start while another rebuild of the projection is running (one that stopped writing progress is not). */
  assertNoneRunning(): void {
    const current = readRebuildStatus(this.db, this.projection, this.now());
    if (current?.state === 'running') throw new RebuildInProgress(current);
  }

  /** Takes the projection's row for this rebuild, running from position 0 towards `head`. */
  start(head: number): void {
    const at = this.now().toISOString();
    this.db
      .prepare(
        `INSERT OR REPLACE INTO projection_rebuilds (projection, rebuild_id, state, started_at, updated_at, finished_at, head, position,
         events, parked, error)
       VALUES (?, ?, 'running', ?, ?, NULL, ?, 0, 0, 0, NULL)`,
      )
      .run(this.projection, this.rebuildId, at, at, head);
  }

  status(): RebuildStatus {
    return readRebuildStatus(this.db, this.projection, this.now())!;
  }

  progress(state: 'running' | 'completed', { position, events, parked }: RebuildCount): void {
    const updatedAt = this.now().toISOString();
    const finishedAt = state === 'completed' ? this.now().toISOString() : null;
    this.update.run(state, updatedAt, finishedAt, position, events, parked, this.projection, this.rebuildId);
  }

  owns(): boolean {
    return this.owner.get(this.projection)?.rebuild_id === this.rebuildId;
  }

  /** Whether the projection's row is this rebuild's and still marked running (whether or not it went stale). */
  ownsRunning(): boolean {
    const row = this.owner.get(this.projection);
    return row?.rebuild_id === this.rebuildId && row.state === 'running';
  }

  /** Stops a rebuild whose row another rebuild has taken. */
  assertOwner(): void {
    if (!this.owns()) throw new RebuildSuperseded('another rebuild took over the shadow tables');
  }

  /** Marks the rebuild failed, with the error's message (the caller checks it still owns the row). */
  failed(error: unknown): void {
    const at = this.now().toISOString();
    this.db
      .prepare("UPDATE projection_rebuilds SET state = 'failed', updated_at = ?, finished_at = ?, error = ? WHERE projection = ?")
      .run(at, at, error instanceof Error ? error.message : String(error), this.projection);
  }
}
