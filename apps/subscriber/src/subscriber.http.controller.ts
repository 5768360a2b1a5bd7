import { BadRequestException, Controller, Get, Param } from '@nestjs/common';
import { ID_PATTERN } from '#domain';
import { LedgerConsumer } from './ledger-consumer.js';

@Controller()
export class SubscriberHttpController {
  constructor(private readonly consumer: LedgerConsumer) {}

  /** Capital delivered to a pair's own projects, per year and currency, as this service has seen it. */
  @Get('pairs/:pairId/delivered')
  delivered(@Param('pairId') pairId: string) {
    if (!ID_PATTERN.test(pairId))
      throw new BadRequestException({ code: 'invalid-request', message: `pairId must match ${ID_PATTERN.source}` });
    return { pairId, byYear: this.consumer.view.deliveredByYear(pairId) };
  }

  /** How many events were applied, recognised as duplicates, rejected (not JSON) or parked (with the latest parked ones). */
  @Get('status')
  status() {
    return { ...this.consumer.view.counts(), recentlyParked: this.consumer.view.parkedEvents() };
  }
}
