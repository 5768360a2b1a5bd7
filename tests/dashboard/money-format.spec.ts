/**
 * The dashboard's money formatting (apps/dashboard/money.js, a browser module with
 * no dependencies), run in node: exact decimal strings in, exact text out.
 */
type MoneyModule = {
  groupDigits(amount: string): string;
  chineseUnits(amount: string): string;
  toMinor(amount: string, digits: number): bigint;
  ratio(part: string, whole: string): number;
  percent(part: string, whole: string): string;
  maxAmount(a: string, b: string): string;
  isPositive(amount: string): boolean;
  addAmounts(a: string, b: string): string;
  addByCurrency(a: Record<string, string>, b: Record<string, string>): Record<string, string>;
};

// A non-literal specifier: the module is plain JavaScript without type declarations.
const modulePath = '../../apps/dashboard/money.js';
let money: MoneyModule;
beforeAll(async () => {
  money = (await import(modulePath)) as MoneyModule;
});

describe("the dashboard's money formatting", () => {
  it('groups digits without touching the fraction', () => {
    expect(money.groupDigits('34033000000.00')).toBe('34,033,000,000.00');
    expect(money.groupDigits('999.5')).toBe('999.5');
    expect(money.groupDigits('1000')).toBe('1,000');
    expect(money.groupDigits('0.00')).toBe('0.00');
    expect(money.groupDigits('123456789012345678.99')).toBe('123,456,789,012,345,678.99');
  });

  it('writes 亿 and 万 as the reports do, keeping every digit', () => {
    expect(money.chineseUnits('23805000000.00')).toBe('238.05亿'); // DOMAIN.md: 238.05亿元
    expect(money.chineseUnits('34033000000.00')).toBe('340.33亿');
    expect(money.chineseUnits('3000000000')).toBe('30亿');
    expect(money.chineseUnits('100000000.00')).toBe('1亿');
    expect(money.chineseUnits('15100000.00')).toBe('1510万');
    expect(money.chineseUnits('99999999.99')).toBe('9999.999999万');
    expect(money.chineseUnits('10000')).toBe('1万');
    expect(money.chineseUnits('9999.90')).toBe('9999.9');
    expect(money.chineseUnits('0.00')).toBe('0');
    // Beyond what a double holds exactly: still exact.
    expect(money.chineseUnits('123456789012345678.91')).toBe('1234567890.1234567891亿');
    expect(money.chineseUnits('1234567891.23')).toBe('12.3456789123亿');
  });

  it('computes shares in BigInt: exact percentages, bar ratios clamped to [0, 1]', () => {
    expect(money.percent('450000000.00', '3000000000.00')).toBe('15.0%');
    expect(money.percent('1', '3')).toBe('33.3%');
    expect(money.percent('5', '0.00')).toBe('—');
    expect(money.ratio('1', '4')).toBe(0.25);
    expect(money.ratio('123456789012345678.91', '123456789012345678.92')).toBe(0.999999);
    expect(money.ratio('5', '0')).toBe(0);
    expect(money.ratio('8', '4')).toBe(1);
    // 0.1 + 0.2 style traps do not arise: 0.3 of 0.9 is a third, at the ratio's resolution.
    expect(money.ratio('0.3', '0.90')).toBe(0.333333);
  });

  it('compares and converts amounts exactly, refusing what is not a decimal', () => {
    expect(money.toMinor('1234.5', 2)).toBe(123450n);
    expect(money.toMinor('90071992547409931.23', 2)).toBe(9007199254740993123n);
    expect(money.maxAmount('99999999999999999.99', '100000000000000000.00')).toBe('100000000000000000.00');
    expect(money.isPositive('0.00')).toBe(false);
    expect(money.isPositive('0.01')).toBe(true);
    expect(() => money.toMinor('1.234', 2)).toThrow(/fraction digits/);
    for (const bad of ['1e9', '', 'NaN', '1,000', ' 1']) expect(() => money.groupDigits(bad)).toThrow(/not a decimal/);
  });

  it('adds amounts exactly, per currency, never across currencies', () => {
    expect(money.addAmounts('0.10', '0.2')).toBe('0.30');
    expect(money.addAmounts('34033000000.00', '23805000000.00')).toBe('57838000000.00');
    // Beyond 2^53 and with a fraction: every digit kept.
    expect(money.addAmounts('90071992547409931.23', '0.01')).toBe('90071992547409931.24');
    expect(money.addAmounts('0', '0.05')).toBe('0.05');
    expect(money.addAmounts('7', '8')).toBe('15');
    expect(money.addByCurrency({ CNY: '1.50', USD: '2.00' }, { CNY: '0.50', EUR: '3' })).toEqual({ CNY: '2.00', USD: '2.00', EUR: '3' });
    expect(money.addByCurrency({}, {})).toEqual({});
  });
});
