import { ValidateBy, type ValidationOptions } from 'class-validator';
import { DATE_RULE, ID_RULE, SLUG_PATTERN, isCalendarDate, isId, moneyProblem } from '#domain';

/** Request-field validators shared by every DTO; each message names what a valid value looks like. */

export function IsLedgerId(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isLedgerId',
      validator: {
        validate: (value) => isId(value),
        defaultMessage: (args) => `${args?.property} ${ID_RULE}`,
      },
    },
    options,
  );
}

export function IsCalendarDate(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isCalendarDate',
      validator: {
        validate: (value) => isCalendarDate(value),
        defaultMessage: (args) => `${args?.property} ${DATE_RULE}`,
      },
    },
    options,
  );
}

export function IsMoney(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isMoney',
      validator: {
        validate: (value) => moneyProblem(value) === null,
        defaultMessage: (args) => `${args?.property} ${moneyProblem(args?.value)}`,
      },
    },
    options,
  );
}

/** Money that may be zero: a corrected amount. */
export function IsMoneyOrZero(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isMoneyOrZero',
      validator: {
        validate: (value) => moneyProblem(value, { allowZero: true }) === null,
        defaultMessage: (args) => `${args?.property} ${moneyProblem(args?.value, { allowZero: true })}`,
      },
    },
    options,
  );
}

// Control characters (other than none at all) have no place in names, titles or reasons.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
// A lone UTF-16 surrogate is not text: stored, it would read back as U+FFFD in one place and \ud800 in another.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Free text: a string of 1 to `max` characters, not blank, without control characters. */
export function IsText(max: number, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isText',
      validator: {
        validate: (value) =>
          typeof value === 'string' &&
          value.trim().length > 0 &&
          [...value].length <= max &&
          !CONTROL.test(value) &&
          !LONE_SURROGATE.test(value),
        defaultMessage: (args) => `${args?.property} must be non-blank text of at most ${max} characters without control characters`,
      },
    },
    options,
  );
}

/** A grouping key such as a sector: lowercase words joined by dashes, so the same sector is always spelt the same. */
export function IsSlug(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isSlug',
      validator: {
        validate: (value) => typeof value === 'string' && SLUG_PATTERN.test(value),
        defaultMessage: (args) => `${args?.property} must be lowercase words joined by dashes, such as "new-materials" (at most 64)`,
      },
    },
    options,
  );
}
