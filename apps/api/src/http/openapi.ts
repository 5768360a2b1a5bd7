import { applyDecorators } from '@nestjs/common';
import { ApiHeader, ApiParam, ApiProperty, ApiPropertyOptional, ApiQuery, ApiResponse } from '@nestjs/swagger';
import { DEFAULT_CONTENTION } from '#application';
import {
  AMOUNT_PATTERN,
  DATE_PATTERN as CALENDAR_DATE,
  type DomainErrorCode,
  ID_PATTERN,
  MAX_ID_LENGTH,
  MAX_INTEGER_DIGITS,
  MAX_MINOR_DIGITS,
  MINOR_DIGITS,
} from '#domain';
import { type ErrorCode, statusOf } from './error-codes.js';
import { errorBody } from './error.filter.js';
import { CORRELATION_ID, IF_MATCH } from './request-context.js';

/**
 * What the OpenAPI document (served at /docs) says about the shapes every
 * endpoint shares: the one error body, money, ids, dates, `minPosition`,
 * and the error codes the ledger answers with. Controllers compose these so
 * that each endpoint lists exactly the errors it can return.
 */

export const CURRENCIES = Object.keys(MINOR_DIGITS);
/** A real calendar date; the pattern is the shape, the server also refuses dates that do not exist (2023-02-29). */
export const DATE_PATTERN = CALENDAR_DATE.source;
/** A decimal amount printed with exactly the currency's minor digits. */
export const PRINTED_AMOUNT_PATTERN = `^-?(0|[1-9][0-9]*)(\\.[0-9]{1,${MAX_MINOR_DIGITS}})?$`;

export function ledgerIdProperty(description: string, example: string) {
  return { type: String, pattern: ID_PATTERN.source, minLength: 1, maxLength: MAX_ID_LENGTH, description, example };
}

export function dateProperty(description: string, example: string) {
  return { type: String, format: 'date', pattern: DATE_PATTERN, description, example };
}

export function textProperty(max: number, description: string, example: string) {
  return {
    type: String,
    minLength: 1,
    maxLength: max,
    description: `${description} (non-blank, at most ${max} characters, stored NFC; control, bidi and zero-width characters are refused)`,
    example,
  };
}

/** Sums per currency, as exact decimal strings: `{"CNY": "3000000000.00"}`. */
export function perCurrencyProperty(description: string, example: Record<string, string>) {
  return {
    type: 'object' as const,
    description: `${description}: one exact decimal string per currency (currencies are never added together)`,
    additionalProperties: { type: 'string' as const, pattern: PRINTED_AMOUNT_PATTERN },
    example,
  };
}

/** Money on the wire: the amount is a decimal string, never a JSON number, so no precision is lost. */
export class MoneyDto {
  @ApiProperty({
    type: String,
    pattern: AMOUNT_PATTERN.source,
    description:
      'Exact decimal string, greater than zero, no sign, exponent or leading zeros; ' +
      `at most ${MAX_INTEGER_DIGITS} integer digits and at most the ` +
      "currency's minor digits (2 for CNY, 0 for JPY, 3 for KWD). A JSON number is refused. Responses print exactly the minor digits.",
    example: '3000000000.00',
  })
  amount!: string;

  @ApiProperty({ enum: CURRENCIES, description: 'ISO 4217 code', example: 'CNY' })
  currency!: string;
}

/** A corrected amount: like MoneyDto, but zero is allowed (a tranche that never arrived). */
export class MoneyOrZeroDto {
  @ApiProperty({
    type: String,
    pattern: AMOUNT_PATTERN.source,
    description:
      'Exact decimal string, zero or more, no sign, exponent or leading zeros; ' +
      `at most ${MAX_INTEGER_DIGITS} integer digits and at most the currency's minor digits. A JSON number is refused.`,
    example: '400000000.00',
  })
  amount!: string;

  @ApiProperty({ enum: CURRENCIES, description: 'ISO 4217 code', example: 'CNY' })
  currency!: string;
}

export class FieldProblemDto {
  @ApiProperty({ description: 'the offending field, nested ones by path', example: 'pledged' })
  field!: string;

  @ApiProperty({ type: [String], example: ['amount must be a decimal string such as "1234.50", not a number'] })
  problems!: string[];
}

/** The one error body every refusal uses. */
export class ErrorResponseDto {
  @ApiProperty({ type: 'integer', description: 'the HTTP status, repeated', example: 422 })
  statusCode!: number;

  @ApiProperty({ description: 'the HTTP reason phrase', example: 'Unprocessable Entity' })
  error!: string;

