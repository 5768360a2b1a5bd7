import { Module } from '@nestjs/common';
import { ReadModelsModule } from '../infrastructure/read-models.module.js';
import { TransparencyModule } from '../infrastructure/transparency.module.js';
import { ExportEventsHttpController } from './export-events/export-events.http.controller.js';
import { TreeHeadsHttpController } from './tree-heads/tree-heads.http.controller.js';
import { VerifyChainsHttpController } from './verify-chains/verify-chains.http.controller.js';

/** What auditors read from the event store itself: the hash-chain check, the event export, and the signed Merkle tree over it. */
@Module({
  imports: [ReadModelsModule, TransparencyModule],
  controllers: [VerifyChainsHttpController, ExportEventsHttpController, TreeHeadsHttpController],
})
export class AuditModule {}
