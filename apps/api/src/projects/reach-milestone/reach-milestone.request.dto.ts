import { ApiProperty } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { MILESTONES, type Milestone } from '#domain';
import { dateProperty } from '../../http/openapi.js';
import { IsCalendarDate } from '../../http/validators.js';

/** POST /projects/:projectId/milestones */
export class ReachMilestoneRequestDto {
  @ApiProperty({
    enum: MILESTONES,
    description: 'landed / construction-started / in-production (落地 / 开工 / 投产) or completed, which completes the project; each once',
    example: 'landed',
  })
  @IsIn(MILESTONES, { message: `milestone must be one of ${MILESTONES.join(', ')}` })
  milestone!: Milestone;

  @ApiProperty(dateProperty('when it was reached; not before signing', '2024-06-01'))
  @IsCalendarDate()
  reachedOn!: string;
}