  @ApiProperty({ description: 'stable machine-readable reason', example: 'exceeds-remaining-pledge' })
  code!: string;

  @ApiProperty({ description: 'for people', example: 'disbursing 700.00 CNY would exceed the remaining pledge of 600.00 CNY' })
  message!: string;

  @ApiPropertyOptional({ type: [FieldProblemDto], description: 'for invalid requests: every offending field with its problems' })
  fields?: FieldProblemDto[];
}

/** An example message for every error code the ledger answers with (the statuses are in error-codes.ts). */
const ERROR_EXAMPLES = {
  'invalid-request': {
    message: 'invalid field(s): pledged',
    fields: [{ field: 'pledged', problems: ['pledged amount must be a decimal string such as "1234.50", not a number'] }],
  },
  'invalid-body': { message: 'the request body must be a JSON object sent with Content-Type: application/json' },
  'invalid-header': { message: 'If-Match must be a quoted revision number, such as "3", as sent in ETag' },
  unauthenticated: { message: 'send an API key: Authorization: Bearer <key>' },
  forbidden: { message: 'this needs a key with the operator role; ops.reader has reader' },
  'pair-not-found': { message: 'partner pair shanghai-sanming is not registered' },
  'parent-pair-not-found': { message: 'parent partner pair fujian-changji is not registered' },
  'project-not-found': { message: 'project sm-graphite-anode has not been signed' },
  'pair-has-no-projects': { message: 'partner pair shanghai-sanming has no signed projects: an IATI file needs at least one activity' },
  'pair-already-registered': { message: 'partner pair shanghai-sanming is already registered with different details' },
  'project-already-signed': { message: 'project sm-graphite-anode is already signed with different details' },
  'disbursement-id-reused': { message: 'disbursement sm-ga-t1 was already recorded with different content' },
  'report-id-reused': { message: 'jobs report sm-ga-2024q4 was already recorded with different content' },
  'revision-id-reused': { message: 'pledge revision sm-ga-r1 was already recorded with different content' },
  'milestone-already-reached': { message: 'milestone landed was already reached on 2024-06-01' },
  'project-already-cancelled': { message: 'project sm-graphite-anode was already cancelled on 2025-01-15' },
  'revision-mismatch': { message: 'If-Match expected revision 2, but the stream is at revision 3' },
  'concurrent-modification': { message: 'project-sm-graphite-anode was changed by another command; read it again and retry' },
  'payload-too-large': { message: 'Request body is too large' },
  'append-too-large': {
    message:
      "the events for stream project-sm-graphite-anode exceed the event store's append size limit of 1048576 bytes; nothing was written",
  },
  'stream-deleted': {
    message: 'stream project-sm-graphite-anode was deleted in the event store; it can no longer be read or written',
  },
  'append-outcome-unknown': {
    message:
      'the event store stopped (its writer thread: exit code 1) while writing; the append may or may not be stored; ' +
      'repeating it with the same event ids is safe',
  },
  'unsupported-media-type': { message: 'Unsupported Media Type: application/x-www-form-urlencoded' },
  'donor-is-recipient': { message: 'the donor and the recipient must be different regions' },
  'signed-before-pair-established': { message: 'signing date 2021-05-01 is before the pair was established on 2022-01-01' },
  'exceeds-remaining-pledge': { message: 'disbursing 700.00 CNY would exceed the remaining pledge of 600.00 CNY' },
  'currency-mismatch': { message: 'the disbursement is in USD but the pledge is in CNY; currencies are never mixed' },
  'project-cancelled': { message: 'project sm-graphite-anode was cancelled' },
  'project-completed': { message: 'project sm-graphite-anode is completed and can no longer be cancelled' },
  'dated-before-signing': { message: 'disbursement date 2024-01-01 is before the project was signed on 2024-05-07' },
  'jobs-not-positive-integer': { message: 'jobs must be a whole number from 1 to 10000000' },
  'pledge-below-delivered': { message: 'the pledge may not be revised to 100.00 CNY, below the 450.00 already delivered' },
  'pledge-unchanged': { message: 'the pledge is already 3000000000.00 CNY' },
  'disbursement-not-found': { message: 'project sm-graphite-anode has no disbursement sm-ga-t9' },
  'report-not-found': { message: 'project sm-graphite-anode has no jobs report sm-ga-2023q4' },
  'correction-id-reused': { message: 'correction sm-ga-t1-fix1 was already recorded with different content' },
  'correction-unchanged': { message: 'disbursement sm-ga-t1 already stands at 450000000.00 CNY' },
  'dated-before-original': { message: 'a correction dated 2024-09-01 cannot precede disbursement sm-ga-t1, dated 2024-09-30' },
  'jobs-out-of-range': { message: 'corrected jobs must be a whole number from 0 to 10000000' },
  'invisible-characters': {
    message: 'donor.name contains U+200B at character 9, an invisible, control or formatting character (…)',
  },
  'as-of-too-large': {
    message:
      'partner pair fujian-changji and its 5 sub-pair(s) hold 4000 project(s) with about 250000 events; ' +
      'an as-of answer folds at most 100000 (AS_OF_MAX_EVENTS): ask for a sub-pair or a project instead',
  },
  'asset-not-found': { message: 'no such dashboard file' },
  'stream-not-found': { message: 'stream project-sm-graphite-anode holds no events' },
  'unknown-schema-version': {
    message: 'FundsDisbursed schema version 3 cannot be read: this release reads versions 1 to 1 of FundsDisbursed',
  },
  'projection-behind': { message: 'the read models have reached position 3, not yet 4; retry shortly' },
  'parked-event-not-found': { message: 'no event is parked at position 1234' },
  'tree-head-not-found': { message: 'no tree head of size 120 was signed; GET /audit/tree-head gives the latest' },
  'event-not-in-tree': { message: 'event 0b6c…-… is not in the tree of 120 leaves (not a ledger event, or appended since)' },
  'tree-size-not-reached': { message: 'the tree holds 118 leaves, not 120 yet' },
  'tree-behind': { message: 'the Merkle tree has reached position 3, not yet 4; retry shortly' },
  'parked-event-not-first': {
    message: 'the event at position 1240 waits behind the parked event at position 1234 of the same stream: retry that one',
  },
  'rebuild-in-progress': {
    message: 'a rebuild of the read models is running (started 2026-01-01T10:00:00.000Z, at position 40000 of 150000)',
  },
  'read-models-busy': { message: 'another process holds the read models (npm run rebuild?); try again shortly' },
  'read-models-unavailable': { message: 'this process does not keep the read models (LEDGER_ROLES lacks projections)' },
  'stream-contended': {
    message:
      'project-sm-graphite-anode was written by other writers during each of 61 attempts over 4987 ms; ' +
      'nothing was appended: send the command again shortly',
  },
  'audit-busy': { message: '2 export read(s) are already running, the most allowed at once (EXPORT_MAX_CONCURRENT); retry in 5 s' },
  'fleet-unavailable': { message: "the fleet's coordination store does not answer: connection refused; try again shortly" },
  'access-undeclared': { message: 'this endpoint declares no access level, so nobody may call it' },
  'request-timeout': { message: 'the request was not received in time' },
  'headers-too-large': { message: 'the request headers exceed the size limit' },
  'too-many-failed-authentications': {
    message: 'too many failed authentications from this address (30 in 60 s); retry in 42 s',
  },
  'internal-error': { message: 'internal error; the request may be retried' },
} satisfies Record<ErrorCode, { message: string; fields?: unknown }>;

