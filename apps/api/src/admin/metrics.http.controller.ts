import { Controller, Get, Header, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Access } from '../http/access.js';
import { ApiCorrelationIdHeader, ApiErrors } from '../http/openapi.js';
import { LedgerMetrics } from '../observability/ledger-metrics.js';
import { LedgerStatusProbe } from '../observability/ledger-status.js';

/**
 * Prometheus scrapes this: commands, append latency, projection and relay lag, process metrics.
 * With the operator key (`authorization: {type: Bearer, credentials: …}` in the scrape config), unless METRICS_PUBLIC=true.
 */
@ApiTags('operations')
@Access('metrics')
@Controller('metrics')
export class MetricsHttpController {
  constructor(
    private readonly metrics: LedgerMetrics,
    private readonly probe: LedgerStatusProbe,
  ) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Metrics in the Prometheus text format',
    description:
      'ledger_commands_total{command,outcome,code}, ledger_command_duration_seconds, ledger_event_store_append_duration_seconds{result}, ' +
      'ledger_projection_checkpoint_position / _lag_positions / _lag_seconds{projection}, ' +
      'ledger_event_store_head_position, ledger_event_store_up, ' +
      'ledger_kafka_relay_* (when KAFKA_BROKERS is set), ledger_http_requests_total, ledger_http_request_duration_seconds, ' +
      'and the process metrics of prom-client.',
  })
  // The scrape is text; its errors are the ledger's JSON error body (so no @ApiProduces for the whole operation).
  @ApiOkResponse({ description: 'Prometheus text exposition format 0.0.4', content: { 'text/plain': { schema: { type: 'string' } } } })
  @ApiErrors('invalid-header')
  @ApiCorrelationIdHeader()
  async scrape(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    const text = await this.metrics.exposition(await this.probe.snapshot());
    void reply.header('content-type', this.metrics.contentType);
    return text;
  }
}
