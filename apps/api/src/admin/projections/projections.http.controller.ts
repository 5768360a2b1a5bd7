import { BadRequestException, ConflictException, Controller, Get, HttpCode, NotFoundException, Param, Post, ServiceUnavailableException } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import Database from 'better-sqlite3';
import { ParkedEventNotFirst, ParkedEventNotFound, RebuildInProgress, type RetryResult } from '../../../../../libs/projections/src/index.js';
import { Access } from '../../http/access.js';
import { LedgerRuntime } from '../../infrastructure/ledger-runtime.js';
import { ProjectionOperationErrorDto, ProjectionsDto, RebuildStartedDto, RetryResultDto } from './projections.response.dto.js';

/**
 * Projection operations: how far each projection is, blue/green rebuilds,
 * and the events it parked. Operators only.
 */
@ApiTags('admin')
@Access('operator')
@Controller('admin/projections')
export class ProjectionsHttpController {
  constructor(private readonly runtime: LedgerRuntime) {}

  @Get()
  @ApiOperation({ summary: "Each projection's checkpoint, the store's head, the lag, its state (live, degraded, rebuilding with progress), last error and parked events" })
  @ApiOkResponse({ type: ProjectionsDto })
  async list() {
    const projections = await this.runtime.projections.status();
    return { head: projections[0].head, projections };
  }

  @Post('rebuild')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Rebuild the read models blue/green in the background',
    description:
      'Builds shadow tables from the first event while the live ones keep answering, then swaps them in one transaction; the live projection continues from the shadow\'s checkpoint. Progress: GET /admin/projections.',
  })
  @ApiAcceptedResponse({ type: RebuildStartedDto })
  @ApiConflictResponse({ type: ProjectionOperationErrorDto, description: '`rebuild-in-progress`: a rebuild runs already (here or in npm run rebuild)' })
  @ApiServiceUnavailableResponse({ type: ProjectionOperationErrorDto, description: '`read-models-busy`: another process holds the read models' })
  async rebuild() {
    const status = await this.operate(() => this.runtime.projections.startRebuild());
    return { rebuild: { ...status, percent: status.head === 0 ? 100 : Math.floor((100 * status.position) / status.head) } };
  }

  @Post('parked/retry')
  @HttpCode(200)
  @ApiOperation({ summary: 'Retry every parked event, stream by stream in log order', description: 'Events that fail again stay parked with their new error.' })
  @ApiOkResponse({ type: RetryResultDto })
  @ApiConflictResponse({ type: ProjectionOperationErrorDto, description: '`rebuild-in-progress`' })
  @ApiServiceUnavailableResponse({ type: ProjectionOperationErrorDto, description: '`read-models-busy`: another process holds the read models' })
  async retryAll() {
    return this.withCount(await this.operate(() => this.runtime.projections.retryAll()));
  }

  @Post('parked/:position/retry')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Retry a parked event, then the events of its stream parked behind it',
    description: 'It must be the first parked event of its stream (a stream applies in order). One that fails again stays parked with its new error.',
  })
  @ApiParam({ name: 'position', description: 'the parked event\'s global position', example: 1234 })
  @ApiOkResponse({ type: RetryResultDto })
  @ApiBadRequestResponse({ type: ProjectionOperationErrorDto, description: '`invalid-request`: position is not a positive whole number' })
  @ApiNotFoundResponse({ type: ProjectionOperationErrorDto, description: '`parked-event-not-found`' })
  @ApiConflictResponse({ type: ProjectionOperationErrorDto, description: '`parked-event-not-first`: an earlier event of its stream is parked; `rebuild-in-progress`' })
  @ApiServiceUnavailableResponse({ type: ProjectionOperationErrorDto, description: '`read-models-busy`: another process holds the read models' })
  async retry(@Param('position') position: string) {
    if (!/^[1-9][0-9]{0,14}$/.test(position)) {
      throw new BadRequestException({
        code: 'invalid-request',
        message: 'position must be a positive whole number',
        fields: [{ field: 'position', problems: ['must be a positive whole number'] }],
      });
    }
    return this.withCount(await this.operate(() => this.runtime.projections.retry(Number(position))));
  }

  private withCount(result: RetryResult) {
    return { ...result, parkedCount: this.runtime.runner.parking.count() };
  }

  /** The operations' refusals as the ledger's errors. */
  private async operate<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      if (error instanceof RebuildInProgress) throw new ConflictException({ code: 'rebuild-in-progress', message: error.message });
      if (error instanceof ParkedEventNotFound) throw new NotFoundException({ code: 'parked-event-not-found', message: error.message });
      if (error instanceof ParkedEventNotFirst) throw new ConflictException({ code: 'parked-event-not-first', message: error.message, first: error.first });
      if (error instanceof Database.SqliteError && error.code.startsWith('SQLITE_BUSY')) {
        throw new ServiceUnavailableException({ code: 'read-models-busy', message: 'another process holds the read models (npm run rebuild?); try again shortly' });
      }
      throw error;
    }
  }
}
