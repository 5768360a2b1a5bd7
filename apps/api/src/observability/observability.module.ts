import { Global, Module } from '@nestjs/common';
import { type CommandObserver, observers } from '#application';
import type { LedgerConfig } from '../config.js';
import { KafkaRelayModule } from '../infrastructure/kafka-relay.module.js';
import { LEDGER_CONFIG } from '../config.module.js';
import { ReadModelsModule } from '../infrastructure/read-models.module.js';
import { CommandLog } from './command-log.js';
import { LedgerMetrics } from './ledger-metrics.js';
import { LedgerStatusProbe } from './ledger-status.js';

/** The token of what hears how every command ended and how long appends took: `@Inject(COMMAND_OBSERVER)`. */
export const COMMAND_OBSERVER = Symbol('CommandObserver');

/**
 * Metrics (a registry per app: tests run several apps in one process), the command log, and the status probe
 * behind readiness and metrics.
 */
@Global()
@Module({
  imports: [ReadModelsModule, KafkaRelayModule],
  providers: [
    {
      provide: LedgerMetrics,
      useFactory: (config: LedgerConfig) =>
        new LedgerMetrics({ relayEnabled: config.kafkaBrokers.length > 0 && config.roles.has('relay'), instanceId: config.instanceId }),
      inject: [LEDGER_CONFIG],
    },
    {
      provide: COMMAND_OBSERVER,
      useFactory: (metrics: LedgerMetrics): CommandObserver => observers(metrics, new CommandLog()),
      inject: [LedgerMetrics],
    },
    LedgerStatusProbe,
  ],
  exports: [LedgerMetrics, COMMAND_OBSERVER, LedgerStatusProbe],
})
export class ObservabilityModule {}
