import { Controller, Get, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { LedgerRuntime } from '../infrastructure/ledger-runtime.js';

/** For load balancers and compose: 200 when the event store answers, 503 when it does not. */
@Controller('health')
export class HealthHttpController {
  constructor(private readonly runtime: LedgerRuntime) {}

  @Get()
  async health(@Res({ passthrough: true }) reply: FastifyReply) {
    const reachable = await this.runtime.store.isReachable();
    const head = reachable ? await this.runtime.store.headPosition() : null;
    const checkpoint = this.runtime.runner.position;
    // Parked events leave the read models incomplete, but they still answer: degraded, not down.
    const parked = this.runtime.runner.parking.count();
    void reply.status(reachable ? 200 : 503);
    return {
      status: !reachable ? 'unavailable' : parked > 0 ? 'degraded' : 'ok',
      store: { kind: this.runtime.config.eventStore, reachable },
      projections: { checkpoint, head, lag: head === null ? null : Math.max(0, head - checkpoint), lastError: this.runtime.runner.lastError, parked, degraded: parked > 0 },
    };
  }
}
