import type { MoneyJson } from '../../../../../libs/domain/src/index.js';
import { IsCalendarDate, IsLedgerId, IsMoney } from '../../http/validators.js';

/** POST /projects/:projectId/disbursements */
export class DisburseFundsRequestDto {
  @IsLedgerId()
  disbursementId!: string;

  @IsMoney()
  amount!: MoneyJson;

  @IsCalendarDate()
  disbursedOn!: string;
}
