import { Body, Controller, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { FastifyReply } from 'fastify';
import type { CommandContext } from '../../../../../libs/application/src/index.js';
import { parseMoney } from '../../../../../libs/domain/src/index.js';
import { commandResponse } from '../../http/command-response.js';
import { LedgerIdPipe } from '../../http/params.js';
import { CommandCtx } from '../../http/request-context.js';
import { ProjectCommandMessage } from '../project.command.js';
import { RevisePledgeRequestDto } from './revise-pledge.request.dto.js';
import { Access } from '../../http/access.js';

@Access('operator')
@Controller('projects/:projectId/pledge-revisions')
export class RevisePledgeHttpController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post()
  async revise(
    @Param('projectId', LedgerIdPipe) projectId: string,
    @Body() body: RevisePledgeRequestDto,
    @CommandCtx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const data = { projectId, revisionId: body.revisionId ?? null, pledged: parseMoney(body.pledged), reason: body.reason, revisedOn: body.revisedOn };
    const result = await this.commandBus.execute(new ProjectCommandMessage({ type: 'RevisePledge', data }, context));
    return commandResponse(reply, result, { projectId });
  }
}
