import { IsCalendarDate, IsText } from '../../http/validators.js';

/** POST /projects/:projectId/cancellation */
export class CancelProjectRequestDto {
  @IsText(2000)
  reason!: string;

  @IsCalendarDate()
  cancelledOn!: string;
}
