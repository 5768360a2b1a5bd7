import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { BreakdownRow, Dimension, PairSummary, PairView, ProjectView, Scope } from '#projections';
import { LedgerRuntime } from '../infrastructure/ledger-runtime.js';

export class ListPairsQuery extends Query<PairView[]> {}

export class GetPairSummaryQuery extends Query<PairSummary | null> {
  constructor(readonly pairId: string) {
    super();
  }
}

export class GetPairBreakdownQuery extends Query<BreakdownRow[] | null> {
  constructor(
    readonly pairId: string,
    readonly by: Exclude<Dimension, 'all'>,
    readonly scope: Scope,
  ) {
    super();
  }
}

export class GetPairProjectsQuery extends Query<ProjectView[] | null> {
  constructor(readonly pairId: string) {
    super();
  }
}

@QueryHandler(ListPairsQuery)
export class ListPairsHandler implements IQueryHandler<ListPairsQuery> {
  constructor(private readonly runtime: LedgerRuntime) {}
  async execute(): Promise<PairView[]> {
    return this.runtime.queries.listPairs();
  }
}

@QueryHandler(GetPairSummaryQuery)
export class GetPairSummaryHandler implements IQueryHandler<GetPairSummaryQuery> {
  constructor(private readonly runtime: LedgerRuntime) {}
  async execute(query: GetPairSummaryQuery): Promise<PairSummary | null> {
    return this.runtime.queries.pairSummary(query.pairId);
  }
}

@QueryHandler(GetPairBreakdownQuery)
export class GetPairBreakdownHandler implements IQueryHandler<GetPairBreakdownQuery> {
  constructor(private readonly runtime: LedgerRuntime) {}
  async execute(query: GetPairBreakdownQuery): Promise<BreakdownRow[] | null> {
    return this.runtime.queries.breakdown(query.pairId, query.by, query.scope);
  }
}

@QueryHandler(GetPairProjectsQuery)
export class GetPairProjectsHandler implements IQueryHandler<GetPairProjectsQuery> {
  constructor(private readonly runtime: LedgerRuntime) {}
  async execute(query: GetPairProjectsQuery): Promise<ProjectView[] | null> {
    return this.runtime.queries.pairProjects(query.pairId);
  }
}

export const PARTNER_PAIR_QUERY_HANDLERS = [ListPairsHandler, GetPairSummaryHandler, GetPairBreakdownHandler, GetPairProjectsHandler];
