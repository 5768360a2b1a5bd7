/**
 * Why a command was refused. The API maps each class to one HTTP status:
 * NotFound → 404, Conflict → 409, RuleViolation → 422. `code` is a stable
 * machine-readable name; `message` is for people.
 */
export abstract class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The command names a pair or project the ledger has never recorded. */
export class NotFound extends DomainError {}

/** The command contradicts what was already recorded under the same id or revision. */
export class Conflict extends DomainError {}

/** The command is well formed but a business rule refuses it. */
export class RuleViolation extends DomainError {}
