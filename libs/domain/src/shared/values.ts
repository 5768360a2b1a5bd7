export const MAX_ID_LENGTH = 128;

/** Client-supplied identifiers for pairs, projects, disbursements and reports. */
export const ID_PATTERN = new RegExp(`^[a-z0-9][a-z0-9._-]{0,${MAX_ID_LENGTH - 1}}$`);

/** What a refusal of an id says it should look like. */
export const ID_RULE = `must match ${ID_PATTERN.source} (lowercase letters, digits, '.', '_', '-'; at most ${MAX_ID_LENGTH})`;

export function isId(value: unknown): value is string {
  return typeof value === 'string' && ID_PATTERN.test(value);
}

/** The shape of a date, YYYY-MM-DD: what a schema can say; isCalendarDate also refuses dates that do not exist. */
export const DATE_PATTERN = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/;
export const EARLIEST_YEAR = 1900;
export const LATEST_YEAR = 2199;

/** What a refusal of a date says it should be. */
export const DATE_RULE = 'must be a real calendar date written YYYY-MM-DD';

/** A real calendar date written YYYY-MM-DD (so 2023-02-29 is refused). */
export function isCalendarDate(value: unknown): value is string {
  if (typeof value !== 'string' || !DATE_PATTERN.test(value)) return false;
  const [year, month, day] = value.split('-').map(Number);
  if (year < EARLIEST_YEAR || year > LATEST_YEAR || month < 1 || month > 12 || day < 1) return false;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return day <= daysInMonth;
}

/** A grouping key such as a project's sector: lowercase words joined by dashes, so the same sector is always spelt the same. */
export const SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;

const TIMESTAMP_PATTERN =
  /^([0-9]{4}-[0-9]{2}-[0-9]{2})T([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]{1,9}))?)?(Z|[+-][0-9]{2}:[0-9]{2})$/;

/**
 * Parses an ISO-8601 timestamp that states its offset (`2024-05-07T10:00:00Z`,
 * `2024-05-07T18:00:00.123+08:00`) into epoch milliseconds, digits beyond the
 * millisecond dropped; null if it is not one. A timestamp without an offset
 * is refused: it would mean a different moment on every server.
 */
export function parseTimestamp(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const match = TIMESTAMP_PATTERN.exec(value);
  if (!match) return null;
  const [, date, hh, mm, ss = '00', fraction = '', offset] = match;
  if (!isCalendarDate(date) || Number(hh) > 23 || Number(mm) > 59 || Number(ss) > 59) return null;
  let offsetMinutes = 0;
  if (offset !== 'Z') {
    const [oh, om] = offset.slice(1).split(':').map(Number);
    if (oh > 23 || om > 59) return null;
    offsetMinutes = (offset[0] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const [year, month, day] = date.split('-').map(Number);
  const millis = Number(fraction.padEnd(3, '0').slice(0, 3));
  return Date.UTC(year, month - 1, day, Number(hh), Number(mm), Number(ss), millis) - offsetMinutes * 60_000;
}

/** The year of a YYYY-MM-DD date, as the read models group by it. */
export function yearOf(date: string): string {
  return date.slice(0, 4);
}

/** Deep equality of JSON-like values, used to tell a retried command from a contradicting one. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const keysB = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (keysA.length !== keysB.length) return false;
  return keysA.every((key) => sameJson((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}
