import { Controller, Get, HttpCode, Logger, Post, Req, ServiceUnavailableException } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import type { FleetRequest, FleetRequests, MemberView } from '#fleet';
import { Access } from '../../http/access.js';
import { ApiCorrelationIdHeader, ApiErrorStatus, ApiErrors } from '../../http/openapi.js';
import { FleetHeartbeat, type FleetRequestKind, type InstanceStatus } from './fleet-heartbeat.js';
import { FleetDto, FleetRequestDto } from './fleet.response.dto.js';

/** These operations take no body; one sent anyway is parsed like any other (and refused when it is not JSON, too large or compressed). */
const BODY_REFUSALS = ['invalid-body', 'payload-too-large', 'unsupported-media-type'] as const;
const FLEET_UNAVAILABLE = {
  description: "The fleet's coordination store (fleet.sqlite, or EventStoreDB) does not answer; try again shortly.",
};

const logger = new Logger('Fleet');

/**
 * The fleet as operators see it: every instance's last heartbeat, and
 * requests every instance carries out on its own read models. Any replica
 * with the api role answers for the whole fleet.
 */
@ApiTags('operations')
@Access('operator')
@Controller('admin/fleet')
export class FleetHttpController {
  constructor(private readonly heartbeat: FleetHeartbeat) {}

  @Get()
  @ApiOperation({
    summary: 'Every instance of the fleet: roles, projection checkpoint and lag, parked events, relay leadership, last heartbeat',
    description:
      'Read from the heartbeats every instance writes every FLEET_HEARTBEAT_MS to the coordination store they share. ' +
      'An instance silent for longer than `staleAfterMs` is `stale` (taken for dead); one that shut down cleanly is `stopped`; ' +
      'either is forgotten after 120 heartbeats. `requests` shows the last fleet rebuild and parked retry, and which instances ' +
      'have done them.',
  })
  @ApiOkResponse({ type: FleetDto })
  @ApiErrors('invalid-header')
  @ApiErrorStatus(503, ['fleet-unavailable'], FLEET_UNAVAILABLE)
  @ApiCorrelationIdHeader()
  async list() {
    const { members, requests } = await this.fleet(() => this.heartbeat.view());
    const instances = members.map(instanceView);
    return {
      instanceId: this.heartbeat.roster.instanceId,
      heartbeatMs: this.heartbeat.heartbeatMs,
      staleAfterMs: this.heartbeat.staleAfterMs,
      requests: { rebuild: requestView('rebuild', requests, members), parkedRetry: requestView('parked-retry', requests, members) },
      instances,
    };
  }

  @Post('rebuild')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Rebuild the read models of every instance',
    description:
      'Records a fleet request (the next generation); every instance with the projections role rebuilds its own read models ' +
      'blue/green at its next heartbeat. Processes sharing one SQLite DATA_DIR share the read models: one of them rebuilds, the ' +
      'others follow its progress. Instances started after the request do not act on it. Progress: GET /admin/fleet.',
  })
  @ApiAcceptedResponse({ type: FleetRequestDto, description: 'Asked; follow it in GET /admin/fleet.' })
  @ApiErrors('invalid-header', ...BODY_REFUSALS)
  @ApiErrorStatus(503, ['fleet-unavailable'], FLEET_UNAVAILABLE)
  @ApiCorrelationIdHeader()
  rebuild(@Req() request: FastifyRequest) {
    return this.ask('rebuild', request);
  }

  @Post('parked/retry')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Retry the parked events of every instance',
    description:
      'Records a fleet request; every instance with the projections role retries the events its projection parked at its next ' +
      'heartbeat (once per DATA_DIR). Outcome per instance: GET /admin/fleet.',
  })
  @ApiAcceptedResponse({ type: FleetRequestDto, description: 'Asked; follow it in GET /admin/fleet.' })
  @ApiErrors('invalid-header', ...BODY_REFUSALS)
  @ApiErrorStatus(503, ['fleet-unavailable'], FLEET_UNAVAILABLE)
  @ApiCorrelationIdHeader()
  retryParked(@Req() request: FastifyRequest) {
    return this.ask('parked-retry', request);
  }

  private async ask(kind: FleetRequestKind, request: FastifyRequest) {
    const by = (request as { principal?: { name: string } }).principal?.name ?? null;
    return requestDto(kind, await this.fleet(() => this.heartbeat.request(kind, by)));
  }

  /** The coordination store's failures as the ledger's 503. */
  private async fleet<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      logger.warn(`the fleet's coordination store failed: ${(error as Error).message}`);
      throw new ServiceUnavailableException({
        code: 'fleet-unavailable',
        message: `the fleet's coordination store does not answer: ${(error as Error).message}; try again shortly`,
      });
    }
  }
}

const iso = (ms: number) => new Date(ms).toISOString();

function requestDto(kind: FleetRequestKind, request: FleetRequest) {
  return {
    kind,
    generation: request.generation,
    requestedAt: iso(request.requestedAt),
    requestedVia: request.requestedVia,
    requestedBy: request.requestedBy,
  };
}

function instanceView(member: MemberView<InstanceStatus>) {
  const { status } = member;
  return {
    instanceId: member.instanceId,
    state: member.state,
    roles: status.roles,
    version: status.version,
    host: status.host,
    pid: status.pid,
    startedAt: iso(member.startedAt),
    lastHeartbeatAt: iso(member.beatAt),
    silentMs: member.silentMs,
    stoppedAt: member.stoppedAt === null ? null : iso(member.stoppedAt),
    projections: status.projections,
    relay: status.relay,
    requests: { rebuild: status.requests.rebuild, parkedRetry: status.requests['parked-retry'] },
    lastError: status.lastError,
  };
}

function requestView(kind: FleetRequestKind, requests: FleetRequests, members: readonly MemberView<InstanceStatus>[]) {
  const request = requests[kind];
  if (!request) return null;
  const projecting = members.filter((member) => member.status.roles.includes('projections'));
  const done = projecting.filter((member) => {
    const handled = member.status.requests[kind];
    return handled?.generation === request.generation && handled.state === 'completed';
  });
  const pending = projecting.filter(
    (member) => member.state === 'live' && !done.includes(member) && (member.status.requestsSince?.[kind] ?? 0) < request.generation,
  );
  return { ...requestDto(kind, request), done: done.map((m) => m.instanceId), pending: pending.map((m) => m.instanceId) };
}
