import { Controller, Get, Inject, Logger, Req, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { Access } from '../http/access.js';
import type { AuthenticatedRequest } from '../http/access.guard.js';
import { ApiCorrelationIdHeader, ApiErrors } from '../http/openapi.js';
import { ProjectionFollower } from '#projections';
import type { LedgerConfig } from '../config.js';
import { LEDGER_CONFIG } from '../config.module.js';
import { type LedgerStatus, LedgerStatusProbe } from '../observability/ledger-status.js';
import { HealthCheckResultDto, HealthDto } from './operations.response.dto.js';

/**
 * Probes for orchestrators and load balancers.
 *  - /health/live: the process serves HTTP (restart it if not).
 *  - /health/ready: it can do its job: the event store answers, the read
 *    models are caught up within READY_MAX_PROJECTION_LAG_MS (with the
 *    `projections` role), and (with KAFKA_BROKERS and the `relay` role) the
 *    relay is not failing and, if it leads, connected and within
 *    READY_MAX_RELAY_LAG_MS (a standby is ready). 503 with terminus's details otherwise.
 *  - /health: the original probe (200 while the store answers), kept for
 *    clients that already use it.
 * Anonymous callers get the status only (what a probe acts on); the details
 * (positions, lags, errors, pid, uptime) answer a request with a valid key.
 */
@ApiTags('operations')
@Access('public')
@Controller('health')
export class HealthHttpController {
  private readonly logger = new Logger('Health');
  private wasReady: boolean | null = null;

  constructor(
    private readonly runner: ProjectionFollower,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
    private readonly probe: LedgerStatusProbe,
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Store reachability and projection lag (the original probe; prefer /health/ready)' })
  @ApiOkResponse({
    type: HealthDto,
    description: 'The event store answers (`status: "degraded"` while the projection has parked events: GET /admin/projections).',
  })
  @ApiServiceUnavailableResponse({ type: HealthDto, description: 'The event store does not answer (`status: "unavailable"`).' })
  @ApiErrors('invalid-header')
  @ApiCorrelationIdHeader()
  async legacy(@Req() request: AuthenticatedRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const status = await this.probe.snapshot();
    const projection = status.projections?.[0];
    // Parked events leave the read models incomplete, but they still answer: degraded, not down.
    // The snapshot counted them already; without the store it has no projections, so they are counted here.
    const parked = projection?.parked ?? this.runner.parking.count();
    void reply.status(status.store.reachable ? 200 : 503);
    const summary = !status.store.reachable ? 'unavailable' : parked > 0 ? 'degraded' : 'ok';
    if (!request.principal) return { status: summary };
    return {
      status: summary,
      store: { kind: status.store.kind, reachable: status.store.reachable },
      projections: {
        checkpoint: this.runner.position,
        head: status.store.head,
        lag: projection?.lag ?? null,
        lastError: this.runner.lastError,
        parked,
        degraded: parked > 0,
      },
    };
  }

  @Get('live')
  @HealthCheck()
  @ApiOperation({ summary: 'Liveness: the process serves requests; never depends on the store or Kafka' })
  @ApiOkResponse({ type: HealthCheckResultDto, description: 'Terminus result with the `process` indicator up.' })
  @ApiErrors('invalid-header')
  @ApiCorrelationIdHeader()
  async live(@Req() request: AuthenticatedRequest) {
    const result = await this.health.check([
      () => this.indicators.check('process').up({ pid: process.pid, uptimeSeconds: Math.round(process.uptime()) }),
    ]);
    return request.principal ? result : { status: result.status };
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({
    summary: 'Readiness: store reachable, projections caught up within READY_MAX_PROJECTION_LAG_MS, Kafka relay healthy when enabled',
    description:
      'Terminus result `{status, info, error, details}`; each indicator (`store`, `projections`, `kafka`) says `up` or `down` and why.',
  })
  @ApiOkResponse({ type: HealthCheckResultDto, description: 'Ready: every indicator is up.' })
  @ApiServiceUnavailableResponse({
    type: HealthCheckResultDto,
    description: 'Not ready: `error` names the indicators that are down, and why.',
  })
  @ApiErrors('invalid-header')
  @ApiCorrelationIdHeader()
  async ready(@Req() request: AuthenticatedRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const status = await this.probe.snapshot();
    const checks: Array<() => HealthIndicatorResult> = [() => this.store(status)];
    if (this.config.roles.has('projections')) checks.push(() => this.projections(status));
    if (status.relay) checks.push(() => this.kafka(status));
    try {
      const result = await this.health.check(checks);
      this.transition(true, result.details);
      return request.principal ? result : { status: result.status };
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      const body = error.getResponse() as { status: string; error?: Record<string, unknown> };
      this.transition(false, body.error ?? {});
      void reply.status(503);
      return request.principal ? body : { status: body.status };
    }
  }

  private store(status: LedgerStatus): HealthIndicatorResult<'store'> {
    const check = this.indicators.check('store');
    const { kind, head, error } = status.store;
    return status.store.reachable ? check.up({ kind, head }) : check.down({ kind, message: error ?? 'the event store does not answer' });
  }

  private projections(status: LedgerStatus): HealthIndicatorResult<'projections'> {
    const check = this.indicators.check('projections');
    const maxLagMs = this.config.readyMaxProjectionLagMs;
    if (status.projections === null) return check.down({ message: 'unknown: the event store does not answer', maxLagMs });
    const behind = status.projections.filter((projection) => projection.lagSeconds * 1000 > maxLagMs);
    const details = {
      maxLagMs,
      projections: status.projections.map(({ name, checkpoint, lag, lagSeconds, lastError }) => ({
        name,
        checkpoint,
        lag,
        lagMs: Math.round(lagSeconds * 1000),
        lastError,
      })),
    };
    if (behind.length === 0) return check.up(details);
    return check.down({
      message: `${behind.map((projection) => projection.name).join(', ')} behind the store by more than ${maxLagMs} ms`,
      ...details,
    });
  }

  private kafka(status: LedgerStatus): HealthIndicatorResult<'kafka'> {
    const check = this.indicators.check('kafka');
    const relay = status.relay;
    const maxLagMs = this.config.readyMaxRelayLagMs;
    if (!relay) return check.up({ enabled: false });
    const lagMs = relay.lagSeconds === null ? null : Math.round(relay.lagSeconds * 1000);
    const details = {
      leader: relay.leader,
      leaderInstanceId: relay.leaderInstanceId,
      connected: relay.connected,
      checkpoint: relay.checkpoint,
      lag: relay.lag,
      lagMs,
      maxLagMs,
      published: relay.published,
      lastError: relay.lastError,
    };
    if (relay.lastError !== null) return check.down({ message: `the relay is failing: ${relay.lastError}`, ...details });
    // A standby waits for the lease: nothing of its own to be behind on (the leader's readiness watches the lag).
    if (!relay.leader) return check.up(details);
    if (!relay.connected) return check.down({ message: 'the relay is not connected to Kafka', ...details });
    if (lagMs !== null && lagMs > maxLagMs)
      return check.down({ message: `the relay is behind the store by more than ${maxLagMs} ms`, ...details });
    return check.up(details);
  }

  /** Logs when readiness changes (probes come every few seconds: not one line each). */
  private transition(ready: boolean, details: Record<string, unknown>): void {
    if (this.wasReady === ready) return;
    if (ready) this.logger.log({ message: this.wasReady === null ? 'ready' : 'ready again', details });
    else this.logger.warn({ message: 'not ready', details });
    this.wasReady = ready;
  }
}
