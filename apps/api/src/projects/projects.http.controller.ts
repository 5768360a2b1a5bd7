import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { NotFound, projectStreamId } from '#domain';
import { UpcastingEventStore } from '#event-store';
import { AsOfQueries, LedgerQueries } from '#projections';
import { Access } from '../http/access.js';
import { ApiLedgerIdParam, ApiReadErrors } from '../http/openapi.js';
import { LedgerIdPipe } from '../http/params.js';
import { ReadConsistency } from '../http/read-consistency.js';
import { ApiTimeSlice, requestedSlice } from '../as-of/time-slice.js';
import { ProjectHistoryDto, ProjectViewDto } from './project.response.dto.js';

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
  @ApiReadErrors('project-not-found')
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
      const then = await this.asOf.project(projectId, requested.slice);
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
    summary: "A project's history",
    description:
      'Every event of the project, with who recorded it and when, read from the event store itself; ' +
      'older schema versions upcast to the current one (`storedSchemaVersion` says which was stored).',
  })
  @ApiOkResponse({ type: ProjectHistoryDto, description: 'Every event, in order.' })
  @ApiLedgerIdParam('projectId', 'the project', 'sm-graphite-anode')
  @ApiReadErrors('project-not-found', 'unknown-schema-version')
  async history(@Param('projectId', LedgerIdPipe) projectId: string, @Query('minPosition') minPosition?: string) {
    await this.consistency.await(minPosition);
    const events = await this.events.readStream(projectStreamId(projectId));
    if (events.length === 0) throw notSigned(projectId);
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
    };
  }
}
