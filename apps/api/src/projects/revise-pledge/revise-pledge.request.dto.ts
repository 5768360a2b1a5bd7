import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import type { MoneyJson } from '#domain';
import { MoneyDto, dateProperty, ledgerIdProperty, textProperty } from '../../http/openapi.js';
import { IsCalendarDate, IsLedgerId, IsMoney, IsText } from '../../http/validators.js';

/** POST /projects/:projectId/pledge-revisions */
export class RevisePledgeRequestDto {
  /** Optional, recommended: makes a late retry of this revision recognisable. */
  @ApiPropertyOptional({
    ...ledgerIdProperty(
      'recommended: makes a late retry of this revision recognisable (without one, only a repeat of the latest revision is)',
      'sm-ga-r1',
    ),
    nullable: true,
  })
  @IsOptional()
  @IsLedgerId()
  revisionId?: string | null;

  @ApiProperty({
    type: () => MoneyDto,
    description: "the new pledge: not below what was delivered, in the pledge's currency, different from the current pledge",
    example: { amount: '3200000000.00', currency: 'CNY' },
  })
  @IsMoney()
  pledged!: MoneyJson;

  @ApiProperty(textProperty(2000, 'why', 'second phase added at the 2025 joint meeting'))
  @IsText(2000)
  reason!: string;

  @ApiProperty(dateProperty('when it was revised; not before signing', '2025-03-01'))
  @IsCalendarDate()
  revisedOn!: string;
}
