import { BadRequestException } from '@nestjs/common';
import { ID_PATTERN, NotFound, isCalendarDate, partnerPairStreamId, projectStreamId } from '#domain';
import type { EventStore } from '#event-store';
import type { EventExportOptions, EventExportScope, ExportFormat } from '#exports';
import { POSITION_PATTERN } from '../../http/params.js';

export const EXPORT_FORMATS = ['jsonl', 'csv'] as const;
export const EXPORT_QUERY_PARAMETERS = [
  'format',
  'pairId',
  'includeSubPairs',
  'projectId',
  'from',
  'to',
  'afterPosition',
  'treeHead',
] as const;

export interface ExportEventsRequest extends EventExportScope {
  readonly format: ExportFormat;
  readonly pairId: string | null;
  readonly includeSubPairs: boolean;
  readonly projectId: string | null;
  readonly from: string | null;
  readonly to: string | null;
  readonly afterPosition: number;
  /** End the (whole-ledger, JSON Lines) export with the signed tree head that covers it: `{"treeHead": {…}}` as its last line. */
  readonly treeHead: boolean;
}

/**
 * Reads the export's query: every problem is reported at once, as a 400,
 * before a byte is streamed. An unknown parameter is refused too: a typo
 * such as `pairid=` must not silently export the whole history.
 */
export function parseExportEventsQuery(query: Record<string, unknown>, accept: string | undefined): ExportEventsRequest {
  const problems: Array<{ field: string; problems: string[] }> = [];
  const problem = (field: string, message: string) => problems.push({ field, problems: [message] });
  const single = (name: string): string | undefined => {
    const value = query[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') {
      problem(name, 'must be given once');
      return undefined;
    }
    return value;
  };

  for (const name of Object.keys(query)) {
    if (!(EXPORT_QUERY_PARAMETERS as readonly string[]).includes(name))
      problem(name, `is not a parameter of this export (${EXPORT_QUERY_PARAMETERS.join(', ')})`);
  }

  const formatValue = single('format');
  let format: ExportFormat = accept !== undefined && /(^|,)\s*text\/csv\s*(;|,|$)/i.test(accept) ? 'csv' : 'jsonl';
  if (formatValue !== undefined) {
    if ((EXPORT_FORMATS as readonly string[]).includes(formatValue)) format = formatValue as ExportFormat;
    else problem('format', `must be one of ${EXPORT_FORMATS.join(', ')}`);
  }

  const id = (name: string): string | null => {
    const value = single(name);
    if (value === undefined) return null;
    if (!ID_PATTERN.test(value)) {
      problem(name, `must match ${ID_PATTERN.source}`);
      return null;
    }
    return value;
  };
  const pairId = id('pairId');
  const projectId = id('projectId');
  if (query.pairId !== undefined && query.projectId !== undefined) problem('projectId', 'give pairId or projectId, not both');

  const subPairs = single('includeSubPairs');
  let includeSubPairs = false;
  if (subPairs !== undefined) {
    if (subPairs === 'true' || subPairs === 'false') includeSubPairs = subPairs === 'true';
    else problem('includeSubPairs', 'must be true or false');
    if (query.pairId === undefined) problem('includeSubPairs', 'only applies with pairId');
  }

  const date = (name: string): string | null => {
    const value = single(name);
    if (value === undefined) return null;
    if (!isCalendarDate(value)) {
      problem(name, 'must be a real calendar date YYYY-MM-DD');
      return null;
    }
    return value;
  };
  const from = date('from');
  const to = date('to');
  if (from !== null && to !== null && from > to) problem('to', 'must not be before from');

  const after = single('afterPosition');
  let afterPosition = 0;
  if (after !== undefined) {
    if (POSITION_PATTERN.test(after)) afterPosition = Number(after);
    else problem('afterPosition', 'must be a non-negative whole number');
  }

  const withHead = single('treeHead');
  let treeHead = false;
  if (withHead !== undefined) {
    if (withHead === 'true' || withHead === 'false') treeHead = withHead === 'true';
    else problem('treeHead', 'must be true or false');
    const filtered = ['pairId', 'projectId', 'from', 'to', 'afterPosition'].filter((name) => query[name] !== undefined);
    if (treeHead && filtered.length > 0) problem('treeHead', `a tree head covers the whole ledger: not with ${filtered.join(', ')}`);
    if (treeHead && format !== 'jsonl') problem('treeHead', 'only a JSON Lines export ends with the tree head');
  }

  if (problems.length > 0) {
    throw new BadRequestException({
      code: 'invalid-request',
      message: `invalid query parameter(s): ${[...new Set(problems.map((p) => p.field))].join(', ')}`,
      fields: problems,
    });
  }
  return { format, pairId, includeSubPairs, projectId, from, to, afterPosition, treeHead };
}

/** The file name an export is saved under, from its scope: `ledger-events-pair-shanghai-sanming-2024-01-01-2024-12-31.csv`. */
export function exportFileName(request: ExportEventsRequest): string {
  const parts = ['ledger-events'];
  if (request.pairId) parts.push(request.includeSubPairs ? 'pair-tree' : 'pair', request.pairId);
  if (request.projectId) parts.push('project', request.projectId);
  if (request.from) parts.push('from', request.from);
  if (request.to) parts.push('to', request.to);
  if (request.afterPosition > 0) parts.push('after', String(request.afterPosition));
  return `${parts.join('-')}.${request.format}`;
}

/**
 * The pairs an export covers (null: all), after checking that the pair or
 * project it names exists (404 otherwise). With includeSubPairs, the
 * descendants the read models know (`subPairsOf`); sub-pairs registered since
 * are picked up from the log as it streams.
 */
export async function resolveExportScope(
  store: EventStore,
  request: ExportEventsRequest,
  subPairsOf: () => ReadonlyMap<string, readonly string[]>,
): Promise<string[] | null> {
  if (request.projectId !== null) {
    if ((await store.readStream(projectStreamId(request.projectId), { maxCount: 1 })).length === 0) {
      throw new NotFound('project-not-found', `project ${request.projectId} has not been signed`);
    }
    return null;
  }
  if (request.pairId === null) return null;
  if ((await store.readStream(partnerPairStreamId(request.pairId), { maxCount: 1 })).length === 0) {
    throw new NotFound('pair-not-found', `partner pair ${request.pairId} is not registered`);
  }
  if (!request.includeSubPairs) return [request.pairId];
  const children = subPairsOf();
  const scope = [request.pairId];
  for (let i = 0; i < scope.length; i++) scope.push(...(children.get(scope[i]) ?? []));
  return scope;
}

/** Each pair's direct sub-pairs, as the read models know them. */
export function subPairsByPair(queries: {
  listPairs(): ReadonlyArray<{ pairId: string; subPairIds: readonly string[] }>;
}): Map<string, readonly string[]> {
  return new Map(queries.listPairs().map((pair) => [pair.pairId, pair.subPairIds]));
}

/** The export library's options for a checked request: the same for GET /audit/events and `cli export`. */
export function exportOptionsOf(request: ExportEventsRequest, pairIds: string[] | null, untilPosition: number): EventExportOptions {
  return {
    format: request.format,
    pairIds,
    followSubPairs: request.includeSubPairs,
    projectId: request.projectId,
    from: request.from,
    to: request.to,
    afterPosition: request.afterPosition,
    untilPosition,
  };
}
