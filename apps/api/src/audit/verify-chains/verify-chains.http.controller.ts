import { BadRequestException, Controller, Get, NotFoundException, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ID_PATTERN } from '#domain';
import { UpcastingEventStore } from '#event-store';
import { Access } from '../../http/access.js';
import { AuditReads } from '../../http/audit-reads.js';
import { ApiCorrelationIdHeader, ApiErrorStatus, ApiErrors } from '../../http/openapi.js';
import { LEDGER_STREAM_PREFIXES } from '../../infrastructure/open-event-store.js';
import { LedgerTransparency } from '../../infrastructure/transparency.module.js';
import { type LedgerVerification, verifyLedger } from './tree-verification.js';
import { ChainVerificationDto } from './verify-chains.response.dto.js';

/** What is wrong with a stream id given to verify, or null when it names a ledger stream (also used by `cli verify`). */
export function ledgerStreamIdProblem(value: unknown): string | null {
  const prefix = typeof value === 'string' ? LEDGER_STREAM_PREFIXES.find((candidate) => value.startsWith(candidate)) : undefined;
  if (typeof value === 'string' && prefix !== undefined && ID_PATTERN.test(value.slice(prefix.length))) return null;
  return `must be a ledger stream id: ${LEDGER_STREAM_PREFIXES.map((p) => `${p}<id>`).join(' or ')}, the id matching ${ID_PATTERN.source}`;
}

function streamIdParam(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const problem = ledgerStreamIdProblem(value);
  if (problem === null) return value as string;
  throw new BadRequestException({
    code: 'invalid-request',
    message: `streamId ${problem}`,
    fields: [{ field: 'streamId', problems: [problem] }],
  });
}

@ApiTags('audit')
@Access('auditor')
@Controller('audit')
export class VerifyChainsHttpController {
  constructor(
    private readonly events: UpcastingEventStore,
    private readonly transparency: LedgerTransparency,
    private readonly reads: AuditReads,
  ) {}

  @Get('verify')
  @ApiOperation({
    summary: 'Verify the hash chains of the event store and the signed tree heads',
    description:
      "Recomputes every stream's hash chain (or one stream's) from the events as stored, reading the log page by page, " +
      'and reports the first break. Events stored before hashes existed are counted as legacy and chained by their computed hash. ' +
      'For the whole log it also checks every signed tree head: its signature with the current key, and its Merkle root ' +
      'recomputed from the ledger events as stored, naming the first leaf that differs from what the tree recorded ' +
      '(`treeHeads`). `ok` is true only when both hold.',
  })
  @ApiQuery({
    name: 'streamId',
    required: false,
    description: 'verify only this stream, e.g. project-sm-graphite-anode or partner-pair-shanghai-sanming',
  })
  @ApiOkResponse({ type: ChainVerificationDto, description: 'the verification; ok is false when a chain is broken' })
  @ApiErrorStatus(400, ['invalid-request'], {
    description: 'streamId is not a ledger stream id (or a bad header).',
    message: 'streamId must be a ledger stream id: partner-pair-<id> or project-<id>',
    exampleName: 'invalid-stream-id',
  })
  @ApiErrors('invalid-header')
  @ApiErrorStatus(404, ['stream-not-found'], { description: 'The stream holds no events.' })
  @ApiErrorStatus(503, ['audit-busy'], {
    description: 'VERIFY_MAX_CONCURRENT verifications are already running; retry after the `Retry-After` seconds.',
  })
  @ApiCorrelationIdHeader()
  async verify(@Res({ passthrough: true }) reply: FastifyReply, @Query('streamId') streamId?: unknown): Promise<LedgerVerification> {
    const stream = streamIdParam(streamId);
    // The stored form, not the upcast view: the hashes cover what was stored. Page by page, yielding between pages.
    const result = await this.reads.run('verify', reply, () => verifyLedger(this.events.stored, this.transparency, { streamId: stream }));
    if (stream !== undefined && result.events === 0) {
      throw new NotFoundException({ code: 'stream-not-found', message: `stream ${stream} holds no events` });
    }
    return result;
  }
}
