import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { type ChainVerification, verifyHashChains } from '#event-store';
import { LedgerRuntime } from '../../infrastructure/ledger-runtime.js';

/** Recomputes the hash chains of every stream, or of one, from the events as stored. */
export class VerifyChainsQuery extends Query<ChainVerification> {
  constructor(readonly streamId?: string) {
    super();
  }
}

@QueryHandler(VerifyChainsQuery)
export class VerifyChainsHandler implements IQueryHandler<VerifyChainsQuery> {
  constructor(private readonly runtime: LedgerRuntime) {}

  execute(query: VerifyChainsQuery): Promise<ChainVerification> {
    // The stored form, not the upcast view: the hashes cover what was stored.
    return verifyHashChains(this.runtime.store.stored, { streamId: query.streamId });
  }
}
