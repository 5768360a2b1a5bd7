import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CAPITAL_KINDS, MILESTONES } from '#domain';
import { ApiAsOfEcho, ApiKnownAtEcho } from '../as-of/time-slice.js';
import { DATE_PATTERN, MoneyDto, dateProperty, ledgerIdProperty } from '../http/openapi.js';

/**
 * The response shapes of the project reads, as documented at /docs
 * (the read models' ProjectView, and the history from the event store).
 */

export class ReachedMilestoneDto {
  @ApiProperty({ enum: MILESTONES, example: 'landed' })
  milestone!: string;

  @ApiProperty(dateProperty('when it was reached', '2024-06-01'))
  reachedOn!: string;
}

export class ProjectViewDto {
  @ApiProperty(ledgerIdProperty('the project', 'sm-graphite-anode'))
  projectId!: string;

  @ApiProperty(ledgerIdProperty('its partner pair', 'shanghai-sanming'))
  pairId!: string;

  @ApiProperty({ example: 'Natural-graphite anode precursor project' })
  title!: string;

  @ApiProperty({ example: 'new-materials' })
  sector!: string;

  @ApiProperty({ enum: CAPITAL_KINDS, example: 'investment' })
  capitalKind!: string;

  @ApiProperty({ enum: ['active', 'completed', 'cancelled'], example: 'active' })
  status!: string;

  @ApiProperty({ type: () => MoneyDto, description: 'the current pledge' })
  pledged!: MoneyDto;

  @ApiProperty({ type: () => MoneyDto, description: 'the sum of every disbursement' })
  delivered!: MoneyDto;

  @ApiProperty({ type: () => MoneyDto, description: 'pledged minus delivered (may be "0.00")' })
  remaining!: MoneyDto;

  @ApiProperty({ type: 'integer', minimum: 0, example: 320 })
  jobsCreated!: number;

  @ApiProperty(dateProperty('when it was signed', '2024-05-07'))
  signedOn!: string;

  @ApiProperty({ type: String, nullable: true, example: 'Second joint meeting' })
  occasion!: string | null;

  @ApiProperty({ type: String, nullable: true, example: null })
  investor!: string | null;

  @ApiProperty({ type: [ReachedMilestoneDto], description: 'in milestone order' })
  milestones!: ReachedMilestoneDto[];

  // Inline rather than a $ref: in OpenAPI 3.0 `nullable` does not reach into an allOf'd reference.
  @ApiProperty({
    type: 'object',
    nullable: true,
    selfRequired: true,
    description: 'null unless cancelled',
    properties: {
      reason: { type: 'string', example: 'the investor withdrew' },
      cancelledOn: { type: 'string', format: 'date', pattern: DATE_PATTERN, example: '2025-01-15' },
    },
    required: ['reason', 'cancelledOn'],
  })
  cancellation!: { reason: string; cancelledOn: string } | null;

  @ApiProperty({ type: 'integer', minimum: 0, description: "the project stream's revision, also sent as ETag", example: 2 })
  revision!: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'the global position of its last event', example: 4 })
  position!: number;

  @ApiAsOfEcho()
  asOf?: string | null;

  @ApiKnownAtEcho()
  knownAt?: string | null;
}

export class EventMetadataDto {
  @ApiProperty({ example: 'import-2024-05-07' })
  correlationId!: string;

  @ApiProperty({ description: 'the id of the request that caused the event', example: '5b0c3b8e-8f1f-4f55-9a51-6f3f3f0f6a10' })
  causationId!: string;

  @ApiProperty({ description: 'who recorded it', example: 'operator.li' })
  actor!: string;

  @ApiProperty({
    format: 'date-time',
    description: 'when the store committed it (not covered by the hash)',
    example: '2024-09-30T08:15:00.000Z',
  })
  recordedAt!: string;

  @ApiPropertyOptional({
    format: 'date-time',
    description: 'when the writer built it, covered by the hash; absent on events recorded before hashes existed',
    example: '2024-09-30T08:15:00.000Z',
  })
  writtenAt?: string;

  @ApiPropertyOptional({
    pattern: '^[0-9a-f]{64}$',
    description:
      'SHA-256 chaining the event to the previous one of its stream, over its stored form (GET /audit/verify checks it); ' +
      'absent on events recorded before hashes existed',
    example: '9f2c4e0b7a1d3c5e8f6a2b4d6c8e0a1b3d5f7a9c1e3b5d7f9a1c3e5b7d9f1a3c',
  })
  hash?: string;
}

export class HistoryEventDto {
  @ApiProperty({ format: 'uuid', example: '0f8b6c2e-4a53-4a0e-9d7e-1c2b3a4d5e6f' })
  eventId!: string;

  @ApiProperty({ description: 'the event type (see published/events)', example: 'FundsDisbursed' })
  type!: string;

  @ApiProperty({ type: 'integer', minimum: 1, description: 'the current schema version of its type: `data` is upcast to it', example: 2 })
  schemaVersion!: number;

  @ApiProperty({ type: 'integer', minimum: 1, description: 'the schema version it was stored with (never rewritten)', example: 1 })
  storedSchemaVersion!: number;

  @ApiProperty({ type: 'integer', minimum: 0, example: 1 })
  revision!: number;

  @ApiProperty({ type: 'integer', minimum: 0, example: 3 })
  position!: number;

  @ApiProperty({ format: 'date-time', example: '2024-09-30T08:15:00.000Z' })
  recordedAt!: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: "the event's data, as published (JSON Schema per type and version in published/events/)",
    example: {
      projectId: 'sm-graphite-anode',
      pairId: 'shanghai-sanming',
      disbursementId: 'sm-ga-t1',
      amount: { amount: '450000000.00', currency: 'CNY' },
      disbursedOn: '2024-09-30',
    },
  })
  data!: Record<string, unknown>;

  @ApiProperty({ type: () => EventMetadataDto })
  metadata!: EventMetadataDto;
}

export class ProjectHistoryDto {
  @ApiProperty(ledgerIdProperty('the project', 'sm-graphite-anode'))
  projectId!: string;

  @ApiProperty({
    type: [HistoryEventDto],
    description: "one page of the project's events, in order, read from the event store itself (revisions after afterRevision)",
  })
  events!: HistoryEventDto[];

  @ApiProperty({
    type: 'integer',
    nullable: true,
    description: 'pass it as afterRevision for the next page (also in the `Link: <…>; rel="next"` header); null on the last page',
    example: 999,
  })
  nextAfterRevision!: number | null;
}

export class PairProjectsDto {
  @ApiProperty(ledgerIdProperty('the pair', 'shanghai-sanming'))
  pairId!: string;

  @ApiProperty({ type: [ProjectViewDto], description: "the pair's own projects (not its sub-pairs')" })
  projects!: ProjectViewDto[];
}
