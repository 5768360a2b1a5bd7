import { IsIn } from 'class-validator';
import { MILESTONES, type Milestone } from '../../../../../libs/domain/src/index.js';
import { IsCalendarDate } from '../../http/validators.js';

/** POST /projects/:projectId/milestones */
export class ReachMilestoneRequestDto {
  @IsIn(MILESTONES, { message: `milestone must be one of ${MILESTONES.join(', ')}` })
  milestone!: Milestone;

  @IsCalendarDate()
  reachedOn!: string;
}
