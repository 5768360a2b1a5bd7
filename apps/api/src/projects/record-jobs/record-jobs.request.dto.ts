import { IsInt, Max, Min } from 'class-validator';
import { MAX_JOBS_PER_REPORT } from '../../../../../libs/domain/src/index.js';
import { IsCalendarDate, IsLedgerId } from '../../http/validators.js';

/** POST /projects/:projectId/jobs */
export class RecordJobsRequestDto {
  @IsLedgerId()
  reportId!: string;

  @IsInt({ message: 'jobs must be a whole number' })
  @Min(1, { message: 'jobs must be at least 1' })
  @Max(MAX_JOBS_PER_REPORT, { message: `jobs may be at most ${MAX_JOBS_PER_REPORT}` })
  jobs!: number;

  @IsCalendarDate()
  reportedOn!: string;
}
