import { Body, Controller, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { CommandContext } from '#application';
import { parseMoney } from '#domain';
import { Access } from '../../http/access.js';
import { commandResponse } from '../../http/command-response.js';
import { ProjectCommandResultDto } from '../../http/command-result.response.dto.js';
import { ApiCommandErrors } from '../../http/openapi.js';
import { CommandCtx } from '../../http/request-context.js';
import { ProjectCommand } from '../project.command.js';
import { SignProjectRequestDto } from './sign-project.request.dto.js';

@ApiTags('projects')
@Access('operator')
@Controller('projects')
export class SignProjectHttpController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post()
  @ApiOperation({
    summary: 'Sign a project',
    description: 'A project signed (签约) for a partner pair, with its pledged total investment.',
  })
  @ApiCreatedResponse({ type: ProjectCommandResultDto, description: 'Recorded.' })
  @ApiOkResponse({
    type: ProjectCommandResultDto,
    description: 'The same command was already recorded: nothing appended (`outcome: "replayed"`).',
  })
  @ApiCommandErrors('pair-not-found', 'project-already-signed', 'signed-before-pair-established')
  async sign(@Body() body: SignProjectRequestDto, @CommandCtx() context: CommandContext, @Res({ passthrough: true }) reply: FastifyReply) {
    const result = await this.commandBus.execute(
      new ProjectCommand(
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
