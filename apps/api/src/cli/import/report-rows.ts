import 'reflect-metadata';
import { createHash } from 'node:crypto';
import { plainToInstance } from 'class-transformer';
import { type ValidationError, validateSync } from 'class-validator';
import { parse } from 'csv-parse/sync';
import {
  type AnyProjectCommand,
  type CurrencyCode,
  type Money,
  ID_RULE,
  type RegisterPartnerPair,
  ReportAmountError,
  formatAmount,
  isCurrencyCode,
  isId,
  parseReportAmount,
  toMoneyJson,
} from '#domain';
import { RegisterPartnerPairRequestDto } from '../../partner-pairs/register-partner-pair/register-partner-pair.request.dto.js';
import { CancelProjectRequestDto } from '../../projects/cancel-project/cancel-project.request.dto.js';
import { CorrectDisbursementRequestDto } from '../../projects/correct-disbursement/correct-disbursement.request.dto.js';
import { CorrectJobsReportRequestDto } from '../../projects/correct-jobs-report/correct-jobs-report.request.dto.js';
import { DisburseFundsRequestDto } from '../../projects/disburse-funds/disburse-funds.request.dto.js';
import { ReachMilestoneRequestDto } from '../../projects/reach-milestone/reach-milestone.request.dto.js';
import { RecordJobsRequestDto } from '../../projects/record-jobs/record-jobs.request.dto.js';
import { RevisePledgeRequestDto } from '../../projects/revise-pledge/revise-pledge.request.dto.js';
import { SignProjectRequestDto } from '../../projects/sign-project/sign-project.request.dto.js';

/**
 * The report-figures CSV: one header row, then one row per figure. The
 * `kind` column says what a row records; each kind uses some of the other
 * columns and every other cell of the row must be empty. Rows are checked
 * with the same field rules as the API's request bodies (its DTOs).
 */
export const COLUMNS = [
  'kind',
  'pairId',
  'projectId',
  'id',
  'corrects',
  'date',
  'amount',
  'currency',
  'jobs',
  'milestone',
  'title',
  'sector',
  'capitalKind',
  'occasion',
  'investor',
  'donor',
  'donorLevel',
  'recipient',
  'recipientLevel',
  'programme',
  'parentPairId',
  'reason',
] as const;
export type Column = (typeof COLUMNS)[number];

interface Cells {
  get(column: Column): string;
}

type Command = RegisterPartnerPair | AnyProjectCommand;

interface KindSpec {
  /** What the row records, for help and messages. */
  readonly meaning: string;
  readonly required: readonly Column[];
  readonly optional: readonly Column[];
  /** The API's request DTO whose rules the row must meet, and which column each DTO field comes from. */
  readonly dto: new () => object;
  readonly fields: Readonly<Record<string, Column>>;
  /** The DTO body built from the cells (money already parsed). */
  body(cells: Cells, money: Money | null, id: string): Record<string, unknown>;
  command(cells: Cells, money: Money | null, id: string): Command;
  /** Kinds whose id column may be left empty: the id is then derived from these columns. */
  readonly derivesIdFrom?: readonly Column[];
  /** Whether the amount may be zero (a correction of a tranche that never arrived). */
  readonly zeroAmount?: boolean;
}

const optional = (value: string): string | undefined => (value === '' ? undefined : value);

