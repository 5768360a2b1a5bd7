import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { ValidateBy, type ValidationOptions } from 'class-validator';
import { DATE_RULE, ID_RULE, SLUG_PATTERN, hiddenCharacterProblem, isCalendarDate, isId, moneyProblem } from '#domain';

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

/**
 * Free text: a string of 1 to `max` characters, not blank, NFC (a decomposed
 * `é` is stored composed), without a character that does not show (controls,
 * bidi controls, zero-width characters: the domain's rule, see `visibleText`).
 */
export function IsText(max: number, options?: ValidationOptions): PropertyDecorator {
  return applyDecorators(
    Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.normalize('NFC') : value)),
    ValidateBy(
      {
        name: 'isText',
        validator: {
          validate: (value) => textProblem(value, max) === null,
          defaultMessage: (args) => `${args?.property} ${textProblem(args?.value, max)}`,
        },
      },
      options,
    ),
  );
}

function textProblem(value: unknown, max: number): string | null {
  const rule = `must be non-blank text of at most ${max} characters`;
  if (typeof value !== 'string' || value.trim().length === 0 || [...value].length > max) return rule;
  return hiddenCharacterProblem(value);
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
