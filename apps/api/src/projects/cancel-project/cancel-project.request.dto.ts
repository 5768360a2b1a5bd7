import { ApiProperty } from '@nestjs/swagger';
import { dateProperty, textProperty } from '../../http/openapi.js';
import { IsCalendarDate, IsText } from '../../http/validators.js';

/** POST /projects/:projectId/cancellation */
export class CancelProjectRequestDto {
  @ApiProperty(textProperty(2000, 'why', 'the investor withdrew'))
  @IsText(2000)
  reason!: string;

  @ApiProperty(dateProperty('when it was cancelled; not before signing', '2025-01-15'))
  @IsCalendarDate()
  cancelledOn!: string;
}
