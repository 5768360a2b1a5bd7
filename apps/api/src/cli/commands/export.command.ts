import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { BadRequestException } from '@nestjs/common';
import { DomainError } from '#domain';
import { exportEvents } from '#exports';
import { LedgerQueries, openReadModelDb } from '#projections';
import {
  exportOptionsOf,
  parseExportEventsQuery,
  resolveExportScope,
  subPairsByPair,
} from '../../audit/export-events/export-events.request.js';
import { READ_MODELS_FILE } from '../../infrastructure/data-files.js';
import { openStoredEvents } from '../../infrastructure/open-event-store.js';
import { signedHeadAt } from '../signed-head-at.js';
import { EXIT_FAILED, UsageError, defineCommand } from '../cli.js';

/** Each option and the GET /audit/events parameter it stands for. */
const PARAMETERS = {
  format: 'format',
  pair: 'pairId',
  project: 'projectId',
  from: 'from',
  to: 'to',
  'after-position': 'afterPosition',
} as const;

/**
 * `npm run cli -- export`: the history as JSON Lines or CSV, exactly as
 * GET /audit/events exports it (the same parameters, checks and library),
 * page by page to a file or stdout.
 */
export default defineCommand({
  name: 'export',
  summary: 'export the history (or a pair, a project, a date range) as JSON Lines or CSV',
  description: `
Writes every event in log order, exactly as stored (the schema version it was written with and the
metadata its hash covers), as GET /audit/events does: one JSON object per line, or CSV with a header
row and spreadsheet formulas neutralised. Reads the store a page at a time, so memory stays flat
however long the history. The export ends at the head the store had when it started; that position
is printed on stderr, to pass as --after-position next time. With --tree-head (the whole ledger, JSON
Lines) the last line is {"treeHead": {…}}: the signed tree head of exactly the ledger events the file
holds, which verify-export checks.`,
  options: {
    format: { type: 'string', valueName: 'jsonl|csv', description: 'output format', default: 'jsonl' },
    pair: { type: 'string', valueName: 'pairId', description: "only this pair's registration and its own projects' events" },
    'include-sub-pairs': { type: 'boolean', description: 'with --pair: every descendant sub-pair too' },
    project: { type: 'string', valueName: 'projectId', description: "only this project's events" },
    from: { type: 'string', valueName: 'YYYY-MM-DD', description: 'business dates from this day, inclusive' },
    to: { type: 'string', valueName: 'YYYY-MM-DD', description: 'business dates up to this day, inclusive' },
    'after-position': { type: 'string', valueName: 'n', description: 'only events after this global position' },
    'tree-head': { type: 'boolean', description: 'end the (whole-ledger, JSON Lines) export with the signed tree head covering it' },
    out: { type: 'string', short: 'o', valueName: 'file', description: 'write to this file instead of stdout' },
  },
  examples: [
    'npm run -s cli -- export > history.jsonl',
    'npm run -s cli -- export --tree-head -o ledger-events.jsonl',
    'npm run -s cli -- export --format csv --pair shanghai-sanming --include-sub-pairs -o sanming.csv',
  ],
  async run(context) {
    const query: Record<string, string> = {};
    for (const [option, parameter] of Object.entries(PARAMETERS)) {
      const value = context.values[option];
      if (typeof value === 'string') query[parameter] = value;
    }
    if (context.values['include-sub-pairs'] === true) query.includeSubPairs = 'true';
    if (context.values['tree-head'] === true) query.treeHead = 'true';
    let request;
    try {
      request = parseExportEventsQuery(query, undefined);
    } catch (error) {
      if (!(error instanceof BadRequestException)) throw error;
      const { fields } = error.getResponse() as { fields: Array<{ field: string; problems: string[] }> };
      const optionOf = (field: string) =>
        Object.entries(PARAMETERS).find(([, parameter]) => parameter === field)?.[0] ??
        (field === 'treeHead' ? 'tree-head' : 'include-sub-pairs');
      throw new UsageError(fields.map(({ field, problems }) => `--${optionOf(field)} ${problems.join('; ')}`).join('\n'));
    }

    const config = context.config();
    const store = await openStoredEvents(config);
    try {
      let pairIds: string[] | null;
      try {
        pairIds = await resolveExportScope(store, request, () => {
          const db = openReadModelDb(join(config.dataDir, READ_MODELS_FILE));
          try {
            return subPairsByPair(new LedgerQueries(db));
          } finally {
            db.close();
          }
        });
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        context.err(error.message);
        return EXIT_FAILED;
      }
      const until = await store.headPosition();
      const file = context.values.out as string | undefined;
      const out = file === undefined ? process.stdout : createWriteStream(file);
      const progress = context.progress('exporting', until);
      const result = await exportEvents(store, out, {
        ...exportOptionsOf(request, pairIds, until),
        end: file !== undefined && !request.treeHead,
        onPage: ({ position }) => progress.update(position),
      });
      progress.stop();
      if (request.treeHead) {
        const head = await signedHeadAt(config, store, until, (message) => context.err(`WARNING: ${message}`));
        const line = JSON.stringify({ treeHead: head }) + '\n';
        if (file === undefined) out.write(line);
        else out.end(line);
        context.err(`ends with the signed tree head of ${head.treeSize} ledger events (root ${head.rootHash})`);
      }
      if (file !== undefined) await finished(out);
      context.err(`exported ${result.events} events up to position ${result.untilPosition}${file === undefined ? '' : ` to ${file}`}`);
    } finally {
      await store.close();
    }
  },
});
