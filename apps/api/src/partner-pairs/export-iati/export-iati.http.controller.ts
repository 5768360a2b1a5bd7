import { PassThrough } from 'node:stream';
import { Controller, Get, Head, Inject, Logger, Param, Query, Res } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { NotFound, projectStreamId } from '#domain';
import { type IatiProject, writeIatiActivities } from '#exports';
import { UpcastingEventStore, yieldToEventLoop } from '#event-store';
import { LedgerQueries, type PairView } from '#projections';
import { Access } from '../../http/access.js';
import { AuditReads } from '../../http/audit-reads.js';
import { ApiLedgerIdParam, ApiReadErrors } from '../../http/openapi.js';
import { LedgerIdPipe, optionalChoice } from '../../http/params.js';
import { ReadConsistency } from '../../http/read-consistency.js';
import type { LedgerConfig } from '../../config.js';
import { LEDGER_CONFIG } from '../../config.module.js';

/**
 * A pair's projects as IATI activity XML (version 2.03, valid against the
 * official schema vendored in vendor/iati-2.03). Which projects: the read
 * models list them (so `minPosition` applies); what each activity says: the
 * project's own events, read from the event store.
 */
@ApiTags('audit')
@Access('auditor')
@Controller('partner-pairs')
export class ExportIatiHttpController {
  private readonly logger = new Logger('IatiExport');

  constructor(
    private readonly queries: LedgerQueries,
    private readonly events: UpcastingEventStore,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
    private readonly consistency: ReadConsistency,
    private readonly reads: AuditReads,
  ) {}

  /** The export's headers without the export: the pair and its projects are checked as for GET, no event is read. */
  @Head(':pairId/iati')
  // Documented with the GET (OpenAPI lists HEAD beside GET implicitly): same checks, same headers, no body.
  @ApiExcludeEndpoint()
  async exportHead(
    @Param('pairId', LedgerIdPipe) pairId: string,
    @Res() reply: FastifyReply,
    @Query('includeSubPairs') includeSubPairs?: string,
    @Query('minPosition') minPosition?: string,
  ): Promise<void> {
    const { headers } = await this.prepare(pairId, includeSubPairs, minPosition);
    void reply.headers(headers).send();
  }

  @Get(':pairId/iati')
  @ApiOperation({
    summary: "A pair's projects as IATI 2.03 activity XML",
    description:
      'One iati-activity per project of the pair (and of every descendant sub-pair with includeSubPairs=true). ' +
      "iati-identifier: the reporting organisation's ref (IATI_REPORTING_ORG_REF) and the project id; " +
      'participating-org role 1 (funding): the donor; role 4 (implementing): the investor when named, else the recipient; ' +
      'activity-status 2 (active), 3 (completed: Finalisation) or 5 (cancelled); ' +
      'activity-date 2 = signedOn, 4 = completion or cancellation; ' +
      "transactions: type 2 commitment for the signed pledge and each revision's difference (negative when revised down), " +
      'type 3 disbursement per tranche ' +
      '(at its corrected amount when corrected), each with its date, exact decimal value, currency and value-date.',
  })
  @ApiLedgerIdParam('pairId', 'the pair', 'shanghai-sanming')
  @ApiQuery({
    name: 'includeSubPairs',
    required: false,
    enum: ['true', 'false'],
    description: 'also the projects of every descendant sub-pair (default false)',
  })
  @ApiOkResponse({
    description:
      'An iati-activities document, version 2.03, streamed. `Content-Disposition` names the file. ' +
      '`HEAD` answers the headers without reading any event; at most IATI_MAX_CONCURRENT run at once (503 `audit-busy` beyond).',
    content: { 'application/xml': { schema: { type: 'string', description: 'IATI 2.03 iati-activities XML' } } },
  })
  @ApiReadErrors('pair-not-found', 'pair-has-no-projects', 'audit-busy')
  async export(
    @Param('pairId', LedgerIdPipe) pairId: string,
    @Res() reply: FastifyReply,
    @Query('includeSubPairs') includeSubPairs?: string,
    @Query('minPosition') minPosition?: string,
  ): Promise<void> {
    // Bad parameters and unknown pairs are a 4xx whatever the load; then a slot, or 503.
    const { projects, headers } = await this.prepare(pairId, includeSubPairs, minPosition);
    const release = this.reads.enter('iati', reply);
    const body = new PassThrough();
    void reply.headers(headers).send(body);
    const store = this.events;
    async function* activities(): AsyncGenerator<IatiProject> {
      for (const { pair, projectId } of projects) {
        const events = await store.readStream(projectStreamId(projectId));
        if (events.length > 0) yield { pair, events };
        // One project at a time, the event loop running between them.
        await yieldToEventLoop();
      }
    }
    writeIatiActivities(body, activities(), this.config.iatiReportingOrg)
      .catch((error: Error) => {
        this.logger.error(`IATI export of ${pairId} failed: ${error.message}`, error.stack);
        body.destroy(error);
      })
      .finally(release);
  }

  /** Checks the request (4xx before anything else) and finds the projects; answers them and the export's headers. */
  private async prepare(
    pairId: string,
    includeSubPairs?: string,
    minPosition?: string,
  ): Promise<{ projects: { pair: PairView; projectId: string }[]; headers: Record<string, string> }> {
    const withSubPairs = optionalChoice(includeSubPairs, 'includeSubPairs', ['true', 'false'] as const, 'false') === 'true';
    await this.consistency.await(minPosition);
    const queries = this.queries;
    const root = queries.pair(pairId);
    if (root === null) throw new NotFound('pair-not-found', `partner pair ${pairId} is not registered`);
    const pairs: PairView[] = [root];
    if (withSubPairs) {
      const byId = new Map(queries.listPairs().map((pair) => [pair.pairId, pair]));
      for (let i = 0; i < pairs.length; i++) pairs.push(...pairs[i].subPairIds.flatMap((id) => byId.get(id) ?? []));
    }
    const projects = pairs.flatMap((pair) =>
      (queries.pairProjects(pair.pairId) ?? []).map((project) => ({ pair, projectId: project.projectId })),
    );
    if (projects.length === 0) {
      throw new NotFound(
        'pair-has-no-projects',
        `partner pair ${pairId} has no signed projects${withSubPairs ? ', nor have its sub-pairs' : ''}: ` +
          'an IATI file needs at least one activity',
      );
    }

    const headers = {
      'content-type': 'application/xml; charset=utf-8',
      'content-disposition': `attachment; filename="iati-activities-${pairId}${withSubPairs ? '-with-sub-pairs' : ''}.xml"`,
      'cache-control': 'no-store',
    };
    return { projects, headers };
  }
}
