import { Body, Controller, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { FastifyReply } from 'fastify';
import type { CommandContext } from '../../../../../libs/application/src/index.js';
import { parseMoney } from '../../../../../libs/domain/src/index.js';
import { commandResponse } from '../../http/command-response.js';
import { CommandCtx } from '../../http/request-context.js';
import { ProjectCommandMessage } from '../project.command.js';
import { SignProjectRequestDto } from './sign-project.request.dto.js';
import { Access } from '../../http/access.js';

@Access('operator')
@Controller('projects')
export class SignProjectHttpController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post()
  async sign(@Body() body: SignProjectRequestDto, @CommandCtx() context: CommandContext, @Res({ passthrough: true }) reply: FastifyReply) {
    const result = await this.commandBus.execute(
      new ProjectCommandMessage(
        {
          type: 'SignProject',
          data: {
            projectId: body.projectId,
            pairId: body.pairId,
            title: body.title,
            sector: body.sector,
            capitalKind: body.capitalKind,
            pledged: parseMoney(body.pledged),
            signedOn: body.signedOn,
            occasion: body.occasion ?? null,
            investor: body.investor ?? null,
          },
        },
        context,
      ),
    );
    return commandResponse(reply, result, { projectId: body.projectId });
  }
}
