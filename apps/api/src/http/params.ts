import { BadRequestException, type PipeTransform } from '@nestjs/common';
import { ID_PATTERN } from '#domain';

/** Path ids are checked like body ids: a malformed one is a 400, not a 404. */
export class LedgerIdPipe implements PipeTransform<unknown, string> {
  transform(value: unknown): string {
    if (typeof value === 'string' && ID_PATTERN.test(value)) return value;
    throw new BadRequestException({
      code: 'invalid-request',
      message: `invalid id in path: it must match ${ID_PATTERN.source}`,
      fields: [{ field: 'id', problems: [`must match ${ID_PATTERN.source}`] }],
    });
  }
}

/** A position in a query parameter: a whole number of at most 15 digits, so exact in a JS number. */
export const POSITION_PATTERN = /^(0|[1-9][0-9]{0,14})$/;

/** Parses an optional whole-number query parameter. */
export function optionalPosition(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && POSITION_PATTERN.test(value)) return Number(value);
  throw new BadRequestException({
    code: 'invalid-request',
    message: `${name} must be a non-negative whole number`,
    fields: [{ field: name, problems: ['must be a non-negative whole number'] }],
  });
}

/** Parses an optional query parameter restricted to a list of values. */
export function optionalChoice<T extends string>(value: unknown, name: string, choices: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value === 'string' && (choices as readonly string[]).includes(value)) return value as T;
  throw new BadRequestException({
    code: 'invalid-request',
    message: `${name} must be one of ${choices.join(', ')}`,
    fields: [{ field: name, problems: [`must be one of ${choices.join(', ')}`] }],
  });
}
