import { ApiProperty } from '@nestjs/swagger';
import { PROGRAMMES } from '#domain';
import { ApiAsOfEcho, ApiKnownAtEcho } from '../as-of/time-slice.js';
import { dateProperty, ledgerIdProperty, perCurrencyProperty } from '../http/openapi.js';
import { RegionDto } from './register-partner-pair/register-partner-pair.request.dto.js';

/** The response shapes of the partner-pair reads, as documented at /docs (the read models' PairView, PairSummary, BreakdownRow). */

export class ProjectCountsDto {
  @ApiProperty({ type: 'integer', minimum: 0, example: 1 })
  active!: number;

  @ApiProperty({ type: 'integer', minimum: 0, example: 0 })
  completed!: number;

  @ApiProperty({ type: 'integer', minimum: 0, example: 0 })
  cancelled!: number;
}

export class FiguresDto {
  @ApiProperty(perCurrencyProperty('current pledges of projects not cancelled', { CNY: '3000000000.00' }))
  pledged!: Record<string, string>;

  @ApiProperty(perCurrencyProperty('every disbursement, also of projects later cancelled', { CNY: '450000000.00' }))
  delivered!: Record<string, string>;

  @ApiProperty({ type: 'integer', minimum: 0, example: 320 })
  jobsCreated!: number;

  @ApiProperty({ type: () => ProjectCountsDto, description: 'projects by status' })
  projects!: ProjectCountsDto;
}

export class PairViewDto {
  @ApiProperty(ledgerIdProperty('the pair', 'shanghai-sanming'))
  pairId!: string;

  @ApiProperty({ type: () => RegionDto, description: 'the donor region' })
  donor!: RegionDto;

  @ApiProperty({ type: () => RegionDto, description: 'the recipient region' })
  recipient!: RegionDto;

  @ApiProperty({ enum: PROGRAMMES, example: 'paired-cooperation' })
  programme!: string;

  @ApiProperty({ ...ledgerIdProperty('the parent pair, for a sub-pair', 'fujian-changji'), nullable: true })
  parentPairId!: string | null;

  @ApiProperty({ ...dateProperty('when the pairing began', '2022-01-01'), nullable: true })
  establishedOn!: string | null;

  @ApiProperty({ type: [String], description: 'the direct sub-pairs', example: [] })
  subPairIds!: string[];
}

export class PairListDto {
  @ApiProperty({ type: [PairViewDto] })
  pairs!: PairViewDto[];
}

export class PairSummaryDto extends PairViewDto {
  @ApiProperty({ type: () => FiguresDto, description: "the pair's own projects" })
  own!: FiguresDto;

  @ApiProperty({ type: () => FiguresDto, description: 'the pair and every descendant sub-pair' })
  total!: FiguresDto;

  @ApiAsOfEcho()
  asOf?: string | null;

  @ApiKnownAtEcho()
  knownAt?: string | null;
}

export class BreakdownRowDto extends FiguresDto {
  @ApiProperty({ description: 'the year (YYYY), sector or capital kind', example: '2024' })
  key!: string;
}

export class PairBreakdownDto {
  @ApiProperty(ledgerIdProperty('the pair', 'shanghai-sanming'))
  pairId!: string;

  @ApiProperty({ enum: ['year', 'sector', 'capitalKind'], example: 'year' })
  by!: string;

  @ApiProperty({ enum: ['own', 'total'], example: 'total' })
  scope!: string;

  @ApiProperty({ type: [BreakdownRowDto], description: 'in key order' })
  rows!: BreakdownRowDto[];
}
