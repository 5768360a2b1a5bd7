import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { RecordedEvent } from '#event-store';
import type { ProjectView } from '#projections';
import { LedgerRuntime } from '../infrastructure/ledger-runtime.js';

export class GetProjectQuery extends Query<ProjectView | null> {
  constructor(readonly projectId: string) {
    super();
  }
}

/** Read from the event store itself, not a read model: auditors see exactly what was recorded. */
export class GetProjectHistoryQuery extends Query<RecordedEvent[] | null> {
  constructor(readonly projectId: string) {
    super();
  }
}

@QueryHandler(GetProjectQuery)
export class GetProjectHandler implements IQueryHandler<GetProjectQuery> {
  constructor(private readonly runtime: LedgerRuntime) {}
  async execute(query: GetProjectQuery): Promise<ProjectView | null> {
    return this.runtime.queries.project(query.projectId);
  }
}

@QueryHandler(GetProjectHistoryQuery)
export class GetProjectHistoryHandler implements IQueryHandler<GetProjectHistoryQuery> {
  constructor(private readonly runtime: LedgerRuntime) {}
  execute(query: GetProjectHistoryQuery): Promise<RecordedEvent[] | null> {
    return this.runtime.ledger.projectHistory(query.projectId);
  }
}

export const PROJECT_QUERY_HANDLERS = [GetProjectHandler, GetProjectHistoryHandler];
