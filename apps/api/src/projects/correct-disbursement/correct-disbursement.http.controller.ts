import { Body, Controller, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { CommandContext } from '#application';
import { parseMoney } from '#domain';
import { Access } from '../../http/access.js';
import { commandResponse } from '../../http/command-response.js';
import { DisbursementCorrectionResultDto } from '../../http/command-result.response.dto.js';
import { ApiCommandErrors, ApiLedgerIdParam } from '../../http/openapi.js';
import { LedgerIdPipe } from '../../http/params.js';
import { CommandCtx } from '../../http/request-context.js';
import { ProjectCommand } from '../project.command.js';
import { CorrectDisbursementRequestDto } from './correct-disbursement.request.dto.js';

@ApiTags('projects')
@Access('operator')
@Controller('projects/:projectId/disbursements/:disbursementId/corrections')
export class CorrectDisbursementHttpController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post()
  @ApiOperation({
    summary: 'Correct a disbursement entered wrongly',
    description:
      'Records DisbursementCorrected with the corrected amount and the one it replaces; ' +
      "the original FundsDisbursed stays in the history. Delivered figures change in the original disbursement's year.",
  })
  @ApiCreatedResponse({ type: DisbursementCorrectionResultDto, description: 'Recorded.' })
  @ApiOkResponse({
    type: DisbursementCorrectionResultDto,
    description: 'The same correction was already recorded: nothing appended (`outcome: "replayed"`).',
  })
  @ApiLedgerIdParam('projectId', 'the project', 'sm-graphite-anode')
  @ApiLedgerIdParam('disbursementId', 'the disbursement to correct', 'sm-ga-t1')
  @ApiCommandErrors(
    'project-not-found',
    'disbursement-not-found',
    'correction-id-reused',
    'correction-unchanged',
    'currency-mismatch',
    'dated-before-original',
    'exceeds-remaining-pledge',
    'project-cancelled',
  )
  async correct(
    @Param('projectId', LedgerIdPipe) projectId: string,
    @Param('disbursementId', LedgerIdPipe) disbursementId: string,
    @Body() body: CorrectDisbursementRequestDto,
    @CommandCtx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const data = {
      projectId,
      correctionId: body.correctionId,
      disbursementId,
      amount: parseMoney(body.amount, { allowZero: true }),
      reason: body.reason,
      correctedOn: body.correctedOn,
    };
    const result = await this.commandBus.execute(new ProjectCommand({ type: 'CorrectDisbursement', data }, context));
    return commandResponse(reply, result, { projectId, disbursementId, correctionId: body.correctionId });
  }
}
