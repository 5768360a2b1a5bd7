import { Body, Controller, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { CommandContext } from '#application';
import { Access } from '../../http/access.js';
import { commandResponse } from '../../http/command-response.js';
import { JobsReportResultDto } from '../../http/command-result.response.dto.js';
import { ApiCommandErrors, ApiLedgerIdParam } from '../../http/openapi.js';
import { LedgerIdPipe } from '../../http/params.js';
import { CommandCtx } from '../../http/request-context.js';
import { ProjectCommand } from '../project.command.js';
import { RecordJobsRequestDto } from './record-jobs.request.dto.js';

@ApiTags('projects')
@Access('operator')
@Controller('projects/:projectId/jobs')
export class RecordJobsHttpController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post()
  @ApiOperation({ summary: 'Record jobs created', description: 'Jobs created by the project (吸纳就业), reported as a whole number.' })
  @ApiCreatedResponse({ type: JobsReportResultDto, description: 'Recorded.' })
  @ApiOkResponse({
    type: JobsReportResultDto,
    description: 'The same command was already recorded: nothing appended (`outcome: "replayed"`).',
  })
  @ApiLedgerIdParam('projectId', 'the project', 'sm-graphite-anode')
  @ApiCommandErrors('project-not-found', 'report-id-reused', 'jobs-not-positive-integer', 'project-cancelled', 'dated-before-signing')
  async record(
    @Param('projectId', LedgerIdPipe) projectId: string,
    @Body() body: RecordJobsRequestDto,
    @CommandCtx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const data = { projectId, reportId: body.reportId, jobs: body.jobs, reportedOn: body.reportedOn };
    const result = await this.commandBus.execute(new ProjectCommand({ type: 'RecordJobs', data }, context));
    return commandResponse(reply, result, { projectId, reportId: body.reportId });
  }
}
