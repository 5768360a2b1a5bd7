import { Body, Controller, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { CommandContext } from '#application';
import { Access } from '../../http/access.js';
import { commandResponse } from '../../http/command-response.js';
import { MilestoneResultDto } from '../../http/command-result.response.dto.js';
import { ApiCommandErrors, ApiLedgerIdParam } from '../../http/openapi.js';
import { LedgerIdPipe } from '../../http/params.js';
import { CommandCtx } from '../../http/request-context.js';
import { ProjectCommand } from '../project.command.js';
import { ReachMilestoneRequestDto } from './reach-milestone.request.dto.js';

@ApiTags('projects')
@Access('operator')
@Controller('projects/:projectId/milestones')
export class ReachMilestoneHttpController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post()
  @ApiOperation({ summary: 'Record a milestone', description: 'Each milestone is reached once; `completed` completes the project.' })
  @ApiCreatedResponse({ type: MilestoneResultDto, description: 'Recorded.' })
  @ApiOkResponse({
    type: MilestoneResultDto,
    description: 'The same command was already recorded: nothing appended (`outcome: "replayed"`).',
  })
  @ApiLedgerIdParam('projectId', 'the project', 'sm-graphite-anode')
  @ApiCommandErrors('project-not-found', 'milestone-already-reached', 'project-cancelled', 'dated-before-signing')
  async reach(
    @Param('projectId', LedgerIdPipe) projectId: string,
    @Body() body: ReachMilestoneRequestDto,
    @CommandCtx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const data = { projectId, milestone: body.milestone, reachedOn: body.reachedOn };
    const result = await this.commandBus.execute(new ProjectCommand({ type: 'ReachMilestone', data }, context));
    return commandResponse(reply, result, { projectId, milestone: body.milestone });
  }
}
