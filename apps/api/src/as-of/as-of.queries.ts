import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { PairSummary, ProjectView, TimeSlice } from '#projections';
import { LedgerRuntime } from '../infrastructure/ledger-runtime.js';

/** A pair summary recomputed from the events for a point in business and recording time. */
export class GetPairSummaryAsOfQuery extends Query<PairSummary | null> {
  constructor(
    readonly pairId: string,
    readonly slice: TimeSlice,
  ) {
    super();
  }
}

/** A project recomputed from its events for a point in business and recording time. */
export class GetProjectAsOfQuery extends Query<ProjectView | null> {
  constructor(
    readonly projectId: string,
    readonly slice: TimeSlice,
  ) {
    super();
  }
}

@QueryHandler(GetPairSummaryAsOfQuery)
export class GetPairSummaryAsOfHandler implements IQueryHandler<GetPairSummaryAsOfQuery> {
  constructor(private readonly runtime: LedgerRuntime) {}
  execute(query: GetPairSummaryAsOfQuery): Promise<PairSummary | null> {
    return this.runtime.asOf.pairSummary(query.pairId, query.slice);
  }
}

@QueryHandler(GetProjectAsOfQuery)
export class GetProjectAsOfHandler implements IQueryHandler<GetProjectAsOfQuery> {
  constructor(private readonly runtime: LedgerRuntime) {}
  execute(query: GetProjectAsOfQuery): Promise<ProjectView | null> {
    return this.runtime.asOf.project(query.projectId, query.slice);
  }
}

export const AS_OF_QUERY_HANDLERS = [GetPairSummaryAsOfHandler, GetProjectAsOfHandler];