/** Every kind of row, keyed by the value of its `kind` cell. Adding a kind is one entry here. */
export const ROW_KINDS = {
  pair: {
    meaning: 'registers a partner pair (donor → recipient)',
    required: ['pairId', 'donor', 'donorLevel', 'recipient', 'recipientLevel', 'programme'],
    optional: ['parentPairId', 'date'],
    dto: RegisterPartnerPairRequestDto,
    fields: {
      pairId: 'pairId',
      'donor.name': 'donor',
      'donor.level': 'donorLevel',
      'recipient.name': 'recipient',
      'recipient.level': 'recipientLevel',
      programme: 'programme',
      parentPairId: 'parentPairId',
      establishedOn: 'date',
    },
    body: (c) => ({
      pairId: c.get('pairId'),
      donor: { name: c.get('donor'), level: c.get('donorLevel') },
      recipient: { name: c.get('recipient'), level: c.get('recipientLevel') },
      programme: c.get('programme'),
      parentPairId: optional(c.get('parentPairId')),
      establishedOn: optional(c.get('date')),
    }),
    command: (c) => ({
      type: 'RegisterPartnerPair',
      data: {
        pairId: c.get('pairId'),
        donor: { name: c.get('donor'), level: c.get('donorLevel') as never },
        recipient: { name: c.get('recipient'), level: c.get('recipientLevel') as never },
        programme: c.get('programme') as never,
        parentPairId: optional(c.get('parentPairId')) ?? null,
        establishedOn: optional(c.get('date')) ?? null,
      },
    }),
  },
  signing: {
    meaning: 'signs a project with its pledged total investment (签约)',
    required: ['projectId', 'pairId', 'title', 'sector', 'capitalKind', 'amount', 'date'],
    optional: ['currency', 'occasion', 'investor'],
    dto: SignProjectRequestDto,
    fields: {
      projectId: 'projectId',
      pairId: 'pairId',
      title: 'title',
      sector: 'sector',
      capitalKind: 'capitalKind',
      pledged: 'amount',
      signedOn: 'date',
      occasion: 'occasion',
      investor: 'investor',
    },
    body: (c, money) => ({
      projectId: c.get('projectId'),
      pairId: c.get('pairId'),
      title: c.get('title'),
      sector: c.get('sector'),
      capitalKind: c.get('capitalKind'),
      pledged: toMoneyJson(money as Money),
      signedOn: c.get('date'),
      occasion: optional(c.get('occasion')),
      investor: optional(c.get('investor')),
    }),
    command: (c, money) => ({
      type: 'SignProject',
      data: {
        projectId: c.get('projectId'),
        pairId: c.get('pairId'),
        title: c.get('title'),
        sector: c.get('sector'),
        capitalKind: c.get('capitalKind') as never,
        pledged: money as Money,
        signedOn: c.get('date'),
        occasion: optional(c.get('occasion')) ?? null,
        investor: optional(c.get('investor')) ?? null,
      },
    }),
  },
  disbursement: {
    meaning: 'records a tranche of funds delivered (到位资金)',
    required: ['projectId', 'amount', 'date'],
    optional: ['id', 'currency'],
    derivesIdFrom: ['projectId', 'date', 'amount', 'currency'],
    dto: DisburseFundsRequestDto,
    fields: { disbursementId: 'id', amount: 'amount', disbursedOn: 'date' },
    body: (c, money, id) => ({ disbursementId: id, amount: toMoneyJson(money as Money), disbursedOn: c.get('date') }),
    command: (c, money, id) => ({
      type: 'DisburseFunds',
      data: { projectId: c.get('projectId'), disbursementId: id, amount: money as Money, disbursedOn: c.get('date') },
    }),
  },
  jobs: {
    meaning: 'records jobs created (吸纳就业)',
    required: ['projectId', 'jobs', 'date'],
    optional: ['id'],
    derivesIdFrom: ['projectId', 'date', 'jobs'],
    dto: RecordJobsRequestDto,
    fields: { reportId: 'id', jobs: 'jobs', reportedOn: 'date' },
    body: (c, _money, id) => ({ reportId: id, jobs: wholeNumber(c.get('jobs')), reportedOn: c.get('date') }),
    command: (c, _money, id) => ({
      type: 'RecordJobs',
      data: { projectId: c.get('projectId'), reportId: id, jobs: wholeNumber(c.get('jobs')) as number, reportedOn: c.get('date') },
    }),
  },
  milestone: {
    meaning: 'records a milestone: landed, construction-started, in-production or completed (落地 / 开工 / 投产)',
    required: ['projectId', 'milestone', 'date'],
    optional: [],
    dto: ReachMilestoneRequestDto,
    fields: { milestone: 'milestone', reachedOn: 'date' },
    body: (c) => ({ milestone: c.get('milestone'), reachedOn: c.get('date') }),
    command: (c) => ({
      type: 'ReachMilestone',
      data: { projectId: c.get('projectId'), milestone: c.get('milestone') as never, reachedOn: c.get('date') },
    }),
  },
  'pledge-revision': {
    meaning: "revises a project's pledge to a new total",
    required: ['projectId', 'amount', 'date', 'reason'],
    optional: ['id', 'currency'],
    derivesIdFrom: ['projectId', 'date', 'amount', 'currency', 'reason'],
    dto: RevisePledgeRequestDto,
    fields: { revisionId: 'id', pledged: 'amount', reason: 'reason', revisedOn: 'date' },
    body: (c, money, id) => ({ revisionId: id, pledged: toMoneyJson(money as Money), reason: c.get('reason'), revisedOn: c.get('date') }),
    command: (c, money, id) => ({
      type: 'RevisePledge',
      data: { projectId: c.get('projectId'), revisionId: id, pledged: money as Money, reason: c.get('reason'), revisedOn: c.get('date') },
    }),
  },
  'disbursement-correction': {
    meaning: 'corrects a disbursement entered wrongly (corrects = its id): the corrected amount, 0 if it never arrived',
    required: ['projectId', 'corrects', 'amount', 'date', 'reason'],
    optional: ['id', 'currency'],
    derivesIdFrom: ['projectId', 'corrects', 'date', 'amount', 'currency', 'reason'],
    zeroAmount: true,
    dto: CorrectDisbursementRequestDto,
    fields: { correctionId: 'id', amount: 'amount', reason: 'reason', correctedOn: 'date' },
    body: (c, money, id) => ({
      correctionId: id,
      amount: toMoneyJson(money as Money),
      reason: c.get('reason'),
      correctedOn: c.get('date'),
    }),
    command: (c, money, id) => ({
      type: 'CorrectDisbursement',
      data: {
        projectId: c.get('projectId'),
        correctionId: id,
        disbursementId: c.get('corrects'),
        amount: money as Money,
        reason: c.get('reason'),
        correctedOn: c.get('date'),
      },
    }),
  },
  'jobs-correction': {
    meaning: 'corrects a jobs report entered wrongly (corrects = its id): the corrected number, 0 allowed',
    required: ['projectId', 'corrects', 'jobs', 'date', 'reason'],
    optional: ['id'],
    derivesIdFrom: ['projectId', 'corrects', 'date', 'jobs', 'reason'],
    dto: CorrectJobsReportRequestDto,
    fields: { correctionId: 'id', jobs: 'jobs', reason: 'reason', correctedOn: 'date' },
    body: (c, _money, id) => ({ correctionId: id, jobs: wholeNumber(c.get('jobs')), reason: c.get('reason'), correctedOn: c.get('date') }),
    command: (c, _money, id) => ({
      type: 'CorrectJobsReport',
      data: {
        projectId: c.get('projectId'),
        correctionId: id,
        reportId: c.get('corrects'),
        jobs: wholeNumber(c.get('jobs')) as number,
        reason: c.get('reason'),
        correctedOn: c.get('date'),
      },
    }),
  },
  cancellation: {
    meaning: 'cancels a project',
    required: ['projectId', 'date', 'reason'],
    optional: [],
    dto: CancelProjectRequestDto,
    fields: { reason: 'reason', cancelledOn: 'date' },
    body: (c) => ({ reason: c.get('reason'), cancelledOn: c.get('date') }),
    command: (c) => ({
      type: 'CancelProject',
      data: { projectId: c.get('projectId'), reason: c.get('reason'), cancelledOn: c.get('date') },
    }),
  },
} satisfies Record<string, KindSpec>;

