import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** The response shapes of the operators' endpoints, as documented at /docs. */

export class StoreStatusDto {
  @ApiProperty({ enum: ['sqlite', 'esdb'], example: 'sqlite' })
  kind!: string;

  @ApiProperty({ example: true })
  reachable!: boolean;
}

export class ProjectionStatusDto {
  @ApiProperty({ type: 'integer', minimum: 0, description: 'the last position the read models applied', example: 4 })
  checkpoint!: number;

  @ApiProperty({
    type: 'integer',
    minimum: 0,
    nullable: true,
    description: "the store's last position (null when it does not answer)",
    example: 4,
  })
  head!: number | null;

  @ApiProperty({ type: 'integer', minimum: 0, nullable: true, description: 'head minus checkpoint, in log positions', example: 0 })
  lag!: number | null;

  @ApiProperty({ type: String, nullable: true, description: "the projections' last error, if any", example: null })
  lastError!: string | null;

  @ApiProperty({
    type: 'integer',
    minimum: 0,
    description: 'events the projection could not apply and parked (GET /admin/projections)',
    example: 0,
  })
  parked!: number;

  @ApiProperty({ description: 'whether the read models lack parked events', example: false })
  degraded!: boolean;
}

export class HealthDto {
  @ApiProperty({
    enum: ['ok', 'degraded', 'unavailable'],
    description: 'degraded: the store answers, but the projection has parked events',
    example: 'ok',
  })
  status!: string;

  @ApiPropertyOptional({ type: () => StoreStatusDto, description: 'only to a request with a valid API key' })
  store?: StoreStatusDto;

  @ApiPropertyOptional({ type: () => ProjectionStatusDto, description: 'only to a request with a valid API key' })
  projections?: ProjectionStatusDto;
}

export class RelayStatusDto {
  @ApiProperty({ description: 'whether KAFKA_BROKERS is set', example: true })
  enabled!: boolean;

  @ApiProperty({ description: "this instance's name in the fleet (LEDGER_INSTANCE_ID, or generated)", example: 'ledger-a-3f9c2b1e' })
  instanceId!: string;

  @ApiPropertyOptional({ description: 'whether this instance has the relay role and stands for the lease (when enabled)', example: true })
  relaying?: boolean;

  @ApiPropertyOptional({ description: 'whether this instance holds the lease and publishes (when enabled)', example: true })
  leader?: boolean;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: 'the instance that holds (or last held) the lease; null before any relay ran or once the holder released it',
    example: 'ledger-a-3f9c2b1e',
  })
  leaderInstanceId?: string | null;

  @ApiPropertyOptional({ type: 'integer', nullable: true, description: 'one more at every takeover of the lease', example: 3 })
  epoch?: number | null;

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    nullable: true,
    description: "when the lease runs out unless renewed (the holder's clock); null when nobody holds it",
    example: '2026-05-07T08:00:10.000Z',
  })
  expiresAt?: string | null;

  @ApiPropertyOptional({ description: 'whether this instance is connected to Kafka (only its leader is)', example: true })
  connected?: boolean;

  @ApiProperty({ type: 'integer', minimum: 0, description: "the event store's last position", example: 120 })
  head!: number;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    description: "the fleet's shared checkpoint: the last position published (when enabled)",
    example: 118,
  })
  checkpoint?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 0, description: 'head minus checkpoint, in log positions (when enabled)', example: 2 })
  lag?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 0, description: 'events this instance published since it started', example: 118 })
  published?: number;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: "this instance's last relay error: publishing, or reading and writing the lease (when enabled)",
    example: null,
  })
  lastError?: string | null;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    nullable: true,
    description:
      "the fleet's tree-heads checkpoint: the size of the largest signed tree head published to the tree-heads topic, " +
      'kept in the same lease record (when enabled; null until the first head is published under that record)',
    example: 112,
  })
  treeHeadsCheckpoint?: number | null;
}

const INDICATORS = {
  type: 'object' as const,
  description:
    'by indicator name (`process`, or `store`, `projections` and, with KAFKA_BROKERS, `kafka`): `{status: "up" | "down", …details}`',
  additionalProperties: {
    type: 'object' as const,
    properties: { status: { type: 'string' as const, enum: ['up', 'down'] } },
    required: ['status'],
  },
  example: { store: { status: 'up', kind: 'sqlite', head: 4 } },
};

/** What @nestjs/terminus answers for /health/live and /health/ready. */
export class HealthCheckResultDto {
  @ApiProperty({ enum: ['ok', 'error', 'shutting_down'], example: 'ok' })
  status!: string;

  @ApiPropertyOptional({
    ...INDICATORS,
    nullable: true,
    description: `the indicators that are up, ${INDICATORS.description}; this and the others only to a request with a valid API key`,
  })
  info?: Record<string, unknown> | null;

  @ApiPropertyOptional({
    ...INDICATORS,
    nullable: true,
    description: `the indicators that are down, ${INDICATORS.description}`,
    example: {},
  })
  error?: Record<string, unknown> | null;

  @ApiPropertyOptional({ ...INDICATORS, description: `every indicator, ${INDICATORS.description}` })
  details?: Record<string, unknown>;
}
