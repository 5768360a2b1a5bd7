import { Body, Controller, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { CommandContext } from '../../../../../libs/application/src/index.js';
import { Access } from '../../http/access.js';
import { commandResponse } from '../../http/command-response.js';
import { LedgerIdPipe } from '../../http/params.js';
import { CommandCtx } from '../../http/request-context.js';
import { ProjectCommandMessage } from '../project.command.js';
import { CorrectJobsReportRequestDto } from './correct-jobs-report.request.dto.js';

@ApiTags('projects')
@Access('operator')
@Controller('projects/:projectId/jobs/:reportId/corrections')
export class CorrectJobsReportHttpController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post()
  @ApiOperation({
    summary: 'Correct a jobs report entered wrongly',
    description: 'Records JobsReportCorrected with the corrected figure and the one it replaces; the original JobsRecorded stays in the history.',
  })
  @ApiCreatedResponse({ description: '{projectId, reportId, correctionId, outcome: "created", revision, position}' })
  @ApiOkResponse({ description: 'a retry of a correction already recorded: outcome "replayed" with the original revision and position' })
  @ApiBadRequestResponse({ description: 'invalid-request: a malformed id, jobs figure, reason or date' })
  @ApiNotFoundResponse({ description: 'project-not-found, report-not-found' })
  @ApiConflictResponse({ description: 'correction-id-reused, revision-mismatch (If-Match), concurrent-modification' })
  @ApiUnprocessableEntityResponse({ description: 'correction-unchanged, project-cancelled (raising only), dated-before-original' })
  async correct(
    @Param('projectId', LedgerIdPipe) projectId: string,
    @Param('reportId', LedgerIdPipe) reportId: string,
    @Body() body: CorrectJobsReportRequestDto,
    @CommandCtx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const data = { projectId, correctionId: body.correctionId, reportId, jobs: body.jobs, reason: body.reason, correctedOn: body.correctedOn };
    const result = await this.commandBus.execute(new ProjectCommandMessage({ type: 'CorrectJobsReport', data }, context));
    return commandResponse(reply, result, { projectId, reportId, correctionId: body.correctionId });
  }
}
