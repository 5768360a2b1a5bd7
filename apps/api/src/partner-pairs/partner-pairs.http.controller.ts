import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { NotFound } from '#domain';
import type { FastifyReply } from 'fastify';
import { AsOfQueries, LedgerQueries } from '#projections';
import { Access } from '../http/access.js';
import { AuditReads } from '../http/audit-reads.js';
import { ApiLedgerIdParam, ApiReadErrors } from '../http/openapi.js';
import { LedgerIdPipe, optionalChoice } from '../http/params.js';
import { ReadConsistency } from '../http/read-consistency.js';
import { PairProjectsDto } from '../projects/project.response.dto.js';
import { PairBreakdownDto, PairListDto, PairSummaryDto } from './partner-pair.response.dto.js';
import { ApiTimeSlice, requestedSlice } from '../as-of/time-slice.js';

const BREAKDOWNS = ['year', 'sector', 'capitalKind'] as const;
const SCOPES = ['own', 'total'] as const;

function found<T>(value: T | null, pairId: string): T {
  if (value === null) throw new NotFound('pair-not-found', `partner pair ${pairId} is not registered`);
  return value;
}

/** Operators' views of pledged vs delivered capital per partner pair. */
@ApiTags('partner pairs')
@Access('any')
@Controller('partner-pairs')
export class PartnerPairsHttpController {
  constructor(
    private readonly queries: LedgerQueries,
    private readonly asOf: AsOfQueries,
    private readonly consistency: ReadConsistency,
    private readonly reads: AuditReads,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List partner pairs', description: 'Every registered pair, with its direct sub-pairs.' })
  @ApiOkResponse({ type: PairListDto, description: 'The pairs, in id order.' })
  @ApiReadErrors()
  async list(@Query('minPosition') minPosition?: string) {
    await this.consistency.await(minPosition);
    return { pairs: this.queries.listPairs() };
  }

  /** Live from the read models; with ?asOf and/or ?knownAt, recomputed from the events for that point in time. */
  @Get(':pairId/summary')
  @ApiOperation({
    summary: 'Pledged vs delivered for a pair',
    description:
      'The pair with its `own` figures and the `total` including every descendant sub-pair. ' +
      'Pledged counts the current pledge of projects not cancelled; delivered counts every disbursement. ' +
      "With `asOf` and/or `knownAt`: the figures as they stood then, recomputed from the events of the pair's subtree " +
      '(projects not signed by then, and sub-pairs established after asOf, are left out; ' +
      '404 for a pair established after asOf or registered after knownAt).',
  })
  @ApiOkResponse({ type: PairSummaryDto, description: 'The pair and its figures.' })
  @ApiLedgerIdParam('pairId', 'the pair', 'shanghai-sanming')
  @ApiReadErrors('pair-not-found', 'audit-busy')
  @ApiTimeSlice()
  async summary(
    @Param('pairId', LedgerIdPipe) pairId: string,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Query('minPosition') minPosition?: string,
    @Query('asOf') asOf?: string,
    @Query('knownAt') knownAt?: string,
  ) {
    const requested = requestedSlice(asOf, knownAt);
    await this.consistency.await(minPosition);
    if (!requested) return found(this.queries.pairSummary(pairId), pairId);
    const summary = await this.reads.run('as-of', reply, () => this.asOf.pairSummary(pairId, requested.slice));
    if (summary === null) {
      const { asOf: on, knownAt: by } = requested.echo;
      throw new NotFound(
        'pair-not-found',
        `partner pair ${pairId} was not registered${by ? ` by ${by}` : ''}${on ? `, or not established by ${on}` : ''}`,
      );
    }
    return { ...summary, ...requested.echo };
  }

  @Get(':pairId/breakdown')
  @ApiOperation({
    summary: 'Figures by year, sector or capital kind',
    description:
      'By year, pledges and project counts fall in the signing year, tranches in their disbursement year, jobs in their report year.',
  })
  @ApiOkResponse({ type: PairBreakdownDto, description: 'One row per key, in key order.' })
  @ApiLedgerIdParam('pairId', 'the pair', 'shanghai-sanming')
  @ApiQuery({ name: 'by', required: false, enum: BREAKDOWNS, description: 'the grouping (default `year`)' })
  @ApiQuery({
    name: 'scope',
    required: false,
    enum: SCOPES,
    description: '`total` (default) includes every sub-pair; `own` only the pair itself',
  })
  @ApiReadErrors('pair-not-found')
  async breakdown(
    @Param('pairId', LedgerIdPipe) pairId: string,
    @Query('by') by?: string,
    @Query('scope') scope?: string,
    @Query('minPosition') minPosition?: string,
  ) {
    const dimension = optionalChoice(by, 'by', BREAKDOWNS, 'year');
    const within = optionalChoice(scope, 'scope', SCOPES, 'total');
    await this.consistency.await(minPosition);
    const rows = found(this.queries.breakdown(pairId, dimension, within), pairId);
    return { pairId, by: dimension, scope: within, rows };
  }

  @Get(':pairId/projects')
  @ApiOperation({ summary: "A pair's projects", description: "The pair's own projects (not its sub-pairs'), in id order." })
  @ApiOkResponse({ type: PairProjectsDto, description: "The pair's own projects." })
  @ApiLedgerIdParam('pairId', 'the pair', 'shanghai-sanming')
  @ApiReadErrors('pair-not-found')
  async projects(@Param('pairId', LedgerIdPipe) pairId: string, @Query('minPosition') minPosition?: string) {
    await this.consistency.await(minPosition);
    return { pairId, projects: found(this.queries.pairProjects(pairId), pairId) };
  }
}