export type RowKind = keyof typeof ROW_KINDS;
export const KIND_NAMES = Object.keys(ROW_KINDS) as RowKind[];

/** A row that passed every field check, as the command it records. */
export interface ImportRow {
  /** The line of the file the row starts on (the header is line 1). */
  readonly line: number;
  readonly kind: RowKind;
  readonly command: Command;
}

export interface RowProblem {
  readonly line: number;
  /** The column at fault, or null when it is the row as a whole. */
  readonly column: Column | null;
  readonly message: string;
}

export interface ParsedReport {
  readonly rows: ImportRow[];
  readonly problems: RowProblem[];
  /**
   * Pairs and projects whose creating row was refused, by stream (`pair:<id>`, `project:<id>`), with its line:
   * explains later rows that name them.
   */
  readonly refusedCreations: ReadonlyMap<string, number>;
}

export interface ParseOptions {
  /** The currency of rows whose currency cell is empty. */
  readonly defaultCurrency: CurrencyCode;
}

export function formatProblem(problem: RowProblem): string {
  return `line ${problem.line}${problem.column ? `, column ${problem.column}` : ''}: ${problem.message}`;
}

function wholeNumber(text: string): number | null {
  if (!/^(0|[1-9][0-9]*|[1-9][0-9]{0,2}(,[0-9]{3})+)$/.test(text)) return null;
  const value = Number(text.replaceAll(',', ''));
  return Number.isSafeInteger(value) ? value : null;
}

