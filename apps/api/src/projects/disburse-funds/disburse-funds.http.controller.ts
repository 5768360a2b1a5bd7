import { Body, Controller, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { CommandContext } from '#application';
import { parseMoney } from '#domain';
import { Access } from '../../http/access.js';
import { commandResponse } from '../../http/command-response.js';
import { DisbursementResultDto } from '../../http/command-result.response.dto.js';
import { ApiCommandErrors, ApiLedgerIdParam } from '../../http/openapi.js';
import { LedgerIdPipe } from '../../http/params.js';
import { CommandCtx } from '../../http/request-context.js';
import { ProjectCommand } from '../project.command.js';
import { DisburseFundsRequestDto } from './disburse-funds.request.dto.js';

@ApiTags('projects')
@Access('operator')
@Controller('projects/:projectId/disbursements')
export class DisburseFundsHttpController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post()
  @ApiOperation({
    summary: 'Record a disbursement',
    description: 'A tranche of the pledge delivered (到位资金); never more than what remains pledged.',
  })
  @ApiCreatedResponse({ type: DisbursementResultDto, description: 'Recorded.' })
  @ApiOkResponse({
    type: DisbursementResultDto,
    description: 'The same command was already recorded: nothing appended (`outcome: "replayed"`).',
  })
  @ApiLedgerIdParam('projectId', 'the project', 'sm-graphite-anode')
  @ApiCommandErrors(
    'project-not-found',
    'disbursement-id-reused',
    'project-cancelled',
    'currency-mismatch',
    'dated-before-signing',
    'exceeds-remaining-pledge',
  )
  async disburse(
    @Param('projectId', LedgerIdPipe) projectId: string,
    @Body() body: DisburseFundsRequestDto,
    @CommandCtx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const data = { projectId, disbursementId: body.disbursementId, amount: parseMoney(body.amount), disbursedOn: body.disbursedOn };
    const result = await this.commandBus.execute(new ProjectCommand({ type: 'DisburseFunds', data }, context));
    return commandResponse(reply, result, { projectId, disbursementId: body.disbursementId });
  }
}
