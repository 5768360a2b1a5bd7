import { partnerPairStreamId, projectStreamId } from '#domain';
import type { RecordedEvent } from '#event-store';
import { businessDateOfRecorded, dataOf, text } from './event-fields.js';

/** Which events an export holds. Every filter narrows; none given: the whole history. */
export interface EventExportScope {
  /**
   * The events of these pairs: each pair's own stream (its registration) and
   * the events of every project signed under it. Null or absent: every pair.
   */
  readonly pairIds?: readonly string[] | null;
  /**
   * With `pairIds`: a pair registered during the export whose parent is in
   * scope joins the scope (so the caller passes the descendants it knows, and
   * sub-pairs registered meanwhile are not missed).
   */
  readonly followSubPairs?: boolean;
  /** Only this project's events. */
  readonly projectId?: string | null;
  /** Business dates, YYYY-MM-DD, inclusive. An event without a business date is left out when either is given. */
  readonly from?: string | null;
  readonly to?: string | null;
  /** Only events after this global position (resume an earlier export from its last position). */
  readonly afterPosition?: number;
}

/** Decides event by event, in log order, whether an event is in scope. */
export function scopeFilter(scope: EventExportScope): (event: RecordedEvent) => boolean {
  const pairs = scope.pairIds ? new Set(scope.pairIds) : null;
  const pairStreamPrefix = partnerPairStreamId('');
  const projectStream = scope.projectId ? projectStreamId(scope.projectId) : null;
  const from = scope.from ?? null;
  const to = scope.to ?? null;
  return (event) => {
    if (projectStream !== null && event.streamId !== projectStream) return false;
    if (pairs !== null) {
      const data = dataOf(event);
      const pairId = event.streamId.startsWith(pairStreamPrefix) ? event.streamId.slice(pairStreamPrefix.length) : text(data.pairId);
      // Before the date filter: a sub-pair registered outside the dates still brings its projects into scope.
      if (scope.followSubPairs && event.type === 'PartnerPairRegistered' && pairId !== null && pairs.has(text(data.parentPairId) ?? ''))
        pairs.add(pairId);
      if (pairId === null || !pairs.has(pairId)) return false;
    }
    if (from !== null || to !== null) {
      const date = businessDateOfRecorded(event);
      if (date === null || (from !== null && date < from) || (to !== null && date > to)) return false;
    }
    return true;
  };
}
