import { DOMAIN_ERROR_CODES, type DomainErrorCode, type DomainErrorKind } from '#domain';

/**
 * The HTTP status of every error code the API answers with: here and
 * nowhere else. The error filter answers with it, the OpenAPI document
 * lists each code under it.
 */

/** A domain refusal is answered by its kind. */
const KIND_STATUS = { 'not-found': 404, conflict: 409, 'rule-violation': 422, 'invalid-input': 400 } as const satisfies Record<
  DomainErrorKind,
  number
>;

/**
 * The codes of the HTTP layer: validation, access, the read models, and what
 * the server itself refuses. (`invalid-request` is also the code of the 414
 * for an over-long path parameter: the router refuses it before any handler.)
 */
export const HTTP_ERROR_STATUS = {
  'invalid-request': 400,
  'invalid-body': 400,
  'invalid-header': 400,
  unauthenticated: 401,
  forbidden: 403,
  'access-undeclared': 403,
  'stream-not-found': 404,
  'parked-event-not-found': 404,
  'tree-head-not-found': 404,
  'event-not-in-tree': 404,
  'tree-size-not-reached': 404,
  'request-timeout': 408,
  'parked-event-not-first': 409,
  'rebuild-in-progress': 409,
  'stream-deleted': 410,
  'payload-too-large': 413,
  'append-too-large': 413,
  'unsupported-media-type': 415,
  'too-many-failed-authentications': 429,
  'headers-too-large': 431,
  'unknown-schema-version': 500,
  'internal-error': 500,
  'projection-behind': 503,
  'append-outcome-unknown': 503,
  'read-models-busy': 503,
  'read-models-unavailable': 503,
  'stream-contended': 503,
  'tree-behind': 503,
  'audit-busy': 503,
  'fleet-unavailable': 503,
} as const satisfies Record<string, number>;

export type HttpErrorCode = keyof typeof HTTP_ERROR_STATUS;

/** Every code the API answers with. */
export type ErrorCode = DomainErrorCode | HttpErrorCode;

export function isDomainErrorCode(code: ErrorCode): code is DomainErrorCode {
  return Object.prototype.hasOwnProperty.call(DOMAIN_ERROR_CODES, code);
}

export function statusOf(code: ErrorCode): number {
  return isDomainErrorCode(code) ? KIND_STATUS[DOMAIN_ERROR_CODES[code]] : HTTP_ERROR_STATUS[code];
}
