import { ApiProperty } from '@nestjs/swagger';

/** The shapes GET /admin/fleet and the fleet requests answer with (for the OpenAPI document). */

const when = (description: string, example: string) => ({ type: String, format: 'date-time', description, example });

export class FleetRequestDto {
  @ApiProperty({ enum: ['rebuild', 'parked-retry'], example: 'rebuild' })
  kind!: string;
  @ApiProperty({ type: 'integer', minimum: 1, description: 'one more at every request of this kind', example: 3 })
  generation!: number;
  @ApiProperty(when('when it was asked (the clock of the instance that took it)', '2026-05-07T08:00:00.000Z'))
  requestedAt!: string;
  @ApiProperty({ description: 'the instance that took the request', example: 'api-1' })
  requestedVia!: string;
  @ApiProperty({ type: String, nullable: true, description: "the name of the operator's API key", example: 'ops' })
  requestedBy!: string | null;
}

export class FleetRequestStateDto extends FleetRequestDto {
  @ApiProperty({
    type: [String],
    description: 'instances with the projections role that report this generation completed on their read models',
    example: ['api-1', 'api-2'],
  })
  done!: string[];
  @ApiProperty({
    type: [String],
    description: 'live instances with the projections role, started before the request, that have not completed it yet',
    example: [],
  })
  pending!: string[];
}

export class RequestHandlingDto {
  @ApiProperty({ type: 'integer', minimum: 1, description: 'the generation this instance handled last', example: 3 })
  generation!: number;
  @ApiProperty({
    enum: ['waiting', 'running', 'completed', 'failed', 'interrupted'],
    description:
      'waiting: it could not start yet (a rebuild runs already, the read models are locked) and tries again at its next beat; ' +
      'interrupted: the rebuild stopped without finishing',
    example: 'completed',
  })
  state!: string;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'the instance that runs it for these read models: this one, or on a shared DATA_DIR the one that claimed it',
    example: 'api-1',
  })
  ranBy!: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'the rebuild that serves it (rebuild)' })
  rebuildId!: string | null;
  @ApiProperty({ type: 'integer', nullable: true, description: "the rebuild's progress in percent (rebuild)", example: 100 })
  percent!: number | null;
  @ApiProperty({ type: 'integer', nullable: true, description: 'events the retry applied (parked-retry)', example: null })
  applied!: number | null;
  @ApiProperty({ type: 'integer', nullable: true, description: 'events still parked after the retry (parked-retry)', example: null })
  stillParked!: number | null;
  @ApiProperty({ type: String, nullable: true, example: null })
  error!: string | null;
}

export class InstanceRebuildDto {
  @ApiProperty({ format: 'uuid' })
  rebuildId!: string;
  @ApiProperty({ enum: ['running', 'completed', 'failed', 'interrupted'], example: 'completed' })
  state!: string;
  @ApiProperty({ type: 'integer', example: 100 })
  percent!: number;
  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;
}

export class InstanceProjectionsDto {
  @ApiProperty({ type: 'integer', minimum: 0, description: 'the last position its read models applied', example: 118 })
  checkpoint!: number;
  @ApiProperty({ type: 'integer', nullable: true, description: "the store's last position (null when it did not answer)", example: 120 })
  head!: number | null;
  @ApiProperty({ type: 'integer', nullable: true, description: 'head minus checkpoint, in log positions', example: 2 })
  lag!: number | null;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'events its projection parked', example: 0 })
  parked!: number;
  @ApiProperty({ type: String, nullable: true, example: null })
  lastError!: string | null;
  @ApiProperty({ type: InstanceRebuildDto, nullable: true, description: 'the running or last rebuild of its read models' })
  rebuild!: InstanceRebuildDto | null;
}

export class InstanceRelayDto {
  @ApiProperty({ description: 'whether it has the relay role and stands for the lease', example: true })
  relaying!: boolean;
  @ApiProperty({ description: 'whether it holds the lease and publishes', example: false })
  leader!: boolean;
}

export class InstanceRequestsDto {
  @ApiProperty({ type: RequestHandlingDto, nullable: true, description: 'the last fleet rebuild it handled since it started' })
  rebuild!: RequestHandlingDto | null;
  @ApiProperty({ type: RequestHandlingDto, nullable: true, description: 'the last fleet parked retry it handled since it started' })
  parkedRetry!: RequestHandlingDto | null;
}

export class FleetInstanceDto {
  @ApiProperty({ example: 'api-1' })
  instanceId!: string;
  @ApiProperty({
    enum: ['live', 'stale', 'stopped'],
    description: 'stale: no heartbeat for longer than staleAfterMs, taken for dead; stopped: it shut down cleanly',
    example: 'live',
  })
  state!: string;
  @ApiProperty({ type: [String], example: ['api', 'projections', 'relay'] })
  roles!: string[];
  @ApiProperty({ example: '1.0.0' })
  version!: string;
  @ApiProperty({ example: 'ledger-a' })
  host!: string;
  @ApiProperty({ type: 'integer', example: 4242 })
  pid!: number;
  @ApiProperty(when('when it started (its own clock)', '2026-05-07T07:00:00.000Z'))
  startedAt!: string;
  @ApiProperty(when('its last heartbeat (its own clock)', '2026-05-07T08:00:00.000Z'))
  lastHeartbeatAt!: string;
  @ApiProperty({
    type: 'integer',
    minimum: 0,
    description: 'how long its heartbeats have not moved, as the answering instance measured it',
    example: 1200,
  })
  silentMs!: number;
  @ApiProperty({ ...when('when it shut down cleanly', '2026-05-07T08:01:00.000Z'), nullable: true, example: null })
  stoppedAt!: string | null;
  @ApiProperty({ type: InstanceProjectionsDto, nullable: true, description: 'null without the projections role' })
  projections!: InstanceProjectionsDto | null;
  @ApiProperty({ type: InstanceRelayDto, nullable: true, description: 'null without KAFKA_BROKERS' })
  relay!: InstanceRelayDto | null;
  @ApiProperty({ type: InstanceRequestsDto })
  requests!: InstanceRequestsDto;
  @ApiProperty({ type: String, nullable: true, description: 'its last failure to read its own status', example: null })
  lastError!: string | null;
}

export class FleetRequestsDto {
  @ApiProperty({ type: FleetRequestStateDto, nullable: true, description: 'the last fleet rebuild asked (null: never)' })
  rebuild!: FleetRequestStateDto | null;
  @ApiProperty({ type: FleetRequestStateDto, nullable: true, description: 'the last fleet parked retry asked (null: never)' })
  parkedRetry!: FleetRequestStateDto | null;
}

export class FleetDto {
  @ApiProperty({ description: 'the instance that answered', example: 'api-1' })
  instanceId!: string;
  @ApiProperty({ type: 'integer', description: 'how often each instance beats (FLEET_HEARTBEAT_MS)', example: 5000 })
  heartbeatMs!: number;
  @ApiProperty({ type: 'integer', description: 'an instance silent for longer than this is stale', example: 15000 })
  staleAfterMs!: number;
  @ApiProperty({ type: FleetRequestsDto })
  requests!: FleetRequestsDto;
  @ApiProperty({ type: [FleetInstanceDto], description: 'every instance the fleet record holds, by instance id' })
  instances!: FleetInstanceDto[];
}