const WHEN: Record<number, string> = {
  400:
    'Invalid request: malformed JSON, invalid or unknown fields (all listed in `fields`), bad path ids, query values or headers. ' +
    'Nothing was changed.',
  401: 'No valid API key: send `Authorization: Bearer <key>`.',
  403: "The API key's role may not call this endpoint.",
  404: 'The pair or project is not recorded.',
  409:
    'Conflicts with what is recorded: the id is taken by different content, a stale `If-Match`, or a write lost to concurrent writers. ' +
    'Nothing was appended.',
  410: 'The stream was deleted in the event store (by an operator: the ledger never deletes); it can no longer be read or written.',
  413:
    "The body is over `BODY_LIMIT_BYTES`, or the events it would append are over the event store's append size limit " +
    "(EventStoreDB's MaxAppendSize). Nothing was appended.",
  414: 'A path parameter is over 256 characters.',
  415: 'The body is not JSON (forms and text included), or is compressed.',
  422: 'A business rule refuses the command. Nothing was appended.',
  429:
    'This client address has used its budget of failed authentications (AUTH_FAILURE_LIMIT per AUTH_FAILURE_WINDOW_MS): ' +
    'every request from it that needs a key is refused until the window ends, valid key or not. `Retry-After` says when (seconds).',
  500: 'The event store holds an event of a schema version this release cannot read (written by a newer release); nothing is misread.',
  503:
    'A read: the read models did not reach `minPosition` within `READ_WAIT_TIMEOUT_MS`. A command without `If-Match`: other ' +
    `writers (other processes) won every race for its stream for ${DEFAULT_CONTENTION.budgetMs / 1000} s; ` +
    'nothing was appended, send it again after `Retry-After`.',
};

