import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsObject, IsOptional, ValidateNested } from 'class-validator';
import { PROGRAMMES, REGION_LEVELS, type Programme, type RegionLevel } from '#domain';
import { dateProperty, ledgerIdProperty, textProperty } from '../../http/openapi.js';
import { IsCalendarDate, IsLedgerId, IsText } from '../../http/validators.js';

export class RegionDto {
  @ApiProperty(textProperty(200, 'the region', 'Shanghai Municipality'))
  @IsText(200)
  name!: string;

  @ApiProperty({ enum: REGION_LEVELS, description: 'administrative level', example: 'province' })
  @IsIn(REGION_LEVELS, { message: `level must be one of ${REGION_LEVELS.join(', ')}` })
  level!: RegionLevel;
}

/** POST /partner-pairs */
export class RegisterPartnerPairRequestDto {
  @ApiProperty(
    ledgerIdProperty('chosen by the client; a retry with the same id and content is answered 200 "replayed"', 'shanghai-sanming'),
  )
  @IsLedgerId()
  pairId!: string;

  @ApiProperty({ type: () => RegionDto, description: 'the donor region', example: { name: 'Shanghai Municipality', level: 'province' } })
  @IsObject()
  @ValidateNested()
  @Type(() => RegionDto)
  donor!: RegionDto;

  @ApiProperty({
    type: () => RegionDto,
    description: 'the recipient region; must differ from the donor (422 donor-is-recipient)',
    example: { name: 'Sanming City', level: 'city' },
  })
  @IsObject()
  @ValidateNested()
  @Type(() => RegionDto)
  recipient!: RegionDto;

  @ApiProperty({ enum: PROGRAMMES, example: 'paired-cooperation' })
  @IsIn(PROGRAMMES, { message: `programme must be one of ${PROGRAMMES.join(', ')}` })
  programme!: Programme;

  @ApiPropertyOptional({
    ...ledgerIdProperty('makes this a sub-pair of a registered pair (404 parent-pair-not-found otherwise)', 'fujian-changji'),
    nullable: true,
  })
  @IsOptional()
  @IsLedgerId()
  parentPairId?: string | null;

  @ApiPropertyOptional({ ...dateProperty('when the pairing began; projects may not be signed before it', '2022-01-01'), nullable: true })
  @IsOptional()
  @IsCalendarDate()
  establishedOn?: string | null;
}
