import { type CurrencyCode, MINOR_DIGITS, isCurrencyCode, minorDigits } from './currencies.js';

/**
 * Exact money: an integer count of the currency's minor units (fen for CNY).
 * Amounts never pass through floating point; arithmetic is bigint.
 */
export interface Money {
  readonly minor: bigint;
  readonly currency: CurrencyCode;
}

/** The wire and event form: `{ "amount": "1234.50", "currency": "CNY" }`. */
export interface MoneyJson {
  readonly amount: string;
  readonly currency: string;
}

export const MAX_INTEGER_DIGITS = 18;

/** The most minor-unit digits any accepted currency has (3: KWD). */
export const MAX_MINOR_DIGITS = Math.max(...Object.values(MINOR_DIGITS));

/**
 * Every amount the ledger accepts, as a schema can say it: a decimal string
 * without sign, exponent or leading zeros, of at most MAX_INTEGER_DIGITS
 * integer and MAX_MINOR_DIGITS decimal digits. What a pattern cannot say,
 * moneyProblem adds: each currency's own minor digits, and zero refused
 * unless allowed.
 */
export const AMOUNT_PATTERN = new RegExp(`^(0|[1-9][0-9]{0,${MAX_INTEGER_DIGITS - 1}})(\\.[0-9]{1,${MAX_MINOR_DIGITS}})?$`);

/** Any plain decimal, however long: read first, so that a refusal can say which limit an amount is over. */
const DECIMAL = /^(0|[1-9][0-9]*)(?:\.([0-9]+))?$/;

export class MoneyFormatError extends Error {}

/**
 * Returns why `value` is not an acceptable positive money object, or null if
 * it is. `allowZero` accepts zero too (a disbursement corrected to nothing).
 */
export function moneyProblem(value: unknown, { allowZero = false }: { allowZero?: boolean } = {}): string | null {
  const read = readMoney(value, allowZero);
  return typeof read === 'string' ? read : null;
}

/** Parses a validated money object; throws MoneyFormatError with the reason otherwise. */
export function parseMoney(value: unknown, { allowZero = false }: { allowZero?: boolean } = {}): Money {
  const read = readMoney(value, allowZero);
  if (typeof read === 'string') throw new MoneyFormatError(read);
  return read;
}

/**
 * The money in `value`, or why it is not acceptable: one pass, as projections
 * read every stored amount again (a rebuild reads millions).
 */
function readMoney(value: unknown, allowZero: boolean): Money | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return 'must be an object {"amount": "<decimal string>", "currency": "<ISO 4217 code>"}';
  }
  for (const key in value) {
    if (key !== 'amount' && key !== 'currency') {
      return `has unknown field(s): ${Object.keys(value)
        .filter((name) => name !== 'amount' && name !== 'currency')
        .join(', ')}`;
    }
  }
  const { amount, currency } = value as Record<string, unknown>;
  if (!isCurrencyCode(currency)) return 'currency must be a supported ISO 4217 code such as "CNY"';
  if (typeof amount !== 'string') return 'amount must be a decimal string such as "1234.50", not a number';
  const match = DECIMAL.exec(amount);
  if (!match) return 'amount must be a plain decimal string such as "1234.50" (no sign, exponent, spaces or leading zeros)';
  const [, whole, fraction = ''] = match;
  if (whole.length > MAX_INTEGER_DIGITS) return `amount may have at most ${MAX_INTEGER_DIGITS} integer digits`;
  const digits = minorDigits(currency);
  if (fraction.length > digits) return `amount may have at most ${digits} decimal digit(s) for ${currency}`;
  const minor = BigInt(whole + fraction.padEnd(digits, '0'));
  if (!allowZero && minor === 0n) return 'amount must be greater than zero';
  return { minor, currency };
}

/** Formats with exactly the currency's minor digits: 5 CNY → "5.00". */
export function formatAmount(money: Money): string {
  return formatMinor(money.minor, money.currency);
}

export function formatMinor(minor: bigint, currency: CurrencyCode): string {
  const digits = minorDigits(currency);
  const negative = minor < 0n;
  const text = (negative ? -minor : minor).toString().padStart(digits + 1, '0');
  const whole = text.slice(0, text.length - digits);
  const fraction = digits > 0 ? '.' + text.slice(text.length - digits) : '';
  return (negative ? '-' : '') + whole + fraction;
}

export function toMoneyJson(money: Money): MoneyJson {
  return { amount: formatAmount(money), currency: money.currency };
}

export function sameCurrency(a: Money, b: Money): boolean {
  return a.currency === b.currency;
}

function assertSameCurrency(a: Money, b: Money): void {
  // Currencies are never summed together: mixing them is a programming error.
  if (!sameCurrency(a, b)) throw new Error(`cannot combine ${a.currency} with ${b.currency}`);
}

export function add(a: Money, b: Money): Money {
  assertSameCurrency(a, b);
  return { minor: a.minor + b.minor, currency: a.currency };
}

export function subtract(a: Money, b: Money): Money {
  assertSameCurrency(a, b);
  return { minor: a.minor - b.minor, currency: a.currency };
}

export function compare(a: Money, b: Money): -1 | 0 | 1 {
  assertSameCurrency(a, b);
  return a.minor < b.minor ? -1 : a.minor > b.minor ? 1 : 0;
}
