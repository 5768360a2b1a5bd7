import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { RelayStatusDto } from '../operations.response.dto.js';

/** The shapes GET /admin/projections and the retries answer with (for the OpenAPI document). */

export class ParkedEventDto {
  @ApiProperty({ description: 'global position of the event in the log', example: 1234 })
  position!: number;
  @ApiProperty({ format: 'uuid' })
  eventId!: string;
  @ApiProperty({ example: 'project-sm-graphite-anode' })
  streamId!: string;
  @ApiProperty({ description: 'revision of the event in its stream' })
  revision!: number;
  @ApiProperty({ example: 'FundsDisbursed' })
  type!: string;
  @ApiProperty({ description: 'why the projection could not apply it (or which parked event it waits behind)' })
  error!: string;
  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'the earlier parked event of the same stream this one waits behind (it was not tried); null if it failed itself',
  })
  blockedBy!: number | null;
  @ApiProperty({ format: 'date-time' })
  parkedAt!: string;
  @ApiProperty({ description: 'how often applying it was tried (0 while it only waits behind another)' })
  attempts!: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  lastAttemptAt!: string | null;
}

export class ProjectionRebuildDto {
  @ApiProperty({ format: 'uuid' })
  rebuildId!: string;
  @ApiProperty({
    enum: ['running', 'completed', 'failed', 'interrupted'],
    description: 'interrupted: marked running but without progress for a minute (its process ended)',
  })
  state!: string;
  @ApiProperty({ format: 'date-time' })
  startedAt!: string;
  @ApiProperty({ format: 'date-time', description: 'last progress' })
  updatedAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  finishedAt!: string | null;
  @ApiProperty({ description: 'the store head when the rebuild started' })
  head!: number;
  @ApiProperty({ description: 'how far the shadow tables have been built' })
  position!: number;
  @ApiProperty({ description: 'events read so far' })
  events!: number;
  @ApiProperty({ description: 'events parked by the rebuild so far' })
  parked!: number;
  @ApiProperty({ description: 'position / head, in percent' })
  percent!: number;
  @ApiProperty({ type: String, nullable: true })
  error!: string | null;
}

export class ProjectionStateDto {
  @ApiProperty({ example: 'ledger-read-models' })
  name!: string;
  @ApiProperty({
    enum: ['live', 'degraded', 'rebuilding'],
    description: 'rebuilding: a blue/green rebuild runs while the live tables answer; degraded: events are parked',
  })
  state!: string;
  @ApiProperty({ description: 'whether the read models lack parked events' })
  degraded!: boolean;
  @ApiProperty({ description: 'the position up to which the read models reflect the store' })
  checkpoint!: number;
  @ApiProperty({ description: 'the position of the last event in the store' })
  head!: number;
  @ApiProperty({ description: 'head - checkpoint, in log positions' })
  lag!: number;
  @ApiProperty({
    type: String,
    nullable: true,
    description: "the last database error that held the projection up (an event's own errors park it instead)",
  })
  lastError!: string | null;
  @ApiProperty()
  parkedCount!: number;
  @ApiProperty({ type: [ParkedEventDto], description: 'the first 100 parked events, in log order' })
  parked!: ParkedEventDto[];
  @ApiPropertyOptional({
    type: ProjectionRebuildDto,
    nullable: true,
    description: 'the running or last rebuild (also one run by npm run rebuild)',
  })
  rebuild!: ProjectionRebuildDto | null;
}

export class ProjectionsOverviewDto {
  @ApiProperty()
  head!: number;
  @ApiProperty({ type: [ProjectionStateDto] })
  projections!: ProjectionStateDto[];
  @ApiProperty({ type: RelayStatusDto, description: 'the Kafka relay, which publishes the log to Kafka: as GET /admin/relay answers' })
  relay!: RelayStatusDto;
}

export class ProjectionRebuildStartedDto {
  @ApiProperty({ type: ProjectionRebuildDto })
  rebuild!: ProjectionRebuildDto;
}

export class ParkedRetryResultDto {
  @ApiProperty({ type: [Number], description: 'positions applied by this retry, in order' })
  applied!: number[];
  @ApiProperty({
    type: [ParkedEventDto],
    description: 'of the retried streams, the first event still parked (it failed again), with its new error',
  })
  stillParked!: ParkedEventDto[];
  @ApiProperty({ description: 'events parked in all, after the retry' })
  parkedCount!: number;
}
