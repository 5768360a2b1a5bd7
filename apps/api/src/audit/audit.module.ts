import { Module } from '@nestjs/common';
import { ReadModelsModule } from '../infrastructure/read-models.module.js';
import { ExportEventsHttpController } from './export-events/export-events.http.controller.js';
import { VerifyChainsHttpController } from './verify-chains/verify-chains.http.controller.js';

/** What auditors read from the event store itself: the hash-chain check and the event export. */
@Module({
  imports: [ReadModelsModule],
  controllers: [VerifyChainsHttpController, ExportEventsHttpController],
})
export class AuditModule {}
