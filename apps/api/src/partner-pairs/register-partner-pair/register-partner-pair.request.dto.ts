import { Type } from 'class-transformer';
import { IsIn, IsObject, IsOptional, ValidateNested } from 'class-validator';
import { PROGRAMMES, REGION_LEVELS, type Programme, type RegionLevel } from '../../../../../libs/domain/src/index.js';
import { IsCalendarDate, IsLedgerId, IsText } from '../../http/validators.js';

export class RegionDto {
  @IsText(200)
  name!: string;

  @IsIn(REGION_LEVELS, { message: `level must be one of ${REGION_LEVELS.join(', ')}` })
  level!: RegionLevel;
}

/** POST /partner-pairs */
export class RegisterPartnerPairRequestDto {
  @IsLedgerId()
  pairId!: string;

  @IsObject()
  @ValidateNested()
  @Type(() => RegionDto)
  donor!: RegionDto;

  @IsObject()
  @ValidateNested()
  @Type(() => RegionDto)
  recipient!: RegionDto;

  @IsIn(PROGRAMMES, { message: `programme must be one of ${PROGRAMMES.join(', ')}` })
  programme!: Programme;

  @IsOptional()
  @IsLedgerId()
  parentPairId?: string | null;

  @IsOptional()
  @IsCalendarDate()
  establishedOn?: string | null;
}
