import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { UpcastingEventStore } from '#event-store';
import { SqliteCoordinationStore } from '#fleet/sqlite';
import type { FleetRequestClaim, ProjectionFollower, ProjectionOperations, RebuildStatus } from '#projections';
import type { LedgerConfig } from '../../config.js';
import type { LedgerRelay } from '../../infrastructure/kafka-relay.module.js';
import { FleetHeartbeat } from './fleet-heartbeat.js';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The operations a heartbeat drives, as the read models answer them when the followers thread's rebuild (or another
 * process) holds the file's write lock: recording a claimed request's outcome is refused `busyRecords` times.
 */
class BusyFileOperations {
  readonly started: string[] = [];
  readonly recorded: Array<Readonly<Record<string, unknown>>> = [];
  private claim: FleetRequestClaim | null = null;
  private status: RebuildStatus | null = null;

  constructor(private busyRecords: number) {}

  claimFleetRequest(kind: string, generation: number, instanceId: string): FleetRequestClaim {
    this.claim ??= { kind, generation, claimedBy: instanceId, claimedAt: new Date().toISOString(), outcome: null };
    return this.claim;
  }

  fleetRequestClaim(): FleetRequestClaim | null {
    return this.claim;
  }

  recordFleetRequestOutcome(_kind: string, _generation: number, outcome: Readonly<Record<string, unknown>>): void {
    if (this.busyRecords-- > 0) throw new Database.SqliteError('database is locked', 'SQLITE_BUSY');
    this.recorded.push(outcome);
  }

  async startRebuild(): Promise<RebuildStatus> {
    const at = new Date().toISOString();
    const rebuildId = `rebuild-${this.started.length + 1}`;
    this.started.push(rebuildId);
    // It runs, and is over by the next beat.
    this.status = {
      rebuildId,
      state: 'running',
      startedAt: at,
      updatedAt: at,
      finishedAt: null,
      head: 10,
      position: 0,
      events: 0,
      parked: 0,
      error: null,
    };
    setTimeout(() => (this.status = { ...this.status!, state: 'completed', position: 10, finishedAt: at }), 10);
    return this.status;
  }

  rebuildStatus() {
    return this.status && { ...this.status, percent: this.status.state === 'completed' ? 100 : 0 };
  }
}

describe('the fleet heartbeat acting on a rebuild request', () => {
  let dir: string;
  let store: SqliteCoordinationStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ledger-heartbeat-'));
    store = new SqliteCoordinationStore(join(dir, 'fleet.sqlite'));
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts the rebuild it claimed once, though the read models refuse the record of it a few times', async () => {
    const operations = new BusyFileOperations(3);
    const config = { instanceId: 'me', roles: new Set(['api', 'projections']), fleetHeartbeatMs: 50 } as unknown as LedgerConfig;
    const heartbeat = new FleetHeartbeat(
      config,
      store,
      { headPosition: async () => 10 } as unknown as UpcastingEventStore,
      operations as unknown as ProjectionOperations,
      { position: 10, lastError: null, parking: { count: () => 0 } } as unknown as ProjectionFollower,
      { lease: null, relay: null } as unknown as LedgerRelay,
    );
    await heartbeat.onApplicationBootstrap();
    try {
      await heartbeat.request('rebuild', 'tester');
      // Several beats: the one that claims and starts it, and those that follow it to its end.
      const deadline = Date.now() + 10_000;
      let mine;
      do {
        await pause(50);
        mine = (await heartbeat.view()).members.find((member) => member.instanceId === 'me')?.status.requests.rebuild;
      } while (mine?.state !== 'completed' && Date.now() < deadline);
      await pause(300);
      expect(operations.started).toEqual(['rebuild-1']);
      expect(operations.recorded).toEqual([{ rebuildId: 'rebuild-1' }]);
      expect(mine).toMatchObject({ generation: 1, state: 'completed', ranBy: 'me', rebuildId: 'rebuild-1' });
    } finally {
      await heartbeat.beforeApplicationShutdown();
    }
  });
});
