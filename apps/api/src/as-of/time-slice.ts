import { BadRequestException, applyDecorators } from '@nestjs/common';
import { ApiBadRequestResponse, ApiQuery, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { isCalendarDate, parseTimestamp } from '../../../../libs/domain/src/index.js';
import type { TimeSlice } from '../../../../libs/projections/src/index.js';

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
    throw invalid('asOf', 'must be a real calendar date written YYYY-MM-DD (a business date: facts dated after it are left out)');
  }
  let knownAtMs: number | undefined;
  if (knownAt !== undefined) {
    const text = typeof knownAt === 'string' ? knownAt.replace(/ ([0-9]{2}:[0-9]{2})$/, '+$1') : knownAt;
    const parsed = parseTimestamp(text);
    if (parsed === null) {
      throw invalid(
        'knownAt',
        'must be an ISO-8601 timestamp with a UTC offset, such as 2024-05-07T10:00:00Z or 2024-05-07T18:00:00%2B08:00 (events recorded after it are left out)',
      );
    }
    knownAtMs = parsed;
  }
  return {
    slice: { ...(asOf !== undefined ? { asOf: asOf as string } : {}), ...(knownAtMs !== undefined ? { knownAt: knownAtMs } : {}) },
    echo: { asOf: (asOf as string | undefined) ?? null, knownAt: knownAtMs === undefined ? null : new Date(knownAtMs).toISOString() },
  };
}

/** The OpenAPI description of the two time-travel query parameters and what they can refuse. */
export function ApiTimeSlice(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiQuery({
      name: 'asOf',
      required: false,
      description: 'YYYY-MM-DD: the figures as they stood on that business date (only facts dated on or before it; a correction counts on the date of what it corrects). Computed from the events.',
      example: '2024-12-31',
    }),
    ApiQuery({
      name: 'knownAt',
      required: false,
      description: 'ISO-8601 timestamp with offset: only what the ledger had recorded by that moment, whatever the dates. Combinable with asOf. Computed from the events.',
      example: '2025-01-01T00:00:00Z',
    }),
    ApiQuery({ name: 'minPosition', required: false, description: 'wait until the read models reach this position (read-your-writes)' }),
    ApiBadRequestResponse({ description: 'invalid-request: asOf or knownAt malformed' }),
    ApiUnprocessableEntityResponse({ description: 'as-of-too-large: the subtree holds more events than AS_OF_MAX_EVENTS' }),
  );
}
