import { Inject, Injectable } from '@nestjs/common';
import { TIMED_OUT, within } from '#background';
import { type EventStore, UpcastingEventStore } from '#event-store';
import { ProjectionFollower } from '#projections';
import type { LedgerConfig } from '../config.js';
import { LedgerRelay } from '../infrastructure/kafka-relay.module.js';
import { LEDGER_CONFIG } from '../config.module.js';

/** How far one follower of the log (a projection, the Kafka relay) is behind the store's head. */
export interface FollowerLag {
  readonly checkpoint: number;
  /** Head minus checkpoint, in log positions (events on SQLite; commit positions on EventStoreDB). */
  readonly lag: number;
  /** How long ago the oldest event it has not applied yet was recorded; 0 when caught up. */
  readonly lagSeconds: number;
}

export interface ProjectionStatus extends FollowerLag {
  readonly name: string;
  readonly lastError: string | null;
  /** Events it could not apply and parked (GET /admin/projections). */
  readonly parked: number;
}

export interface RelayStatusView extends FollowerLag {
  /** Whether this instance holds the relay's lease and publishes; a standby is not failing. */
  readonly leader: boolean;
  readonly leaderInstanceId: string | null;
  readonly connected: boolean;
  readonly published: number;
  readonly lastError: string | null;
}

/** One look at everything readiness and metrics report on, taken in one go. */
export interface LedgerStatus {
  readonly store: { readonly kind: string; readonly reachable: boolean; readonly head: number | null; readonly error?: string };
  /** Null when the store did not answer: lag cannot be known. */
  readonly projections: readonly ProjectionStatus[] | null;
  /** Null when no relay runs here (no KAFKA_BROKERS, or no `relay` role); lag fields are null when the store did not answer. */
  readonly relay: (Omit<RelayStatusView, keyof FollowerLag> & { checkpoint: number; lag: number | null; lagSeconds: number | null }) | null;
}

/**
 * Bounds every store call a probe makes: a store that hangs (EventStoreDB's client waits for a connection
 * without limit) is unreachable.
 */
export const STORE_PROBE_TIMEOUT_MS = 2000;

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  const answer = await within(ms, promise);
  if (answer === TIMED_OUT) throw new Error(`${what} did not answer within ${ms} ms`);
  return answer;
}

/** How far behind `head` a follower at `checkpoint` is, in positions and in the age of the oldest event it has not applied. */
export async function lagBehind(store: EventStore, checkpoint: number, head: number, now = Date.now()): Promise<FollowerLag> {
  if (checkpoint >= head) return { checkpoint, lag: 0, lagSeconds: 0 };
  const [next] = await withTimeout(store.readAll({ after: checkpoint, maxCount: 1 }), STORE_PROBE_TIMEOUT_MS, 'the event store');
  const recordedAt = next ? Date.parse(next.metadata.recordedAt) : NaN;
  const lagSeconds = Number.isFinite(recordedAt) ? Math.max(0, now - recordedAt) / 1000 : 0;
  return { checkpoint, lag: head - checkpoint, lagSeconds };
}

/**
 * Reads the store's head and the projections' and relay's checkpoints: what
 * /health/ready decides on and /metrics exposes. Never throws: a store that
 * does not answer is reported as unreachable.
 */
@Injectable()
export class LedgerStatusProbe {
  constructor(
    private readonly store: UpcastingEventStore,
    private readonly runner: ProjectionFollower,
    private readonly relay: LedgerRelay,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
  ) {}

  async snapshot(): Promise<LedgerStatus> {
    const { store, runner, config } = this;
    const relayState = this.relay.relay?.status() ?? null;
    let relayView: { checkpoint: number; leaderInstanceId: string | null } | null = null;
    let head: number | null = null;
    let error: string | undefined;
    try {
      if (!(await withTimeout(store.isReachable(), STORE_PROBE_TIMEOUT_MS + 500, 'the event store')))
        throw new Error('the event store does not answer');
      head = await withTimeout(store.headPosition(), STORE_PROBE_TIMEOUT_MS, 'the event store');
    } catch (failure) {
      error = (failure as Error).message;
    }
    const now = Date.now();
    let projections: ProjectionStatus[] | null = null;
    let relayLag: FollowerLag | null = null;
    if (head !== null) {
      try {
        // Only a process with the projections role keeps read models: no lag to report otherwise.
        projections = config.roles.has('projections')
          ? [
              {
                name: runner.name,
                lastError: runner.lastError,
                parked: runner.parking.count(),
                ...(await lagBehind(store, runner.position, head, now)),
              },
            ]
          : [];
      } catch (failure) {
        error = (failure as Error).message;
        head = null;
        projections = null;
      }
    }
    if (relayState && head !== null) {
      // The shared checkpoint, from the lease record: a standby reports the fleet's progress too.
      try {
        const view = await withTimeout(this.relay.status(head), STORE_PROBE_TIMEOUT_MS, 'the coordination store');
        if (view.enabled) relayView = view;
        relayLag = await lagBehind(store, relayView?.checkpoint ?? 0, head, now);
      } catch {
        // Unknown lag (null below); the relay's own lastError says why it cannot read the lease.
      }
    }
    return {
      store: { kind: config.eventStore, reachable: head !== null, head, ...(error ? { error } : {}) },
      projections,
      relay: relayState
        ? {
            leader: relayState.leader,
            leaderInstanceId: relayView?.leaderInstanceId ?? this.relay.lease?.record?.value.holder ?? null,
            connected: relayState.connected,
            published: relayState.published,
            lastError: relayState.lastError,
            checkpoint: relayView?.checkpoint ?? this.relay.lease?.record?.value.data.checkpoint ?? 0,
            lag: relayLag?.lag ?? null,
            lagSeconds: relayLag?.lagSeconds ?? null,
          }
        : null,
    };
  }
}
