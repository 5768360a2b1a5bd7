import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isCurrencyCode } from '#domain';
import { EXIT_FAILED, UsageError, defineCommand } from '../cli.js';
import { ImportInterrupted, applyImport } from '../import/import-apply.js';
import { ImportLedger } from '../import/import-ledger.js';
import { planImport } from '../import/import-plan.js';
import { KIND_NAMES, ROW_KINDS, type RowProblem, formatProblem, parseReportCsv } from '../import/report-rows.js';

export const IMPORT_ACTOR = 'cli-import';

const kinds = KIND_NAMES.map((kind) => {
  const spec = ROW_KINDS[kind];
  const columns = [...spec.required, ...spec.optional.map((c) => `[${c}]`)].join(', ');
  return `  ${kind.padEnd(16)}${spec.meaning}\n  ${''.padEnd(16)}${columns}`;
}).join('\n');

/**
 * `npm run cli -- import <file.csv>`: imports report figures. Every row is
 * parsed, checked and decided against the ledger (simulated in memory) first;
 * if any row fails, every failure is printed and nothing is appended.
 */
export default defineCommand({
  name: 'import',
  summary:
    'import a CSV of report figures (pairs, signings, disbursements, jobs, milestones, pledge revisions, corrections, cancellations)',
  description: `
The file is CSV (UTF-8, comma-separated, a header row; lines starting with # are comments).
The kind column says what each row records; a row fills the columns of its kind and leaves
the others empty ([column] = optional). Columns may come in any order; unused ones may be left out.
${kinds}

Amounts are exact: 1,234.56, 1510万 (15,100,000.00), 238.05亿 (23,805,000,000.00), 1.2万亿, with an
optional 元; in the currency column's currency (ISO 4217), or --currency when that cell is empty.
Dates are YYYY-MM-DD. Ids follow the API's rules. A disbursement, jobs or pledge-revision row
without an id gets one derived from its figures, so importing the same file again is recognised.

All or nothing: every row is checked with the API's rules against the ledger's current state and
the rows above it; any problem is printed as "line N, column C: …" and nothing is imported (exit 1).
Then the rows are appended through the ledger (actor ${IMPORT_ACTOR}, one correlation id per run).
Re-running a file is a no-op for rows already recorded, so an interrupted import is simply re-run.
Works while the API runs on the same DATA_DIR.`,
  arguments: [{ name: 'file', description: 'the CSV file of report figures', required: true }],
  options: {
    currency: { type: 'string', valueName: 'code', description: 'currency of rows whose currency cell is empty', default: 'CNY' },
    'dry-run': { type: 'boolean', description: 'check every row against the ledger and report, but append nothing' },
  },
  examples: ['npm run cli -- import demo/report-figures.csv', 'DATA_DIR=/srv/ledger npm run cli -- import figures-2024.csv --dry-run'],
  async run(context) {
    const [file] = context.positionals;
    const currency = context.values.currency as string;
    if (!isCurrencyCode(currency))
      throw new UsageError(`--currency must be a supported ISO 4217 code such as CNY, got ${JSON.stringify(currency)}`);
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch (error) {
      throw new UsageError(
        `cannot read ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`,
      );
    }
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      context.err(`${file} is not UTF-8 text: save it as "CSV UTF-8"; nothing imported`);
      return EXIT_FAILED;
    }
    const config = context.config();

    const parsed = parseReportCsv(text, { defaultCurrency: currency });
    const store = await context.openStore();
    const checking = context.progress('checking', parsed.rows.length);
    // One ledger for checking and appending: the states the plan loaded stay cached, so appending does not read every stream again.
    const ledger = new ImportLedger(store);
    const plan = await planImport(parsed.rows, ledger, parsed.refusedCreations, () => checking.increment());
    checking.stop();

    const problems: RowProblem[] = [...parsed.problems, ...plan.problems].sort((a, b) => a.line - b.line);
    const total = parsed.rows.length + new Set(parsed.problems.map((p) => p.line)).size;
    if (problems.length > 0) {
      for (const problem of problems) context.err(formatProblem(problem));
      const badRows = new Set(problems.map((p) => p.line)).size;
      context.out(`${file}: nothing imported: ${badRows} of ${total} row(s) refused (${problems.length} problem(s), listed on stderr)`);
      return EXIT_FAILED;
    }

    const toAppend = plan.planned.filter((p) => p.outcome === 'append');
    const known = plan.planned.length - toAppend.length;
    if (context.values['dry-run']) {
      context.out(
        `${file}: ${total} row(s) checked against ${config.eventStore === 'esdb' ? 'EventStoreDB' : config.dataDir}: ` +
          `${toAppend.length} to append, ${known} already recorded (dry run: nothing appended)`,
      );
      return;
    }
    const correlationId = randomUUID();
    const appending = context.progress('appending', toAppend.length);
    try {
      const applied = await applyImport(ledger, toAppend, { correlationId, actor: IMPORT_ACTOR }, () => appending.increment());
      appending.stop();
      context.out(
        `${file}: ${total} row(s): ${applied.appended} appended, ${known + applied.replayed} already recorded ` +
          `(correlation id ${correlationId})`,
      );
    } catch (error) {
      appending.stop();
      if (!(error instanceof ImportInterrupted)) throw error;
      context.err(`stopped at line ${error.line}: ${error.cause instanceof Error ? error.cause.message : String(error.cause)}`);
      context.err(
        'the ledger changed since the rows were checked; fix the file or wait, ' +
          'then run the same import again (rows already appended are recognised)',
      );
      context.out(
        `${file}: stopped: ${error.applied.appended} appended, ${error.applied.replayed + known} already recorded, ` +
          `the rest not imported (correlation id ${correlationId})`,
      );
      return EXIT_FAILED;
    }
  },
});
