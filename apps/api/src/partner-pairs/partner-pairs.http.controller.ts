import { Controller, Get, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { NotFound } from '../../../../libs/domain/src/index.js';
import { LedgerIdPipe, optionalChoice } from '../http/params.js';
import { ReadConsistency } from '../http/read-consistency.js';
import { GetPairBreakdownQuery, GetPairProjectsQuery, GetPairSummaryQuery, ListPairsQuery } from './partner-pair.queries.js';
import { Access } from '../http/access.js';
import { GetPairSummaryAsOfQuery } from '../as-of/as-of.queries.js';
import { ApiTimeSlice, requestedSlice } from '../as-of/time-slice.js';

const BREAKDOWNS = ['year', 'sector', 'capitalKind'] as const;
const SCOPES = ['own', 'total'] as const;

function found<T>(value: T | null, pairId: string): T {
  if (value === null) throw new NotFound('pair-not-found', `partner pair ${pairId} is not registered`);
  return value;
}

/** Operators' views of pledged vs delivered capital per partner pair. */
@Access('any')
@Controller('partner-pairs')
export class PartnerPairsHttpController {
  constructor(
    private readonly queryBus: QueryBus,
    private readonly consistency: ReadConsistency,
  ) {}

  @Get()
  async list(@Query('minPosition') minPosition?: string) {
    await this.consistency.await(minPosition);
    return { pairs: await this.queryBus.execute(new ListPairsQuery()) };
  }

  /** Live from the read models; with ?asOf and/or ?knownAt, recomputed from the events for that point in time. */
  @Get(':pairId/summary')
  @ApiTimeSlice()
  async summary(
    @Param('pairId', LedgerIdPipe) pairId: string,
    @Query('minPosition') minPosition?: string,
    @Query('asOf') asOf?: string,
    @Query('knownAt') knownAt?: string,
  ) {
    const requested = requestedSlice(asOf, knownAt);
    await this.consistency.await(minPosition);
    if (!requested) return found(await this.queryBus.execute(new GetPairSummaryQuery(pairId)), pairId);
    const summary = await this.queryBus.execute(new GetPairSummaryAsOfQuery(pairId, requested.slice));
    if (summary === null) throw new NotFound('pair-not-found', `partner pair ${pairId} was not registered${requested.echo.knownAt ? ` by ${requested.echo.knownAt}` : ''}`);
    return { ...summary, ...requested.echo };
  }

  @Get(':pairId/breakdown')
  async breakdown(
    @Param('pairId', LedgerIdPipe) pairId: string,
    @Query('by') by?: string,
    @Query('scope') scope?: string,
    @Query('minPosition') minPosition?: string,
  ) {
    const dimension = optionalChoice(by, 'by', BREAKDOWNS, 'year');
    const within = optionalChoice(scope, 'scope', SCOPES, 'total');
    await this.consistency.await(minPosition);
    const rows = found(await this.queryBus.execute(new GetPairBreakdownQuery(pairId, dimension, within)), pairId);
    return { pairId, by: dimension, scope: within, rows };
  }

  @Get(':pairId/projects')
  async projects(@Param('pairId', LedgerIdPipe) pairId: string, @Query('minPosition') minPosition?: string) {
    await this.consistency.await(minPosition);
    return { pairId, projects: found(await this.queryBus.execute(new GetPairProjectsQuery(pairId)), pairId) };
  }
}
