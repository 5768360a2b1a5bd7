import { AsyncResource } from 'node:async_hooks';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { isSqliteBusy, retryWhileLocked, within } from '#background';
import { UpcastingEventStore } from '#event-store';
import { type CoordinationStore, type FleetRequest, FleetRequestBoard, type FleetRequests, FleetRoster, type MemberView } from '#fleet';
import { type FleetRequestClaim, ProjectionOperations, ProjectionFollower, RebuildInProgress, RebuildUnavailable } from '#projections';
import type { LedgerConfig } from '../../config.js';
import { LEDGER_CONFIG } from '../../config.module.js';
import { COORDINATION_STORE } from '../../infrastructure/fleet.module.js';
import { LedgerRelay } from '../../infrastructure/kafka-relay.module.js';
import { projectRoot } from '../../project-root.js';

/** What the fleet can be asked to do, each instance with the `projections` role on its own read models. */
export const FLEET_REQUEST_KINDS = ['rebuild', 'parked-retry'] as const;
export type FleetRequestKind = (typeof FLEET_REQUEST_KINDS)[number];

/** How an instance handled (or follows) one fleet request on its read models. */
export type RequestHandling = {
  readonly generation: number;
  /**
   * `waiting`: it could not start yet (another rebuild runs, or the read models are locked) and tries again at its
   * next beat; `running`, `completed`, `failed`; `interrupted`: the rebuild stopped without finishing (its process ended).
   */
  readonly state: 'waiting' | 'running' | 'completed' | 'failed' | 'interrupted';
  /** The instance that runs it for these read models: this one, or the one that claimed it on a shared DATA_DIR. */
  readonly ranBy: string | null;
  readonly rebuildId: string | null;
  /** A rebuild's progress, in percent of the head it started at. */
  readonly percent: number | null;
  /** A parked retry's outcome: events applied, events still parked. */
  readonly applied: number | null;
  readonly stillParked: number | null;
  readonly error: string | null;
};

/** What each instance's heartbeat carries. */
export type InstanceStatus = {
  readonly roles: string[];
  readonly version: string;
  readonly host: string;
  readonly pid: number;
  /** With the `projections` role: its read models against the store's head; null without it. */
  readonly projections: {
    readonly checkpoint: number;
    readonly head: number | null;
    readonly lag: number | null;
    readonly parked: number;
    readonly lastError: string | null;
    readonly rebuild: {
      readonly rebuildId: string;
      readonly state: string;
      readonly percent: number;
      readonly updatedAt: string;
    } | null;
  } | null;
  /** With KAFKA_BROKERS: whether it stands for the relay lease, whether it holds it, and who does. */
  readonly relay: { readonly relaying: boolean; readonly leader: boolean; readonly leaderInstanceId: string | null } | null;
  readonly requests: Readonly<Record<FleetRequestKind, RequestHandling | null>>;
  /** The generation of each kind when it started: it does not act on those (null until it could read them). */
  readonly requestsSince: Readonly<Record<FleetRequestKind, number>> | null;
  /** The last failure to read its own status (the store, the read models), null when there was none. */
  readonly lastError: string | null;
};

