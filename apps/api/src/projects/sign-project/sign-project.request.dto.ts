import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { CAPITAL_KINDS, type CapitalKind, type MoneyJson, SLUG_PATTERN } from '#domain';
import { MoneyDto, dateProperty, ledgerIdProperty, textProperty } from '../../http/openapi.js';
import { IsCalendarDate, IsLedgerId, IsMoney, IsSlug, IsText } from '../../http/validators.js';

/** POST /projects */
export class SignProjectRequestDto {
  @ApiProperty(
    ledgerIdProperty('chosen by the client; a retry with the same id and content is answered 200 "replayed"', 'sm-graphite-anode'),
  )
  @IsLedgerId()
  projectId!: string;

  @ApiProperty(ledgerIdProperty('a registered partner pair (404 pair-not-found otherwise)', 'shanghai-sanming'))
  @IsLedgerId()
  pairId!: string;

  @ApiProperty(textProperty(500, 'what the project is', 'Natural-graphite anode precursor project'))
  @IsText(500)
  title!: string;

  @ApiProperty({
    type: String,
    pattern: SLUG_PATTERN.source,
    description: 'lowercase words joined by dashes, so one sector is always spelt the same',
    example: 'new-materials',
  })
  @IsSlug()
  sector!: string;

  @ApiProperty({
    enum: CAPITAL_KINDS,
    description: '`investment` (enterprise investment) or `aid` (援疆资金, government assistance)',
    example: 'investment',
  })
  @IsIn(CAPITAL_KINDS, { message: `capitalKind must be one of ${CAPITAL_KINDS.join(', ')}` })
  capitalKind!: CapitalKind;

  @ApiProperty({
    type: () => MoneyDto,
    description: 'the pledged total investment (签约金额)',
    example: { amount: '3000000000.00', currency: 'CNY' },
  })
  @IsMoney()
  pledged!: MoneyJson;

  @ApiProperty(dateProperty('the signing date (签约); not before the pair was established', '2024-05-07'))
  @IsCalendarDate()
  signedOn!: string;

  @ApiPropertyOptional({ ...textProperty(500, 'where it was signed', 'Second joint meeting'), nullable: true })
  @IsOptional()
  @IsText(500)
  occasion?: string | null;

  @ApiPropertyOptional({ ...textProperty(500, 'the investing enterprise', 'a Shanghai new-materials company'), nullable: true })
  @IsOptional()
  @IsText(500)
  investor?: string | null;
}