/** A stable id for a row that has none, from what identifies the figure: re-importing the row finds the same id. */
function derivedId(kind: RowKind, cells: Cells, columns: readonly Column[], money: Money | null): string {
  const key = columns.map((column) => {
    // The figure, not its spelling: 1510万 and 15,100,000.00 are the same tranche.
    if (column === 'amount' && money) return formatAmount(money);
    if (column === 'currency' && money) return money.currency;
    if (column === 'jobs') return String(wholeNumber(cells.get(column)));
    return cells.get(column);
  });
  return `csv-${createHash('sha256')
    .update(JSON.stringify([kind, ...key]))
    .digest('hex')
    .slice(0, 24)}`;
}

/** Flattens class-validator's errors into (column, message), naming the CSV column rather than the API field. */
function validationProblems(
  errors: readonly ValidationError[],
  fields: Readonly<Record<string, Column>>,
  prefix = '',
): Array<{ column: Column | null; message: string }> {
  return errors.flatMap((error) => {
    const path = prefix + error.property;
    const column = fields[path] ?? null;
    const own = Object.values(error.constraints ?? {}).map((message) => ({
      column,
      message: column && message.startsWith(`${error.property} `) ? `${column} ${message.slice(error.property.length + 1)}` : message,
    }));
    return [...own, ...validationProblems(error.children ?? [], fields, `${path}.`)];
  });
}

/**
 * The line each record starts on, as an editor counts lines (CRLF, LF or CR
 * is one line break). csv-parse's `info.lines` is the line a record ends on,
 * but inside a quoted cell it counts CR and LF apart, so a CRLF there counts
 * twice, for that record and every one after it: those are taken off again.
 */
function lineNumbers<R extends { record: string[]; info: { lines: number } }>(records: readonly R[]): Map<R, number> {
  const count = (pattern: RegExp, cells: readonly string[]) => cells.reduce((n, cell) => n + (cell.match(pattern)?.length ?? 0), 0);
  const lines = new Map<R, number>();
  let overcounted = 0;
  for (const entry of records) {
    overcounted += count(/\r\n/g, entry.record);
    lines.set(entry, entry.info.lines - overcounted - count(/\r\n|\r|\n/g, entry.record));
  }
  return lines;
}

/**
 * Reads a report-figures CSV: every row is checked, and every problem is
 * listed with its line and column (nothing stops at the first). Rows that
 * pass become commands; the caller imports them only if no row has a problem.
 */
