import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access } from '../http/access.js';
import { ApiCorrelationIdHeader, ApiErrors } from '../http/openapi.js';
import { UpcastingEventStore } from '#event-store';
import { LedgerRelay } from '../infrastructure/kafka-relay.module.js';
import { RelayStatusDto } from './operations.response.dto.js';

/** What operators watch: the Kafka relay's lease (who publishes) and how far it is behind the event store. */
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
    summary: "The Kafka relay's lease and progress, as this instance sees them",
    description:
      'Which instance holds the relay lease and publishes (one in the fleet), until when, and how far the shared checkpoint ' +
      'is behind the event store; `leader` says whether it is this instance. Any replica answers the same lease and checkpoint.',
  })
  @ApiOkResponse({ type: RelayStatusDto, description: 'The relay, or `{enabled: false, instanceId, head}` without KAFKA_BROKERS.' })
  @ApiErrors('invalid-header')
  @ApiCorrelationIdHeader()
  async relay() {
    return this.kafka.status(await this.events.headPosition());
  }
}
