/** The kinds of refusal: each has its class below, and the API answers each with one HTTP status. */
export type DomainErrorKind = 'not-found' | 'conflict' | 'rule-violation' | 'invalid-input';

/**
 * Every code a refusal can carry, with its kind. Most are the deciders'
 * rules; the rest are raised around them with the same classes, so that
 * they are answered alike: by the command executor (a stale If-Match, a
 * write lost to a concurrent one), the as-of queries and the API's reads.
 */
export const DOMAIN_ERROR_CODES = {
  'pair-not-found': 'not-found',
  'parent-pair-not-found': 'not-found',
  'project-not-found': 'not-found',
  'disbursement-not-found': 'not-found',
  'report-not-found': 'not-found',
  'pair-has-no-projects': 'not-found',
  'asset-not-found': 'not-found',

  'pair-already-registered': 'conflict',
  'project-already-signed': 'conflict',
  'disbursement-id-reused': 'conflict',
  'report-id-reused': 'conflict',
  'revision-id-reused': 'conflict',
  'correction-id-reused': 'conflict',
  'milestone-already-reached': 'conflict',
  'project-already-cancelled': 'conflict',
  'revision-mismatch': 'conflict',
  'concurrent-modification': 'conflict',

  'donor-is-recipient': 'rule-violation',
  'signed-before-pair-established': 'rule-violation',
  'exceeds-remaining-pledge': 'rule-violation',
  'currency-mismatch': 'rule-violation',
  'project-cancelled': 'rule-violation',
  'project-completed': 'rule-violation',
  'dated-before-signing': 'rule-violation',
  'jobs-not-positive-integer': 'rule-violation',
  'pledge-below-delivered': 'rule-violation',
  'pledge-unchanged': 'rule-violation',
  'correction-unchanged': 'rule-violation',
  'dated-before-original': 'rule-violation',
  'jobs-out-of-range': 'rule-violation',
  'as-of-too-large': 'rule-violation',

  'invisible-characters': 'invalid-input',
} as const satisfies Record<string, DomainErrorKind>;

export type DomainErrorCode = keyof typeof DOMAIN_ERROR_CODES;

type CodeOf<K extends DomainErrorKind> = { [C in DomainErrorCode]: (typeof DOMAIN_ERROR_CODES)[C] extends K ? C : never }[DomainErrorCode];
export type NotFoundCode = CodeOf<'not-found'>;
export type ConflictCode = CodeOf<'conflict'>;
export type RuleViolationCode = CodeOf<'rule-violation'>;
export type InvalidInputCode = CodeOf<'invalid-input'>;

/**
 * Why a command was refused. `code` is a stable machine-readable name, of
 * the class's kind in DOMAIN_ERROR_CODES; `message` is for people.
 */
export abstract class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The command names a pair or project the ledger has never recorded. */
export class NotFound extends DomainError {
  declare readonly code: NotFoundCode;
  constructor(code: NotFoundCode, message: string) {
    super(code, message);
  }
}

/** The command contradicts what was already recorded under the same id or revision. */
export class Conflict extends DomainError {
  declare readonly code: ConflictCode;
  constructor(code: ConflictCode, message: string) {
    super(code, message);
  }
}

/** The command is well formed but a business rule refuses it. */
export class RuleViolation extends DomainError {
  declare readonly code: RuleViolationCode;
  constructor(code: RuleViolationCode, message: string) {
    super(code, message);
  }
}

/**
 * A field of the command is not acceptable as data at all (the API's request
 * validation refuses the same before any decider runs; this is the domain's
 * own refusal, for every other way in, such as the CLI import).
 */
export class InvalidInput extends DomainError {
  declare readonly code: InvalidInputCode;
  constructor(
    code: InvalidInputCode,
    /** The field at fault, by path: `donor.name`. */
    readonly field: string,
    message: string,
  ) {
    super(code, message);
  }
}
