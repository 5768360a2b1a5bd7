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
 * What operators do with the projections of a running API: look at them,
 * rebuild them blue/green in the background, retry parked events. Retries
 * are refused while a rebuild runs (its swap replaces the parked events with
 * its own), in this process or in `npm run rebuild`.
 */
export class ProjectionOperations {
  private rebuilding: Promise<void> | null = null;
  private readonly abort = new AbortController();

  constructor(
    private readonly store: EventStore,
    private readonly runner: ProjectionFollower,
    /** The runner's connection: retries write with it, never waiting for a lock. */
    private readonly writer: Database.Database,
    /** A connection of its own for a rebuild, closed after. */
    private readonly openRebuildConnection: () => Database.Database,
    private readonly logger: RunnerLogger,
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
    const db = this.openRebuildConnection();
    let started!: (status: RebuildStatus) => void;
    let refused!: (error: Error) => void;
    const claimed = new Promise<RebuildStatus>((resolve, reject) => {
      started = resolve;
      refused = reject;
    });
    const run = rebuildReadModels(this.store, db, {
      // Small transactions and a turn of the event loop between pages: the API keeps answering.
      pageSize: 1000,
      commitEvery: 10_000,
      yieldBetweenPages: true,
      signal: this.abort.signal,
      onStarted: started,
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
      .finally(() => {
        this.rebuilding = null;
        db.close();
      });
    return claimed;
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
  async stop(): Promise<void> {
    this.abort.abort(new Error('the server is shutting down'));
    await this.rebuilding;
  }

  private refuseDuringRebuild(): void {
    const current = readRebuildStatus(this.writer, this.runner.name);
    if (current?.state === 'running' || this.rebuilding) throw new RebuildInProgress(current?.state === 'running' ? current : null);
  }
}

function percentOf(rebuild: RebuildStatus): number {
  return rebuild.head === 0 ? 100 : Math.min(100, Math.floor((100 * rebuild.position) / rebuild.head));
}
