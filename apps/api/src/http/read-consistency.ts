import { Injectable, ServiceUnavailableException } from '@nestjs/common';
import { LedgerRuntime } from '../infrastructure/ledger-runtime.js';
import { optionalPosition } from './params.js';

/**
 * Read-your-writes: a client that got `position` N from a command passes
 * `?minPosition=N` to a read; the read waits until the projections have
 * reached N, or answers 503 if they do not within the configured time.
 */
@Injectable()
export class ReadConsistency {
  constructor(private readonly runtime: LedgerRuntime) {}

  async await(minPosition: unknown): Promise<void> {
    const position = optionalPosition(minPosition, 'minPosition');
    if (position === undefined) return;
    if (await this.runtime.runner.waitFor(position, this.runtime.config.readWaitTimeoutMs)) return;
    throw new ServiceUnavailableException({
      code: 'projection-behind',
      message: `the read models have reached position ${this.runtime.runner.position}, not yet ${position}; retry shortly`,
    });
  }
}
