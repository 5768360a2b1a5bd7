import { IsOptional } from 'class-validator';
import type { MoneyJson } from '../../../../../libs/domain/src/index.js';
import { IsCalendarDate, IsLedgerId, IsMoney, IsText } from '../../http/validators.js';

/** POST /projects/:projectId/pledge-revisions */
export class RevisePledgeRequestDto {
  /** Optional, recommended: makes a late retry of this revision recognisable. */
  @IsOptional()
  @IsLedgerId()
  revisionId?: string | null;

  @IsMoney()
  pledged!: MoneyJson;

  @IsText(2000)
  reason!: string;

  @IsCalendarDate()
  revisedOn!: string;
}
