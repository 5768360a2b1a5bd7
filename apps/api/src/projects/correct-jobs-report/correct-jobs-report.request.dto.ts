import { ApiProperty } from '@nestjs/swagger';
import { IsInt, Max, Min } from 'class-validator';
import { MAX_JOBS_PER_REPORT } from '#domain';
import { dateProperty, ledgerIdProperty, textProperty } from '../../http/openapi.js';
import { IsCalendarDate, IsLedgerId, IsText } from '../../http/validators.js';

/** POST /projects/:projectId/jobs/:reportId/corrections */
export class CorrectJobsReportRequestDto {
  @ApiProperty(
    ledgerIdProperty(
      'the correction, chosen by the client; a retry with the same id and content is answered 200 "replayed", other content 409',
      'sm-ga-2024q4-fix1',
    ),
  )
  @IsLedgerId()
  correctionId!: string;

  @ApiProperty({
    type: 'integer',
    minimum: 0,
    maximum: MAX_JOBS_PER_REPORT,
    description: "the report's corrected number of jobs (not a difference); zero allowed",
    example: 280,
  })
  @IsInt({ message: 'jobs must be a whole number' })
  @Min(0, { message: 'jobs must be at least 0' })
  @Max(MAX_JOBS_PER_REPORT, { message: `jobs may be at most ${MAX_JOBS_PER_REPORT}` })
  jobs!: number;

  @ApiProperty(textProperty(2000, 'why the recorded figure was wrong', 'seasonal workers counted twice'))
  @IsText(2000)
  reason!: string;

  @ApiProperty(dateProperty('when the correction was made; not before the original report', '2025-01-20'))
  @IsCalendarDate()
  correctedOn!: string;
}