export function parseReportCsv(text: string, options: ParseOptions): ParsedReport {
  const problems: RowProblem[] = [];
  const rows: ImportRow[] = [];
  const refusedCreations = new Map<string, number>();
  let records: Array<{ record: string[]; info: { lines: number } }>;
  try {
    // With info, csv-parse gives each record with the line it ends on.
    records = parse(text, {
      bom: true,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      comment: '#',
      comment_no_infix: true,
    }) as unknown as typeof records;
  } catch (error) {
    // A broken quote or the like: the file cannot be read row by row.
    const line = (error as { lines?: number }).lines ?? 1;
    return { rows, problems: [{ line, column: null, message: `not readable as CSV: ${(error as Error).message}` }], refusedCreations };
  }
  const startLines = lineNumbers(records);
  const startLine = (entry: (typeof records)[number]) => startLines.get(entry) as number;
  if (records.length === 0)
    return {
      rows,
      problems: [{ line: 1, column: null, message: 'the file is empty: it needs a header row and at least one row' }],
      refusedCreations,
    };

  const [header, ...body] = records;
  const headerLine = startLine(header);
  const names = header.record.map((name) => name.trim());
  const seen = new Set<string>();
  for (const name of names) {
    if (!(COLUMNS as readonly string[]).includes(name))
      problems.push({
        line: headerLine,
        column: null,
        message: `unknown column ${JSON.stringify(name)}; the columns are ${COLUMNS.join(', ')}`,
      });
    else if (seen.has(name)) problems.push({ line: headerLine, column: name as Column, message: `column ${name} appears twice` });
    seen.add(name);
  }
  if (!seen.has('kind')) problems.push({ line: headerLine, column: null, message: 'the header needs a kind column' });
  if (problems.length > 0) return { rows, problems, refusedCreations };
  if (body.length === 0)
    return { rows, problems: [{ line: headerLine, column: null, message: 'the file has a header but no rows' }], refusedCreations };

  const derived = new Map<string, number>();
  for (const entry of body) {
    const line = startLine(entry);
    const values = entry.record.map((cell) => cell.trim());
    if (values.every((cell) => cell === '')) continue;
    if (values.length !== names.length) {
      problems.push({ line, column: null, message: `has ${values.length} cells but the header has ${names.length}` });
      continue;
    }
    const byColumn = new Map(names.map((name, i) => [name as Column, values[i]]));
    const cells: Cells = { get: (column) => byColumn.get(column) ?? '' };
    const rowProblems: RowProblem[] = [];
    const problem = (column: Column | null, message: string) => rowProblems.push({ line, column, message });

    const kindName = cells.get('kind');
    if (!Object.prototype.hasOwnProperty.call(ROW_KINDS, kindName)) {
      problem(
        'kind',
        kindName === ''
          ? `is empty; it must be one of ${KIND_NAMES.join(', ')}`
          : `${JSON.stringify(kindName)} is not a kind; it must be one of ${KIND_NAMES.join(', ')}`,
      );
      problems.push(...rowProblems);
      continue;
    }
    const kind = kindName as RowKind;
    const spec: KindSpec = ROW_KINDS[kind];
    const creates = kind === 'pair' ? `pair:${cells.get('pairId')}` : kind === 'signing' ? `project:${cells.get('projectId')}` : null;

    for (const column of COLUMNS) {
      if (column === 'kind') continue;
      const used = spec.required.includes(column) || spec.optional.includes(column);
      if (!used && cells.get(column) !== '') problem(column, `is not used by ${kind} rows; leave it empty`);
      if (spec.required.includes(column) && cells.get(column) === '') problem(column, `is required for ${kind} rows`);
    }
    // Ids the API takes from the path rather than the body are checked here, by the same pattern.
    const inBody = new Set<string>(Object.values(spec.fields));
    for (const column of ['projectId', 'corrects'] as const) {
      if (spec.required.includes(column) && cells.get(column) !== '' && !inBody.has(column) && !isId(cells.get(column))) {
        problem(column, ID_RULE);
      }
    }

    let money: Money | null = null;
    if (spec.required.includes('amount') && cells.get('amount') !== '') {
      const currency = cells.get('currency') || options.defaultCurrency;
      if (!isCurrencyCode(currency)) problem('currency', `${JSON.stringify(currency)} is not a supported ISO 4217 code such as CNY`);
      else {
        try {
          money = parseReportAmount(cells.get('amount'), currency, { allowZero: spec.zeroAmount === true });
        } catch (error) {
          if (!(error instanceof ReportAmountError)) throw error;
          problem('amount', `${JSON.stringify(cells.get('amount'))} ${error.message}`);
        }
      }
    }
    if (spec.required.includes('jobs') && cells.get('jobs') !== '' && wholeNumber(cells.get('jobs')) === null) {
      problem('jobs', `${JSON.stringify(cells.get('jobs'))} is not a whole number`);
    }
    // The API's field rules, on every column not already refused (a refused amount or jobs cell stands in as 1).
    const flagged = new Set(rowProblems.map((p) => p.column));
    const id = cells.get('id') || (spec.derivesIdFrom ? derivedId(kind, cells, spec.derivesIdFrom, money) : '');
    const stand = { get: (column: Column) => (column === 'jobs' && flagged.has('jobs') ? '1' : cells.get(column)) };
    const dto = plainToInstance(spec.dto, spec.body(stand, money ?? { minor: 1n, currency: 'CNY' }, id));
    const errors = validateSync(dto, { whitelist: true, forbidNonWhitelisted: true, validationError: { target: false, value: false } });
    for (const { column, message } of validationProblems(errors, spec.fields)) if (!flagged.has(column)) problem(column, message);
    if (rowProblems.length === 0 && spec.derivesIdFrom && cells.get('id') === '') {
      const key = `${kind}|${cells.get('projectId')}|${id}`;
      const earlier = derived.get(key);
      if (earlier !== undefined) {
        problem(
          'id',
          `repeats line ${earlier} (the same ${spec.derivesIdFrom.join(', ')}); ` +
            'if both happened, give each its own id in the id column, else delete one',
        );
      } else derived.set(key, line);
    }
    if (rowProblems.length === 0) rows.push({ line, kind, command: spec.command(cells, money, id) });
    if (rowProblems.length > 0 && creates && !refusedCreations.has(creates)) refusedCreations.set(creates, line);
    problems.push(...rowProblems);
  }
  return { rows, problems, refusedCreations };
}
