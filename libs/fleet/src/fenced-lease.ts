import { performance } from 'node:perf_hooks';
import { abortableDelay } from '#background';
import type { CoordinationStore, FleetRecord, FleetValue } from './coordination-store.port.js';

/** What a lease record holds: who holds it, since which takeover, until when, and what the holder guards with it. */
export type LeaseValue<T extends FleetValue> = {
  /** The holder's instance id; null once it released the lease (on shutdown). */
  readonly holder: string | null;
  /** One more on every acquisition: tells one holder's term from the next. */
  readonly epoch: number;
  /** When the lease runs out unless renewed (ms since the epoch, the holder's clock): for operators to read. */
  readonly expiresAt: number;
  readonly data: T;
};

export interface LeaseOptions<T extends FleetValue> {
  /** The record's key in the coordination store, e.g. `relay-lease`. */
  readonly key: string;
  readonly instanceId: string;
  /** How long a lease lasts unless renewed. */
  readonly leaseMs?: number;
  /** How often the holder renews it. */
  readonly renewEveryMs?: number;
  /** How often a standby reads the record. */
  readonly pollMs?: number;
  /** The holder stops trusting its lease this long before it runs out by its own clock. */
  readonly safetyMarginMs?: number;
  /** The data of a record written for the first time. */
  readonly initialData: () => T | Promise<T>;
  readonly logger?: { log(message: string): void; warn(message: string): void };
}

/** The holder lost the lease: another instance wrote the record (took over), or the holder's own lease ran out. */
export class LeaseLost extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LeaseLost';
  }
}

/**
 * A lease of 6 s renewed every 1.5 s: a standby takes over at most a lease and a poll after the holder's last
 * write (under 7 s after a kill -9, leaving room within 15 s for a loaded machine), and a holder misses two
 * renewals before it stops trusting its lease (then takes it back at once if nobody else did).
 */
export const DEFAULT_LEASE_MS = 6_000;
export const DEFAULT_RENEW_EVERY_MS = 1_500;
export const DEFAULT_POLL_MS = 250;
export const DEFAULT_SAFETY_MARGIN_MS = 1_500;

const silent = { log: () => undefined, warn: () => undefined };

/**
 * A lease on one record of the coordination store, fenced by the record's
 * version: any number of instances stand by (acquire), one holds it at a
 * time, and every write the holder makes (renewals, its data) is a
 * compare-and-set on the version it last wrote. So a holder that was
 * replaced can write nothing: its next write fails, and it learns it lost.
 *
 * Expiry needs no shared clock. A standby takes over once it has seen the
 * same version for a whole lease (by its own monotonic clock), or at once if
 * the holder released it. The holder trusts its lease until the time it sent
 * its last successful write plus the lease, minus a safety margin; that
 * moment always comes before any standby can have seen the write for a whole
 * lease. A holder frozen (SIGSTOP, a long pause) past that moment finds, by
 * its own clock, that it no longer holds the lease (`held`), whatever its
 * timers have not told it yet.
 */
export class FencedLease<T extends FleetValue> {
  readonly key: string;
  readonly instanceId: string;
  private readonly leaseMs: number;
  private readonly renewEveryMs: number;
  private readonly pollMs: number;
  private readonly marginMs: number;
  private readonly logger;
  /** The record as this instance last read or wrote it. */
  private known: FleetRecord<LeaseValue<T>> | null = null;
  /** The version this instance last wrote: if the record is still there, nobody else wrote since. */
  private lastWritten: number | null = null;
  private leading = false;
  /** Until when (performance.now()) the holder trusts its lease. */
  private validUntil = Number.NEGATIVE_INFINITY;
  private term: AbortController | null = null;
  private renewTimer: NodeJS.Timeout | null = null;
  private writes: Promise<unknown> = Promise.resolve();
  /** The last failure to read or write the record, null once one succeeds. */
  lastError: string | null = null;

  constructor(
    private readonly store: CoordinationStore,
    private readonly options: LeaseOptions<T>,
  ) {
    this.key = options.key;
    this.instanceId = options.instanceId;
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.renewEveryMs = options.renewEveryMs ?? DEFAULT_RENEW_EVERY_MS;
    this.pollMs = options.pollMs ?? DEFAULT_POLL_MS;
    this.marginMs = options.safetyMarginMs ?? DEFAULT_SAFETY_MARGIN_MS;
    this.logger = options.logger ?? silent;
    if (this.renewEveryMs + this.marginMs >= this.leaseMs)
      throw new Error('a lease must be renewed, with the safety margin, well before it runs out');
  }

  /** Whether this instance holds the lease right now, by its own clock. */
  get held(): boolean {
    return this.leading && performance.now() < this.validUntil;
  }

  /** The record as this instance last saw it (null before the first read). */
  get record(): FleetRecord<LeaseValue<T>> | null {
    return this.known;
  }

  /** The holder's data: what it last wrote under the lease. */
  get data(): T {
    if (!this.known) throw new Error(`the lease ${this.key} has not been read yet`);
    return this.known.value.data;
  }

  /** Reads the record now (for a view of the fleet; a standby polls anyway). */
  async read(): Promise<FleetRecord<LeaseValue<T>> | null> {
    const record = (await this.store.read(this.key)) as FleetRecord<LeaseValue<T>> | null;
    if (!this.leading) this.known = record;
    return record;
  }

