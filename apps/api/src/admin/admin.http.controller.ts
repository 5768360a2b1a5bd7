import { Controller, Get } from '@nestjs/common';
import { LedgerRuntime } from '../infrastructure/ledger-runtime.js';
import { Access } from '../http/access.js';

/** What operators watch: how far the Kafka relay is behind the event store. */
@Access('operator')
@Controller('admin')
export class AdminHttpController {
  constructor(private readonly runtime: LedgerRuntime) {}

  @Get('relay')
  async relay() {
    const head = await this.runtime.store.headPosition();
    const relay = this.runtime.relay;
    if (!relay) return { enabled: false, head };
    const status = relay.status();
    // Positions are not dense on every store: lag is in log positions, not in events.
    return { ...status, head, lag: Math.max(0, head - status.checkpoint) };
  }
}
