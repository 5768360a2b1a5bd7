import { Body, Controller, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { FastifyReply } from 'fastify';
import type { CommandContext } from '../../../../../libs/application/src/index.js';
import { commandResponse } from '../../http/command-response.js';
import { LedgerIdPipe } from '../../http/params.js';
import { CommandCtx } from '../../http/request-context.js';
import { ProjectCommandMessage } from '../project.command.js';
import { RecordJobsRequestDto } from './record-jobs.request.dto.js';
import { Access } from '../../http/access.js';

@Access('operator')
@Controller('projects/:projectId/jobs')
export class RecordJobsHttpController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post()
  async record(
    @Param('projectId', LedgerIdPipe) projectId: string,
    @Body() body: RecordJobsRequestDto,
    @CommandCtx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const data = { projectId, reportId: body.reportId, jobs: body.jobs, reportedOn: body.reportedOn };
    const result = await this.commandBus.execute(new ProjectCommandMessage({ type: 'RecordJobs', data }, context));
    return commandResponse(reply, result, { projectId, reportId: body.reportId });
  }
}
