import { Body, Controller, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { FastifyReply } from 'fastify';
import type { CommandContext } from '../../../../../libs/application/src/index.js';
import { parseMoney } from '../../../../../libs/domain/src/index.js';
import { commandResponse } from '../../http/command-response.js';
import { LedgerIdPipe } from '../../http/params.js';
import { CommandCtx } from '../../http/request-context.js';
import { ProjectCommandMessage } from '../project.command.js';
import { DisburseFundsRequestDto } from './disburse-funds.request.dto.js';
import { Access } from '../../http/access.js';

@Access('operator')
@Controller('projects/:projectId/disbursements')
export class DisburseFundsHttpController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post()
  async disburse(
    @Param('projectId', LedgerIdPipe) projectId: string,
    @Body() body: DisburseFundsRequestDto,
    @CommandCtx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const data = { projectId, disbursementId: body.disbursementId, amount: parseMoney(body.amount), disbursedOn: body.disbursedOn };
    const result = await this.commandBus.execute(new ProjectCommandMessage({ type: 'DisburseFunds', data }, context));
    return commandResponse(reply, result, { projectId, disbursementId: body.disbursementId });
  }
}
