import { Body, Controller, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { CommandContext } from '#application';
import { Access } from '../../http/access.js';
import { commandResponse } from '../../http/command-response.js';
import { ProjectCommandResultDto } from '../../http/command-result.response.dto.js';
import { ApiCommandErrors, ApiLedgerIdParam } from '../../http/openapi.js';
import { LedgerIdPipe } from '../../http/params.js';
import { CommandCtx } from '../../http/request-context.js';
import { ProjectCommand } from '../project.command.js';
import { CancelProjectRequestDto } from './cancel-project.request.dto.js';

@ApiTags('projects')
@Access('operator')
@Controller('projects/:projectId/cancellation')
export class CancelProjectHttpController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post()
  @ApiOperation({
    summary: 'Cancel the project',
    description: 'A cancelled project no longer counts as pledged; what was delivered stays delivered. Not for a completed project.',
  })
  @ApiCreatedResponse({ type: ProjectCommandResultDto, description: 'Recorded.' })
  @ApiOkResponse({
    type: ProjectCommandResultDto,
    description: 'The same command was already recorded: nothing appended (`outcome: "replayed"`).',
  })
  @ApiLedgerIdParam('projectId', 'the project', 'sm-graphite-anode')
  @ApiCommandErrors('project-not-found', 'project-already-cancelled', 'project-completed', 'dated-before-signing')
  async cancel(
    @Param('projectId', LedgerIdPipe) projectId: string,
    @Body() body: CancelProjectRequestDto,
    @CommandCtx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const data = { projectId, reason: body.reason, cancelledOn: body.cancelledOn };
    const result = await this.commandBus.execute(new ProjectCommand({ type: 'CancelProject', data }, context));
    return commandResponse(reply, result, { projectId });
  }
}
