import { Body, Controller, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { CommandContext } from '#application';
import { parseMoney } from '#domain';
import { Access } from '../../http/access.js';
import { commandResponse } from '../../http/command-response.js';
import { ProjectCommandResultDto } from '../../http/command-result.response.dto.js';
import { ApiCommandErrors, ApiLedgerIdParam } from '../../http/openapi.js';
import { LedgerIdPipe } from '../../http/params.js';
import { CommandCtx } from '../../http/request-context.js';
import { ProjectCommand } from '../project.command.js';
import { RevisePledgeRequestDto } from './revise-pledge.request.dto.js';

@ApiTags('projects')
@Access('operator')
@Controller('projects/:projectId/pledge-revisions')
export class RevisePledgeHttpController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post()
  @ApiOperation({
    summary: 'Revise the pledge',
    description:
      'Up or down, never below what was delivered. Send a `revisionId` so that a late retry is recognised; ' +
      'without one, only a repeat of the latest revision is (use `If-Match` to guard the rest).',
  })
  @ApiCreatedResponse({ type: ProjectCommandResultDto, description: 'Recorded.' })
  @ApiOkResponse({
    type: ProjectCommandResultDto,
    description: 'The same command was already recorded: nothing appended (`outcome: "replayed"`).',
  })
  @ApiLedgerIdParam('projectId', 'the project', 'sm-graphite-anode')
  @ApiCommandErrors(
    'project-not-found',
    'revision-id-reused',
    'project-cancelled',
    'currency-mismatch',
    'dated-before-signing',
    'pledge-unchanged',
    'pledge-below-delivered',
  )
  async revise(
    @Param('projectId', LedgerIdPipe) projectId: string,
    @Body() body: RevisePledgeRequestDto,
    @CommandCtx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const data = {
      projectId,
      revisionId: body.revisionId ?? null,
      pledged: parseMoney(body.pledged),
      reason: body.reason,
      revisedOn: body.revisedOn,
    };
    const result = await this.commandBus.execute(new ProjectCommand({ type: 'RevisePledge', data }, context));
    return commandResponse(reply, result, { projectId });
  }
}
