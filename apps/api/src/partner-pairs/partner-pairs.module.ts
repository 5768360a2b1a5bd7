import { Module } from '@nestjs/common';
import { ReadModelsModule } from '../infrastructure/read-models.module.js';
import { WriteSideModule } from '../infrastructure/write-side.module.js';
import { ExportIatiHttpController } from './export-iati/export-iati.http.controller.js';
import { PartnerPairsHttpController } from './partner-pairs.http.controller.js';
import { RegisterPartnerPairHandler } from './register-partner-pair/register-partner-pair.handler.js';
import { RegisterPartnerPairHttpController } from './register-partner-pair/register-partner-pair.http.controller.js';

/** Partner pairs: registering them, their summaries, breakdowns and projects, and their IATI export. */
@Module({
  imports: [WriteSideModule, ReadModelsModule],
  controllers: [RegisterPartnerPairHttpController, PartnerPairsHttpController, ExportIatiHttpController],
  providers: [RegisterPartnerPairHandler],
})
export class PartnerPairsModule {}
