import { Body, Controller, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { FastifyReply } from 'fastify';
import type { CommandContext } from '../../../../../libs/application/src/index.js';
import { commandResponse } from '../../http/command-response.js';
import { CommandCtx } from '../../http/request-context.js';
import { RegisterPartnerPairCommand } from './register-partner-pair.command.js';
import { RegisterPartnerPairRequestDto } from './register-partner-pair.request.dto.js';
import { Access } from '../../http/access.js';

@Access('operator')
@Controller('partner-pairs')
export class RegisterPartnerPairHttpController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post()
  async register(
    @Body() body: RegisterPartnerPairRequestDto,
    @CommandCtx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const result = await this.commandBus.execute(
      new RegisterPartnerPairCommand(
        {
          type: 'RegisterPartnerPair',
          data: {
            pairId: body.pairId,
            donor: { name: body.donor.name, level: body.donor.level },
            recipient: { name: body.recipient.name, level: body.recipient.level },
            programme: body.programme,
            parentPairId: body.parentPairId ?? null,
            establishedOn: body.establishedOn ?? null,
          },
        },
        context,
      ),
    );
    return commandResponse(reply, result, { pairId: body.pairId });
  }
}
