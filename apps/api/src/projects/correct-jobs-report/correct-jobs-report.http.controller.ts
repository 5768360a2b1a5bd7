import { Body, Controller, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { CommandContext } from '#application';
import { Access } from '../../http/access.js';
import { commandResponse } from '../../http/command-response.js';
import { JobsReportCorrectionResultDto } from '../../http/command-result.response.dto.js';
import { ApiCommandErrors, ApiLedgerIdParam } from '../../http/openapi.js';
import { LedgerIdPipe } from '../../http/params.js';
import { CommandCtx } from '../../http/request-context.js';
import { ProjectCommand } from '../project.command.js';
import { CorrectJobsReportRequestDto } from './correct-jobs-report.request.dto.js';

@ApiTags('projects')
@Access('operator')
@Controller('projects/:projectId/jobs/:reportId/corrections')
export class CorrectJobsReportHttpController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post()
  @ApiOperation({
    summary: 'Correct a jobs report entered wrongly',
    description:
      'Records JobsReportCorrected with the corrected figure and the one it replaces; the original JobsRecorded stays in the history.',
  })
  @ApiCreatedResponse({ type: JobsReportCorrectionResultDto, description: 'Recorded.' })
  @ApiOkResponse({
    type: JobsReportCorrectionResultDto,
    description: 'The same correction was already recorded: nothing appended (`outcome: "replayed"`).',
  })
  @ApiLedgerIdParam('projectId', 'the project', 'sm-graphite-anode')
  @ApiLedgerIdParam('reportId', 'the jobs report to correct', 'sm-ga-2024q4')
  @ApiCommandErrors(
    'project-not-found',
    'report-not-found',
    'correction-id-reused',
    'correction-unchanged',
    'jobs-out-of-range',
    'dated-before-original',
    'project-cancelled',
  )
  async correct(
    @Param('projectId', LedgerIdPipe) projectId: string,
    @Param('reportId', LedgerIdPipe) reportId: string,
    @Body() body: CorrectJobsReportRequestDto,
    @CommandCtx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const data = {
      projectId,
      correctionId: body.correctionId,
      reportId,
      jobs: body.jobs,
      reason: body.reason,
      correctedOn: body.correctedOn,
    };
    const result = await this.commandBus.execute(new ProjectCommand({ type: 'CorrectJobsReport', data }, context));
    return commandResponse(reply, result, { projectId, reportId, correctionId: body.correctionId });
  }
}
