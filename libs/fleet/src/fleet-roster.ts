import { performance } from 'node:perf_hooks';
import type { CoordinationStore, FleetRecord, FleetValue } from './coordination-store.port.js';

/**
 * Who is in the fleet: one record, `fleet-members`, holding every instance's
 * last heartbeat by instance id. Each instance beats by a compare-and-set of
 * the whole record (its own entry replaced, the others kept), retried on a
 * conflict with a short jittered pause; one read lists the whole fleet at
 * once. The port needs no listing: the record is as small as the fleet, and
 * every write drops the members silent for longer than `forgetAfterMs`, so
 * it never grows with restarts.
 *
 * Silence is judged without a shared clock where it can be: an instance
 * counts each member's beats and measures, by its own monotonic clock, how
 * long a member's count has not moved. Only a member seen for the first time
 * is aged by its own wall-clock time of beating (this instance's clock against
 * the member's; a skew shows there until the member's next beat).
 */

export const FLEET_MEMBERS_KEY = 'fleet-members';

/** One instance's entry in the record. */
export interface MemberEntry<T extends FleetValue = FleetValue> {
  readonly instanceId: string;
  /** One more at every beat of this instance: how other instances see it is alive. */
  readonly beats: number;
  /** When it started (ms since the epoch, its own clock). */
  readonly startedAt: number;
  /** When it last beat (ms since the epoch, its own clock). */
  readonly beatAt: number;
  /** When it shut down cleanly (its own clock), null while it runs. */
  readonly stoppedAt: number | null;
  /** What it reports about itself. */
  readonly status: T;
}

export type MemberState = 'live' | 'stale' | 'stopped';

export interface MemberView<T extends FleetValue = FleetValue> extends MemberEntry<T> {
  /** How long, as this instance measured it, the member's beats have not moved. */
  readonly silentMs: number;
  /** `stale`: no beat for longer than staleAfterMs (taken for dead); `stopped`: it shut down cleanly. */
  readonly state: MemberState;
}

export interface RosterOptions {
  readonly instanceId: string;
  /** A member that has not beaten for longer than this is shown stale (taken for dead). */
  readonly staleAfterMs: number;
  /** A member silent (or stopped) for longer than this is dropped from the record by the next writer. */
  readonly forgetAfterMs: number;
  /** Compare-and-set attempts of one beat before it gives up (the next beat tries again). */
  readonly maxAttempts?: number;
  readonly startedAt?: number;
}

type MembersValue = { readonly members: Readonly<Record<string, MemberEntry>> };