function errorExample(status: number, code: string, message: string, fields?: unknown) {
  return { ...errorBody(status, code, message), ...(fields ? { fields } : {}) };
}

/** One documented error status with the codes it can carry (repeated uses for one status merge). */
export function ApiErrorStatus(
  status: number,
  codes: readonly ErrorCode[],
  options: { description?: string; message?: string; fields?: unknown; exampleName?: string } = {},
): MethodDecorator & ClassDecorator {
  const description = options.description ?? WHEN[status] ?? 'Refused.';
  return ApiResponse({
    status,
    type: ErrorResponseDto,
    description: `${description} Codes: ${codes.map((code) => `\`${code}\``).join(', ')}.`,
    examples: Object.fromEntries(
      codes.map((code) => {
        const entry: { message: string; fields?: unknown } = ERROR_EXAMPLES[code];
        const own = options.message === undefined && statusOf(code) === status ? entry : undefined;
        const value = errorExample(status, code, options.message ?? own?.message ?? code, options.fields ?? own?.fields);
        return [options.exampleName ?? `${status}-${code}`, { summary: options.exampleName ?? code, value }];
      }),
    ),
  });
}

/** Documents the errors named by their codes, grouped by status. */
export function ApiErrors(...codes: ErrorCode[]): MethodDecorator & ClassDecorator {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set(codes)) {
    const status = statusOf(code);
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return applyDecorators(...[...byStatus].map(([status, grouped]) => ApiErrorStatus(status, grouped)));
}

/** What every command can be refused with, besides its own rules. */
const COMMAND_REFUSALS: ErrorCode[] = [
  'invalid-request',
  'invalid-body',
  'invalid-header',
  'payload-too-large',
  'append-too-large',
  'unsupported-media-type',
  'revision-mismatch',
  'stream-deleted',
  'concurrent-modification',
  'stream-contended',
  'append-outcome-unknown',
];

/** A command: the errors any command can get plus its own refusals (not-found, conflicts, rules), and the headers it reads. */
export function ApiCommandErrors(...own: DomainErrorCode[]): MethodDecorator {
  return applyDecorators(
    ApiErrors(...COMMAND_REFUSALS, ...own),
    ApiHeader({
      name: 'If-Match',
      required: false,
      description:
        'Refuse the command with 409 `revision-mismatch` unless the stream is at this revision ' +
        '(the `ETag` of `GET /projects/{projectId}`).',
      schema: { type: 'string', pattern: IF_MATCH.source, example: '"2"' },
    }),
    ApiCorrelationIdHeader(),
  );
}

/** A read: a bad query value or header, `minPosition` not reached in time, and its own not-found. */
export function ApiReadErrors(...own: ErrorCode[]): MethodDecorator {
  return applyDecorators(
    ApiErrors('invalid-request', 'invalid-header', 'projection-behind', ...own),
    ApiMinPositionQuery(),
    ApiCorrelationIdHeader(),
  );
}

export function ApiCorrelationIdHeader(): MethodDecorator {
  return ApiHeader({
    name: 'X-Correlation-Id',
    required: false,
    description:
      "Recorded in the events' metadata and echoed in the response; one is generated otherwise. A malformed one is a 400 `invalid-header`.",
    schema: { type: 'string', pattern: CORRELATION_ID.source, example: 'import-2024-05-07' },
  });
}

export function ApiMinPositionQuery(): MethodDecorator {
  return ApiQuery({
    name: 'minPosition',
    required: false,
    description:
      'Read your own writes: answer once the read models reflect this global position (the `position` a command returned), ' +
      'or 503 `projection-behind`.',
    schema: { type: 'integer', minimum: 0, maximum: 999_999_999_999_999, example: 4 },
  });
}

/** A client-chosen id in the path: malformed is a 400, over-long a 414. */
export function ApiLedgerIdParam(name: string, description: string, example: string): MethodDecorator {
  return applyDecorators(
    ApiParam({ name, description, schema: { type: 'string', pattern: ID_PATTERN.source, maxLength: MAX_ID_LENGTH, example } }),
    ApiErrorStatus(400, ['invalid-request'], {
      description: 'A malformed id in the path.',
      message: `invalid id in path: it must match ${ID_PATTERN.source}`,
      fields: [{ field: 'id', problems: [`must match ${ID_PATTERN.source}`] }],
      exampleName: 'invalid-path-id',
    }),
    ApiErrorStatus(414, ['invalid-request'], { message: 'a path parameter is too long' }),
  );
}
