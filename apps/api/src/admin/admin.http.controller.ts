import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access } from '../http/access.js';
import { ApiCorrelationIdHeader, ApiErrors } from '../http/openapi.js';
import { UpcastingEventStore } from '#event-store';
import { LedgerRelay } from '../infrastructure/kafka-relay.module.js';
import { RelayStatusDto } from './operations.response.dto.js';

/** What operators watch: how far the Kafka relay is behind the event store. */
@ApiTags('operations')
@Access('operator')
@Controller('admin')
export class AdminHttpController {
  constructor(
    private readonly events: UpcastingEventStore,
    private readonly kafka: LedgerRelay,
  ) {}

  @Get('relay')
  @ApiOperation({
    summary: "The Kafka relay's progress",
    description: 'How far the relay that publishes every event to Kafka is behind the event store.',
  })
  @ApiOkResponse({ type: RelayStatusDto, description: 'The relay, or `{enabled: false, head}` without KAFKA_BROKERS.' })
  @ApiErrors('invalid-header')
  @ApiCorrelationIdHeader()
  async relay() {
    return this.kafka.status(await this.events.headPosition());
  }
}
