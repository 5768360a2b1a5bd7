import type { CurrencyCode } from './currencies.js';
import { formatAmount, parseMoney } from './money.js';
import { ReportAmountError, parseReportAmount } from './report-amount.js';

/** Why `text` is refused (the message parseReportAmount throws), or null. */
function reportAmountProblem(text: string, currency: CurrencyCode, options: { allowZero?: boolean } = {}): string | null {
  try {
    parseReportAmount(text, currency, options);
    return null;
  } catch (error) {
    if (error instanceof ReportAmountError) return error.message;
    throw error;
  }
}

describe('amounts as reports print them', () => {
  it.each([
    ['238.05亿', '23805000000.00'],
    ['238.05亿元', '23805000000.00'],
    ['1510万', '15100000.00'],
    ['1510万元', '15100000.00'],
    ['340.33亿', '34033000000.00'],
    ['30亿', '3000000000.00'],
    ['0.5亿', '50000000.00'],
    ['1.2万亿', '1200000000000.00'],
    ['1.2345678912亿', '123456789.12'],
    ['0.01万', '100.00'],
    ['1,234.56', '1234.56'],
    ['1,234,567', '1234567.00'],
    ['3000000000.00', '3000000000.00'],
    ['0.01', '0.01'],
    ['  42 ', '42.00'],
    ['1510 万', '15100000.00'],
    ['２３８．０５亿', '23805000000.00'],
    ['999999999999999999.99', '999999999999999999.99'],
  ])('reads %s as CNY %s, exactly', (text, expected) => {
    const money = parseReportAmount(text, 'CNY');
    expect(money.currency).toBe('CNY');
    expect(formatAmount(money)).toBe(expected);
    // The same minor units the API's own money parser gives for the plain decimal.
    expect(money.minor).toBe(parseMoney({ amount: expected, currency: 'CNY' }).minor);
  });

  it('keeps figures exact where a float would not', () => {
    // 0.1 + 0.2 style trouble: 1.1亿 × 1e8 in floating point is 110000000.00000001.
    expect(parseReportAmount('1.1亿', 'CNY').minor).toBe(11_000_000_000n);
    expect(parseReportAmount('9007199254740993', 'CNY').minor).toBe(900719925474099300n);
  });

  it('uses the minor digits of the currency', () => {
    expect(parseReportAmount('1510万', 'JPY')).toEqual({ minor: 15_100_000n, currency: 'JPY' });
    expect(parseReportAmount('1.005', 'KWD')).toEqual({ minor: 1005n, currency: 'KWD' });
    expect(parseReportAmount('12.5万', 'USD')).toEqual({ minor: 12_500_000n, currency: 'USD' });
  });

  it('accepts zero only when asked to (a correction to nothing), and still refuses a negative', () => {
    expect(parseReportAmount('0', 'CNY', { allowZero: true })).toEqual({ minor: 0n, currency: 'CNY' });
    expect(parseReportAmount('0.00亿', 'CNY', { allowZero: true }).minor).toBe(0n);
    expect(reportAmountProblem('-1', 'CNY', { allowZero: true })).toBe('must not be negative');
  });

  it.each([
    ['', 'CNY', 'is empty'],
    ['   ', 'CNY', 'is empty'],
    ['-5', 'CNY', 'must not be negative'],
    ['-238.05亿', 'CNY', 'must not be negative'],
    ['－5', 'CNY', 'must not be negative'],
    ['0', 'CNY', 'greater than zero'],
    ['0.00亿', 'CNY', 'greater than zero'],
    ['1.234', 'CNY', 'has 3 decimal places; CNY amounts have at most 2'],
    ['1.230', 'CNY', 'has 3 decimal places'],
    ['1.23456789123亿', 'CNY', 'at most 10 after the point in 亿'],
    ['1.5', 'JPY', 'JPY amounts have at most 0'],
    ['1.5万元', 'USD', 'says 元 (CNY) but the currency is USD'],
    ['1234567890123456789', 'CNY', 'at most 18 integer digits'],
    ['1000000万亿', 'CNY', 'at most 18 integer digits'],
    ['abc', 'CNY', 'is not an amount'],
    ['1e9', 'CNY', 'is not an amount'],
    ['+5', 'CNY', 'is not an amount'],
    ['.5', 'CNY', 'is not an amount'],
    ['5.', 'CNY', 'is not an amount'],
    ['05', 'CNY', 'is not an amount'],
    ['1,23', 'CNY', 'is not an amount'],
    ['12,3456', 'CNY', 'is not an amount'],
    ['1 234', 'CNY', 'is not an amount'],
    ['万', 'CNY', 'is not an amount'],
    ['5元亿', 'CNY', 'is not an amount'],
    ['5 CNY', 'CNY', 'is not an amount'],
    ['NaN', 'CNY', 'is not an amount'],
    ['Infinity', 'CNY', 'is not an amount'],
  ] as const)('refuses %j in %s (%s)', (text, currency, reason) => {
    expect(reportAmountProblem(text, currency)).toContain(reason);
    expect(() => parseReportAmount(text, currency)).toThrow(reason);
  });
});
