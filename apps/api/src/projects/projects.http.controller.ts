import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import type { FastifyReply } from 'fastify';
import { NotFound } from '../../../../libs/domain/src/index.js';
import { LedgerIdPipe } from '../http/params.js';
import { ReadConsistency } from '../http/read-consistency.js';
import { GetProjectHistoryQuery, GetProjectQuery } from './project.queries.js';
import { Access } from '../http/access.js';
import { GetProjectAsOfQuery } from '../as-of/as-of.queries.js';
import { ApiTimeSlice, requestedSlice } from '../as-of/time-slice.js';

function notSigned(projectId: string): NotFound {
  return new NotFound('project-not-found', `project ${projectId} has not been signed`);
}

function notSignedThen(projectId: string, { asOf, knownAt }: { asOf: string | null; knownAt: string | null }): NotFound {
  const when = [asOf ? `on ${asOf}` : null, knownAt ? `as recorded by ${knownAt}` : null].filter(Boolean).join(', ');
  return new NotFound('project-not-found', `project ${projectId} had not been signed ${when}`);
}

@Access('any')
@Controller('projects')
export class ProjectsHttpController {
  constructor(
    private readonly queryBus: QueryBus,
    private readonly consistency: ReadConsistency,
  ) {}

  /**
   * The project as the read models stand; its ETag is the revision to send
   * back in If-Match. With ?asOf and/or ?knownAt, the project recomputed from
   * its events for that point in time (no ETag: it is not the current state).
   */
  @Get(':projectId')
  @ApiTimeSlice()
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
      const then = await this.queryBus.execute(new GetProjectAsOfQuery(projectId, requested.slice));
      if (!then) throw notSignedThen(projectId, requested.echo);
      return { ...then, ...requested.echo };
    }
    const project = await this.queryBus.execute(new GetProjectQuery(projectId));
    if (!project) throw notSigned(projectId);
    void reply.header('etag', `"${project.revision}"`);
    return project;
  }

  @Access('auditor')
  @Get(':projectId/history')
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
        revision: event.revision,
        position: event.position,
        recordedAt: event.metadata.recordedAt,
        data: event.data,
        metadata: event.metadata,
      })),
    };
  }
}