  /**
   * Stands by until this instance holds the lease (or `signal` aborts), then
   * renews it every renewEveryMs. Resolves with a signal that aborts when the
   * lease is lost (or given up).
   */
  async acquire(signal: AbortSignal): Promise<AbortSignal> {
    /** The version last seen, and since when (performance.now()). */
    let observed = null as { version: number; since: number } | null;
    while (!signal.aborted) {
      let current: FleetRecord<LeaseValue<T>> | null;
      try {
        current = await this.read();
        if (current === null) {
          const sentAt = performance.now();
          const value = { holder: this.instanceId, epoch: 1, expiresAt: Date.now() + this.leaseMs, data: await this.options.initialData() };
          const created = await this.store.compareAndSet(this.key, 'absent', value);
          if (created.ok) return this.begin(created.record, sentAt);
          continue;
        }
        const now = performance.now();
        if (observed?.version !== current.version) observed = { version: current.version, since: now };
        const released = current.value.holder === null;
        // This instance's own last write, untouched since: nobody else took it (resuming after it gave up).
        const own = current.value.holder === this.instanceId && current.version === this.lastWritten;
        const expired = now - observed.since >= this.leaseMs;
        if (released || own || expired) {
          const sentAt = performance.now();
          const value = { ...current.value, holder: this.instanceId, epoch: current.value.epoch + 1, expiresAt: Date.now() + this.leaseMs };
          const taken = await this.store.compareAndSet(this.key, current.version, value);
          if (taken.ok) {
            const why = released ? 'released' : own ? 'its own' : `unrenewed for ${Math.round(now - observed.since)} ms`;
            this.logger.log(`took the lease ${this.key} (epoch ${value.epoch}; it was ${why}, held by ${current.value.holder})`);
            return this.begin(taken.record, sentAt);
          }
          observed = null;
          continue;
        }
        this.lastError = null;
      } catch (error) {
        this.lastError = `could not read or write the lease ${this.key}: ${(error as Error).message}`;
      }
      await abortableDelay(this.pollMs, signal);
    }
    return AbortSignal.abort();
  }

  /**
   * Changes the holder's data under the lease (one compare-and-set, which also
   * renews it). Throws LeaseLost, having given the lease up, if another
   * instance wrote the record since; throws the store's error if it could not
   * be written (the lease stays held until it runs out).
   */
  update(change: (data: T) => T): Promise<void> {
    const run = () => this.write(change);
    const done = this.writes.then(run, run);
    this.writes = done.catch(() => undefined);
    return done;
  }

  /** Stops holding the lease without writing (a standby takes over once it runs out; this instance may take it back at once). */
  abandon(reason: string): void {
    if (!this.leading) return;
    this.logger.warn(`gave up the lease ${this.key}: ${reason}`);
    this.end();
  }

  /** On shutdown: marks the lease released if this instance still holds it, so a standby takes over at once. */
  async release(): Promise<void> {
    if (!this.leading) return;
    const holding = this.known;
    this.end();
    await this.writes;
    if (!holding) return;
    try {
      const released = await this.store.compareAndSet(this.key, holding.version, { ...holding.value, holder: null, expiresAt: 0 });
      if (released.ok) this.logger.log(`released the lease ${this.key}`);
    } catch (error) {
      this.logger.warn(`could not release the lease ${this.key} (${(error as Error).message}); a standby takes over when it runs out`);
    }
  }

  private begin(record: FleetRecord<LeaseValue<T>>, sentAt: number): AbortSignal {
    this.known = record;
    this.lastWritten = record.version;
    this.leading = true;
    this.lastError = null;
    this.validUntil = sentAt + this.leaseMs - this.marginMs;
    this.term = new AbortController();
    this.renewTimer = setInterval(() => {
      this.update((data) => data).catch((error: unknown) => {
        if (!(error instanceof LeaseLost)) this.lastError = `could not renew the lease ${this.key}: ${(error as Error).message}`;
      });
    }, this.renewEveryMs);
    this.renewTimer.unref();
    return this.term.signal;
  }

  private end(): void {
    this.leading = false;
    this.validUntil = Number.NEGATIVE_INFINITY;
    if (this.renewTimer) clearInterval(this.renewTimer);
    this.renewTimer = null;
    this.term?.abort();
    this.term = null;
  }

  private async write(change: (data: T) => T): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const holding = this.known;
      if (!this.leading || !holding) throw new LeaseLost(`${this.instanceId} does not hold the lease ${this.key}`);
      const sentAt = performance.now();
      const value = { ...holding.value, expiresAt: Date.now() + this.leaseMs, data: change(holding.value.data) };
      const result = await this.store.compareAndSet(this.key, holding.version, value);
      if (!this.leading) throw new LeaseLost(`${this.instanceId} gave up the lease ${this.key} while writing it`);
      if (result.ok) {
        this.known = result.record;
        this.lastWritten = result.record.version;
        this.validUntil = sentAt + this.leaseMs - this.marginMs;
        this.lastError = null;
        return;
      }
      const current = result.current as FleetRecord<LeaseValue<T>> | null;
      // A write of this term that failed in transit yet landed (only this instance writes its own epoch): adopt it, once.
      if (attempt === 0 && current && current.value.holder === this.instanceId && current.value.epoch === holding.value.epoch) {
        this.known = current;
        this.lastWritten = current.version;
        continue;
      }
      const by = current?.value.holder ? `${current.value.holder} (epoch ${current.value.epoch})` : 'another instance';
      this.logger.warn(`lost the lease ${this.key}: ${by} wrote it since version ${holding.version}`);
      this.end();
      this.known = current;
      throw new LeaseLost(`the lease ${this.key} was taken over by ${by}`);
    }
  }
}
