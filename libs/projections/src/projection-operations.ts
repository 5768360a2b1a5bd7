import type Database from 'better-sqlite3';
import type { EventStore } from '#event-store';
import { type FleetRequestClaim, claimFleetRequest, readFleetRequestClaim, recordFleetRequestOutcome } from './fleet-request-claims.js';
import { LedgerProjection } from './ledger-projection.js';
import type { ParkedEvent } from './parking-lot.js';
import { type RetryResult, retryAllParked, retryParked } from './parked-retry.js';
import type { ProjectionFollower, RunnerLogger } from './projection-runner.js';
import { rebuildReadModels } from './rebuild.js';
import { RebuildInProgress, type RebuildStatus, readRebuildStatus } from './rebuild-status.js';

export interface ProjectionRebuildView extends RebuildStatus {
  /** How far the shadow has come towards the head the rebuild started at. */
  readonly percent: number;
}

export interface ProjectionStatus {
  readonly name: string;
  /** `rebuilding`: a blue/green rebuild runs (the live tables still answer); `degraded`: events are parked; else `live`. */
  readonly state: 'live' | 'degraded' | 'rebuilding';
  /** Whether the read models lack parked events. */
  readonly degraded: boolean;
  readonly checkpoint: number;
  readonly head: number;
  /** In log positions (not dense on every store), not in events. */
  readonly lag: number;
  /** The last error that stopped the projection for a while (the database's, not an event's: those are parked). */
  readonly lastError: string | null;
  readonly parkedCount: number;
  /** The first `PARKED_SHOWN` parked events, in log order. */
  readonly parked: readonly ParkedEvent[];
  readonly rebuild: ProjectionRebuildView | null;
}

export const PARKED_SHOWN = 100;

/**
 * Where blue/green rebuilds of the read models run: started by the operators'
 * endpoints and the fleet's requests. The API's runs them in its followers
 * thread (a rebuild reads and folds every event: on the request thread it took
 * the thread's time for all of it); `LocalRebuilds` is the rebuild itself,
 * wherever it runs.
 */
export interface ShadowRebuilds {
  /** Starts a rebuild; resolves once it has claimed the shadow tables (RebuildInProgress if another holds them). */
  start(): Promise<RebuildStatus>;
  /** Whether a rebuild started here has not ended yet (set at once by `start`, so a second request in the same turn is refused). */
  readonly running: boolean;
  /** Aborts a rebuild started here (its shadow is dropped; the live read models stay) and waits for it. */
  stop(): Promise<void>;
}

/** No rebuild can start in this process just now: it keeps no read models (its roles), or its thread for them is restarting. */
export class RebuildUnavailable extends Error {}

export interface LocalRebuildOptions {
  /** Events per page (a turn of the event loop between pages). */
  readonly pageSize: number;
  /** Events per shadow transaction: each holds the read models' write lock while it writes. */
  readonly commitEvery: number;
  /** Hears of the end of each rebuild that started (claimed the shadow tables), however it ends. */
  readonly onEnded?: () => void;
}

/**
 * Blue/green rebuilds in this thread, one at a time, in small transactions
 * with a turn of the event loop between pages, so the live projection (and
 * whatever else shares the thread) keeps going; once swapped in, the runner
 * takes up the rebuilt checkpoint.
 */
export class LocalRebuilds implements ShadowRebuilds {
  private rebuilding: Promise<void> | null = null;
  private abort = new AbortController();

  constructor(
    private readonly store: EventStore,
    /** The live runner, which takes up the stored checkpoint once a rebuild is swapped in. */
    private readonly runner: Pick<ProjectionFollower, 'refresh'>,
    /** A connection of its own for each rebuild, closed after. */
    private readonly openConnection: () => Database.Database,
    private readonly logger: RunnerLogger,
    private readonly options: LocalRebuildOptions,
  ) {}

  get running(): boolean {
    return this.rebuilding !== null;
  }

  start(): Promise<RebuildStatus> {
    if (this.rebuilding) return Promise.reject(new RebuildInProgress(null));
    let db: Database.Database;
    try {
      db = this.openConnection();
    } catch (error) {
      return Promise.reject(error as Error);
    }
    let started!: (status: RebuildStatus) => void;
    let refused!: (error: Error) => void;
    const claimed = new Promise<RebuildStatus>((resolve, reject) => {
      started = resolve;
      refused = reject;
    });
    if (this.abort.signal.aborted) this.abort = new AbortController();
    let claimedTables = false;
    const run = rebuildReadModels(this.store, db, {
      pageSize: this.options.pageSize,
      commitEvery: this.options.commitEvery,
      yieldBetweenPages: true,
      signal: this.abort.signal,
      onStarted: (status) => {
        claimedTables = true;
        started(status);
      },
    });
    // Set at once, so that a second request in the same turn is refused.
    this.rebuilding = run
      .then(
        (result) => {
          this.runner.refresh();
          this.logger.log(
            `rebuilt the read models from ${result.events} events up to position ${result.position}; ${result.parked} parked`,
          );
        },
        (error: Error) => {
          refused(error); // ignored once claimed
          if (!(error instanceof RebuildInProgress)) this.logger.error(`rebuild failed: ${error.message}`, error.stack);
        },
      )
      .catch((error: Error) => this.logger.error(`after the rebuild: ${error.message}`, error.stack))
      .finally(() => {
        this.rebuilding = null;
        try {
          db.close();
        } catch {
          // Closed already: nothing to release.
        }
        // Only a rebuild that started has an end to tell: one refused before its claim was answered as refused.
        if (claimedTables) this.options.onEnded?.();
      });
    return claimed;
  }

