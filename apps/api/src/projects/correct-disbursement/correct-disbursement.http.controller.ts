import { Body, Controller, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { CommandContext } from '../../../../../libs/application/src/index.js';
import { parseMoney } from '../../../../../libs/domain/src/index.js';
import { Access } from '../../http/access.js';
import { commandResponse } from '../../http/command-response.js';
import { LedgerIdPipe } from '../../http/params.js';
import { CommandCtx } from '../../http/request-context.js';
import { ProjectCommandMessage } from '../project.command.js';
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
      'Records DisbursementCorrected with the corrected amount and the one it replaces; the original FundsDisbursed stays in the history. Delivered figures change in the original disbursement\'s year.',
  })
  @ApiCreatedResponse({ description: '{projectId, disbursementId, correctionId, outcome: "created", revision, position}' })
  @ApiOkResponse({ description: 'a retry of a correction already recorded: outcome "replayed" with the original revision and position' })
  @ApiBadRequestResponse({ description: 'invalid-request: a malformed id, amount, reason or date' })
  @ApiNotFoundResponse({ description: 'project-not-found, disbursement-not-found' })
  @ApiConflictResponse({ description: 'correction-id-reused, revision-mismatch (If-Match), concurrent-modification' })
  @ApiUnprocessableEntityResponse({ description: 'correction-unchanged, currency-mismatch, exceeds-remaining-pledge, project-cancelled (raising only), dated-before-original' })
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
    const result = await this.commandBus.execute(new ProjectCommandMessage({ type: 'CorrectDisbursement', data }, context));
    return commandResponse(reply, result, { projectId, disbursementId, correctionId: body.correctionId });
  }
}
