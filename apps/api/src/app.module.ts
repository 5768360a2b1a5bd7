import { type DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { TerminusModule } from '@nestjs/terminus';
import { AS_OF_QUERY_HANDLERS } from './as-of/as-of.queries.js';
import { ExportEventsHttpController } from './audit/export-events/export-events.http.controller.js';
import { ExportIatiHttpController } from './partner-pairs/export-iati/export-iati.http.controller.js';
import { AdminHttpController } from './admin/admin.http.controller.js';
import { HealthHttpController } from './admin/health.http.controller.js';
import { ProjectionsHttpController } from './admin/projections/projections.http.controller.js';
import { VerifyChainsHttpController } from './audit/verify-chains/verify-chains.http.controller.js';
import { VerifyChainsHandler } from './audit/verify-chains/verify-chains.query.js';
import { MetricsHttpController } from './admin/metrics.http.controller.js';
import { DashboardHttpController } from './dashboard/dashboard.http.controller.js';
import type { LedgerConfig } from './config.js';
import { ledgerConfigModule } from './config.module.js';
import { AccessGuard } from './http/access.guard.js';
import { KnownQueryParameters } from './http/known-query.guard.js';
import { ApiKeyRing } from './http/api-keys.js';
import { ReadConsistency } from './http/read-consistency.js';
import { LedgerRuntime } from './infrastructure/ledger-runtime.js';
import { CommandLog, observers } from './observability/command-log.js';
import { ledgerLoggerModule } from './observability/logger.module.js';
import { LedgerMetrics } from './observability/ledger-metrics.js';
import { LedgerStatusProbe } from './observability/ledger-status.js';
import { PARTNER_PAIR_QUERY_HANDLERS } from './partner-pairs/partner-pair.queries.js';
import { PartnerPairsHttpController } from './partner-pairs/partner-pairs.http.controller.js';
import { RegisterPartnerPairHandler } from './partner-pairs/register-partner-pair/register-partner-pair.command.js';
import { RegisterPartnerPairHttpController } from './partner-pairs/register-partner-pair/register-partner-pair.http.controller.js';
import { CancelProjectHttpController } from './projects/cancel-project/cancel-project.http.controller.js';
import { CorrectDisbursementHttpController } from './projects/correct-disbursement/correct-disbursement.http.controller.js';
import { CorrectJobsReportHttpController } from './projects/correct-jobs-report/correct-jobs-report.http.controller.js';
import { DisburseFundsHttpController } from './projects/disburse-funds/disburse-funds.http.controller.js';
import { ProjectCommandHandler } from './projects/project.command.js';
import { PROJECT_QUERY_HANDLERS } from './projects/project.queries.js';
import { ProjectsHttpController } from './projects/projects.http.controller.js';
import { ReachMilestoneHttpController } from './projects/reach-milestone/reach-milestone.http.controller.js';
import { RecordJobsHttpController } from './projects/record-jobs/record-jobs.http.controller.js';
import { RevisePledgeHttpController } from './projects/revise-pledge/revise-pledge.http.controller.js';
import { SignProjectHttpController } from './projects/sign-project/sign-project.http.controller.js';

@Module({})
export class AppModule {
  static forRoot(config: LedgerConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CqrsModule.forRoot(),
        // Terminus's own failure log is off: the health controller logs when readiness changes, not on every probe.
        TerminusModule.forRoot({ logger: false }),
        // Plumbing: the configuration (@nestjs/config, LEDGER_CONFIG) and the logger (nestjs-pino) it configures.
        ledgerConfigModule(config),
        ledgerLoggerModule(),
      ],
      controllers: [
        RegisterPartnerPairHttpController,
        PartnerPairsHttpController,
        SignProjectHttpController,
        DisburseFundsHttpController,
        RecordJobsHttpController,
        RevisePledgeHttpController,
        ReachMilestoneHttpController,
        CancelProjectHttpController,
        CorrectDisbursementHttpController,
        CorrectJobsReportHttpController,
        ProjectsHttpController,
        AdminHttpController,
        ProjectionsHttpController,
        HealthHttpController,
        VerifyChainsHttpController,
        MetricsHttpController,
        DashboardHttpController,
        ExportEventsHttpController,
        ExportIatiHttpController,
      ],
      providers: [
        // One metrics registry per app: tests run several apps in one process.
        { provide: LedgerMetrics, useFactory: () => new LedgerMetrics({ relayEnabled: config.kafkaBrokers.length > 0 }) },
        { provide: LedgerRuntime, useFactory: (metrics: LedgerMetrics) => LedgerRuntime.open(config, observers(metrics, new CommandLog())), inject: [LedgerMetrics] },
        LedgerStatusProbe,
        { provide: ApiKeyRing, useValue: new ApiKeyRing(config.apiKeys) },
        // In this order: who may call first (401/403), then which query parameters it may send (400).
        { provide: APP_GUARD, useClass: AccessGuard },
        { provide: APP_GUARD, useClass: KnownQueryParameters },
        ReadConsistency,
        RegisterPartnerPairHandler,
        ProjectCommandHandler,
        ...PARTNER_PAIR_QUERY_HANDLERS,
        ...PROJECT_QUERY_HANDLERS,
        ...AS_OF_QUERY_HANDLERS,
        VerifyChainsHandler,
      ],
    };
  }
}
