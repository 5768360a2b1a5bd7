import { BadRequestException, applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional, ApiQuery } from '@nestjs/swagger';
import { DATE_RULE, isCalendarDate, parseTimestamp } from '#domain';
import type { TimeSlice } from '#projections';
import { ApiErrors, DATE_PATTERN, dateProperty } from '../http/openapi.js';

/** A parsed `?asOf=&knownAt=`, with the values echoed in the answer (knownAt normalised to UTC). */
export interface RequestedSlice {
  readonly slice: TimeSlice;
  readonly echo: { readonly asOf: string | null; readonly knownAt: string | null };
}

function invalid(field: string, problem: string): BadRequestException {
  return new BadRequestException({ code: 'invalid-request', message: `${field} ${problem}`, fields: [{ field, problems: [problem] }] });
}

/**
 * Reads `asOf` (a calendar date) and `knownAt` (an ISO-8601 timestamp with
 * an offset); null when neither is given, so the live read models answer.
 * A `+` offset sent unencoded arrives as a space (form encoding): it is read
 * as the `+` it was, since nothing else can be meant there.
 */
export function requestedSlice(asOf: unknown, knownAt: unknown): RequestedSlice | null {
  if (asOf === undefined && knownAt === undefined) return null;
  if (asOf !== undefined && !isCalendarDate(asOf)) {
    throw invalid('asOf', `${DATE_RULE} (a business date: facts dated after it are left out)`);
  }
  let knownAtMs: number | undefined;
  if (knownAt !== undefined) {
    const text = typeof knownAt === 'string' ? knownAt.replace(/ ([0-9]{2}:[0-9]{2})$/, '+$1') : knownAt;
    const parsed = parseTimestamp(text);
    if (parsed === null) {
      throw invalid(
        'knownAt',
        'must be an ISO-8601 timestamp with a UTC offset, such as 2024-05-07T10:00:00Z or 2024-05-07T18:00:00%2B08:00 ' +
          '(events recorded after it are left out)',
      );
    }
    knownAtMs = parsed;
  }
  return {
    slice: { ...(asOf !== undefined ? { asOf: asOf as string } : {}), ...(knownAtMs !== undefined ? { knownAt: knownAtMs } : {}) },
    echo: { asOf: (asOf as string | undefined) ?? null, knownAt: knownAtMs === undefined ? null : new Date(knownAtMs).toISOString() },
  };
}

/** The OpenAPI description of the two time-travel query parameters and what they add to a read's errors. */
export function ApiTimeSlice(): MethodDecorator {
  return applyDecorators(
    ApiQuery({
      name: 'asOf',
      required: false,
      description:
        'The figures as they stood on this business date: only facts dated on or before it ' +
        '(signings, tranches, reports, revisions, milestones, cancellations; a correction counts on the date of the fact it corrects). ' +
        'Recomputed from the events. A malformed date is a 400.',
      schema: { type: 'string', format: 'date', pattern: DATE_PATTERN, example: '2024-12-31' },
    }),
    ApiQuery({
      name: 'knownAt',
      required: false,
      description:
        'Only what the ledger had recorded by this moment, whatever the dates: ' +
        'an ISO-8601 timestamp with a UTC offset (`Z` or `+08:00`; encode `+` as `%2B`). Combinable with asOf. ' +
        'Recomputed from the events. A malformed or offset-less timestamp is a 400.',
      schema: { type: 'string', format: 'date-time', example: '2025-01-01T00:00:00Z' },
    }),
    ApiErrors('as-of-too-large'),
  );
}

/** The `asOf` field of an answer to ?asOf/?knownAt (a pair summary, a project). */
export const ApiAsOfEcho = (): PropertyDecorator =>
  ApiPropertyOptional({
    ...dateProperty('only in answers to ?asOf/?knownAt: the business date asked for, or null', '2024-12-31'),
    nullable: true,
  });

/** The `knownAt` field of an answer to ?asOf/?knownAt (a pair summary, a project). */
export const ApiKnownAtEcho = (): PropertyDecorator =>
  ApiPropertyOptional({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'only in answers to ?asOf/?knownAt: the moment asked for, in UTC, or null',
    example: '2025-01-01T00:00:00.000Z',
  });
