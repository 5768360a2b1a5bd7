import { ApiProperty } from '@nestjs/swagger';
import type { MoneyJson } from '#domain';
import { MoneyDto, dateProperty, ledgerIdProperty } from '../../http/openapi.js';
import { IsCalendarDate, IsLedgerId, IsMoney } from '../../http/validators.js';

/** POST /projects/:projectId/disbursements */
export class DisburseFundsRequestDto {
  @ApiProperty(
    ledgerIdProperty('the tranche, chosen by the client; a retry with the same id and content is answered 200 "replayed"', 'sm-ga-t1'),
  )
  @IsLedgerId()
  disbursementId!: string;

  @ApiProperty({
    type: () => MoneyDto,
    description: "funds in place (到位资金): at most what remains of the pledge, in the pledge's currency",
    example: { amount: '450000000.00', currency: 'CNY' },
  })
  @IsMoney()
  amount!: MoneyJson;

  @ApiProperty(dateProperty('when the funds were delivered; not before signing', '2024-09-30'))
  @IsCalendarDate()
  disbursedOn!: string;
}
