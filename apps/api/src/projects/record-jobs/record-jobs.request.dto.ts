import { ApiProperty } from '@nestjs/swagger';
import { IsInt, Max, Min } from 'class-validator';
import { MAX_JOBS_PER_REPORT } from '#domain';
import { dateProperty, ledgerIdProperty } from '../../http/openapi.js';
import { IsCalendarDate, IsLedgerId } from '../../http/validators.js';

/** POST /projects/:projectId/jobs */
export class RecordJobsRequestDto {
  @ApiProperty(
    ledgerIdProperty('the report, chosen by the client; a retry with the same id and content is answered 200 "replayed"', 'sm-ga-2024q4'),
  )
  @IsLedgerId()
  reportId!: string;

  @ApiProperty({
    type: 'integer',
    minimum: 1,
    maximum: MAX_JOBS_PER_REPORT,
    description: 'jobs created (吸纳就业), a whole number',
    example: 320,
  })
  @IsInt({ message: 'jobs must be a whole number' })
  @Min(1, { message: 'jobs must be at least 1' })
  @Max(MAX_JOBS_PER_REPORT, { message: `jobs may be at most ${MAX_JOBS_PER_REPORT}` })
  jobs!: number;

  @ApiProperty(dateProperty('the date of the report; not before signing', '2024-12-31'))
  @IsCalendarDate()
  reportedOn!: string;
}
