import { Body, Controller, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { CommandContext } from '#application';
import { Access } from '../../http/access.js';
import { commandResponse } from '../../http/command-response.js';
import { PairCommandResultDto } from '../../http/command-result.response.dto.js';
import { ApiCommandErrors } from '../../http/openapi.js';
import { CommandCtx } from '../../http/request-context.js';
import { RegisterPartnerPairCommand } from './register-partner-pair.command.js';
import { RegisterPartnerPairRequestDto } from './register-partner-pair.request.dto.js';

@ApiTags('partner pairs')
@Access('operator')
@Controller('partner-pairs')
export class RegisterPartnerPairHttpController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post()
  @ApiOperation({
    summary: 'Register a partner pair',
    description: 'A donor region paired with a recipient region, optionally as a sub-pair of a registered pair.',
  })
  @ApiCreatedResponse({ type: PairCommandResultDto, description: 'Registered.' })
  @ApiOkResponse({
    type: PairCommandResultDto,
    description: 'The same registration was already recorded: nothing appended (`outcome: "replayed"`).',
  })
  @ApiCommandErrors('parent-pair-not-found', 'pair-already-registered', 'donor-is-recipient')
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
