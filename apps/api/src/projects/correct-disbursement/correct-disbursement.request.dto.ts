import { ApiProperty } from '@nestjs/swagger';
import type { MoneyJson } from '#domain';
import { MoneyOrZeroDto, dateProperty, ledgerIdProperty, textProperty } from '../../http/openapi.js';
import { IsCalendarDate, IsLedgerId, IsMoneyOrZero, IsText } from '../../http/validators.js';

/** POST /projects/:projectId/disbursements/:disbursementId/corrections */
export class CorrectDisbursementRequestDto {
  @ApiProperty(
    ledgerIdProperty(
      'the correction, chosen by the client; a retry with the same id and content is answered 200 "replayed", other content 409',
      'sm-ga-t1-fix1',
    ),
  )
  @IsLedgerId()
  correctionId!: string;

  @ApiProperty({
    type: () => MoneyOrZeroDto,
    description:
      "the disbursement's corrected amount (not a difference), in the pledge's currency; zero if the tranche never arrived. " +
      'Raising it obeys the disbursement rules.',
    example: { amount: '400000000.00', currency: 'CNY' },
  })
  @IsMoneyOrZero()
  amount!: MoneyJson;

  @ApiProperty(textProperty(2000, 'why the recorded amount was wrong', 'the bank statement shows 400,000,000.00'))
  @IsText(2000)
  reason!: string;

  @ApiProperty(dateProperty('when the correction was made; not before the original disbursement', '2024-10-15'))
  @IsCalendarDate()
  correctedOn!: string;
}
