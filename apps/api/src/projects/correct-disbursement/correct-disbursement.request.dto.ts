import { ApiProperty } from '@nestjs/swagger';
import type { MoneyJson } from '../../../../../libs/domain/src/index.js';
import { IsCalendarDate, IsLedgerId, IsMoneyOrZero, IsText } from '../../http/validators.js';

/** POST /projects/:projectId/disbursements/:disbursementId/corrections */
export class CorrectDisbursementRequestDto {
  @ApiProperty({ description: 'the client\'s id for this correction: a retry with the same id and content is answered 200, other content 409', example: 'sm-ga-t1-fix1' })
  @IsLedgerId()
  correctionId!: string;

  @ApiProperty({
    description: 'the corrected amount of the disbursement (not a difference); zero if the tranche never arrived; same currency as the pledge',
    example: { amount: '400000000.00', currency: 'CNY' },
  })
  @IsMoneyOrZero()
  amount!: MoneyJson;

  @ApiProperty({ description: 'why the recorded amount was wrong (required)', example: 'bank statement shows 400,000,000.00', maxLength: 2000 })
  @IsText(2000)
  reason!: string;

  @ApiProperty({ description: 'when the correction was made (YYYY-MM-DD); not before the original disbursement', example: '2024-10-15' })
  @IsCalendarDate()
  correctedOn!: string;
}
