import { ApiProperty } from '@nestjs/swagger';
import { MILESTONES } from '#domain';
import { ledgerIdProperty } from './openapi.js';

/** What a command answers (201 created, or 200 replayed), as documented at /docs. */
export class CommandResultDto {
  @ApiProperty({
    enum: ['created', 'replayed'],
    description: '`created` (201): events were appended; `replayed` (200): the same command was already recorded and nothing was appended',
    example: 'created',
  })
  outcome!: 'created' | 'replayed';

  @ApiProperty({
    type: 'integer',
    minimum: 0,
    description: 'the stream revision (0-based) of the last event written; send it back in If-Match',
    example: 2,
  })
  revision!: number;

  @ApiProperty({
    type: 'integer',
    minimum: 0,
    description: 'the global position of the last event written; pass it as ?minPosition to read your own write',
    example: 4,
  })
  position!: number;
}

export class PairCommandResultDto extends CommandResultDto {
  @ApiProperty(ledgerIdProperty('the pair', 'shanghai-sanming'))
  pairId!: string;
}

export class ProjectCommandResultDto extends CommandResultDto {
  @ApiProperty(ledgerIdProperty('the project', 'sm-graphite-anode'))
  projectId!: string;
}

export class DisbursementResultDto extends ProjectCommandResultDto {
  @ApiProperty(ledgerIdProperty('the tranche', 'sm-ga-t1'))
  disbursementId!: string;
}

export class JobsReportResultDto extends ProjectCommandResultDto {
  @ApiProperty(ledgerIdProperty('the jobs report', 'sm-ga-2024q4'))
  reportId!: string;
}

export class MilestoneResultDto extends ProjectCommandResultDto {
  @ApiProperty({ enum: MILESTONES, example: 'landed' })
  milestone!: string;
}

export class DisbursementCorrectionResultDto extends DisbursementResultDto {
  @ApiProperty(ledgerIdProperty('the correction', 'sm-ga-t1-fix1'))
  correctionId!: string;
}

export class JobsReportCorrectionResultDto extends JobsReportResultDto {
  @ApiProperty(ledgerIdProperty('the correction', 'sm-ga-2024q4-fix1'))
  correctionId!: string;
}
