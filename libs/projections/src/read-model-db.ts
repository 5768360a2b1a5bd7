import Database from 'better-sqlite3';
import { CHECKPOINTS_TABLE } from '#background';
import { preparePrivateFile } from '#event-store';

/**
 * The read models live in their own SQLite file, beside (not inside) the
 * event store, so they can be thrown away and rebuilt from the events at any
 * time. Each projection's checkpoint is stored in the same file and written
 * in the same transaction as the rows it covers: after a crash the read
 * models and the checkpoint always agree.
 *
 * Amounts are TEXT holding a bigint count of minor units: a sum of 18-digit
 * amounts can pass SQLite's 64-bit INTEGER range.
 */
const SCHEMA = `
  ${CHECKPOINTS_TABLE}

  CREATE TABLE IF NOT EXISTS pairs (
    pair_id          TEXT PRIMARY KEY,
    donor_name       TEXT NOT NULL,
    donor_level      TEXT NOT NULL,
    recipient_name   TEXT NOT NULL,
    recipient_level  TEXT NOT NULL,
    programme        TEXT NOT NULL,
    parent_pair_id   TEXT,
    established_on   TEXT,
    ancestors        TEXT NOT NULL
  ) STRICT;
  CREATE INDEX IF NOT EXISTS pairs_by_parent ON pairs (parent_pair_id);

  CREATE TABLE IF NOT EXISTS projects (
    project_id      TEXT PRIMARY KEY,
    pair_id         TEXT NOT NULL,
    title           TEXT NOT NULL,
    sector          TEXT NOT NULL,
    capital_kind    TEXT NOT NULL,
    currency        TEXT NOT NULL,
    pledged_minor   TEXT NOT NULL,
    delivered_minor TEXT NOT NULL,
    jobs_created    INTEGER NOT NULL,
    status          TEXT NOT NULL,
    signed_on       TEXT NOT NULL,
    occasion        TEXT,
    investor        TEXT,
    milestones      TEXT NOT NULL,
    cancellation    TEXT,
    revision        INTEGER NOT NULL,
    last_position   INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX IF NOT EXISTS projects_by_pair ON projects (pair_id, project_id);

  CREATE TABLE IF NOT EXISTS counters (
    pair_id   TEXT NOT NULL,
    scope     TEXT NOT NULL,
    dimension TEXT NOT NULL,
    key       TEXT NOT NULL,
    metric    TEXT NOT NULL,
    unit      TEXT NOT NULL,
    value     TEXT NOT NULL,
    PRIMARY KEY (pair_id, scope, dimension, key, metric, unit)
  ) STRICT, WITHOUT ROWID;

  -- Events a projection could not apply, set aside with the reason instead of
  -- stopping it (see apply-with-parking.ts). blocked_by: the earlier parked event of the
  -- same stream this one waits behind (it was not tried), null if it failed itself.
  CREATE TABLE IF NOT EXISTS parked_events (
    projection      TEXT NOT NULL,
    position        INTEGER NOT NULL,
    event_id        TEXT NOT NULL,
    stream_id       TEXT NOT NULL,
    revision        INTEGER NOT NULL,
    type            TEXT NOT NULL,
    error           TEXT NOT NULL,
    blocked_by      INTEGER,
    parked_at       TEXT NOT NULL,
    attempts        INTEGER NOT NULL,
    last_attempt_at TEXT,
    PRIMARY KEY (projection, position)
  ) STRICT;
  CREATE INDEX IF NOT EXISTS parked_events_by_stream ON parked_events (projection, stream_id, position);

  -- The last (or running) blue/green rebuild of each projection: its progress, written
  -- in the same transaction as the shadow rows it covers (see rebuild-status.ts, shadow-build.ts).
  CREATE TABLE IF NOT EXISTS projection_rebuilds (
    projection  TEXT PRIMARY KEY,
    rebuild_id  TEXT NOT NULL,
    state       TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    finished_at TEXT,
    head        INTEGER NOT NULL,
    position    INTEGER NOT NULL,
    events      INTEGER NOT NULL,
    parked      INTEGER NOT NULL,
    error       TEXT
  ) STRICT;

  -- Requests to the whole fleet (a rebuild, a parked retry) claimed for this file: the one process of those
  -- sharing it that inserts the row runs the request, the others follow it here (see fleet-request-claims.ts).
  CREATE TABLE IF NOT EXISTS fleet_request_claims (
    kind        TEXT NOT NULL,
    generation  INTEGER NOT NULL,
    claimed_by  TEXT NOT NULL,
    claimed_at  TEXT NOT NULL,
    outcome     TEXT,
    PRIMARY KEY (kind, generation)
  ) STRICT;
`;

/** A row of the projects table, as the projection writes it and the queries read it. */
export interface ProjectRow {
  project_id: string;
  pair_id: string;
  title: string;
  sector: string;
  capital_kind: string;
  currency: string;
  pledged_minor: string;
  delivered_minor: string;
  jobs_created: number;
  status: 'active' | 'completed' | 'cancelled';
  signed_on: string;
  occasion: string | null;
  investor: string | null;
  milestones: string;
  cancellation: string | null;
  revision: number;
  last_position: number;
}

export const READ_MODEL_TABLES = ['pairs', 'projects', 'counters'] as const;
export type ReadModelTable = (typeof READ_MODEL_TABLES)[number];

/** The names a projection writes to: the live tables, or a rebuild's shadow tables. */
export type ReadModelTables = Readonly<Record<ReadModelTable, string>>;

export const LIVE_TABLES: ReadModelTables = { pairs: 'pairs', projects: 'projects', counters: 'counters' };

/** Where a blue/green rebuild builds, beside the live tables, until it swaps them in. */
export const SHADOW_TABLES: ReadModelTables = { pairs: 'shadow_pairs', projects: 'shadow_projects', counters: 'shadow_counters' };

/**
 * Opens the read-model file. `busyTimeoutMs` is how long a write waits for
 * another writer's lock: better-sqlite3 waits synchronously, so a server's
 * connection uses 0 and retries asynchronously instead of freezing its event
 * loop while a rebuild holds the lock.
 */
export function openReadModelDb(file: string, busyTimeoutMs = 10_000): Database.Database {
  preparePrivateFile(file);
  // The timeout from the first statement on (better-sqlite3 would wait 5 s by default), switching to WAL included.
  const db = new Database(file, { timeout: busyTimeoutMs });
  try {
    db.pragma('journal_mode = WAL');
    // The read models can always be rebuilt from the events, so they need not be fsynced on every commit.
    db.pragma('synchronous = NORMAL');
    db.exec(SCHEMA);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}
