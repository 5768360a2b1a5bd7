import { type CurrencyCode, minorDigits } from './currencies.js';
import { MAX_INTEGER_DIGITS, type Money } from './money.js';

/**
 * Amounts as public reports print them: `238.05亿` (亿 = 100,000,000),
 * `1510万` (万 = 10,000), `1.2万亿`, `3,000,000,000.00`, with an optional
 * trailing 元 (yuan, so CNY only). Parsed exactly into minor units: the
 * digits are scaled as integers, never through floating point.
 */
export class ReportAmountError extends Error {}

/** The Chinese magnitude words reports use, as powers of ten. */
const REPORT_UNITS = { 万: 4, 亿: 8, 万亿: 12 } as const;

// Digits in plain form or grouped by thousands ("1,234,567"), an optional fraction.
const NUMBER = /^(0|[1-9][0-9]*|[1-9][0-9]{0,2}(?:,[0-9]{3})+)(?:\.([0-9]+))?$/;
const SUFFIX = /(万亿|亿|万)?(元)?$/;

/** Full-width digits and point (２３８．０５) as a Chinese spreadsheet may hold them. */
function halfWidth(text: string): string {
  return text.replace(/[０-９．，]/g, (c) => (c === '．' ? '.' : c === '，' ? ',' : String.fromCharCode(c.charCodeAt(0) - 0xfee0)));
}

/**
 * Parses a report amount into exact money; throws ReportAmountError with the reason otherwise.
 * Zero only with allowZero (a correction to nothing).
 */
export function parseReportAmount(text: string, currency: CurrencyCode, { allowZero = false }: { allowZero?: boolean } = {}): Money {
  const trimmed = halfWidth(text.trim());
  if (trimmed === '') throw new ReportAmountError('is empty');
  const suffix = SUFFIX.exec(trimmed) as RegExpExecArray;
  const unit = (suffix[1] ?? '') as keyof typeof REPORT_UNITS | '';
  if (suffix[2] && currency !== 'CNY') throw new ReportAmountError(`says 元 (CNY) but the currency is ${currency}`);
  const number = trimmed.slice(0, trimmed.length - suffix[0].length).trim();
  if (/^[-−－]/.test(number)) throw new ReportAmountError('must not be negative');
  const match = NUMBER.exec(number);
  if (!match) {
    throw new ReportAmountError(
      'is not an amount: write digits with an optional fraction and thousands commas, ' +
        'optionally followed by 万, 亿 or 万亿 and 元 (such as 1,234.56, 1510万 or 238.05亿)',
    );
  }
  const whole = match[1].replaceAll(',', '');
  const fraction = match[2] ?? '';
  const unitDigits = unit === '' ? 0 : REPORT_UNITS[unit];
  const digits = minorDigits(currency);
  // value = (whole.fraction) × 10^unitDigits; in minor units × 10^digits more.
  const shift = unitDigits + digits - fraction.length;
  if (shift < 0) {
    const allowed = unitDigits + digits;
    const inUnit = unit ? `, so at most ${allowed} after the point in ${unit}` : '';
    throw new ReportAmountError(`has ${fraction.length} decimal places; ${currency} amounts have at most ${digits}${inUnit}`);
  }
  const minor = BigInt(whole + fraction) * 10n ** BigInt(shift);
  if (minor === 0n && !allowZero) throw new ReportAmountError('must be greater than zero');
  if ((minor / 10n ** BigInt(digits)).toString().length > MAX_INTEGER_DIGITS) {
    throw new ReportAmountError(`is too large: at most ${MAX_INTEGER_DIGITS} integer digits`);
  }
  return { minor, currency };
}
