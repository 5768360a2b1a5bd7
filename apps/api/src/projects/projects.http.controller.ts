import { BadRequestException, Controller, Get, Param, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { NotFound, projectStreamId } from '#domain';
import { UpcastingEventStore } from '#event-store';
import { AsOfQueries, LedgerQueries } from '#projections';
import { Access } from '../http/access.js';
import { AuditReads } from '../http/audit-reads.js';
import { ApiLedgerIdParam, ApiReadErrors } from '../http/openapi.js';
import { LedgerIdPipe, optionalPosition } from '../http/params.js';
import { ReadConsistency } from '../http/read-consistency.js';
import { ApiTimeSlice, requestedSlice } from '../as-of/time-slice.js';
import { ProjectHistoryDto, ProjectViewDto } from './project.response.dto.js';

/** A history page's default size, and the largest a client may ask for. */
export const HISTORY_PAGE_SIZE = 1000;
export const HISTORY_MAX_PAGE_SIZE = 10_000;

function notSigned(projectId: string): NotFound {
  return new NotFound('project-not-found', `project ${projectId} has not been signed`);
}

function notSignedThen(projectId: string, { asOf, knownAt }: { asOf: string | null; knownAt: string | null }): NotFound {
  const when = [asOf ? `on ${asOf}` : null, knownAt ? `as recorded by ${knownAt}` : null].filter(Boolean).join(', ');
  return new NotFound('project-not-found', `project ${projectId} had not been signed ${when}`);
}

@ApiTags('projects')
@Access('any')
@Controller('projects')
export class ProjectsHttpController {
  constructor(
    private readonly queries: LedgerQueries,
    private readonly asOf: AsOfQueries,
    /** The events as stored, upcast: history is read from the store itself, not a read model. */
    private readonly events: UpcastingEventStore,
    private readonly consistency: ReadConsistency,
    private readonly reads: AuditReads,
  ) {}

  /**
   * The project as the read models stand; its ETag is the revision to send
   * back in If-Match. With ?asOf and/or ?knownAt, the project recomputed from
   * its events for that point in time (no ETag: it is not the current state).
   */
  @Get(':projectId')
  @ApiOperation({
    summary: 'A project',
    description:
      'As the read models stand. The `ETag` is the revision to send back in `If-Match`. ' +
      'With `asOf` and/or `knownAt`: the project as it stood then, recomputed from its events ' +
      '(no `ETag`; 404 if it was not signed by then).',
  })
  @ApiTimeSlice()
  @ApiOkResponse({
    type: ProjectViewDto,
    description: 'The project.',
    headers: {
      ETag: { description: "the project's revision, quoted: send it back in If-Match", schema: { type: 'string', example: '"2"' } },
    },
  })
  @ApiLedgerIdParam('projectId', 'the project', 'sm-graphite-anode')
  @ApiReadErrors('project-not-found', 'audit-busy')
  async get(
    @Param('projectId', LedgerIdPipe) projectId: string,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Query('minPosition') minPosition?: string,
    @Query('asOf') asOf?: string,
    @Query('knownAt') knownAt?: string,
  ) {
    const requested = requestedSlice(asOf, knownAt);
    await this.consistency.await(minPosition);
    if (requested) {
      const then = await this.reads.run('as-of', reply, () => this.asOf.project(projectId, requested.slice));
      if (!then) throw notSignedThen(projectId, requested.echo);
      return { ...then, ...requested.echo };
    }
    const project = this.queries.project(projectId);
    if (!project) throw notSigned(projectId);
    void reply.header('etag', `"${project.revision}"`);
    return project;
  }

  @Access('auditor')
  @Get(':projectId/history')
  @ApiOperation({
    summary: "A project's history, a page at a time",
    description:
      'The events of the project after `afterRevision` (default: from the first), at most `limit` of them ' +
      `(default ${HISTORY_PAGE_SIZE}, at most ${HISTORY_MAX_PAGE_SIZE}), with who recorded them and when, read from the event ` +
      'store itself; older schema versions upcast to the current one (`storedSchemaVersion` says which was stored). ' +
      'When more follow, `nextAfterRevision` and a `Link: <…>; rel="next"` header give the next page.',
  })
  @ApiQuery({
    name: 'afterRevision',
    required: false,
    description: "only revisions after this one (the previous page's nextAfterRevision)",
    schema: { type: 'integer', minimum: 0, example: 999 },
  })
  @ApiQuery({
    name: 'limit',
    required: false,
    description: `events per page, 1 to ${HISTORY_MAX_PAGE_SIZE} (default ${HISTORY_PAGE_SIZE})`,
    schema: { type: 'integer', minimum: 1, maximum: HISTORY_MAX_PAGE_SIZE, example: HISTORY_PAGE_SIZE },
  })
  @ApiOkResponse({
    type: ProjectHistoryDto,
    description: 'One page of events, in order.',
    headers: { Link: { description: 'the next page, `<url>; rel="next"`, when there is one', schema: { type: 'string' } } },
  })
  @ApiLedgerIdParam('projectId', 'the project', 'sm-graphite-anode')
  @ApiReadErrors('project-not-found', 'unknown-schema-version', 'audit-busy')
  async history(
    @Param('projectId', LedgerIdPipe) projectId: string,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Query('minPosition') minPosition?: string,
    @Query('afterRevision') afterRevision?: string,
    @Query('limit') limit?: string,
  ) {
    const after = optionalPosition(afterRevision, 'afterRevision');
    const pageSize = optionalPageSize(limit);
    await this.consistency.await(minPosition);
    const streamId = projectStreamId(projectId);
    // One more than the page: whether another page follows.
    const read = await this.reads.run('history', reply, () =>
      this.events.readStream(streamId, { fromRevision: (after ?? -1) + 1, maxCount: pageSize + 1 }),
    );
    if (read.length === 0 && (after === undefined || (await this.events.stored.readStream(streamId, { maxCount: 1 })).length === 0)) {
      throw notSigned(projectId);
    }
    const events = read.slice(0, pageSize);
    const nextAfterRevision = read.length > pageSize ? events[events.length - 1].revision : null;
    if (nextAfterRevision !== null) {
      const next = `/projects/${projectId}/history?afterRevision=${nextAfterRevision}&limit=${pageSize}`;
      void reply.header('link', `<${next}>; rel="next"`);
    }
    return {
      projectId,
      events: events.map((event) => ({
        eventId: event.id,
        type: event.type,
        schemaVersion: event.schemaVersion,
        storedSchemaVersion: event.storedSchemaVersion ?? event.schemaVersion,
        revision: event.revision,
        position: event.position,
        recordedAt: event.metadata.recordedAt,
        data: event.data,
        metadata: event.metadata,
      })),
      nextAfterRevision,
    };
  }
}

function optionalPageSize(value: unknown): number {
  const size = optionalPosition(value, 'limit') ?? HISTORY_PAGE_SIZE;
  if (size >= 1 && size <= HISTORY_MAX_PAGE_SIZE) return size;
  throw new BadRequestException({
    code: 'invalid-request',
    message: `limit must be from 1 to ${HISTORY_MAX_PAGE_SIZE}`,
    fields: [{ field: 'limit', problems: [`must be from 1 to ${HISTORY_MAX_PAGE_SIZE}`] }],
  });
}
