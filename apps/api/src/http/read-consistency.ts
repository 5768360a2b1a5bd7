import { Inject, Injectable, ServiceUnavailableException } from '@nestjs/common';
import { UpcastingEventStore, observesAppends } from '#event-store';
import { ProjectionFollower } from '#projections';
import type { LedgerConfig } from '../config.js';
import { LEDGER_CONFIG } from '../config.module.js';
import { optionalPosition } from './params.js';

/**
 * How long a read without `minPosition` waits, at most, for the commands this process acknowledged before it
 * arrived; after that it answers what the read models hold (the projections are stuck, or a rebuild holds their
 * file: health says so). The followers thread is 1-2 ms behind at p50 and about 25 ms at p99 under load, but a
 * full CI run on EventStoreDB's double saw a read 250 ms after its own 201 still miss it (a 404 for the pair just
 * registered): the bound is a second, which only a stuck projection ever waits out. A read that needs to be sure
 * passes `minPosition`.
 */
export const OWN_WRITES_WAIT_MS = 1000;

/**
 * Read-your-writes: a client that got `position` N from a command passes
 * `?minPosition=N` to a read; the read waits until the projections have
 * reached N, or answers 503 if they do not within the configured time. Any
 * read, with a lower `minPosition` or none, also sees every command this
 * process had acknowledged when the read arrived (the projections run in
 * another thread, a few milliseconds behind): it waits for them up to
 * OWN_WRITES_WAIT_MS, then answers anyway.
 */
@Injectable()
export class ReadConsistency {
  /** The position of the last append this process made (0 before any). */
  private written = 0;

  constructor(
    private readonly runner: ProjectionFollower,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
    events: UpcastingEventStore,
  ) {
    if (observesAppends(events.stored))
      events.stored.onAppended((position) => {
        if (position > this.written) this.written = position;
      });
  }

  async await(minPosition: unknown): Promise<void> {
    const position = optionalPosition(minPosition, 'minPosition');
    // This process's own acknowledged commands first (bounded: a stuck projection still answers, as health reports it).
    if (this.written > this.runner.position && this.written > (position ?? 0)) await this.runner.waitFor(this.written, OWN_WRITES_WAIT_MS);
    if (position === undefined) return;
    if (await this.runner.waitFor(position, this.config.readWaitTimeoutMs)) return;
    throw new ServiceUnavailableException({
      code: 'projection-behind',
      message: `the read models have reached position ${this.runner.position}, not yet ${position}; retry shortly`,
    });
  }
}
