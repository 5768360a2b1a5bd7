import { Body, Controller, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { FastifyReply } from 'fastify';
import type { CommandContext } from '../../../../../libs/application/src/index.js';
import { commandResponse } from '../../http/command-response.js';
import { LedgerIdPipe } from '../../http/params.js';
import { CommandCtx } from '../../http/request-context.js';
import { ProjectCommandMessage } from '../project.command.js';
import { CancelProjectRequestDto } from './cancel-project.request.dto.js';
import { Access } from '../../http/access.js';

@Access('operator')
@Controller('projects/:projectId/cancellation')
export class CancelProjectHttpController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post()
  async cancel(
    @Param('projectId', LedgerIdPipe) projectId: string,
    @Body() body: CancelProjectRequestDto,
    @CommandCtx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const data = { projectId, reason: body.reason, cancelledOn: body.cancelledOn };
    const result = await this.commandBus.execute(new ProjectCommandMessage({ type: 'CancelProject', data }, context));
    return commandResponse(reply, result, { projectId });
  }
}
