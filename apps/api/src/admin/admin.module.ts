import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { KafkaRelayModule } from '../infrastructure/kafka-relay.module.js';
import { ReadModelsModule } from '../infrastructure/read-models.module.js';
import { AdminHttpController } from './admin.http.controller.js';
import { FleetHeartbeat } from './fleet/fleet-heartbeat.js';
import { FleetHttpController } from './fleet/fleet.http.controller.js';
import { HealthHttpController } from './health.http.controller.js';
import { MetricsHttpController } from './metrics.http.controller.js';
import { ProjectionsHttpController } from './projections/projections.http.controller.js';

/**
 * What operators and orchestrators watch and do: health probes, metrics, the relay's progress, projection operations, and the
 * fleet (this instance's heartbeat, which runs whatever its roles, and the fleet's listing and requests).
 */
@Module({
  // Terminus's own failure log is off: the health controller logs when readiness changes, not on every probe.
  imports: [TerminusModule.forRoot({ logger: false }), ReadModelsModule, KafkaRelayModule],
  controllers: [AdminHttpController, FleetHttpController, ProjectionsHttpController, HealthHttpController, MetricsHttpController],
  providers: [FleetHeartbeat],
})
export class AdminModule {}
