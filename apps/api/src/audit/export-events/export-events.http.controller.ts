import { PassThrough } from 'node:stream';
import { Controller, Get, Head, Headers, Logger, Query, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiHeader, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { UpcastingEventStore } from '#event-store';
import { CSV_COLUMNS, exportEvents } from '#exports';
import { LedgerQueries } from '#projections';
import { Access } from '../../http/access.js';
import { LedgerTransparency } from '../../infrastructure/transparency.module.js';
import { AuditReads } from '../../http/audit-reads.js';
import { ApiCorrelationIdHeader, ApiErrorStatus, ApiErrors, DATE_PATTERN } from '../../http/openapi.js';
import {
  EXPORT_FORMATS,
  exportFileName,
  exportOptionsOf,
  parseExportEventsQuery,
  resolveExportScope,
  subPairsByPair,
} from './export-events.request.js';

const CONTENT_TYPES = { jsonl: 'application/x-ndjson; charset=utf-8', csv: 'text/csv; charset=utf-8; header=present' } as const;

/**
 * The ledger's history as a file: JSON Lines or CSV, streamed from the event
 * store a page at a time (never the whole history in memory), every event
 * exactly as stored: with the schema version it was written with and the
 * metadata its hash chain covers, so the file can be checked against the
 * chain (history and Kafka show events upcast to the current version). The
 * export is a snapshot: it ends at the head the store had when it started
 * (`X-Ledger-Until-Position`), which a later export can pass as
 * `afterPosition` to fetch only what came since.
 */
@ApiTags('audit')
@Access('auditor')
@Controller('audit')
export class ExportEventsHttpController {
  private readonly logger = new Logger('Export');

  constructor(
    private readonly events: UpcastingEventStore,
    private readonly queries: LedgerQueries,
    private readonly reads: AuditReads,
    private readonly transparency: LedgerTransparency,
  ) {}

  /**
   * The export's headers without the export: the query is checked and the scope resolved (404 for an unknown
   * pair or project) as for GET, and the head position read, but no event of the export is read.
   */
  @Head('events')
  // Documented with the GET (OpenAPI lists HEAD beside GET implicitly): same checks, same headers, no body.
  @ApiExcludeEndpoint()
  async exportHead(
    @Query() query: Record<string, unknown>,
    @Headers('accept') accept: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const { headers } = await this.prepare(query, accept);
    void reply.headers(headers).send();
  }

  /** Checks the query and resolves the scope (4xx before anything else); answers what the export needs and its headers. */
  private async prepare(query: Record<string, unknown>, accept: string | undefined) {
    const request = parseExportEventsQuery(query, accept);
    // The events as stored: auditors get what was recorded, each with the schema version it was stored with.
    const store = this.events.stored;
    const pairIds = await resolveExportScope(store, request, () => subPairsByPair(this.queries));
    const until = await store.headPosition();
    const headers = {
      'content-type': CONTENT_TYPES[request.format],
      'content-disposition': `attachment; filename="${exportFileName(request)}"`,
      'cache-control': 'no-store',
      'x-ledger-until-position': String(until),
    };
    return { request, store, pairIds, until, headers };
  }

  @Get('events')
  @ApiOperation({
    summary: 'Export the history as JSON Lines or CSV',
    description:
      'Streams every event (or those of a pair, a project, a range of business dates) in log order, exactly as stored: ' +
      'with the schema version it was written with and the metadata its hash covers ' +
      '(history and Kafka upcast old versions; this export does not). JSON Lines: one ' +
      '`{eventId, type, schemaVersion, streamId, revision, position, recordedAt, businessDate, data, metadata}` per line. ' +
      `CSV (RFC 4180, CRLF, a header row): ${CSV_COLUMNS.join(', ')}; ` +
      "amounts are the events' exact decimal strings, `data` the event's data as JSON, " +
      "and a text cell starting with = + - @, tab or CR (or with 's before one) is prefixed with ' " +
      'so spreadsheets never run it as a formula. ' +
      'Business date per event: establishedOn (PartnerPairRegistered), signedOn, revisedOn, ' +
      'disbursedOn (FundsDisbursed, and DisbursementCorrected: ' +
      "the corrected tranche's date), reportedOn (JobsRecorded, JobsReportCorrected), reachedOn, cancelledOn. " +
      'The export ends at the head the store had when it started (header `X-Ledger-Until-Position`). ' +
      'With treeHead=true (the whole ledger, JSON Lines) its last line is `{"treeHead": {…}}`, the signed tree head of ' +
      'exactly the ledger events it holds, for `npm run cli -- verify-export`. ' +
      'Bad parameters are refused before anything is streamed. `HEAD` answers the same headers (and refusals) without ' +
      'running the export. At most EXPORT_MAX_CONCURRENT exports run at once: one more is a 503 `audit-busy` with `Retry-After`.',
  })
  @ApiQuery({
    name: 'format',
    required: false,
    enum: EXPORT_FORMATS,
    description: '`jsonl` (default) or `csv`; without it, `Accept: text/csv` chooses CSV',
  })
  @ApiQuery({
    name: 'pairId',
    required: false,
    description: "Only this pair's events: its registration and its own projects' events (not its sub-pairs', unless includeSubPairs=true)",
    schema: { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]{0,127}$', example: 'shanghai-sanming' },
  })
  @ApiQuery({
    name: 'includeSubPairs',
    required: false,
    enum: ['true', 'false'],
    description: 'With pairId: also every descendant sub-pair and its projects (default false)',
  })
  @ApiQuery({
    name: 'projectId',
    required: false,
    description: "Only this project's events (not together with pairId)",
    schema: { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]{0,127}$', example: 'sm-graphite-anode' },
  })
  @ApiQuery({
    name: 'from',
    required: false,
    description: 'Business dates from this day, inclusive; events without a business date are left out',
    schema: { type: 'string', format: 'date', pattern: DATE_PATTERN, example: '2024-01-01' },
  })
  @ApiQuery({
    name: 'to',
    required: false,
    description: 'Business dates up to this day, inclusive',
    schema: { type: 'string', format: 'date', pattern: DATE_PATTERN, example: '2024-12-31' },
  })
  @ApiQuery({
    name: 'afterPosition',
    required: false,
    description: 'Only events after this global position (the `X-Ledger-Until-Position` of an earlier export)',
    schema: { type: 'integer', minimum: 0, example: 0 },
  })
  @ApiHeader({
    name: 'Accept',
    required: false,
    description: '`text/csv` chooses CSV when `format` is not given',
    schema: { type: 'string', example: 'text/csv' },
  })
  @ApiOkResponse({
    description:
      'The events, streamed (chunked). `Content-Disposition` names the file; ' +
      '`X-Ledger-Until-Position` is the last position the export covers.',
    headers: {
      'Content-Disposition': { description: 'attachment; filename="ledger-events….jsonl|csv"', schema: { type: 'string' } },
      'X-Ledger-Until-Position': {
        description: 'the export holds every matching event up to this global position',
        schema: { type: 'integer' },
      },
    },
    content: {
      'application/x-ndjson': { schema: { type: 'string', description: 'one JSON object per line' } },
      'text/csv': { schema: { type: 'string', description: `header row: ${CSV_COLUMNS.join(',')}` } },
    },
  })
  @ApiErrors('invalid-request', 'invalid-header', 'pair-not-found', 'project-not-found', 'tree-behind')
  @ApiErrorStatus(503, ['audit-busy'], {
    description: 'EXPORT_MAX_CONCURRENT exports are already running; retry after the `Retry-After` seconds.',
  })
  @ApiCorrelationIdHeader()
  async export(
    @Query() query: Record<string, unknown>,
    @Headers('accept') accept: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    // Bad parameters are a 4xx whatever the load; then a slot, or 503.
    const { request, store, pairIds, until, headers } = await this.prepare(query, accept);
    const release = this.reads.enter('export', reply);
    // The head is signed before anything is streamed, so a tree that lags answers 503 rather than a file without it.
    let treeHead: Awaited<ReturnType<LedgerTransparency['headNow']>> = null;
    try {
      treeHead = request.treeHead ? await this.transparency.headNow(5000, until) : null;
    } catch (error) {
      release();
      throw error;
    }
    if (request.treeHead && !treeHead) {
      release();
      throw new ServiceUnavailableException({
        code: 'tree-behind',
        message: `the Merkle tree has reached position ${this.transparency.follower.position}, not yet ${until}; retry shortly`,
      });
    }
    const body = new PassThrough();
    void reply.headers(headers).send(body);
    // Fastify pipes `body` to the client with backpressure, and destroys it if the client goes away: the export then stops.
    // The export yields to the event loop between pages; its slot is released when it ends, however it ends.
    exportEvents(store, body, { ...exportOptionsOf(request, pairIds, until), end: treeHead === null })
      .finally(release)
      .then(
        (result) => {
          // Only a complete export gets the head (a stopped one was destroyed with its client).
          if (treeHead && result.completed) body.end(JSON.stringify({ treeHead }) + '\n');
          if (!result.completed)
            this.logger.warn(`export stopped early (the client went away) after ${result.events} events, ${result.pages} pages`);
        },
        (error: Error) => {
          // The status is sent: cut the response short, so the client sees an incomplete transfer rather than a complete-looking file.
          this.logger.error(`export failed: ${error.message}`, error.stack);
          body.destroy(error);
        },
      );
  }
}
