import { Body, Controller, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { FastifyReply } from 'fastify';
import type { CommandContext } from '../../../../../libs/application/src/index.js';
import { commandResponse } from '../../http/command-response.js';
import { LedgerIdPipe } from '../../http/params.js';
import { CommandCtx } from '../../http/request-context.js';
import { ProjectCommandMessage } from '../project.command.js';
import { ReachMilestoneRequestDto } from './reach-milestone.request.dto.js';
import { Access } from '../../http/access.js';

@Access('operator')
@Controller('projects/:projectId/milestones')
export class ReachMilestoneHttpController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post()
  async reach(
    @Param('projectId', LedgerIdPipe) projectId: string,
    @Body() body: ReachMilestoneRequestDto,
    @CommandCtx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const data = { projectId, milestone: body.milestone, reachedOn: body.reachedOn };
    const result = await this.commandBus.execute(new ProjectCommandMessage({ type: 'ReachMilestone', data }, context));
    return commandResponse(reply, result, { projectId, milestone: body.milestone });
  }
}
