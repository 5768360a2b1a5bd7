import { Controller, Get, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { LedgerRuntime } from '../infrastructure/ledger-runtime.js';
import { Access } from '../http/access.js';

/** For load balancers and compose: 200 when the event store answers, 503 when it does not. */
@Access('public')
@Controller('health')
export class HealthHttpController {
  constructor(private readonly runtime: LedgerRuntime) {}

  @Get()
  async health(@Res({ passthrough: true }) reply: FastifyReply) {
    const reachable = await this.runtime.store.isReachable();
    const head = reachable ? await this.runtime.store.headPosition() : null;
    const checkpoint = this.runtime.runner.position;
    void reply.status(reachable ? 200 : 503);
    return {
      status: reachable ? 'ok' : 'unavailable',
      store: { kind: this.runtime.config.eventStore, reachable },
      projections: { checkpoint, head, lag: head === null ? null : Math.max(0, head - checkpoint), lastError: this.runtime.runner.lastError },
    };
  }
}
