import { type DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { AdminModule } from './admin/admin.module.js';
import { AuditModule } from './audit/audit.module.js';
import type { LedgerConfig } from './config.js';
import { ledgerConfigModule } from './config.module.js';
import { DashboardModule } from './dashboard/dashboard.module.js';
import { AccessGuard } from './http/access.guard.js';
import { ApiKeyRing } from './http/api-keys.js';
import { FailedAuthentications } from './http/failed-authentications.js';
import { KnownQueryParameters } from './http/known-query.guard.js';
import { EventStoreModule } from './infrastructure/event-store.module.js';
import { FleetModule } from './infrastructure/fleet.module.js';
import { ledgerLoggerModule } from './observability/logger.module.js';
import { ObservabilityModule } from './observability/observability.module.js';
import { PartnerPairsModule } from './partner-pairs/partner-pairs.module.js';
import { ProjectsModule } from './projects/projects.module.js';

/**
 * The API: the configuration, the logger, the event store and observability
 * for every module, then one module per feature. Access control applies to every route.
 */
@Module({})
export class AppModule {
  /** `failures`: the budget of failed authentications, counted on the app's Fastify instance (see createLedgerApp). */
  static forRoot(config: LedgerConfig, failures: FailedAuthentications): DynamicModule {
    return {
      module: AppModule,
      imports: [
        // Plumbing: the configuration (@nestjs/config, LEDGER_CONFIG) and the logger (nestjs-pino) it configures.
        ledgerConfigModule(config),
        ledgerLoggerModule(),
        CqrsModule.forRoot(),
        EventStoreModule,
        FleetModule,
        ObservabilityModule,
        PartnerPairsModule,
        ProjectsModule,
        AuditModule,
        AdminModule,
        DashboardModule,
      ],
      providers: [
        { provide: ApiKeyRing, useValue: new ApiKeyRing(config.apiKeys) },
        { provide: FailedAuthentications, useValue: failures },
        // In this order: who may call first (401/403), then which query parameters it may send (400).
        { provide: APP_GUARD, useClass: AccessGuard },
        { provide: APP_GUARD, useClass: KnownQueryParameters },
      ],
    };
  }
}
