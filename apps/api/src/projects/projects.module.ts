import { Module } from '@nestjs/common';
import { ReadModelsModule } from '../infrastructure/read-models.module.js';
import { WriteSideModule } from '../infrastructure/write-side.module.js';
import { CancelProjectHttpController } from './cancel-project/cancel-project.http.controller.js';
import { CorrectDisbursementHttpController } from './correct-disbursement/correct-disbursement.http.controller.js';
import { CorrectJobsReportHttpController } from './correct-jobs-report/correct-jobs-report.http.controller.js';
import { DisburseFundsHttpController } from './disburse-funds/disburse-funds.http.controller.js';
import { ProjectCommandHandler } from './project-command.handler.js';
import { ProjectsHttpController } from './projects.http.controller.js';
import { ReachMilestoneHttpController } from './reach-milestone/reach-milestone.http.controller.js';
import { RecordJobsHttpController } from './record-jobs/record-jobs.http.controller.js';
import { RevisePledgeHttpController } from './revise-pledge/revise-pledge.http.controller.js';
import { SignProjectHttpController } from './sign-project/sign-project.http.controller.js';

/** Projects: one controller per use case (sign, disburse, record jobs, …), one handler for every command on a project, and the reads. */
@Module({
  imports: [WriteSideModule, ReadModelsModule],
  controllers: [
    SignProjectHttpController,
    DisburseFundsHttpController,
    RecordJobsHttpController,
    RevisePledgeHttpController,
    ReachMilestoneHttpController,
    CancelProjectHttpController,
    CorrectDisbursementHttpController,
    CorrectJobsReportHttpController,
    ProjectsHttpController,
  ],
  providers: [ProjectCommandHandler],
})
export class ProjectsModule {}