/** Every attempt of a beat lost the compare-and-set to other writers: this beat is skipped, the next one tries again. */
export class FleetRecordContended extends Error {
  constructor(attempts: number) {
    super(`the record changed under each of ${attempts} attempts to write it`);
    this.name = 'FleetRecordContended';
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class FleetRoster<T extends FleetValue> {
  readonly instanceId: string;
  readonly startedAt: number;
  private readonly maxAttempts: number;
  private beats = 0;
  /** Each member's beat count as last seen, and since when (performance.now()) it has not moved. */
  private readonly seen = new Map<string, { beats: number; since: number }>();

  constructor(
    private readonly store: CoordinationStore,
    private readonly options: RosterOptions,
  ) {
    this.instanceId = options.instanceId;
    this.startedAt = options.startedAt ?? Date.now();
    this.maxAttempts = options.maxAttempts ?? 8;
    if (options.staleAfterMs >= options.forgetAfterMs) throw new Error('a member must be shown stale before it is forgotten');
  }

  /** Writes this instance's heartbeat with `status`; answers the fleet as the write left it. */
  async beat(status: T): Promise<MemberView<T>[]> {
    return this.write((own) => ({
      instanceId: this.instanceId,
      beats: (own?.beats ?? this.beats) + 1,
      startedAt: this.startedAt,
      beatAt: Date.now(),
      stoppedAt: null,
      status,
    }));
  }

  /** On a clean shutdown: marks this instance stopped (shown as such until forgotten). */
  async leave(): Promise<void> {
    await this.write((own) => (own ? { ...own, beats: own.beats + 1, stoppedAt: Date.now() } : null));
  }

  /** The fleet as the record now holds it, each member aged by this instance's observation. */
  async list(): Promise<MemberView<T>[]> {
    return this.observe(await this.store.read(FLEET_MEMBERS_KEY));
  }

  private async write(own: (current: MemberEntry<T> | undefined) => MemberEntry<T> | null): Promise<MemberView<T>[]> {
    let current = await this.store.read(FLEET_MEMBERS_KEY);
    for (let attempt = 1; ; attempt++) {
      const views = this.observe(current);
      const members: Record<string, MemberEntry> = Object.create(null) as Record<string, MemberEntry>;
      for (const view of views) {
        if (view.instanceId === this.instanceId || view.silentMs > this.options.forgetAfterMs) continue;
        members[view.instanceId] = entryOf(view);
      }
      const previous = (current?.value as MembersValue | undefined)?.members[this.instanceId] as MemberEntry<T> | undefined;
      const mine = own(previous);
      if (mine) members[this.instanceId] = mine;
      const value: MembersValue = { members: { ...members } };
      const result = await this.store.compareAndSet(FLEET_MEMBERS_KEY, current ? current.version : 'absent', value);
      if (result.ok) {
        if (mine) this.beats = mine.beats;
        return this.observe(result.record);
      }
      if (attempt >= this.maxAttempts) throw new FleetRecordContended(attempt);
      current = result.current;
      // Others beat at the same moment: a short, jittered pause spreads the next attempts.
      await pause(5 + Math.random() * 20 * attempt);
    }
  }

  private observe(record: FleetRecord | null): MemberView<T>[] {
    const now = performance.now();
    const wallNow = Date.now();
    const entries = Object.values((record?.value as MembersValue | undefined)?.members ?? {}) as MemberEntry<T>[];
    const present = new Set<string>();
    const views = entries.map((entry) => {
      present.add(entry.instanceId);
      const seen = this.seen.get(entry.instanceId);
      let since = seen?.since ?? now;
      if (!seen || seen.beats !== entry.beats) {
        // First sight: aged by the member's own clock (never negative); then by this instance's.
        since = seen ? now : now - Math.max(0, wallNow - (entry.stoppedAt ?? entry.beatAt));
        this.seen.set(entry.instanceId, { beats: entry.beats, since });
      }
      // Whole milliseconds, and the state judged on the figure shown: a member shown silent for exactly staleAfterMs is
      // not yet stale (it was, by a fraction of a millisecond, before).
      const silentMs = entry.instanceId === this.instanceId && entry.stoppedAt === null ? 0 : Math.round(Math.max(0, now - since));
      const state: MemberState = entry.stoppedAt !== null ? 'stopped' : silentMs > this.options.staleAfterMs ? 'stale' : 'live';
      return { ...entry, silentMs, state };
    });
    for (const id of this.seen.keys()) if (!present.has(id)) this.seen.delete(id);
    return views.sort((a, b) => (a.instanceId < b.instanceId ? -1 : a.instanceId > b.instanceId ? 1 : 0));
  }
}

function entryOf<T extends FleetValue>(view: MemberView<T>): MemberEntry<T> {
  const { instanceId, beats, startedAt, beatAt, stoppedAt, status } = view;
  return { instanceId, beats, startedAt, beatAt, stoppedAt, status };
}

/**
 * Requests to the whole fleet (`fleet-requests`): per kind, a generation one
 * higher at every request, written by compare-and-set. Each instance acts on
 * a generation it has not handled yet at its next beat, and says in its
 * heartbeat which generation it last handled.
 */
export const FLEET_REQUESTS_KEY = 'fleet-requests';

export interface FleetRequest {
  readonly generation: number;
  /** When it was asked (ms since the epoch, the asking instance's clock). */
  readonly requestedAt: number;
  /** The instance that took the request. */
  readonly requestedVia: string;
  /** Who asked (the API key's name), if known. */
  readonly requestedBy: string | null;
}

export type FleetRequests = Readonly<Record<string, FleetRequest>>;

export class FleetRequestBoard {
  constructor(
    private readonly store: CoordinationStore,
    private readonly maxAttempts = 20,
  ) {}

  async read(): Promise<FleetRequests> {
    return ((await this.store.read(FLEET_REQUESTS_KEY))?.value ?? {}) as FleetRequests;
  }

  /** Asks the fleet for `kind` once more: the new request, its generation one more than the last. */
  async request(kind: string, requestedVia: string, requestedBy: string | null): Promise<FleetRequest> {
    let current = await this.store.read(FLEET_REQUESTS_KEY);
    for (let attempt = 1; ; attempt++) {
      const requests = (current?.value ?? {}) as FleetRequests;
      const request = { generation: (requests[kind]?.generation ?? 0) + 1, requestedAt: Date.now(), requestedVia, requestedBy };
      const result = await this.store.compareAndSet(FLEET_REQUESTS_KEY, current ? current.version : 'absent', {
        ...requests,
        [kind]: request,
      });
      if (result.ok) return request;
      if (attempt >= this.maxAttempts) throw new FleetRecordContended(attempt);
      current = result.current;
      await pause(5 + Math.random() * 20 * attempt);
    }
  }
}
