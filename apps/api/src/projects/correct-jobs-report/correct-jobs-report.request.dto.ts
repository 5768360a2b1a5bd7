import { ApiProperty } from '@nestjs/swagger';
import { IsInt, Max, Min } from 'class-validator';
import { MAX_JOBS_PER_REPORT } from '../../../../../libs/domain/src/index.js';
import { IsCalendarDate, IsLedgerId, IsText } from '../../http/validators.js';

/** POST /projects/:projectId/jobs/:reportId/corrections */
export class CorrectJobsReportRequestDto {
  @ApiProperty({ description: 'the client\'s id for this correction: a retry with the same id and content is answered 200, other content 409', example: 'sm-ga-2024q4-fix1' })
  @IsLedgerId()
  correctionId!: string;

  @ApiProperty({ description: 'the corrected number of jobs of the report (not a difference); zero allowed', minimum: 0, maximum: MAX_JOBS_PER_REPORT, example: 280 })
  @IsInt({ message: 'jobs must be a whole number' })
  @Min(0, { message: 'jobs must be at least 0' })
  @Max(MAX_JOBS_PER_REPORT, { message: `jobs may be at most ${MAX_JOBS_PER_REPORT}` })
  jobs!: number;

  @ApiProperty({ description: 'why the recorded figure was wrong (required)', example: 'seasonal workers counted twice', maxLength: 2000 })
  @IsText(2000)
  reason!: string;

  @ApiProperty({ description: 'when the correction was made (YYYY-MM-DD); not before the original report', example: '2025-01-20' })
  @IsCalendarDate()
  correctedOn!: string;
}
