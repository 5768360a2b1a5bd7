/**
 * ISO 4217 currencies the ledger accepts, with their minor-unit digits.
 * Reports are in CNY; the others cover foreign partners. A currency missing
 * here is refused rather than guessed, because its minor digits decide how
 * amounts are parsed and printed.
 */
export const MINOR_DIGITS = {
  CNY: 2,
  HKD: 2,
  MOP: 2,
  TWD: 2,
  USD: 2,
  EUR: 2,
  GBP: 2,
  CHF: 2,
  AUD: 2,
  CAD: 2,
  SGD: 2,
  NZD: 2,
  SEK: 2,
  NOK: 2,
  DKK: 2,
  RUB: 2,
  KZT: 2,
  UZS: 2,
  PKR: 2,
  INR: 2,
  THB: 2,
  MYR: 2,
  AED: 2,
  SAR: 2,
  JPY: 0,
  KRW: 0,
  VND: 0,
  KWD: 3,
  BHD: 3,
  OMR: 3,
} as const;

export type CurrencyCode = keyof typeof MINOR_DIGITS;

export function isCurrencyCode(value: unknown): value is CurrencyCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(MINOR_DIGITS, value);
}

export function minorDigits(currency: CurrencyCode): number {
  return MINOR_DIGITS[currency];
}