  async stop(): Promise<void> {
    this.abort.abort(new Error('the server is shutting down'));
    await this.rebuilding;
  }
}

/**
 * What operators do with the projections of a running API: look at them,
 * rebuild them blue/green in the background, retry parked events. Retries
 * are refused while a rebuild runs (its swap replaces the parked events with
 * its own), in this process or in `npm run rebuild`.
 */
export class ProjectionOperations {
  constructor(
    private readonly store: EventStore,
    private readonly runner: ProjectionFollower,
    /** The runner's connection: retries write with it, never waiting for a lock. */
    private readonly writer: Database.Database,
    /** Where this process's rebuilds run. */
    private readonly rebuilds: ShadowRebuilds,
  ) {}

  async status(): Promise<ProjectionStatus[]> {
    const head = await this.store.headPosition();
    const rebuild = readRebuildStatus(this.writer, this.runner.name);
    const parkedCount = this.runner.parking.count();
    const checkpoint = Math.max(this.runner.position, 0);
    return [
      {
        name: this.runner.name,
        state: rebuild?.state === 'running' ? 'rebuilding' : parkedCount > 0 ? 'degraded' : 'live',
        degraded: parkedCount > 0,
        checkpoint,
        head,
        lag: Math.max(0, head - checkpoint),
        lastError: this.runner.lastError,
        parkedCount,
        parked: this.runner.parking.list(PARKED_SHOWN),
        rebuild: rebuild && { ...rebuild, percent: percentOf(rebuild) },
      },
    ];
  }

  /** Starts a blue/green rebuild in the background; resolves once it has claimed the shadow tables. */
  startRebuild(): Promise<RebuildStatus> {
    this.refuseDuringRebuild();
    return this.rebuilds.start();
  }

  /** Retries the parked event at `position` and the events of its stream waiting behind it. */
  retry(position: number): Promise<RetryResult> {
    this.refuseDuringRebuild();
    return retryParked(this.store, this.writer, new LedgerProjection(this.writer), this.runner.parking, position);
  }

  /** Retries every parked event, stream by stream. */
  retryAll(): Promise<RetryResult> {
    this.refuseDuringRebuild();
    return retryAllParked(this.store, this.writer, new LedgerProjection(this.writer), this.runner.parking);
  }

  /** The last (or running) rebuild of the read models, by whichever process: one row, no scan. */
  rebuildStatus(): ProjectionRebuildView | null {
    const rebuild = readRebuildStatus(this.writer, this.runner.name);
    return rebuild && { ...rebuild, percent: percentOf(rebuild) };
  }

  /**
   * Claims a fleet-wide request for these read models (see fleet-request-claims.ts): the claim as it stands, naming
   * the process that runs it. Throws the database's error if the file is locked (the caller tries again later).
   */
  claimFleetRequest(kind: string, generation: number, instanceId: string): FleetRequestClaim {
    return claimFleetRequest(this.writer, kind, generation, instanceId);
  }

  fleetRequestClaim(kind: string, generation: number): FleetRequestClaim | null {
    return readFleetRequestClaim(this.writer, kind, generation);
  }

  recordFleetRequestOutcome(kind: string, generation: number, outcome: Readonly<Record<string, unknown>>): void {
    recordFleetRequestOutcome(this.writer, kind, generation, outcome);
  }

  /** Aborts a rebuild of this process (its shadow is dropped; the live read models stay) and waits for it. */
  stop(): Promise<void> {
    return this.rebuilds.stop();
  }

  private refuseDuringRebuild(): void {
    const current = readRebuildStatus(this.writer, this.runner.name);
    if (current?.state === 'running' || this.rebuilds.running) throw new RebuildInProgress(current?.state === 'running' ? current : null);
  }
}

function percentOf(rebuild: RebuildStatus): number {
  return rebuild.head === 0 ? 100 : Math.min(100, Math.floor((100 * rebuild.position) / rebuild.head));
}
