import {
  BadRequestException,
  ConflictException,
  Controller,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  Post,
  ServiceUnavailableException,
} from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { isSqliteBusy } from '#background';
import {
  ParkedEventNotFirst,
  ParkedEventNotFound,
  ProjectionOperations,
  ProjectionFollower,
  RebuildInProgress,
  RebuildUnavailable,
  type RetryResult,
} from '#projections';
import { Access } from '../../http/access.js';
import { ApiCorrelationIdHeader, ApiErrorStatus, ApiErrors } from '../../http/openapi.js';
import { LedgerRelay } from '../../infrastructure/kafka-relay.module.js';
import { ParkedRetryResultDto, ProjectionRebuildStartedDto, ProjectionsOverviewDto } from './projections.response.dto.js';

/**
 * These operations take no body, but a body sent anyway is parsed like any
 * other (and refused when it is not JSON, too large or compressed).
 */
const BODY_REFUSALS = ['invalid-body', 'payload-too-large', 'unsupported-media-type'] as const;

/**
 * Projection operations: how far each projection is, blue/green rebuilds,
 * and the events it parked. Operators only.
 */
@ApiTags('operations')
@Access('operator')
@Controller('admin/projections')
export class ProjectionsHttpController {
  constructor(
    private readonly projections: ProjectionOperations,
    private readonly runner: ProjectionFollower,
    private readonly relay: LedgerRelay,
  ) {}

  @Get()
  @ApiOperation({
    summary:
      "Each projection's checkpoint, the store's head, the lag, " +
      'its state (live, degraded, rebuilding with progress), last error and parked events',
  })
  @ApiOkResponse({ type: ProjectionsOverviewDto })
  @ApiErrors('invalid-header')
  @ApiCorrelationIdHeader()
  async list() {
    const projections = await this.projections.status();
    // The relay projects the log onto Kafka: operators see its progress here too.
    return { head: projections[0].head, projections, relay: await this.relay.status(projections[0].head) };
  }

  @Post('rebuild')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Rebuild the read models blue/green in the background',
    description:
      'Builds shadow tables from the first event while the live ones keep answering, then swaps them in one transaction; ' +
      "the live projection continues from the shadow's checkpoint. Progress: GET /admin/projections.",
  })
  @ApiAcceptedResponse({ type: ProjectionRebuildStartedDto, description: 'The rebuild has started; follow it in GET /admin/projections.' })
  @ApiErrors('invalid-header', ...BODY_REFUSALS)
  @ApiErrorStatus(409, ['rebuild-in-progress'], {
    description: 'A rebuild runs already (from the API or from npm run rebuild). Nothing was started.',
  })
  @ApiErrorStatus(503, ['read-models-busy', 'read-models-unavailable'], {
    description:
      'Another process holds the read models (`read-models-busy`), or this process keeps none (LEDGER_ROLES lacks ' +
      '`projections`) or its thread for them is restarting (`read-models-unavailable`); try again shortly, or ask an ' +
      'instance with the role (or POST /admin/fleet/rebuild). Nothing was started.',
  })
  @ApiCorrelationIdHeader()
  async rebuild() {
    const status = await this.operate(() => this.projections.startRebuild());
    return { rebuild: { ...status, percent: status.head === 0 ? 100 : Math.floor((100 * status.position) / status.head) } };
  }

  @Post('parked/retry')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Retry every parked event, stream by stream in log order',
    description: 'Events that fail again stay parked with their new error.',
  })
  @ApiOkResponse({ type: ParkedRetryResultDto })
  @ApiErrors('invalid-header', ...BODY_REFUSALS)
  @ApiErrorStatus(409, ['rebuild-in-progress'], {
    description: 'A rebuild runs (its swap replaces the parked events); retry after it. Nothing was changed.',
  })
  @ApiErrorStatus(503, ['read-models-busy'], { description: 'Another process holds the read models; try again shortly.' })
  @ApiCorrelationIdHeader()
  async retryAll() {
    return this.withCount(await this.operate(() => this.projections.retryAll()));
  }

  @Post('parked/:position/retry')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Retry a parked event, then the events of its stream parked behind it',
    description:
      'It must be the first parked event of its stream (a stream applies in order). One that fails again stays parked with its new error.',
  })
  @ApiParam({
    name: 'position',
    description: "the parked event's global position",
    schema: { type: 'integer', minimum: 1, maximum: 999_999_999_999_999, example: 1234 },
  })
  @ApiOkResponse({
    type: ParkedRetryResultDto,
    description: 'Retried: `applied` lists what applied; an event that failed again is in `stillParked` with its new error.',
  })
  @ApiErrorStatus(400, ['invalid-request'], {
    description: 'The position is not a positive whole number.',
    message: 'position must be a positive whole number',
  })
  @ApiErrorStatus(414, ['invalid-request'], { message: 'a path parameter is too long' })
  @ApiErrors('invalid-header', ...BODY_REFUSALS)
  @ApiErrorStatus(404, ['parked-event-not-found'], { description: 'No event is parked at that position.' })
  @ApiErrorStatus(409, ['parked-event-not-first', 'rebuild-in-progress'], {
    description:
      'An earlier event of the same stream is parked (retry that one: its position is in `first`), or a rebuild runs. Nothing was changed.',
  })
  @ApiErrorStatus(503, ['read-models-busy'], { description: 'Another process holds the read models; try again shortly.' })
  @ApiCorrelationIdHeader()
  async retry(@Param('position') position: string) {
    if (!/^[1-9][0-9]{0,14}$/.test(position)) {
      throw new BadRequestException({
        code: 'invalid-request',
        message: 'position must be a positive whole number',
        fields: [{ field: 'position', problems: ['must be a positive whole number'] }],
      });
    }
    return this.withCount(await this.operate(() => this.projections.retry(Number(position))));
  }

  private withCount(result: RetryResult) {
    return { ...result, parkedCount: this.runner.parking.count() };
  }

  /** The operations' refusals as the ledger's errors. */
  private async operate<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      if (error instanceof RebuildInProgress) throw new ConflictException({ code: 'rebuild-in-progress', message: error.message });
      if (error instanceof RebuildUnavailable)
        throw new ServiceUnavailableException({ code: 'read-models-unavailable', message: error.message });
      if (error instanceof ParkedEventNotFound) throw new NotFoundException({ code: 'parked-event-not-found', message: error.message });
      if (error instanceof ParkedEventNotFirst)
        throw new ConflictException({ code: 'parked-event-not-first', message: error.message, first: error.first });
      if (isSqliteBusy(error)) {
        throw new ServiceUnavailableException({
          code: 'read-models-busy',
          message: 'another process holds the read models (npm run rebuild?); try again shortly',
        });
      }
      throw error;
    }
  }
}