const logger = new Logger('Fleet');
const VERSION = (JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')) as { version: string }).version;
/** A member silent for this many beats is shown stale (taken for dead); for this many, forgotten. */
const STALE_AFTER_BEATS = 3;
const FORGET_AFTER_BEATS = 120;
const FINAL = new Set(['completed', 'failed', 'interrupted']);
/** How long a claimed request's outcome is tried again while the read models' file is busy. */
const OUTCOME_BUDGET_MS = 5000;

/**
 * This instance's place in the fleet: every FLEET_HEARTBEAT_MS it writes its
 * heartbeat (roles, projections, relay leadership, fleet requests handled)
 * to the `fleet-members` record of the coordination store, and, with the
 * `projections` role, acts on the fleet requests (rebuild, parked retry) it
 * has not handled yet. A beat reads a handful of rows and writes one record:
 * it does not grow with the ledger. Beats never overlap, and a failed beat is
 * logged once and tried again at the next.
 */
@Injectable()
export class FleetHeartbeat implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly roster: FleetRoster<InstanceStatus>;
  readonly board: FleetRequestBoard;
  readonly staleAfterMs: number;
  readonly heartbeatMs: number;
  private readonly handled = new Map<FleetRequestKind, RequestHandling>();
  /** The generation of each kind when this instance first read the requests: earlier requests are not its to do. */
  private baseline: Map<FleetRequestKind, number> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private beating: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private failing = false;
  /** The context the heartbeat was made in (no request's): a beat woken by a request must not carry its correlation id on. */
  private readonly outsideRequests = new AsyncResource('FleetHeartbeat');

  constructor(
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
    @Inject(COORDINATION_STORE) store: CoordinationStore,
    private readonly events: UpcastingEventStore,
    private readonly operations: ProjectionOperations,
    private readonly runner: ProjectionFollower,
    private readonly relay: LedgerRelay,
  ) {
    this.heartbeatMs = config.fleetHeartbeatMs;
    this.staleAfterMs = STALE_AFTER_BEATS * config.fleetHeartbeatMs;
    this.roster = new FleetRoster(store, {
      instanceId: config.instanceId,
      staleAfterMs: this.staleAfterMs,
      forgetAfterMs: FORGET_AFTER_BEATS * config.fleetHeartbeatMs,
    });
    this.board = new FleetRequestBoard(store);
  }

  /** The first beat before the app listens: the fleet sees this instance, and it knows which requests predate it. */
  async onApplicationBootstrap(): Promise<void> {
    // A store that does not answer must not hold the start up: the beat goes on, and the next ones follow.
    await within(this.heartbeatMs, this.beat());
    this.schedule();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.beating;
    try {
      await this.roster.leave();
    } catch (error) {
      logger.warn(`could not mark this instance stopped in the fleet (${(error as Error).message}); it is shown stale instead`);
    }
  }

  /** Asks every instance for `kind`; this one acts at once, the others at their next beat. */
  async request(kind: FleetRequestKind, requestedBy: string | null): Promise<FleetRequest> {
    const request = await this.board.request(kind, this.config.instanceId, requestedBy);
    logger.log(`fleet request: ${kind} generation ${request.generation}${requestedBy ? ` (by ${requestedBy})` : ''}`);
    this.wake();
    return request;
  }

  /** The fleet as the coordination store holds it now, and the requests. */
  async view(): Promise<{ members: MemberView<InstanceStatus>[]; requests: FleetRequests }> {
    const [members, requests] = await Promise.all([this.roster.list(), this.board.read()]);
    return { members, requests };
  }

  /** Beats now (after the running beat, if one runs) instead of at the next tick. */
  private wake(): void {
    if (this.stopped) return;
    if (this.beating) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.outsideRequests.runInAsyncScope(() => void this.beat().then(() => this.schedule()));
  }

  private schedule(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.beat().then(() => this.schedule()), this.config.fleetHeartbeatMs);
    this.timer.unref();
  }

  private beat(): Promise<void> {
    if (this.beating) return this.beating;
    this.beating = (async () => {
      do {
        this.again = false;
        await this.beatOnce();
      } while (this.again && !this.stopped);
    })().finally(() => (this.beating = null));
    return this.beating;
  }

  private async beatOnce(): Promise<void> {
    try {
      const requests = await this.board.read();
      if (this.config.roles.has('projections')) await this.act(requests);
      await this.roster.beat(await this.status());
      if (this.failing) logger.log('writing heartbeats again');
      this.failing = false;
    } catch (error) {
      if (!this.failing) logger.warn(`could not write this instance's heartbeat: ${(error as Error).message}`);
      this.failing = true;
    }
  }

  private async act(requests: FleetRequests): Promise<void> {
    if (this.baseline === null) {
      this.baseline = new Map(FLEET_REQUEST_KINDS.map((kind) => [kind, requests[kind]?.generation ?? 0]));
      return;
    }
    for (const kind of FLEET_REQUEST_KINDS) {
      const generation = requests[kind]?.generation ?? 0;
      const handled = this.handled.get(kind);
      if (generation > (this.baseline.get(kind) ?? 0) && (handled?.generation !== generation || handled.state === 'waiting'))
        this.handled.set(kind, await this.run(kind, generation));
      else if (handled && !FINAL.has(handled.state)) this.handled.set(kind, this.follow(kind, handled));
    }
  }

  /** Claims the request for this instance's read models and runs it, or follows the process on its DATA_DIR that claimed it. */
  private async run(kind: FleetRequestKind, generation: number): Promise<RequestHandling> {
    const me = this.config.instanceId;
    const pending = handling(generation, 'waiting', null);
    let claim: FleetRequestClaim;
    try {
      claim = this.operations.claimFleetRequest(kind, generation, me);
    } catch (error) {
      return { ...pending, error: `could not claim it on the read models: ${(error as Error).message}` };
    }
    if (claim.claimedBy !== me) return this.follow(kind, { ...pending, state: 'running', ranBy: claim.claimedBy });
    try {
      if (kind === 'rebuild') {
        const started = await this.operations.startRebuild();
        logger.log(`fleet request rebuild ${generation}: rebuilding the read models (rebuild ${started.rebuildId})`);
        await this.recordOutcome(kind, generation, { rebuildId: started.rebuildId });
        return { ...pending, state: 'running', ranBy: me, rebuildId: started.rebuildId, percent: 0 };
      }
      const result = await this.operations.retryAll();
      const outcome = { applied: result.applied.length, stillParked: result.stillParked.length, error: null };
      logger.log(`fleet request parked-retry ${generation}: ${outcome.applied} applied, ${outcome.stillParked} still parked`);
      await this.recordOutcome(kind, generation, outcome);
      return { ...pending, state: 'completed', ranBy: me, ...outcome };
    } catch (error) {
      const message = (error as Error).message;
      // Another rebuild runs, another process holds the read models, or the thread that keeps them is restarting: this
      // instance tries again at its next beat.
      if (error instanceof RebuildInProgress || error instanceof RebuildUnavailable || isSqliteBusy(error))
        return { ...pending, ranBy: me, error: message };
      logger.error(`fleet request ${kind} ${generation} failed: ${message}`);
      try {
        this.operations.recordFleetRequestOutcome(kind, generation, { error: message });
      } catch {
        // The others on this DATA_DIR then show it running until it is asked again.
      }
      return { ...pending, state: 'failed', ranBy: me, error: message };
    }
  }

  /**
   * Records what this instance did for a request it claimed, for the other processes on its DATA_DIR. It has been done
   * (a rebuild runs, the retries are applied): a refusal of the write must not send the request back to waiting, which
   * would do it again at the next beat. This thread's connection never waits for a lock, and the rebuild just started
   * writes the same file from the followers thread (as do the other processes' projections), so a busy file is tried
   * again for a while; past that the others see the request running until it is asked again.
   */
  private async recordOutcome(kind: FleetRequestKind, generation: number, outcome: Readonly<Record<string, unknown>>): Promise<void> {
    try {
      await retryWhileLocked(() => this.operations.recordFleetRequestOutcome(kind, generation, outcome), OUTCOME_BUDGET_MS);
    } catch (error) {
      logger.warn(`fleet request ${kind} ${generation}: could not record its outcome: ${(error as Error).message}`);
    }
  }

  /** Where a request this instance runs or follows stands now. */
  private follow(kind: FleetRequestKind, current: RequestHandling): RequestHandling {
    let next = current;
    if (current.ranBy !== this.config.instanceId) {
      const outcome = this.operations.fleetRequestClaim(kind, current.generation)?.outcome;
      if (outcome && typeof outcome.error === 'string') return { ...current, state: 'failed', error: outcome.error };
      if (kind === 'parked-retry' && outcome)
        return { ...current, state: 'completed', applied: Number(outcome.applied), stillParked: Number(outcome.stillParked) };
      if (kind === 'rebuild' && outcome) next = { ...current, rebuildId: String(outcome.rebuildId) };
    }
    if (kind !== 'rebuild' || next.rebuildId === null) return next;
    const rebuild = this.operations.rebuildStatus();
    // The row now holds a later rebuild: this one ended without this instance seeing how.
    if (rebuild?.rebuildId !== next.rebuildId) return { ...next, state: 'interrupted', error: 'another rebuild replaced it' };
    return { ...next, state: rebuild.state, percent: rebuild.percent, error: rebuild.error };
  }

  private async status(): Promise<InstanceStatus> {
    let lastError: string | null = null;
    let head: number | null = null;
    try {
      head = await this.events.headPosition();
    } catch (error) {
      lastError = `the event store does not answer: ${(error as Error).message}`;
    }
    let projections: InstanceStatus['projections'] = null;
    if (this.config.roles.has('projections')) {
      const checkpoint = Math.max(this.runner.position, 0);
      let parked = 0;
      let rebuild = null;
      try {
        parked = this.runner.parking.count();
        rebuild = this.operations.rebuildStatus();
      } catch (error) {
        lastError = `could not read the read models: ${(error as Error).message}`;
      }
      projections = {
        checkpoint,
        head,
        lag: head === null ? null : Math.max(0, head - checkpoint),
        parked,
        lastError: this.runner.lastError,
        rebuild: rebuild && { rebuildId: rebuild.rebuildId, state: rebuild.state, percent: rebuild.percent, updatedAt: rebuild.updatedAt },
      };
    }
    const lease = this.relay.lease;
    return {
      roles: [...this.config.roles],
      version: VERSION,
      host: hostname(),
      pid: process.pid,
      projections,
      relay: lease && {
        relaying: this.relay.relay !== null,
        leader: this.relay.relay?.status().leader ?? false,
        leaderInstanceId: lease.record?.value.holder ?? null,
      },
      requests: { rebuild: this.handled.get('rebuild') ?? null, 'parked-retry': this.handled.get('parked-retry') ?? null },
      requestsSince: this.baseline && {
        rebuild: this.baseline.get('rebuild') ?? 0,
        'parked-retry': this.baseline.get('parked-retry') ?? 0,
      },
      lastError,
    };
  }
}

function handling(generation: number, state: RequestHandling['state'], ranBy: string | null): RequestHandling {
  return { generation, state, ranBy, rebuildId: null, percent: null, applied: null, stillParked: null, error: null };
}
