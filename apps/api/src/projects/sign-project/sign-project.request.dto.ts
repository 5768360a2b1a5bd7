import { IsIn, IsOptional } from 'class-validator';
import { CAPITAL_KINDS, type CapitalKind, type MoneyJson } from '../../../../../libs/domain/src/index.js';
import { IsCalendarDate, IsLedgerId, IsMoney, IsSlug, IsText } from '../../http/validators.js';

/** POST /projects */
export class SignProjectRequestDto {
  @IsLedgerId()
  projectId!: string;

  @IsLedgerId()
  pairId!: string;

  @IsText(500)
  title!: string;

  @IsSlug()
  sector!: string;

  @IsIn(CAPITAL_KINDS, { message: `capitalKind must be one of ${CAPITAL_KINDS.join(', ')}` })
  capitalKind!: CapitalKind;

  @IsMoney()
  pledged!: MoneyJson;

  @IsCalendarDate()
  signedOn!: string;

  @IsOptional()
  @IsText(500)
  occasion?: string | null;

  @IsOptional()
  @IsText(500)
  investor?: string | null;
}
