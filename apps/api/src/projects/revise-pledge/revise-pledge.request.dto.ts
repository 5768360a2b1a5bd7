import type { MoneyJson } from '../../../../../libs/domain/src/index.js';
import { IsCalendarDate, IsMoney, IsText } from '../../http/validators.js';

/** POST /projects/:projectId/pledge-revisions */
export class RevisePledgeRequestDto {
  @IsMoney()
  pledged!: MoneyJson;

  @IsText(2000)
  reason!: string;

  @IsCalendarDate()
  revisedOn!: string;
}
