import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { NotFound } from '../../../../libs/domain/src/index.js';
import { Access } from '../http/access.js';
import { ApiLedgerIdParam, ApiReadErrors } from '../http/openapi.js';
import { LedgerIdPipe } from '../http/params.js';
import { ReadConsistency } from '../http/read-consistency.js';
import { GetProjectHistoryQuery, GetProjectQuery } from './project.queries.js';
import { ProjectHistoryDto, ProjectViewDto } from './project.views.js';

function notSigned(projectId: string): NotFound {
  return new NotFound('project-not-found', `project ${projectId} has not been signed`);
}

@ApiTags('projects')
@Access('any')
@Controller('projects')
export class ProjectsHttpController {
  constructor(
    private readonly queryBus: QueryBus,
    private readonly consistency: ReadConsistency,
  ) {}

  /** The project as the read models stand; its ETag is the revision to send back in If-Match. */
  @Get(':projectId')
  @ApiOperation({ summary: 'A project', description: 'As the read models stand. The `ETag` is the revision to send back in `If-Match`.' })
  @ApiOkResponse({
    type: ProjectViewDto,
    description: 'The project.',
    headers: { ETag: { description: 'the project\'s revision, quoted: send it back in If-Match', schema: { type: 'string', example: '"2"' } } },
  })
  @ApiLedgerIdParam('projectId', 'the project', 'sm-graphite-anode')
  @ApiReadErrors('project-not-found')
  async get(
    @Param('projectId', LedgerIdPipe) projectId: string,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Query('minPosition') minPosition?: string,
  ) {
    await this.consistency.await(minPosition);
    const project = await this.queryBus.execute(new GetProjectQuery(projectId));
    if (!project) throw notSigned(projectId);
    void reply.header('etag', `"${project.revision}"`);
    return project;
  }

  @Access('auditor')
  @Get(':projectId/history')
  @ApiOperation({
    summary: "A project's history",
    description: 'Every event of the project, with who recorded it and when, read from the event store itself; older schema versions upcast to the current one (`storedSchemaVersion` says which was stored).',
  })
  @ApiOkResponse({ type: ProjectHistoryDto, description: 'Every event, in order.' })
  @ApiLedgerIdParam('projectId', 'the project', 'sm-graphite-anode')
  @ApiReadErrors('project-not-found', 'unknown-schema-version')
  async history(@Param('projectId', LedgerIdPipe) projectId: string, @Query('minPosition') minPosition?: string) {
    await this.consistency.await(minPosition);
    const events = await this.queryBus.execute(new GetProjectHistoryQuery(projectId));
    if (!events) throw notSigned(projectId);
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
