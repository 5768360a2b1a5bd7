import { Inject, Injectable, ServiceUnavailableException } from '@nestjs/common';
import { ProjectionRunner } from '#projections';
import type { LedgerConfig } from '../config.js';
import { LEDGER_CONFIG } from '../config.module.js';
import { optionalPosition } from './params.js';

/**
 * Read-your-writes: a client that got `position` N from a command passes
 * `?minPosition=N` to a read; the read waits until the projections have
 * reached N, or answers 503 if they do not within the configured time.
 */
@Injectable()
export class ReadConsistency {
  constructor(
    private readonly runner: ProjectionRunner,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
  ) {}

  async await(minPosition: unknown): Promise<void> {
    const position = optionalPosition(minPosition, 'minPosition');
    if (position === undefined) return;
    if (await this.runner.waitFor(position, this.config.readWaitTimeoutMs)) return;
    throw new ServiceUnavailableException({
      code: 'projection-behind',
      message: `the read models have reached position ${this.runner.position}, not yet ${position}; retry shortly`,
    });
  }
}
